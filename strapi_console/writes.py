"""The one safe write path every fix uses: re-read, refuse on concurrent change, journal, write the
full state, read back, verify, complete the journal. Undo goes through the same path.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from . import admin_roles, journal, permissions, token_fixes, tokens
from .client import StrapiClient
from .errors import ConsoleError, NotFound, ReadOnlyError, UnexpectedShape
from .redact import redact_url, register_secret
from .write_path import ConcurrentChange, TargetDeleted, VerifyFailed, journalled  # noqa: F401  (re-exported for callers)


@dataclass
class RolePlan:
    """Staged changes to one end-user role, against the state it was loaded in."""

    role_id: int
    role_name: str
    role_type: str
    loaded_fingerprint: str
    changes: dict[str, bool]  # action id → wanted enabled
    previous: dict[str, bool]  # action id → enabled when loaded

    def describe(self) -> list[str]:
        return [f"{self.role_name}: {permissions.label(a)} {'allowed' if self.previous.get(a) else 'denied'} → "
                f"{'allowed' if on else 'denied'}" for a, on in sorted(self.changes.items())]

    def request(self) -> dict:
        """What `scan` shows as the fix request (the real body is the whole tree with these leaves set)."""
        return {"method": "PUT", "path": f"/users-permissions/roles/{self.role_id}",
                "body": {"permissions": {a: {"enabled": on} for a, on in sorted(self.changes.items())},
                         "note": "sent as the role's complete permission tree; every other permission unchanged"}}


def plan_for(role: permissions.Role, changes: dict[str, bool]) -> RolePlan:
    leaves = role.leaves()
    real = {a: on for a, on in changes.items() if leaves.get(a, False) != on}
    return RolePlan(role.id, role.name, role.type, role.fingerprint(), real, {a: leaves.get(a, False) for a in real})


async def _reread(read, what: str):
    """The fresh state a write starts from; a target deleted since it was loaded is a concurrent change."""
    try:
        return await read
    except NotFound:
        raise TargetDeleted(f"{what} was deleted on the server since it was loaded. Nothing was written.",
                               hint="Reload (r) to see what the server has now.") from None


def _diff_text(before: permissions.Role | None, now: permissions.Role) -> str:
    if before is None:
        return "the role changed"
    gained = sorted(now.enabled() - before.enabled())
    lost = sorted(before.enabled() - now.enabled())
    parts = [f"{permissions.label(a)} now allowed" for a in gained] + [f"{permissions.label(a)} now denied" for a in lost]
    if now.name != before.name:
        parts.append(f"renamed to {now.name}")
    return "; ".join(parts) or "name or description changed"


async def apply_role_plan(client: StrapiClient, plan: RolePlan, *, read_only: bool, source: str,
                          loaded: permissions.Role | None = None, undo_of: str | None = None) -> journal.Entry:
    if read_only:
        raise ReadOnlyError(f"Profile '{client.profile.name}' is read-only: nothing was sent.",
                            hint="Unlock it for this session (w in the TUI) or use a read-write profile.")
    if not plan.changes:
        raise ConsoleError("Nothing to change: the role already has the wanted permissions.", title="No change")
    fresh = await _reread(permissions.read_role(client, plan.role_id), f"The role {plan.role_name}")
    if fresh.fingerprint() != plan.loaded_fingerprint:
        raise ConcurrentChange(f"{plan.role_name} changed on the server since it was loaded ({_diff_text(loaded, fresh)}). "
                               "Nothing was written.", hint="Reload the role, review, and apply again.")
    body = fresh.body_with(plan.changes)
    expected = (fresh.enabled() | {a for a, on in plan.changes.items() if on}) - {a for a, on in plan.changes.items()
                                                                                  if not on}

    async def send():
        await client.call("PUT", f"/users-permissions/roles/{plan.role_id}", json_body=body)

    async def verify():
        now = (await permissions.read_role(client, plan.role_id)).enabled()
        if now != expected:
            return f"missing {sorted(expected - now)}, unexpected {sorted(now - expected)}"
        return None

    return await journalled(client, target={"kind": "up-role", "id": plan.role_id, "name": plan.role_name,
                                             "type": plan.role_type},
                             before={"enabled": sorted(fresh.enabled()), "changed": plan.previous},
                             after={"changes": plan.changes}, source=source, undo_of=undo_of, send=send, verify=verify)


async def undo(client: StrapiClient, entry: journal.Entry, *, read_only: bool) -> journal.Entry:
    """Restore what an entry changed to its values before it, through the same path."""
    if entry.profile != client.profile.name:
        raise ConsoleError(f"Entry {entry.id} belongs to profile {entry.profile}.", title="Cannot undo")
    if entry.target.get("kind", "").endswith("-token"):
        return await token_fixes.undo_token(client, entry, read_only=read_only)
    done = await _write_back(client, entry, read_only=read_only)
    entry.undone_by = done.id
    entry.save()
    return done


async def _write_back(client: StrapiClient, entry: journal.Entry, *, read_only: bool) -> journal.Entry:
    """The write that puts back what ``entry`` changed (each kind of target read fresh first)."""
    if entry.target.get("kind") == "up-advanced":
        current = await permissions.read_advanced(client)
        back = {k: v for k, v in entry.before.get("changed", {}).items() if current.get(k) != v}
        if not back:
            raise ConsoleError("The settings already have the values they had before this change.",
                               title="Nothing to undo")
        return await apply_advanced_plan(client, AdvancedPlan(current, back), read_only=read_only, source="undo",
                                         undo_of=entry.id)
    if entry.target.get("kind") == "up-providers":
        current = _provider_state(await permissions.read_providers(client))
        back = {k: bool(v) for k, v in entry.before.get("changed", {}).items() if current.get(k) != v}
        if not back:
            raise ConsoleError("The providers are already as they were before this change.", title="Nothing to undo")
        return await apply_providers_plan(client, ProvidersPlan(current, back), read_only=read_only, source="undo",
                                          undo_of=entry.id)
    if entry.target.get("kind") == "admin-user":
        fresh = await read_admin_user(client, int(entry.target["id"]))
        if fresh is None:
            raise ConsoleError(f"The admin {entry.target.get('name')} no longer exists.", title="Cannot undo")
        back = bool(entry.before.get("changed", {}).get("isActive"))
        return await apply_admin_user_plan(client, AdminUserPlan([{"id": fresh["id"], "email": fresh.get("email"),
                                                                   "isActive": fresh.get("isActive")}], active=back),
                                           read_only=read_only, source="undo", undo_of=entry.id)
    if entry.target.get("kind") == "webhook":
        hook = await read_webhook(client, str(entry.target["id"]))
        if hook is None:
            raise ConsoleError(f"The webhook {entry.target.get('name')} no longer exists.", title="Cannot undo")
        return await apply_webhook_plan(client, WebhookPlan(str(entry.target["id"]), str(entry.target.get("name")),
                                                            hook, entry.before["changed"]["url"]),
                                        read_only=read_only, source="undo", undo_of=entry.id)
    if entry.target.get("kind") == "documentation":
        before = bool(entry.before.get("changed", {}).get("restrictedAccess"))
        if before:
            raise ConsoleError("The old documentation password is not kept, so it cannot be restored: set a new one "
                               "in Settings → Documentation.", title="Cannot undo")
        return await apply_docs_plan(client, DocsPlan(restrict=False), read_only=read_only, source="undo",
                                     undo_of=entry.id)
    if entry.target.get("kind") == "admin-role":
        current = await admin_roles.read_role(client, int(entry.target["id"]))
        back = {k: bool(on) for k, on in entry.before.get("changed", {}).items()}
        plan = admin_plan_for(current, back)
        # removed permissions come back with their exact fields, locales and conditions
        plan.restore = [r for r in entry.before.get("removed", []) if plan.changes.get(
            admin_roles.key_of(r["action"], r.get("subject")))]
        if not plan.changes:
            raise ConsoleError("The role already has the permissions it had before this change.",
                               title="Nothing to undo")
        return await apply_admin_role_plan(client, plan, read_only=read_only, source="undo", undo_of=entry.id)
    if entry.target.get("kind") != "up-role":
        raise ConsoleError(f"Entry {entry.id} is not a role change the console can undo.", title="Cannot undo")
    current = await permissions.read_role(client, int(entry.target["id"]))
    previous = {a: bool(on) for a, on in entry.before.get("changed", {}).items()}
    plan = plan_for(current, previous)
    if not plan.changes:
        raise ConsoleError("The role already has the permissions it had before this change.", title="Nothing to undo")
    return await apply_role_plan(client, plan, read_only=read_only, source="undo", loaded=current, undo_of=entry.id)


# --- users-permissions advanced settings (sign-up, e-mail confirmation, default role) ------------

ADVANCED_KEYS = ("unique_email", "allow_register", "email_confirmation", "email_reset_password",
                 "email_confirmation_redirection", "default_role")


@dataclass
class AdvancedPlan:
    loaded: dict
    changes: dict

    def describe(self) -> list[str]:
        return [f"users-permissions settings: {k} {self.loaded.get(k)!r} → {v!r}" for k, v in sorted(self.changes.items())]

    def request(self) -> dict:
        return {"method": "PUT", "path": "/users-permissions/advanced",
                "body": {**{k: self.loaded.get(k) for k in ADVANCED_KEYS if k in self.loaded}, **self.changes}}


async def apply_advanced_plan(client: StrapiClient, plan: AdvancedPlan, *, read_only: bool, source: str,
                              undo_of: str | None = None) -> journal.Entry:
    if read_only:
        raise ReadOnlyError(f"Profile '{client.profile.name}' is read-only: nothing was sent.")
    fresh = await permissions.read_advanced(client)
    if fresh != plan.loaded:
        changed = sorted(k for k in set(fresh) | set(plan.loaded) if fresh.get(k) != plan.loaded.get(k))
        raise ConcurrentChange(f"The users-permissions settings changed on the server since they were read "
                               f"({', '.join(changed)}). Nothing was written.", hint="Read them again and review.")
    # PUT replaces the whole stored object: send every key, changed or not.
    body = {**fresh, **plan.changes}

    async def send():
        await client.call("PUT", "/users-permissions/advanced", json_body=body)

    async def verify():
        after = await permissions.read_advanced(client)
        return None if all(after.get(k) == v for k, v in body.items()) else "the settings read back differ"

    return await journalled(client, target={"kind": "up-advanced", "name": "users-permissions settings"},
                             before={"settings": fresh, "changed": {k: fresh.get(k) for k in plan.changes}},
                             after={"changes": plan.changes}, source=source, undo_of=undo_of, send=send, verify=verify)


# --- users-permissions login providers ------------------------------------------------------------


def _provider_state(providers: dict) -> dict[str, bool]:
    return {name: bool(p.get("enabled")) for name, p in providers.items()}


@dataclass
class ProvidersPlan:
    loaded: dict[str, bool]  # provider → enabled, as read
    changes: dict[str, bool]

    @property
    def role_name(self) -> str:
        return "login providers"

    def describe(self) -> list[str]:
        return [f"login provider {name}: {'enabled' if self.loaded.get(name) else 'disabled'} → "
                f"{'enabled' if on else 'disabled'}" for name, on in sorted(self.changes.items())]

    def request(self) -> dict:
        return {"method": "PUT", "path": "/users-permissions/providers",
                "body": {"providers": {n: {"enabled": on} for n, on in sorted(self.changes.items())},
                         "note": "sent as the complete provider map; every other field unchanged"}}


async def apply_providers_plan(client: StrapiClient, plan: ProvidersPlan, *, read_only: bool, source: str,
                               undo_of: str | None = None) -> journal.Entry:
    if read_only:
        raise ReadOnlyError(f"Profile '{client.profile.name}' is read-only: nothing was sent.")
    fresh = await permissions.read_providers(client)
    if _provider_state(fresh) != plan.loaded:
        raise ConcurrentChange("The login providers changed on the server since they were read. Nothing was written.",
                               hint="Read them again and review.")
    # PUT replaces the stored grant config: send the whole map (secrets included, as read) minus computed fields.
    body = {"providers": {name: {k: v for k, v in p.items() if k != "redirectUri"} | (
        {"enabled": plan.changes[name]} if name in plan.changes else {}) for name, p in fresh.items()}}

    async def send():
        await client.call("PUT", "/users-permissions/providers", json_body=body)

    async def verify():
        now = _provider_state(await permissions.read_providers(client))
        return None if all(now.get(n) == on for n, on in plan.changes.items()) else "the providers read back differ"

    return await journalled(client, target={"kind": "up-providers", "name": "login providers"},
                            before={"changed": {n: plan.loaded.get(n) for n in plan.changes}},
                            after={"changes": plan.changes, "lines": plan.describe()}, source=source, undo_of=undo_of,
                            send=send, verify=verify)


# --- documentation plugin: restricted access ----------------------------------------------------------


async def read_docs_access(client: StrapiClient) -> bool:
    data = await client.get("/documentation/getInfos")
    access = data.get("documentationAccess") if isinstance(data, dict) else None
    if not isinstance(access, dict):
        raise UnexpectedShape("GET /documentation/getInfos answered without 'documentationAccess'.")
    return bool(access.get("restrictedAccess"))


@dataclass
class DocsPlan:
    """Put the Swagger UI behind a password the console generates (shown once, never stored)."""

    restrict: bool = True
    new_keys: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def role_name(self) -> str:
        return "documentation"

    @property
    def reveals_secret(self) -> bool:
        return self.restrict

    @property
    def changes(self) -> dict:
        return {"restrictedAccess": self.restrict}

    def describe(self) -> list[str]:
        if self.restrict:
            return ["documentation plugin: public → password required (a generated password, shown once)"]
        return ["documentation plugin: password required → public"]

    def request(self) -> dict:
        return {"method": "PUT", "path": "/documentation/updateSettings",
                "body": {"restrictedAccess": self.restrict, **({"password": "<generated>"} if self.restrict else {})}}


async def apply_docs_plan(client: StrapiClient, plan: DocsPlan, *, read_only: bool, source: str,
                          undo_of: str | None = None) -> journal.Entry:
    if read_only:
        raise ReadOnlyError(f"Profile '{client.profile.name}' is read-only: nothing was sent.")
    current = await read_docs_access(client)
    if current == plan.restrict:
        raise ConsoleError("The documentation is already " + ("password-protected." if current else "public."),
                           title="No change")
    body: dict = {"restrictedAccess": plan.restrict}
    if plan.restrict:
        password = secrets.token_urlsafe(18)
        register_secret(password)
        body["password"] = password

    async def send():
        await client.call("PUT", "/documentation/updateSettings", json_body=body)
        if plan.restrict:
            plan.new_keys["documentation password"] = body["password"]

    async def verify():
        return None if await read_docs_access(client) == plan.restrict else "restrictedAccess read back differs"

    return await journalled(client, target={"kind": "documentation", "name": "documentation access"},
                            before={"changed": {"restrictedAccess": current}},
                            after={"changes": {"restrictedAccess": plan.restrict}, "lines": plan.describe()},
                            source=source, undo_of=undo_of, send=send, verify=verify)


# --- webhooks: move one to https (the operator gives the new URL) ----------------------------------


async def _read_one(client: StrapiClient, path: str) -> dict | None:
    """One object by id, None when the server has no such object (deleted since it was listed)."""
    try:
        data = (await client.get(path)).get("data")
    except NotFound:
        return None
    return data if isinstance(data, dict) else None


async def read_webhook(client: StrapiClient, hook_id: str) -> dict | None:
    return await _read_one(client, f"/admin/webhooks/{hook_id}")


@dataclass
class WebhookPlan:
    hook_id: str
    name: str
    loaded: dict  # the webhook as read (url, headers, events, isEnabled)
    url: str

    @property
    def role_name(self) -> str:
        return f"webhook {self.name}"

    @property
    def changes(self) -> dict:
        return {"url": self.url}

    def describe(self) -> list[str]:
        # shown before applying and kept in the journal's lines: the exact URLs stay in memory (and in changes)
        return [f"webhook {self.name}: url {redact_url(self.loaded.get('url'))} → {redact_url(self.url)}"]

    def request(self) -> dict:
        return {"method": "PUT", "path": f"/admin/webhooks/{self.hook_id}", "body": {"url": self.url,
                "note": "sent with the webhook's name, headers and events unchanged"}}


async def apply_webhook_plan(client: StrapiClient, plan: WebhookPlan, *, read_only: bool, source: str,
                             undo_of: str | None = None) -> journal.Entry:
    if read_only:
        raise ReadOnlyError(f"Profile '{client.profile.name}' is read-only: nothing was sent.")
    fresh = await read_webhook(client, plan.hook_id)
    if fresh is None:
        raise ConcurrentChange(f"The webhook {plan.name} no longer exists. Nothing was sent.")
    keys = ("name", "url", "headers", "events", "isEnabled")
    if {k: fresh.get(k) for k in keys} != {k: plan.loaded.get(k) for k in keys}:
        raise ConcurrentChange(f"The webhook {plan.name} changed on the server since it was read. Nothing was sent.",
                               hint="Read it again and review.")
    body = {k: fresh[k] for k in ("name", "headers", "events", "isEnabled") if k in fresh} | {"url": plan.url}

    async def send():
        await client.call("PUT", f"/admin/webhooks/{plan.hook_id}", json_body=body)

    async def verify():
        now = await read_webhook(client, plan.hook_id)
        return None if now and now.get("url") == plan.url else "the url read back differs"

    return await journalled(client, target={"kind": "webhook", "id": plan.hook_id, "name": plan.name},
                            before={"changed": {"url": fresh.get("url")}},
                            after={"changes": {"url": plan.url}, "lines": plan.describe()}, source=source,
                            undo_of=undo_of, send=send, verify=verify)


# --- admin users: deactivate the accounts of people who left -------------------------------------


async def read_admin_user(client: StrapiClient, user_id: int) -> dict | None:
    return await _read_one(client, f"/admin/users/{user_id}")


@dataclass
class AdminUserPlan:
    users: list[dict]  # {"id", "email", "isActive"} as read
    active: bool = False

    @property
    def role_name(self) -> str:
        return "admin users"

    @property
    def changes(self) -> dict:
        return {u["email"]: self.active for u in self.users}

    def describe(self) -> list[str]:
        word = "reactivated" if self.active else "deactivated (their sessions and admin tokens stop working)"
        return [f"admin {u['email']}: {word}" for u in self.users]

    def request(self) -> dict:
        return {"method": "PUT", "path": "/admin/users/:id", "body": {"isActive": self.active},
                "users": [u["email"] for u in self.users]}


async def apply_admin_user_plan(client: StrapiClient, plan: AdminUserPlan, *, read_only: bool, source: str,
                                undo_of: str | None = None) -> journal.Entry:
    if read_only:
        raise ReadOnlyError(f"Profile '{client.profile.name}' is read-only: nothing was sent.")
    entry = None
    for user in plan.users:
        fresh = await read_admin_user(client, int(user["id"]))
        if fresh is None or fresh.get("email") != user["email"] or fresh.get("isActive") != user["isActive"]:
            raise ConcurrentChange(f"The admin {user['email']} changed on the server since it was read. Nothing was "
                                   "sent for it.", hint="Rescan and review.")

        async def send(uid=int(user["id"])):
            await client.call("PUT", f"/admin/users/{uid}", json_body={"isActive": plan.active})

        async def verify(uid=int(user["id"])):
            now = await read_admin_user(client, uid)
            return None if now and now.get("isActive") == plan.active else "isActive read back differs"

        line = f"admin {user['email']}: {'reactivated' if plan.active else 'deactivated'}"
        entry = await journalled(client, target={"kind": "admin-user", "id": user["id"], "name": user["email"]},
                                 before={"changed": {"isActive": user["isActive"]}},
                                 after={"changes": {"isActive": plan.active}, "lines": [line]}, source=source,
                                 undo_of=undo_of, send=send, verify=verify)
    return entry


# --- admin roles (RBAC) --------------------------------------------------------------------------


@dataclass
class AdminRolePlan:
    role_id: int
    role_name: str
    loaded_fingerprint: str
    changes: dict[str, bool]  # "action|subject" → granted
    restore: list[dict] | None = None  # exact permission objects to put back (undo keeps restrictions)

    def describe(self) -> list[str]:
        out = []
        for key, on in sorted(self.changes.items()):
            action, subject = admin_roles.split_key(key)
            what = action.replace("plugin::content-manager.explorer.", "") + (f" on {subject}" if subject else "")
            out.append(f"{self.role_name}: {what} {'denied → allowed' if on else 'allowed → denied'}")
        return out

    def request(self) -> dict:
        return {"method": "PUT", "path": f"/admin/roles/{self.role_id}/permissions",
                "body": {"changes": self.changes, "note": "sent as the role's complete permission list"}}


def admin_plan_for(role: "admin_roles.AdminRole", changes: dict[str, bool]) -> AdminRolePlan:
    granted = role.granted()
    real = {k: on for k, on in changes.items() if (k in granted) != on}
    return AdminRolePlan(role.id, role.name, role.fingerprint(), real)


async def apply_admin_role_plan(client: StrapiClient, plan: AdminRolePlan, *, read_only: bool, source: str,
                                undo_of: str | None = None) -> journal.Entry:
    if read_only:
        raise ReadOnlyError(f"Profile '{client.profile.name}' is read-only: nothing was sent.")
    fresh = await _reread(admin_roles.read_role(client, plan.role_id), f"The admin role {plan.role_name}")
    if fresh.super_admin:
        raise ConsoleError("The Super Admin role is read-only: Strapi refuses edits and restores every permission "
                           "at boot. Nothing was sent.", title="Super Admin")
    if fresh.fingerprint() != plan.loaded_fingerprint:
        raise ConcurrentChange(f"The admin role {plan.role_name} changed on the server since it was loaded. "
                               "Nothing was written.", hint="Reload the role, review, and apply again.")
    if not plan.changes:
        raise ConsoleError("Nothing to change.", title="No change")
    body = fresh.body_with(plan.changes)
    if plan.restore:  # put back the exact objects (with their restrictions) instead of bare grants
        restored = {admin_roles.key_of(r["action"], r.get("subject")) for r in plan.restore}
        body["permissions"] = [p for p in body["permissions"]
                               if admin_roles.key_of(p["action"], p["subject"]) not in restored]
        body["permissions"] += [admin_roles.clean(r) for r in plan.restore]
    expected = {admin_roles.key_of(p["action"], p["subject"]) for p in body["permissions"]}
    removed = [admin_roles.clean(p) for p in fresh.permissions
               if plan.changes.get(admin_roles.key_of(p["action"], p.get("subject"))) is False]

    async def send():
        await client.call("PUT", f"/admin/roles/{plan.role_id}/permissions", json_body=body)

    async def verify():
        now = (await admin_roles.read_role(client, plan.role_id)).granted()
        return None if now == expected else f"missing {sorted(expected - now)}, unexpected {sorted(now - expected)}"

    return await journalled(client, target={"kind": "admin-role", "id": plan.role_id, "name": plan.role_name},
                             before={"changed": {k: not on for k, on in plan.changes.items()}, "removed": removed},
                             after={"changes": plan.changes}, source=source, undo_of=undo_of, send=send, verify=verify)


async def check_interrupted(client: StrapiClient, entry: journal.Entry) -> str:
    """Settle an entry an interrupted write left behind by looking at the server: applied, or not."""
    kind = entry.target.get("kind")
    changes = entry.after.get("changes", {})
    if kind == "up-role":
        leaves = (await permissions.read_role(client, int(entry.target["id"]))).leaves()
        state = {a: leaves.get(a, False) for a in changes}
    elif kind == "admin-role":
        granted = (await admin_roles.read_role(client, int(entry.target["id"]))).granted()
        state = {k: k in granted for k in changes}
    elif kind == "up-advanced":
        settings = await permissions.read_advanced(client)
        state = {k: settings.get(k) for k in changes}
    elif kind == "admin-user":
        user = await read_admin_user(client, int(entry.target["id"]))
        state = {"isActive": user.get("isActive") if user else None}
    elif kind == "webhook":
        hook = await read_webhook(client, str(entry.target["id"]))
        state = {"url": hook.get("url") if hook else None}
    elif kind == "documentation":
        state = {"restrictedAccess": await read_docs_access(client)}
    elif kind == "up-providers":
        state = {k: v for k, v in _provider_state(await permissions.read_providers(client)).items() if k in changes}
    elif kind and kind.endswith("-token"):
        return await _check_token(client, entry)
    else:
        raise ConsoleError(f"Entry {entry.id} has an unknown kind {kind!r}.", title="Cannot check")
    if state == changes:
        journal.finish(entry, "applied", "the interrupted write had reached the server (checked later)")
        return "applied"
    before = entry.before.get("changed", {})
    if all(state[k] == before.get(k) for k in changes):
        journal.finish(entry, "failed", "the interrupted write never reached the server (checked later)")
        return "not applied"
    journal.finish(entry, "uncertain", "partly applied, or changed by someone else since (checked later)")
    return "partly applied"


async def apply_plan(client: StrapiClient, plan, *, read_only: bool, source: str,
                     loaded: permissions.Role | None = None) -> journal.Entry:
    """Apply any plan a check, a baseline or the TUI produced, through its safe write path."""
    if isinstance(plan, RolePlan):
        return await apply_role_plan(client, plan, read_only=read_only, source=source, loaded=loaded)
    if isinstance(plan, AdminRolePlan):
        return await apply_admin_role_plan(client, plan, read_only=read_only, source=source)
    if isinstance(plan, AdvancedPlan):
        return await apply_advanced_plan(client, plan, read_only=read_only, source=source)
    if isinstance(plan, AdminUserPlan):
        return await apply_admin_user_plan(client, plan, read_only=read_only, source=source)
    if isinstance(plan, WebhookPlan):
        return await apply_webhook_plan(client, plan, read_only=read_only, source=source)
    if isinstance(plan, DocsPlan):
        return await apply_docs_plan(client, plan, read_only=read_only, source=source)
    if isinstance(plan, ProvidersPlan):
        return await apply_providers_plan(client, plan, read_only=read_only, source=source)
    if isinstance(plan, token_fixes.TokenPlan):
        return await token_fixes.apply_token_plan(client, plan, read_only=read_only, source=source)
    raise ConsoleError(f"The console cannot apply a {type(plan).__name__} yet.", title="Cannot apply")


async def _check_token(client: StrapiClient, entry: journal.Entry) -> str:
    kind = entry.target["kind"].removesuffix("-token")
    now = await tokens.read_token(client, kind, entry.target["id"])
    action = entry.after.get("action")
    if action == "delete":
        reached = now is None
    elif action == "read-only":
        reached = now is not None and now.type == "read-only"
    else:  # a regeneration changes only the hidden key: the server cannot tell us whether it happened
        journal.finish(entry, "uncertain", "a regeneration cannot be checked from outside: regenerate again to "
                                           "be sure which key is valid")
        return "unknown"
    if reached:
        journal.finish(entry, "applied", "the interrupted write had reached the server (checked later)")
        return "applied"
    journal.finish(entry, "failed", "the interrupted write never reached the server (checked later)")
    return "not applied"
