"""Security checks. Importing this package registers every check in :data:`registry.REGISTRY`."""

from . import admin_users, auth_session, end_user_roles, exposure, headers, jwt_secrets, tls, versions  # noqa: F401  (registration side effects)
from .registry import REGISTRY, Finding, ScanContext, run_checks

__all__ = ["REGISTRY", "Finding", "ScanContext", "run_checks"]
