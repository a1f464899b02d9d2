"""One audit event, whatever its source, and the ring buffer that bounds how many are kept."""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..redact import redact_data, redact_urls, redact_urls_in_text

PAYLOAD_PREVIEW = 4096  # bytes of payload kept in the list; the detail keeps the whole (redacted) payload


@dataclass
class AuditEvent:
    profile: str
    source_id: str  # unique within (profile, derived)
    time: datetime
    who: str
    action: str
    target: str
    summary: str
    derived: bool  # True: reconstructed from what the admin API shows (Community servers)
    payload: dict[str, Any] = field(default_factory=dict, repr=False)
    alert: str | None = None
    by_console: str | None = None  # the journal entry when the console itself made the change

    def __post_init__(self) -> None:
        # what the list, the filters and `tail` show as text: a URL's secret parts never reach them
        self.who, self.target, self.summary = (redact_urls_in_text(self.who), redact_urls_in_text(self.target),
                                               redact_urls_in_text(self.summary))

    @property
    def key(self) -> tuple[str, bool, str]:
        return (self.profile, self.derived, self.source_id)

    def to_dict(self) -> dict[str, Any]:
        out = {"time": self.time.isoformat(timespec="milliseconds").replace("+00:00", "Z"), "server": self.profile,
               "who": self.who, "action": self.action, "target": self.target, "summary": self.summary,
               "source": "derived" if self.derived else "audit-log", "id": self.source_id,
               "payload": redact_urls(redact_data(self.payload))}
        if self.alert:
            out["alert"] = self.alert
        if self.by_console:
            out["by_console"] = self.by_console
        return out


class SeenIds:
    """The ids already shown, bounded: the oldest are forgotten first (a cursor bounds what can recur)."""

    def __init__(self, limit: int = 50_000) -> None:
        self.limit = limit
        self._ids: OrderedDict[str, None] = OrderedDict()

    def add(self, key: str) -> bool:
        """True when the id is new."""
        if key in self._ids:
            return False
        self._ids[key] = None
        if len(self._ids) > self.limit:
            self._ids.popitem(last=False)
        return True

    def __contains__(self, key: str) -> bool:
        return key in self._ids


class EventBuffer:
    """A time-ordered ring buffer of events: memory stays bounded however long the tail runs.

    Events from several servers arrive in batches whose times interleave, so they are inserted in
    order (bisect) rather than appended; the oldest are dropped past ``size``.
    """

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._events: list[AuditEvent] = []
        self.dropped = 0

    def extend(self, events: Iterable[AuditEvent]) -> list[AuditEvent]:
        added = sorted(events, key=lambda e: e.time)
        for event in added:
            if not self._events or event.time >= self._events[-1].time:
                self._events.append(event)
            else:
                bisect.insort_right(self._events, event, key=lambda e: e.time)
        excess = len(self._events) - self.size
        if excess > 0:
            self.dropped += excess
            del self._events[:excess]
        return added

    def __iter__(self) -> Iterator[AuditEvent]:
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)
