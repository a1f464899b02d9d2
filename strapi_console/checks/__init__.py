"""Security checks. Importing this package registers every check in :data:`registry.REGISTRY`."""

from . import (  # noqa: F401  (registration side effects)
    admin_users, audit, auth_session, end_user_roles, exposure, graphql, header_extras, headers, integrations, jwt_secrets, rate_limits,
    surfaces, tls, tokens, versions,
)
from .registry import REGISTRY, Finding, ScanContext, run_checks

__all__ = ["REGISTRY", "Finding", "ScanContext", "run_checks"]
