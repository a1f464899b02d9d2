"""Admin roles (RBAC): content types × create/read/update/delete/publish, plugin and settings actions,
with field, locale and condition restrictions shown as "partial".

``PUT /admin/roles/:id/permissions`` replaces the role's whole permission list (admin API reference
§6.3), so a write sends the fresh list with only the staged (action, subject) pairs added or removed,
and every other permission, restrictions included, exactly as read. The Super Admin role is shown but
never written: Strapi refuses edits and resets it at every boot.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from .client import StrapiClient
from .errors import NotFound, UnexpectedShape
from .http import segment

SUPER_ADMIN = "strapi-super-admin"
CM = "plugin::content-manager.explorer."
CONTENT_ACTIONS = ["create", "read", "update", "delete", "publish"]
ALLOWED_KEYS = ("action", "subject", "properties", "conditions")
RISKY_PREFIXES = ("admin::users.", "admin::roles.", "admin::api-tokens.", "admin::transfer.", "admin::admin-tokens.",
                  "admin::webhooks.", "admin::project-settings.", "plugin::users-permissions.")


def key_of(action: str, subject: str | None) -> str:
    return f"{action}|{subject or ''}"


def split_key(key: str) -> tuple[str, str | None]:
    action, subject = key.split("|", 1)
    return action, subject or None


def clean(permission: dict) -> dict:
    """Only the keys the PUT accepts (noUnknown), with stable defaults."""
    return {"action": permission["action"], "subject": permission.get("subject"),
            "properties": permission.get("properties") or {}, "conditions": permission.get("conditions") or []}


@dataclass
class AdminRole:
    id: int
    name: str
    code: str
    description: str
    users: int | None
    permissions: list[dict] = field(default_factory=list)

    @property
    def super_admin(self) -> bool:
        return self.code == SUPER_ADMIN

    def by_key(self) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for p in self.permissions:
            out.setdefault(key_of(p["action"], p.get("subject")), []).append(p)
        return out

    def granted(self) -> set[str]:
        return set(self.by_key())

    def partial(self, key: str) -> bool:
        """Restricted by fields, locales or conditions."""
        for p in self.by_key().get(key, []):
            props = p.get("properties") or {}
            if p.get("conditions") or props.get("fields") is not None or props.get("locales") is not None:
                return True
        return False

    def detail(self, key: str) -> str:
        parts = []
        for p in self.by_key().get(key, []):
            props = p.get("properties") or {}
            if props.get("fields") is not None:
                parts.append(f"fields: {', '.join(props['fields']) or 'none'}")
            if props.get("locales") is not None:
                parts.append(f"locales: {', '.join(props['locales']) or 'none'}")
            if p.get("conditions"):
                parts.append(f"conditions: {', '.join(p['conditions'])}")
        return "; ".join(parts) or "no restriction"

    def fingerprint(self) -> str:
        canon = sorted(json.dumps(clean(p), sort_keys=True) for p in self.permissions)
        return hashlib.sha256(json.dumps([self.name, canon]).encode()).hexdigest()[:16]

    def body_with(self, changes: dict[str, bool]) -> dict[str, Any]:
        keep = [clean(p) for p in self.permissions if changes.get(key_of(p["action"], p.get("subject"))) is not False]
        present = {key_of(p["action"], p["subject"]) for p in keep}
        for key, on in sorted(changes.items()):
            if on and key not in present:
                action, subject = split_key(key)
                keep.append({"action": action, "subject": subject, "properties": {}, "conditions": []})
        return {"permissions": keep}


@dataclass
class Catalog:
    """What the server allows: content-type subjects and the plugin/settings actions without subject."""

    subjects: list[tuple[str, str]]  # (uid, label)
    content_actions: dict[str, set[str]]  # action id → subjects it applies to
    other_actions: list[tuple[str, str]]  # (action id, display name) for plugins and settings


async def list_roles(client: StrapiClient) -> list[AdminRole]:
    data = await client.get("/admin/roles")
    roles = data.get("data") if isinstance(data, dict) else None
    if not isinstance(roles, list):
        raise UnexpectedShape("GET /admin/roles answered without a list of roles.")
    return [AdminRole(r["id"], str(r.get("name", "")), str(r.get("code", "")), str(r.get("description") or ""),
                      r.get("usersCount")) for r in roles if isinstance(r, dict) and isinstance(r.get("id"), int)]


async def read_role(client: StrapiClient, role_id: int) -> AdminRole:
    try:
        role, perms = await _both(client, role_id)
    except NotFound:
        raise NotFound(f"The admin role {role_id} no longer exists on {client.profile.url} (deleted while open?).",
                       hint="Reload the role list.") from None
    return AdminRole(role_id, str(role.get("name", "")), str(role.get("code", "")), str(role.get("description") or ""),
                     role.get("usersCount"), [p for p in perms if isinstance(p, dict) and "action" in p])


async def _both(client: StrapiClient, role_id: int):
    import asyncio

    role, perms = await asyncio.gather(client.get(f"/admin/roles/{segment(role_id)}"),
                                       client.get(f"/admin/roles/{segment(role_id)}/permissions"))
    role, perms = (role or {}).get("data"), (perms or {}).get("data")
    if not isinstance(role, dict) or not isinstance(perms, list):
        raise UnexpectedShape(f"GET /admin/roles/{role_id} answered an unexpected shape.")
    return role, perms


async def catalog(client: StrapiClient) -> Catalog:
    data = (await client.get("/admin/permissions")).get("data") or {}
    sections = data.get("sections") or {}
    subjects: list[tuple[str, str]] = []
    content: dict[str, set[str]] = {}
    for kind in ("collectionTypes", "singleTypes"):
        part = sections.get(kind) or {}
        for s in part.get("subjects") or []:
            if isinstance(s, dict) and s.get("uid") and s["uid"] not in {u for u, _ in subjects}:
                subjects.append((s["uid"], str(s.get("label") or s["uid"])))
        for a in part.get("actions") or []:
            if isinstance(a, dict) and a.get("actionId"):
                content.setdefault(a["actionId"], set()).update(a.get("subjects") or [])
    others = []
    for kind in ("plugins", "settings"):  # two sections, each in reading order
        section = []
        for a in sections.get(kind) or []:
            if isinstance(a, dict) and a.get("action"):
                section.append((a["action"], _action_label(a)))
        others += sorted(section, key=lambda item: (item[1].lower(), item[0]))
    return Catalog(sorted(subjects), content, others)


def _action_label(a: dict) -> str:
    """'api tokens: Create (generate)' — the owner first, then what the action does; Strapi's 'general'
    sub-category says nothing and is left out so the action itself fits at 80 columns."""
    owner = str(a.get("plugin") or a.get("category") or "").removeprefix("plugin::")
    sub = str(a.get("subCategory") or "")
    label = f"{owner}: {a.get('displayName') or a['action']}" if owner else str(a.get("displayName") or a["action"])
    return label + (f" ({sub})" if sub and sub.lower() != "general" else "")


def is_risky(key: str) -> bool:
    action, _ = split_key(key)
    return action.startswith(RISKY_PREFIXES)
