"""Token fixes through the safe write path: make an API token read-only, delete or regenerate a token.

Each action re-reads its token, refuses when it changed since the scan, journals before sending, and
reads back. Making read-only can be undone; a deletion or a regeneration cannot (the old key is gone),
so the plan says so before and asks for the token's name to be typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import journal, tokens
from .client import StrapiClient
from .errors import ConsoleError, ReadOnlyError
from .redact import register_secret
from .write_path import ConcurrentChange, journalled

ACTIONS = ("read-only", "delete", "regenerate")


@dataclass
class TokenAction:
    kind: str  # tokens.KINDS key
    token_id: int | str
    name: str
    action: str  # one of ACTIONS
    loaded_fingerprint: str
    previous: dict  # {"type": ..., "permissions": [...]} as loaded

    def describe(self) -> str:
        label = f"{tokens.KINDS[self.kind][1]} '{self.name}'"
        if self.action == "read-only":
            return f"{label}: type {self.previous.get('type')} → read-only"
        if self.action == "delete":
            return f"{label}: deleted (cannot be undone)"
        return f"{label}: key regenerated (the old key stops working; cannot be undone)"


@dataclass
class TokenPlan:
    actions: list[TokenAction]
    # New keys from regenerations, kept only in memory to show the operator once.
    new_keys: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def role_name(self) -> str:  # the TUI titles its notices with this
        return "tokens"

    @property
    def changes(self) -> list[TokenAction]:
        return self.actions

    @property
    def reveals_secret(self) -> bool:
        return any(a.action == "regenerate" for a in self.actions)

    @property
    def destructive(self) -> bool:
        return any(a.action in ("delete", "regenerate") for a in self.actions)

    @property
    def confirm_text(self) -> str | None:
        """What the operator must type before a deletion or regeneration."""
        if not self.destructive:
            return None
        names = [a.name for a in self.actions if a.action in ("delete", "regenerate")]
        return names[0] if len(names) == 1 else f"{self.actions[0].action} {len(names)} tokens"

    def describe(self) -> list[str]:
        lines = [a.describe() for a in self.actions]
        if self.destructive:
            lines.append("Every client using these keys gets 401 at once: hand out new keys first.")
        return lines

    def request(self) -> dict:
        first = self.actions[0]
        base = tokens.KINDS[first.kind][0]
        if first.action == "read-only":
            return {"method": "PUT", "path": f"{base}/:id", "body": {"type": "read-only", "permissions": []},
                    "tokens": [a.name for a in self.actions]}
        if first.action == "delete":
            return {"method": "DELETE", "path": f"{base}/:id", "tokens": [a.name for a in self.actions]}
        return {"method": "POST", "path": f"{base}/:id/regenerate", "tokens": [a.name for a in self.actions]}


def plan(action: str, found: list[tokens.Token]) -> TokenPlan:
    if action not in ACTIONS:
        raise ValueError(action)
    return TokenPlan([TokenAction(t.kind, t.id, t.name, action, t.fingerprint(),
                                  {"type": t.type, "permissions": list(t.permissions)}) for t in found])


async def _apply_one(client: StrapiClient, act: TokenAction, plan_: TokenPlan, *, source: str,
                     undo_of: str | None) -> journal.Entry:
    base = tokens.KINDS[act.kind][0]
    fresh = await tokens.read_token(client, act.kind, act.token_id)
    if fresh is None:
        raise ConcurrentChange(f"The {tokens.KINDS[act.kind][1]} '{act.name}' no longer exists on the server. "
                               "Nothing was sent for it.", hint="Rescan to see the tokens as they are now.")
    if fresh.fingerprint() != act.loaded_fingerprint:
        raise ConcurrentChange(f"{fresh.label} changed on the server since it was read (type {fresh.type}, "
                               f"updated {fresh.raw.get('updatedAt')}). Nothing was sent for it.",
                               hint="Rescan, review, and apply again.")
    target = {"kind": f"{act.kind}-token", "id": act.token_id, "name": act.name}
    before = {"token": fresh.summary(), "changed": dict(act.previous)}
    after = {"action": act.action, "lines": [act.describe()]}

    if act.action == "read-only":
        async def send():
            await client.call("PUT", f"{base}/{act.token_id}", json_body={"type": "read-only", "permissions": []})

        async def verify():
            now = await tokens.read_token(client, act.kind, act.token_id)
            return None if now and now.type == "read-only" and not now.permissions else "the type read back differs"
    elif act.action == "delete":
        async def send():
            await client.call("DELETE", f"{base}/{act.token_id}")

        async def verify():
            return None if await tokens.read_token(client, act.kind, act.token_id) is None else "the token still exists"
    else:
        async def send():
            answer = await client.call("POST", f"{base}/{act.token_id}/regenerate")
            key = ((answer or {}).get("data") or {}).get("accessKey")
            if key:
                register_secret(key)
                plan_.new_keys[f"key of '{act.name}'"] = key

        async def verify():
            return None if f"key of '{act.name}'" in plan_.new_keys else "the server did not return a new key"

    entry = await journalled(client, target=target, before=before, after=after, source=source, undo_of=undo_of,
                             send=send, verify=verify, undoable=act.action == "read-only")
    return entry


async def apply_token_plan(client: StrapiClient, plan_: TokenPlan, *, read_only: bool, source: str,
                           undo_of: str | None = None) -> journal.Entry:
    if read_only:
        raise ReadOnlyError(f"Profile '{client.profile.name}' is read-only: nothing was sent.")
    if not plan_.actions:
        raise ConsoleError("Nothing to change.", title="No change")
    entry = None
    for act in plan_.actions:  # one after another: each is journalled and verified on its own
        entry = await _apply_one(client, act, plan_, source=source, undo_of=undo_of)
    return entry


async def undo_token(client: StrapiClient, entry: journal.Entry, *, read_only: bool) -> journal.Entry:
    """Give a token made read-only its previous type and permissions back."""
    if entry.after.get("action") != "read-only":
        raise ConsoleError(f"Entry {entry.id} {entry.after.get('action')}d a token: the old key cannot be brought "
                           "back.", title="Cannot undo")
    if read_only:
        raise ReadOnlyError(f"Profile '{client.profile.name}' is read-only: nothing was sent.")
    kind = entry.target["kind"].removesuffix("-token")
    previous = entry.before.get("changed", {})
    fresh = await tokens.read_token(client, kind, entry.target["id"])
    if fresh is None:
        raise ConsoleError(f"The token '{entry.target.get('name')}' no longer exists.", title="Cannot undo")
    if fresh.type != "read-only":
        raise ConcurrentChange(f"{fresh.label} is no longer read-only (now {fresh.type}): someone changed it since. "
                               "Nothing was sent.")
    body = {"type": previous.get("type"), "permissions": previous.get("permissions") or []}
    path = f"{tokens.KINDS[kind][0]}/{entry.target['id']}"

    async def send():
        await client.call("PUT", path, json_body=body)

    async def verify():
        now = await tokens.read_token(client, kind, entry.target["id"])
        ok = now and now.type == body["type"] and sorted(now.permissions) == sorted(body["permissions"])
        return None if ok else "the type read back differs"

    done = await journalled(client, target=entry.target, before={"token": fresh.summary(),
                                                                  "changed": {"type": "read-only", "permissions": []}},
                            after={"action": "restore", "lines": [f"{fresh.label}: type read-only → {body['type']}"]},
                            source="undo", undo_of=entry.id, send=send, verify=verify, undoable=False)
    entry.undone_by = done.id
    entry.save()
    return done
