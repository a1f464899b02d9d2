"""The one safe write path every fix uses: re-read, refuse on concurrent change, journal, write the
full state, read back, verify, complete the journal. Undo goes through the same path.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import journal, permissions
from .client import StrapiClient
from .errors import ConsoleError, ReadOnlyError, StrapiError


class ConcurrentChange(ConsoleError):
    title = "Changed on the server"


class VerifyFailed(ConsoleError):
    title = "Write not verified"


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
    fresh = await permissions.read_role(client, plan.role_id)
    if fresh.fingerprint() != plan.loaded_fingerprint:
        raise ConcurrentChange(f"{plan.role_name} changed on the server since it was loaded ({_diff_text(loaded, fresh)}). "
                               "Nothing was written.", hint="Reload the role, review, and apply again.")
    body = fresh.body_with(plan.changes)
    expected = (fresh.enabled() | {a for a, on in plan.changes.items() if on}) - {a for a, on in plan.changes.items()
                                                                                  if not on}
    target = {"kind": "up-role", "id": plan.role_id, "name": plan.role_name, "type": plan.role_type}
    entry = journal.begin(client.profile, target, before={"enabled": sorted(fresh.enabled()), "changed": plan.previous},
                          after={"changes": plan.changes}, source=source, undo_of=undo_of)
    try:
        await client.call("PUT", f"/users-permissions/roles/{plan.role_id}", json_body=body)
    except StrapiError as exc:
        # A timeout or a cut connection leaves the outcome unknown: keep the entry to verify and undo.
        status = "failed" if getattr(exc, "status", None) else "uncertain"
        journal.finish(entry, status, str(exc))
        raise
    except BaseException as exc:
        journal.finish(entry, "uncertain", f"interrupted: {type(exc).__name__}")
        raise
    after = await permissions.read_role(client, plan.role_id)
    if after.enabled() != expected:
        missing = sorted(expected - after.enabled())
        extra = sorted(after.enabled() - expected)
        journal.finish(entry, "failed", f"read back differs: missing {missing}, unexpected {extra}")
        raise VerifyFailed(f"The server's {plan.role_name} role does not match what was written "
                           f"(missing {len(missing)}, unexpected {len(extra)}). The journal entry {entry.id} "
                           "holds the state before.")
    return journal.finish(entry, "applied", f"{len(plan.changes)} permission(s) changed and verified")


async def undo(client: StrapiClient, entry: journal.Entry, *, read_only: bool) -> journal.Entry:
    """Restore what an entry changed to its values before it, through the same path."""
    if entry.target.get("kind") == "up-advanced":
        if entry.profile != client.profile.name:
            raise ConsoleError(f"Entry {entry.id} belongs to profile {entry.profile}.", title="Cannot undo")
        current = await permissions.read_advanced(client)
        back = {k: v for k, v in entry.before.get("changed", {}).items() if current.get(k) != v}
        if not back:
            raise ConsoleError("The settings already have the values they had before this change.",
                               title="Nothing to undo")
        done = await apply_advanced_plan(client, AdvancedPlan(current, back), read_only=read_only, source="undo",
                                         undo_of=entry.id)
        entry.undone_by = done.id
        entry.save()
        return done
    if entry.target.get("kind") != "up-role":
        raise ConsoleError(f"Entry {entry.id} is not a role change the console can undo.", title="Cannot undo")
    if entry.profile != client.profile.name:
        raise ConsoleError(f"Entry {entry.id} belongs to profile {entry.profile}.", title="Cannot undo")
    current = await permissions.read_role(client, int(entry.target["id"]))
    previous = {a: bool(on) for a, on in entry.before.get("changed", {}).items()}
    plan = plan_for(current, previous)
    if not plan.changes:
        raise ConsoleError("The role already has the permissions it had before this change.", title="Nothing to undo")
    done = await apply_role_plan(client, plan, read_only=read_only, source="undo", loaded=current, undo_of=entry.id)
    entry.undone_by = done.id
    entry.save()
    return done


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
    target = {"kind": "up-advanced", "name": "users-permissions settings"}
    entry = journal.begin(client.profile, target, before={"settings": fresh,
                                                          "changed": {k: fresh.get(k) for k in plan.changes}},
                          after={"changes": plan.changes}, source=source, undo_of=undo_of)
    try:
        await client.call("PUT", "/users-permissions/advanced", json_body=body)
    except StrapiError as exc:
        journal.finish(entry, "failed" if getattr(exc, "status", None) else "uncertain", str(exc))
        raise
    except BaseException as exc:
        journal.finish(entry, "uncertain", f"interrupted: {type(exc).__name__}")
        raise
    after = await permissions.read_advanced(client)
    if any(after.get(k) != v for k, v in body.items()):
        journal.finish(entry, "failed", "read back differs")
        raise VerifyFailed("The users-permissions settings read back differ from what was written.")
    return journal.finish(entry, "applied", "settings changed and verified")
