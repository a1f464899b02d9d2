"""One small :class:`~strapi_console.engine.Target` per kind of object the console changes, and the plan
builders the checks, the CLI and the TUI use.

Each target says how to read the object as cells, how to build the write's body from a fresh read (the
Strapi writes below replace whole objects, so everything is sent back as read), how to send it and how
to show a cell. What each cannot undo is a class attribute, said before confirmation.
"""

from __future__ import annotations

import hashlib
import json
import secrets as pysecrets
from typing import Any

from . import admin_roles, permissions, tokens
from .client import StrapiClient
from .plans import Plan, Snapshot, Step, Target
from .errors import ConsoleError, NotFound, UnexpectedShape
from .http import segment
from .redact import SECRET_KEYS, redact_url, register_secret


def _digest(value: Any) -> str:
    """A stand-in for a secret value: compares like it, says nothing about it."""
    return "sha256:" + hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _is_secret_field(name: str) -> bool:
    return bool(SECRET_KEYS.match(name.replace("-", "_")))


async def _read_one(client: StrapiClient, path: str) -> dict | None:
    """One object by id, None when the server has no such object (deleted since it was listed)."""
    try:
        answer = await client.get(path)
    except NotFound:
        return None
    data = answer.get("data") if isinstance(answer, dict) else None
    return data if isinstance(data, dict) else None


def _word(on: Any) -> str:
    return "allowed" if on else "denied"


def _single(target: Target, loaded: Snapshot, wanted: dict[str, Any], title: str) -> Plan:
    """A plan of one step, or no step when the object already has the wanted values."""
    real = {c: v for c, v in wanted.items() if loaded.cells.get(c) != v}
    return Plan([Step(target, loaded, real)] if real else [], title=title)


# --- end-user roles (users-permissions) ----------------------------------------------------------


class EndUserRole(Target):
    """``PUT /users-permissions/roles/:id`` replaces the whole tree: the body is the fresh tree, staged leaves flipped."""

    key = kind = "up-role"

    @property
    def title(self) -> str:
        return f"The role {self.name}"

    @staticmethod
    def snapshot(role: permissions.Role) -> Snapshot:
        return Snapshot({"name": role.name, "description": role.description, **role.leaves()}, role)

    async def read(self, client: StrapiClient) -> Snapshot | None:
        try:
            return self.snapshot(await permissions.read_role(client, int(self.ref["id"])))
        except NotFound:
            return None

    def label(self, cell: str) -> str:
        return permissions.label(cell) if "::" in cell else cell

    def show(self, cell: str, value: Any) -> str:
        return _word(value) if "::" in cell else super().show(cell, value)

    def body(self, fresh: Snapshot, wanted: dict[str, Any]) -> Any:
        return fresh.raw.body_with({c: bool(v) for c, v in wanted.items() if "::" in c})

    async def send(self, client: StrapiClient, body: Any) -> Any:
        return await client.call("PUT", f"/users-permissions/roles/{segment(self.ref['id'])}", json_body=body)

    def request(self, loaded: Snapshot, wanted: dict[str, Any]) -> dict[str, Any]:
        return {"method": "PUT", "path": f"/users-permissions/roles/{segment(self.ref['id'])}",
                "body": {"permissions": {a: {"enabled": on} for a, on in sorted(wanted.items())},
                         "note": "sent as the role's complete permission tree; every other permission unchanged"}}


def role_plan(role: permissions.Role, changes: dict[str, bool]) -> Plan:
    leaves = role.leaves()
    real = {a: on for a, on in changes.items() if leaves.get(a, False) != on}
    target = EndUserRole({"id": role.id, "type": role.type}, role.name)
    loaded = EndUserRole.snapshot(role)
    return Plan([Step(target, loaded, real)] if real else [], title=role.name)


# --- admin roles (RBAC) --------------------------------------------------------------------------

PLAIN_GRANT = [{"conditions": [], "properties": {}}]


def _grant_value(perms: list[dict]) -> list[dict]:
    """A grant as compared: its restrictions (fields, locales, conditions), in a stable order."""
    out = [{"conditions": sorted(p.get("conditions") or []), "properties": p.get("properties") or {}} for p in perms]
    return sorted(out, key=lambda v: json.dumps(v, sort_keys=True))


class AdminRole(Target):
    """``PUT /admin/roles/:id/permissions`` replaces the list: every other permission is sent back exactly as read."""

    key = kind = "admin-role"

    @property
    def title(self) -> str:
        return f"The admin role {self.name}"

    @staticmethod
    def snapshot(role: admin_roles.AdminRole) -> Snapshot:
        cells: dict[str, Any] = {"name": role.name, "description": role.description}
        cells.update({key: _grant_value(perms) for key, perms in role.by_key().items()})
        return Snapshot(cells, role)

    async def read(self, client: StrapiClient) -> Snapshot | None:
        try:
            return self.snapshot(await admin_roles.read_role(client, int(self.ref["id"])))
        except NotFound:
            return None

    def label(self, cell: str) -> str:
        if "|" not in cell:
            return cell
        action, subject = admin_roles.split_key(cell)
        return action.replace("plugin::content-manager.explorer.", "") + (f" on {subject}" if subject else "")

    def show(self, cell: str, value: Any) -> str:
        if "|" not in cell:
            return super().show(cell, value)
        if not value:
            return "denied"
        return "allowed" if value == PLAIN_GRANT else f"allowed ({json.dumps(value, sort_keys=True)})"

    def check(self, wanted, after, answer, secrets) -> str | None:
        def wrong(cell: str, value: Any) -> bool:
            got = after.cells.get(cell)
            if value == PLAIN_GRANT:  # a plain grant may come back with restrictions Strapi fills in
                return got is None
            return got != value

        return "; ".join(f"{self.label(c)}: not as written" for c, v in sorted(wanted.items()) if wrong(c, v)) or None

    def body(self, fresh: Snapshot, wanted: dict[str, Any]) -> Any:
        keep = [admin_roles.clean(p) for p in fresh.raw.permissions
                if admin_roles.key_of(p["action"], p.get("subject")) not in wanted]
        for key, grants in sorted(wanted.items()):
            if "|" in key and grants:
                action, subject = admin_roles.split_key(key)
                keep += [{"action": action, "subject": subject, "properties": g.get("properties") or {},
                          "conditions": list(g.get("conditions") or [])} for g in grants]
        return {"permissions": keep}

    async def send(self, client: StrapiClient, body: Any) -> Any:
        return await client.call("PUT", f"/admin/roles/{segment(self.ref['id'])}/permissions", json_body=body)

    def request(self, loaded: Snapshot, wanted: dict[str, Any]) -> dict[str, Any]:
        return {"method": "PUT", "path": f"/admin/roles/{segment(self.ref['id'])}/permissions",
                "body": {"changes": {k: bool(v) for k, v in sorted(wanted.items())},
                         "note": "sent as the role's complete permission list"}}


def admin_role_plan(role: admin_roles.AdminRole, changes: dict[str, bool], restore: list[dict] | None = None) -> Plan:
    """Grant or deny (action, subject) pairs; ``restore`` gives granted pairs their exact restrictions."""
    if role.super_admin:
        raise ConsoleError("The Super Admin role is read-only: Strapi refuses edits and restores every permission "
                           "at boot. Nothing was sent.", title="Super Admin")
    exact: dict[str, list[dict]] = {}
    for p in restore or []:
        exact.setdefault(admin_roles.key_of(p["action"], p.get("subject")), []).append(p)
    granted = role.granted()
    wanted = {k: (_grant_value(exact[k]) if k in exact else PLAIN_GRANT) if on else None
              for k, on in changes.items() if (k in granted) != on}
    target = AdminRole({"id": role.id}, role.name)
    return Plan([Step(target, AdminRole.snapshot(role), wanted)] if wanted else [], title=role.name)


# --- users-permissions advanced settings ---------------------------------------------------------

ADVANCED_KEYS = ("unique_email", "allow_register", "email_confirmation", "email_reset_password",
                 "email_confirmation_redirection", "default_role")


class AdvancedSettings(Target):
    """``PUT /users-permissions/advanced`` replaces the stored object: every key is sent, changed or not."""

    key = kind = "up-advanced"

    @property
    def title(self) -> str:
        return "The users-permissions settings"

    async def read(self, client: StrapiClient) -> Snapshot | None:
        settings = await permissions.read_advanced(client)
        return Snapshot(dict(settings), settings)

    def show(self, cell: str, value: Any) -> str:
        return repr(value)

    def body(self, fresh: Snapshot, wanted: dict[str, Any]) -> Any:
        return {**fresh.raw, **wanted}

    async def send(self, client: StrapiClient, body: Any) -> Any:
        return await client.call("PUT", "/users-permissions/advanced", json_body=body)

    def request(self, loaded: Snapshot, wanted: dict[str, Any]) -> dict[str, Any]:
        return {"method": "PUT", "path": "/users-permissions/advanced",
                "body": {**{k: loaded.cells.get(k) for k in ADVANCED_KEYS if k in loaded.cells}, **wanted}}


def advanced_plan(settings: dict[str, Any], changes: dict[str, Any]) -> Plan:
    return _single(AdvancedSettings({}, "users-permissions settings"), Snapshot(dict(settings), settings), changes,
                   "users-permissions settings")


# --- users-permissions login providers -----------------------------------------------------------


class Providers(Target):
    """``PUT /users-permissions/providers`` replaces the grant config: the whole map is sent back as read
    (secrets included, never shown: their cells are digests), minus the computed ``redirectUri``."""

    key = kind = "up-providers"

    @property
    def title(self) -> str:
        return "The login providers"

    @staticmethod
    def snapshot(providers: dict[str, dict]) -> Snapshot:
        cells = {f"{name}.{k}": (_digest(v) if _is_secret_field(k) and v not in (None, "") else v)
                 for name, p in providers.items() for k, v in p.items() if k != "redirectUri"}
        return Snapshot(cells, providers)

    async def read(self, client: StrapiClient) -> Snapshot | None:
        return self.snapshot(await permissions.read_providers(client))

    def show(self, cell: str, value: Any) -> str:
        if isinstance(value, str) and value.startswith("sha256:"):
            return "(a secret)"
        return super().show(cell, value)

    def line(self, cell: str, old: Any, new: Any) -> str:
        provider, _, attr = cell.partition(".")
        if attr == "enabled":
            word = lambda on: "enabled" if on else "disabled"  # noqa: E731
            return f"login provider {provider}: {word(old)} → {word(new)}"
        return f"login provider {provider}: {attr} {self.show(cell, old)} → {self.show(cell, new)}"

    def body(self, fresh: Snapshot, wanted: dict[str, Any]) -> Any:
        out = {name: {k: v for k, v in p.items() if k != "redirectUri"} for name, p in fresh.raw.items()}
        for cell, value in wanted.items():
            provider, _, attr = cell.partition(".")
            out.setdefault(provider, {})[attr] = value
        return {"providers": out}

    async def send(self, client: StrapiClient, body: Any) -> Any:
        return await client.call("PUT", "/users-permissions/providers", json_body=body)

    def request(self, loaded: Snapshot, wanted: dict[str, Any]) -> dict[str, Any]:
        return {"method": "PUT", "path": "/users-permissions/providers",
                "body": {"providers": {c.partition(".")[0]: {c.partition(".")[2]: v} for c, v in sorted(wanted.items())},
                         "note": "sent as the complete provider map; every other field unchanged"}}


def providers_plan(providers: dict[str, dict], enabled: dict[str, bool]) -> Plan:
    return _single(Providers({}, "login providers"), Providers.snapshot(providers),
                   {f"{name}.enabled": on for name, on in enabled.items()}, "login providers")


# --- documentation plugin: restricted access -----------------------------------------------------


async def read_docs_access(client: StrapiClient) -> bool:
    data = await client.get("/documentation/getInfos")
    access = data.get("documentationAccess") if isinstance(data, dict) else None
    if not isinstance(access, dict):
        raise UnexpectedShape("GET /documentation/getInfos answered without 'documentationAccess'.")
    return bool(access.get("restrictedAccess"))


def docs_password() -> str:
    """A password the documentation plugin accepts: Strapi's rule (``updateSettings``) wants at least 8
    characters with a lowercase letter, an uppercase letter and a digit. A bare ``token_urlsafe(18)``
    lacks a digit about once in 60 tries, and the fix was then refused with a 400."""
    while True:
        word = pysecrets.token_urlsafe(18)
        if any(c.islower() for c in word) and any(c.isupper() for c in word) and any(c.isdigit() for c in word):
            return word


class DocsProtect(Target):
    """Put the Swagger UI behind a password the console generates (shown once, never stored)."""

    key = kind = "documentation"
    reveals_secret = True
    reverted_by = "documentation-open"

    async def read(self, client: StrapiClient) -> Snapshot | None:
        return Snapshot({"restrictedAccess": await read_docs_access(client)})

    def line(self, cell: str, old: Any, new: Any) -> str:
        word = lambda on: "password required" if on else "public"  # noqa: E731
        return f"documentation plugin: {word(old)} → {word(new)}" + (" (a generated password, shown once)"
                                                                      if new and self.reveals_secret else "")

    def body(self, fresh: Snapshot, wanted: dict[str, Any]) -> Any:
        body: dict[str, Any] = {"restrictedAccess": bool(wanted.get("restrictedAccess"))}
        if body["restrictedAccess"]:
            body["password"] = docs_password()
            register_secret(body["password"])
        return body

    async def send(self, client: StrapiClient, body: Any) -> Any:
        return await client.call("PUT", "/documentation/updateSettings", json_body=body)

    def new_secrets(self, answer: Any, body: Any) -> dict[str, str]:
        return {"documentation password": body["password"]} if body.get("password") else {}

    def request(self, loaded: Snapshot, wanted: dict[str, Any]) -> dict[str, Any]:
        on = bool(wanted.get("restrictedAccess"))
        return {"method": "PUT", "path": "/documentation/updateSettings",
                "body": {"restrictedAccess": on, **({"password": "<generated>"} if on else {})}}


class DocsOpen(DocsProtect):
    """Make the documentation public again (the undo of :class:`DocsProtect`)."""

    key = "documentation-open"
    reveals_secret = False
    undoable = False
    cannot_undo = "the previous documentation password is not kept, so it cannot be set again"
    reverted_by = None


def docs_plan() -> Plan:
    return Plan([Step(DocsProtect({}, "documentation access"), Snapshot({"restrictedAccess": False}),
                      {"restrictedAccess": True})], title="documentation")


# --- webhooks ------------------------------------------------------------------------------------


class Webhook(Target):
    """``PUT /admin/webhooks/:id`` takes the whole webhook: name, headers and events are sent back as read.
    The URL may hold a credential: the journal keeps it redacted, the keyring keeps it exact for undo."""

    key = kind = "webhook"
    secret_cells = frozenset({"url"})

    @property
    def title(self) -> str:
        return f"The webhook {self.name}"

    @staticmethod
    def snapshot(hook: dict) -> Snapshot:
        headers = hook.get("headers") if isinstance(hook.get("headers"), dict) else {}
        cells = {"name": hook.get("name"), "url": hook.get("url"), "isEnabled": hook.get("isEnabled"),
                 "events": sorted(str(e) for e in hook.get("events") or []),
                 "headers": {str(k): _digest(v) for k, v in sorted(headers.items())}}
        return Snapshot(cells, hook)

    async def read(self, client: StrapiClient) -> Snapshot | None:
        hook = await _read_one(client, f"/admin/webhooks/{segment(self.ref['id'])}")
        return self.snapshot(hook) if hook is not None else None

    def show(self, cell: str, value: Any) -> str:
        if cell == "headers" and isinstance(value, dict):
            return "{" + ", ".join(sorted(value)) + "}"
        return super().show(cell, value)

    def line(self, cell: str, old: Any, new: Any) -> str:
        if cell == "isEnabled":
            return f"webhook {self.name}: " + ("enabled" if old else "disabled") + " → " + (
                "enabled" if new else "disabled (it stops posting; its URL, headers and events are kept)")
        return f"webhook {self.name}: {cell} {self.show(cell, old)} → {self.show(cell, new)}"

    def body(self, fresh: Snapshot, wanted: dict[str, Any]) -> Any:
        kept = {k: fresh.raw[k] for k in ("name", "url", "headers", "events", "isEnabled") if k in fresh.raw}
        return kept | {k: v for k, v in wanted.items() if k != "headers"}

    async def send(self, client: StrapiClient, body: Any) -> Any:
        return await client.call("PUT", f"/admin/webhooks/{segment(self.ref['id'])}", json_body=body)

    def request(self, loaded: Snapshot, wanted: dict[str, Any]) -> dict[str, Any]:
        return {"method": "PUT", "path": f"/admin/webhooks/{segment(self.ref['id'])}",
                "body": {**{k: redact_url(v) if k == "url" else v for k, v in wanted.items()},
                         "note": "sent with the webhook's name, headers and events unchanged"}}


async def read_webhook(client: StrapiClient, hook_id: str) -> dict | None:
    return await _read_one(client, f"/admin/webhooks/{segment(hook_id)}")


def webhook_enabled_plan(hooks: list[dict], enabled: bool) -> Plan:
    """Disable (or enable) webhooks: one journal group, undone together."""
    steps = [Step(Webhook({"id": str(h.get("id"))}, str(h.get("name"))), Webhook.snapshot(h), {"isEnabled": enabled})
             for h in hooks if h.get("isEnabled") != enabled]
    return Plan(steps, title="webhooks")


def webhook_plan(hook: dict, url: str) -> Plan:
    return _single(Webhook({"id": str(hook.get("id"))}, str(hook.get("name"))), Webhook.snapshot(hook), {"url": url},
                   f"webhook {hook.get('name')}")


# --- admin users ---------------------------------------------------------------------------------


class AdminUser(Target):
    key = kind = "admin-user"

    @property
    def title(self) -> str:
        return f"The admin {self.name}"

    @staticmethod
    def snapshot(user: dict) -> Snapshot:
        roles = sorted(r.get("id") for r in user.get("roles") or [] if isinstance(r, dict) and isinstance(r.get("id"),
                                                                                                         int))
        return Snapshot({"email": user.get("email"), "isActive": user.get("isActive"), "firstname": user.get("firstname"),
                         "lastname": user.get("lastname"), "roles": roles}, user)

    async def read(self, client: StrapiClient) -> Snapshot | None:
        user = await _read_one(client, f"/admin/users/{segment(self.ref['id'])}")
        return self.snapshot(user) if user is not None else None

    def line(self, cell: str, old: Any, new: Any) -> str:
        if cell == "isActive":
            return f"admin {self.name}: " + ("reactivated" if new else
                                             "deactivated (their sessions and admin tokens stop working)")
        return super().line(cell, old, new)

    def body(self, fresh: Snapshot, wanted: dict[str, Any]) -> Any:
        return dict(wanted)

    async def send(self, client: StrapiClient, body: Any) -> Any:
        return await client.call("PUT", f"/admin/users/{segment(self.ref['id'])}", json_body=body)

    def request(self, loaded: Snapshot, wanted: dict[str, Any]) -> dict[str, Any]:
        return {"method": "PUT", "path": "/admin/users/:id", "body": dict(wanted)}


def admin_users_plan(users: list[dict], *, active: bool = False) -> Plan:
    """Deactivate (or reactivate) several admins: one journal group, applied in order, undone together."""
    steps = [Step(AdminUser({"id": u["id"]}, str(u.get("email"))), AdminUser.snapshot(u), {"isActive": active})
             for u in users if u.get("isActive") != active]
    plan = Plan(steps, title="admin users")
    return plan


# --- the operator's own admin sessions (5.50+) ------------------------------------------------------


class OtherSessions(Target):
    """End every admin session of the signed-in account except the console's own:
    ``DELETE /admin/users/me/sessions?keepCurrent=true`` (5.50+). Their access tokens fail at once and
    their refresh cookies are refused; the devices must sign in again."""

    key = kind = "admin-sessions"
    undoable = False
    cannot_undo = "an ended session cannot be resumed: those devices must sign in again"

    @property
    def title(self) -> str:
        return "Your other admin sessions"

    async def read(self, client: StrapiClient) -> Snapshot | None:
        try:
            answer = await client.get("/admin/users/me/sessions")
        except NotFound:
            return None
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list):
            raise UnexpectedShape("GET /admin/users/me/sessions answered without a 'data' list.")
        rows = [s for s in data[:1000] if isinstance(s, dict)]
        # a session id is half of a forged 5.24+ admin token (with ADMIN_JWT_SECRET): only digests are kept
        others = sorted(_digest(str(s.get("id"))) for s in rows if not s.get("current"))
        return Snapshot({"others": others}, None)

    def describe(self, loaded: Snapshot, wanted: dict[str, Any]) -> list[str]:
        count = len(loaded.cells.get("others") or [])
        return [f"your other admin sessions: {count} ended (every device but this console signs in again)"]

    def body(self, fresh: Snapshot, wanted: dict[str, Any]) -> Any:
        return None

    async def send(self, client: StrapiClient, body: Any) -> Any:
        return await client.call("DELETE", "/admin/users/me/sessions", params={"keepCurrent": "true"})

    def settled(self, before, after, now) -> str:
        return "applied" if now is not None and not now.cells.get("others") else "not applied"

    def request(self, loaded: Snapshot, wanted: dict[str, Any]) -> dict[str, Any]:
        return {"method": "DELETE", "path": "/admin/users/me/sessions?keepCurrent=true"}


async def read_other_sessions(client: StrapiClient) -> Snapshot | None:
    """The account's other sessions, or None where the server cannot list them (before 5.50)."""
    return await OtherSessions({}, "admin sessions").read(client)


def other_sessions_plan(loaded: Snapshot) -> Plan:
    others = loaded.cells.get("others") or []
    return Plan([Step(OtherSessions({}, "your other admin sessions"), loaded, {"others": []})] if others else [],
                title="admin sessions")


# --- API, admin and transfer tokens --------------------------------------------------------------


class TokenTarget(Target):
    """A token by kind and id; ``updatedAt`` moves with any edit (a colleague's regeneration too)."""

    volatile = frozenset({"updatedAt"})

    @property
    def token_kind(self) -> str:
        return str(self.ref["token_kind"])

    @property
    def journal_kind(self) -> str:
        return f"{self.token_kind}-token"

    @property
    def title(self) -> str:
        return f"The {tokens.KINDS[self.token_kind][1]} '{self.name}'"

    @property
    def path(self) -> str:
        return f"{tokens.KINDS[self.token_kind][0]}/{segment(self.ref['id'])}"

    @staticmethod
    def snapshot(token: tokens.Token) -> Snapshot:
        raw = token.raw
        cells = {"name": token.name, "description": raw.get("description"), "type": token.type,
                 "permissions": sorted(token.permissions), "lifespan": token.lifespan,
                 "expiresAt": raw.get("expiresAt"), "updatedAt": raw.get("updatedAt")}
        if "adminPermissions" in raw:
            cells["adminPermissions"] = raw.get("adminPermissions")
        return Snapshot(cells, token)

    async def read(self, client: StrapiClient) -> Snapshot | None:
        token = await tokens.read_token(client, self.token_kind, self.ref["id"])
        return self.snapshot(token) if token is not None else None

    def line(self, cell: str, old: Any, new: Any) -> str:
        return f"{tokens.KINDS[self.token_kind][1]} '{self.name}': {cell} {self.show(cell, old)} → {self.show(cell, new)}"


class TokenUpdate(TokenTarget):
    """Make an API token read-only (and, as its undo, give it its type and permissions back)."""

    key = "token-update"

    def body(self, fresh: Snapshot, wanted: dict[str, Any]) -> Any:
        return {k: wanted.get(k, fresh.cells.get(k)) for k in ("type", "permissions")}

    async def send(self, client: StrapiClient, body: Any) -> Any:
        return await client.call("PUT", self.path, json_body=body)

    def request(self, loaded: Snapshot, wanted: dict[str, Any]) -> dict[str, Any]:
        return {"method": "PUT", "path": f"{tokens.KINDS[self.token_kind][0]}/:id", "body": dict(wanted)}


class TokenDelete(TokenTarget):
    key = "token-delete"
    removes = True
    destructive = True
    undoable = False
    cannot_undo = "a deleted token's key cannot be brought back; every client using it gets 401 at once"

    def describe(self, loaded: Snapshot, wanted: dict[str, Any]) -> list[str]:
        return [f"{tokens.KINDS[self.token_kind][1]} '{self.name}': deleted"]

    def body(self, fresh: Snapshot, wanted: dict[str, Any]) -> Any:
        return None

    async def send(self, client: StrapiClient, body: Any) -> Any:
        return await client.call("DELETE", self.path)

    def request(self, loaded: Snapshot, wanted: dict[str, Any]) -> dict[str, Any]:
        return {"method": "DELETE", "path": f"{tokens.KINDS[self.token_kind][0]}/:id"}


class TokenRegenerate(TokenTarget):
    key = "token-regenerate"
    destructive = True
    reveals_secret = True
    undoable = False
    cannot_undo = "the old key stops working for good; every client using it gets 401 at once"

    def describe(self, loaded: Snapshot, wanted: dict[str, Any]) -> list[str]:
        return [f"{tokens.KINDS[self.token_kind][1]} '{self.name}': key regenerated (the old key stops working; "
                "the new one is shown once)"]

    def body(self, fresh: Snapshot, wanted: dict[str, Any]) -> Any:
        return None

    async def send(self, client: StrapiClient, body: Any) -> Any:
        return await client.call("POST", f"{self.path}/regenerate")

    def new_secrets(self, answer: Any, body: Any) -> dict[str, str]:
        data = answer.get("data") if isinstance(answer, dict) else None
        key = data.get("accessKey") if isinstance(data, dict) else None
        if not isinstance(key, str) or not key:
            return {}
        register_secret(key)
        return {f"key of '{self.name}'": key}

    def check(self, wanted, after, answer, secrets) -> str | None:
        return None if secrets else "the server did not return a new key"

    def settled(self, before, after, now) -> str:
        return "unknown"  # only the hidden key changes: the server cannot tell whether it happened

    def request(self, loaded: Snapshot, wanted: dict[str, Any]) -> dict[str, Any]:
        return {"method": "POST", "path": f"{tokens.KINDS[self.token_kind][0]}/:id/regenerate"}


TOKEN_ACTIONS: dict[str, tuple[type[TokenTarget], dict[str, Any]]] = {
    "read-only": (TokenUpdate, {"type": "read-only", "permissions": []}),
    "delete": (TokenDelete, {}),
    "regenerate": (TokenRegenerate, {}),
}


def token_plan(action: str, found: list[tokens.Token]) -> Plan:
    cls, wanted = TOKEN_ACTIONS[action]
    steps = []
    for t in found:
        loaded = TokenTarget.snapshot(t)
        real = {c: v for c, v in wanted.items() if loaded.cells.get(c) != v}
        if real or not wanted:
            steps.append(Step(cls({"token_kind": t.kind, "id": t.id}, t.name), loaded, real))
    return Plan(steps, title="tokens")


def regeneration_of(plan: Plan | None) -> Plan | None:
    """The same API or transfer tokens, regenerated instead (None: the plan names no such token)."""
    if plan is None or not plan.steps or not all(isinstance(s.target, TokenTarget) and
                                                 s.target.token_kind != "admin" for s in plan.steps):
        return None
    return token_plan("regenerate", [s.loaded.raw for s in plan.steps])
