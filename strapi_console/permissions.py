"""End-user role permissions (users-permissions): the nested map as a matrix, staged changes, and the
full-tree body a write must send.

``PUT /users-permissions/roles/:id`` replaces every permission of the role, and a body without
``permissions`` wipes it (admin API reference §7.3), so a write always starts from a fresh read of
the whole tree, flips only the staged leaves, and sends everything back.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .client import StrapiClient
from .errors import NotFound, UnexpectedShape
from .http import segment

WRITE_ACTIONS = {"create", "update", "delete", "destroy", "upload", "publish", "unpublish"}
READ_ACTIONS = {"find", "findOne", "count", "me", "findMany"}
SENSITIVE_NAMES = re.compile(r"user|order|customer|invoice|payment|private|secret|token", re.I)


@dataclass
class RoleSummary:
    id: int
    name: str
    type: str
    description: str
    nb_users: int | None = None


@dataclass
class Role:
    """One end-user role as read from the server, with its whole permission tree."""

    id: int
    name: str
    type: str
    description: str
    tree: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def leaves(self) -> dict[str, bool]:
        """Every action of the tree → enabled, e.g. 'api::article.article.create' → False (read-only view)."""
        return self._leaves

    @cached_property
    def _leaves(self) -> dict[str, bool]:
        out: dict[str, bool] = {}
        for type_key, section in self.tree.items():
            controllers = (section or {}).get("controllers") if isinstance(section, dict) else None
            if not isinstance(controllers, dict):
                continue
            for controller, actions in controllers.items():
                if not isinstance(actions, dict):
                    continue
                for action, leaf in actions.items():
                    out[f"{type_key}.{controller}.{action}"] = bool(isinstance(leaf, dict) and leaf.get("enabled"))
        return out

    def enabled(self) -> set[str]:
        return {a for a, on in self._leaves.items() if on}

    def fingerprint(self) -> str:
        """What a concurrent change would alter: name, description and the enabled set."""
        data = json.dumps({"name": self.name, "description": self.description, "enabled": sorted(self.enabled())})
        return hashlib.sha256(data.encode()).hexdigest()[:16]

    def rows(self) -> dict[str, dict[str, bool]]:
        """Matrix rows ('api::article.article') → action → enabled (computed once: the role is a snapshot)."""
        return self._rows

    @cached_property
    def _rows(self) -> dict[str, dict[str, bool]]:
        out: dict[str, dict[str, bool]] = {}
        for action_id, on in self.leaves().items():
            subject, action = action_id.rsplit(".", 1)
            out.setdefault(subject, {})[action] = on
        return out

    def body_with(self, changes: dict[str, bool]) -> dict[str, Any]:
        """The full PUT body: this tree with the staged leaves flipped, unknown leaves kept intact."""
        tree = copy.deepcopy(self.tree)
        for action_id, on in changes.items():
            subject, action = action_id.rsplit(".", 1)
            type_key, controller = subject.rsplit(".", 1)
            leaf = tree.setdefault(type_key, {}).setdefault("controllers", {}).setdefault(controller, {}).setdefault(
                action, {"enabled": False, "policy": ""})
            leaf["enabled"] = on
        return {"name": self.name, "description": self.description, "permissions": tree}


def label(action_id: str) -> str:
    """'api::article.article.create' → 'article.create'; plugin actions keep the plugin name."""
    subject, action = action_id.rsplit(".", 1)
    type_key, controller = subject.rsplit(".", 1)
    if type_key.startswith("api::"):
        return f"{controller}.{action}"
    return f"{type_key.split('::', 1)[1]}.{controller}.{action}"


def is_write(action_id: str) -> bool:
    return action_id.rsplit(".", 1)[1] in WRITE_ACTIONS


RISKS = {
    "AUTH-PUBLIC-WRITE": "anonymous visitors can change content",
    "AUTH-PUBLIC-USERS": "anonymous visitors can list end users",
    "AUTH-PUBLIC-UPLOAD": "anonymous visitors can upload or delete media",
    "AUTH-AUTHENTICATED-ROLE": "every signed-up user can manage users or roles",
}


def risk(role_type: str, action_id: str) -> str | None:
    """The check that fails when a role of this type is granted ``action_id`` (None: no check fails for it).

    One table for the AUTH-* checks and the matrix's red cells, so the two never disagree: each check
    reads one role type (the Public checks the Public role, AUTH-AUTHENTICATED-ROLE the Authenticated
    role), so a cell is never blamed on a check that does not look at its role."""
    subject, action = action_id.rsplit(".", 1)
    if role_type == "public":
        if subject.startswith("api::") and action in WRITE_ACTIONS:
            return "AUTH-PUBLIC-WRITE"
        if subject == "plugin::users-permissions.user" and action in ("find", "findOne", "count"):
            return "AUTH-PUBLIC-USERS"
        if subject.startswith("plugin::upload.") and action in ("upload", "destroy", "uploadFiles", "replaceFile"):
            return "AUTH-PUBLIC-UPLOAD"
        return None
    if role_type == "authenticated" and (
            (subject == "plugin::users-permissions.user" and action in ("update", "destroy", "create"))
            or subject == "plugin::users-permissions.role"):
        return "AUTH-AUTHENTICATED-ROLE"
    return None


async def list_roles(client: StrapiClient) -> list[RoleSummary]:
    data = await client.get("/users-permissions/roles")
    roles = data.get("roles") if isinstance(data, dict) else None
    if not isinstance(roles, list):
        raise UnexpectedShape("GET /users-permissions/roles answered without a 'roles' list.")
    out = []
    for r in roles:
        if isinstance(r, dict) and isinstance(r.get("id"), int):
            out.append(RoleSummary(r["id"], str(r.get("name", "")), str(r.get("type", "")),
                                   str(r.get("description") or ""), r.get("nb_users")))
    return out


async def read_role(client: StrapiClient, role_id: int) -> Role:
    try:
        data = await client.get(f"/users-permissions/roles/{segment(role_id)}")
    except NotFound:
        raise NotFound(f"The end-user role {role_id} no longer exists on {client.profile.url} (deleted while open?).",
                       hint="Refresh the role list.") from None
    role = data.get("role") if isinstance(data, dict) else None
    if not isinstance(role, dict) or not isinstance(role.get("permissions"), dict):
        raise UnexpectedShape(f"GET /users-permissions/roles/{role_id} answered without a permission tree.")
    return Role(id=role_id, name=str(role.get("name", "")), type=str(role.get("type", "")),
                description=str(role.get("description") or ""), tree=role["permissions"], raw=role)


async def role_by_type(client: StrapiClient, role_type: str) -> Role | None:
    for summary in await list_roles(client):
        if summary.type == role_type:
            return await read_role(client, summary.id)
    return None


async def read_providers(client: StrapiClient) -> dict[str, dict]:
    data = await client.get("/users-permissions/providers")
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise UnexpectedShape("GET /users-permissions/providers did not answer a map of providers.")
    return data


async def read_advanced(client: StrapiClient) -> dict[str, Any]:
    data = await client.get("/users-permissions/advanced")
    settings = data.get("settings") if isinstance(data, dict) else None
    if not isinstance(settings, dict):
        raise UnexpectedShape("GET /users-permissions/advanced answered without 'settings'.")
    return settings
