"""Role baselines: export a role's permissions to a file, compare roles, and turn a saved baseline into
a reviewed plan for a role on another server (promoting a reviewed setup from staging to production).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from . import admin_roles, permissions, targets
from .client import StrapiClient
from .plans import Plan
from .errors import ConfigError

FORMAT = "strapi-console/role-baseline@1"


async def find_role(client: StrapiClient, name: str, *, admin: bool):
    """A role by name, type or code (case-insensitive)."""
    wanted = name.lower()
    if admin:
        for r in await admin_roles.list_roles(client):
            if wanted in (r.name.lower(), r.code.lower(), str(r.id)):
                return await admin_roles.read_role(client, r.id)
    else:
        for r in await permissions.list_roles(client):
            if wanted in (r.name.lower(), r.type.lower(), str(r.id)):
                return await permissions.read_role(client, r.id)
    kind = "admin" if admin else "end-user"
    raise ConfigError(f"No {kind} role named '{name}' on {client.profile.url}.")


def granted(role) -> set[str]:
    return role.granted() if isinstance(role, admin_roles.AdminRole) else role.enabled()


def export(role, profile_name: str) -> dict:
    admin = isinstance(role, admin_roles.AdminRole)
    doc = {"format": FORMAT, "kind": "admin" if admin else "end-user", "role": role.name,
           "source": profile_name, "exported_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    if admin:
        doc["permissions"] = sorted((admin_roles.clean(p) for p in role.permissions),
                                    key=lambda p: (p["action"], p["subject"] or ""))
    else:
        doc["enabled"] = sorted(role.enabled())
    return doc


def load_file(path: str) -> dict:
    try:
        doc = json.loads(Path(path).expanduser().read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot read the baseline {path}: {exc}.") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ConfigError(f"{path} is not a strapi-console role baseline (format {FORMAT}).")
    return doc


def diff(a: set[str], b: set[str]) -> tuple[list[str], list[str]]:
    """(only in a, only in b)."""
    return sorted(a - b), sorted(b - a)


def baseline_changes(role, doc: dict) -> tuple[dict[str, bool], list[dict]]:
    """The staged changes that make ``role`` grant exactly what the baseline grants, and (admin roles) the
    exact permission objects, restrictions included, of the grants the baseline adds."""
    if isinstance(role, admin_roles.AdminRole):
        if doc.get("kind") != "admin":
            raise ConfigError("This baseline holds an end-user role; pass it to an end-user role.")
        permissions_ = [p for p in doc.get("permissions", []) if isinstance(p, dict) and "action" in p]
        wanted = {admin_roles.key_of(p["action"], p.get("subject")) for p in permissions_}
        have = role.granted()
        restore = [p for p in permissions_ if admin_roles.key_of(p["action"], p.get("subject")) in wanted - have]
        return {**{k: True for k in wanted - have}, **{k: False for k in have - wanted}}, restore
    if doc.get("kind") != "end-user":
        raise ConfigError("This baseline holds an admin role; pass --admin.")
    wanted = set(doc.get("enabled", []))
    leaves = role.leaves()
    unknown = sorted(a for a in wanted if a not in leaves)
    if unknown:
        raise ConfigError(f"The baseline grants actions this server does not have: {', '.join(unknown[:5])}.",
                          hint="Both servers need the same content types and plugins.")
    have = role.enabled()
    return {**{a: True for a in wanted - have}, **{a: False for a in have - wanted}}, []


def plan_from_baseline(role, doc: dict) -> Plan:
    """A reviewed plan for ``role`` from a saved baseline (the same engine as every other fix)."""
    changes, restore = baseline_changes(role, doc)
    if isinstance(role, admin_roles.AdminRole):
        return targets.admin_role_plan(role, changes, restore)
    return targets.role_plan(role, changes)
