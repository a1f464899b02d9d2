"""Alert rules: the events an operator must not miss, and bursts that only a window shows."""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .events import AuditEvent

SUPER_ADMIN = "strapi-super-admin"


@dataclass
class AlertRules:
    deletions: int = 10  # more than this many deletions ...
    deletion_window: timedelta = timedelta(minutes=5)  # ... in this window
    signups: int = 5
    signup_window: timedelta = timedelta(minutes=10)
    _windows: dict = field(default_factory=lambda: defaultdict(deque), repr=False)

    def describe(self) -> list[str]:
        return ["role or permission changed", "admin user created", "Super Admin role granted",
                "full-access or never-expiring token created",
                f"more than {self.deletions} deletions in {int(self.deletion_window.total_seconds() // 60)} min",
                f"more than {self.signups} sign-ups in {int(self.signup_window.total_seconds() // 60)} min"]

    def _burst(self, kind: str, event: AuditEvent, limit: int, window: timedelta) -> bool:
        times = self._windows[(event.profile, kind)]
        times.append(event.time)
        while times and event.time - times[0] > window:
            times.popleft()
        return len(times) > limit

    def check(self, event: AuditEvent) -> str | None:
        action = event.action
        # a truncated payload was judged whole when the event was made (its preview cannot be judged)
        found = None if event.truncated else payload_alert(action, event.payload)
        if found:
            return found
        if action.endswith(".delete") and self._burst("delete", event, self.deletions, self.deletion_window):
            return f"more than {self.deletions} deletions in {int(self.deletion_window.total_seconds() // 60)} min"
        if action == "end-user.create" and self._burst("signup", event, self.signups, self.signup_window):
            return f"sign-up burst: more than {self.signups} in {int(self.signup_window.total_seconds() // 60)} min"
        return None


def _obj(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def payload_alert(action: str, payload: Any) -> str | None:
    """The alert an event's action and payload call for, without state (the bursts need a window).

    Computed from the whole payload as the event is made, before a large payload is cut to a preview:
    padding a payload must not hide a Super Admin grant. Any shape is accepted (the server decides it)."""
    payload = _obj(payload)
    if action.startswith(("role.", "permission.", "up-role.")):
        return "role or permission change"
    if action in ("user.create", "admin-user.create"):
        return "admin user created"
    if action in ("user.update", "admin-user.update", "admin-user.roles"):
        roles = _list(payload.get("roles")) or _list(_obj(payload.get("user")).get("roles"))
        codes = {r.get("code") if isinstance(r, dict) else r for r in roles}
        codes = {c for c in codes if isinstance(c, str)}
        previous = {r for r in _list(payload.get("previous_roles")) if isinstance(r, str)}
        if SUPER_ADMIN in codes and SUPER_ADMIN not in previous:
            return "Super Admin role granted"
    if action in ("api-token.create", "token.create", "transfer-token.create"):
        token = _obj(payload.get("token")) or payload
        if token.get("type") == "full-access" or token.get("expiresAt") is None or "push" in _list(
                token.get("permissions")):
            return "full-access or never-expiring token created"
    return None
