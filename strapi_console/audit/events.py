"""One audit event, whatever its source, and the ring buffer that bounds what is kept, in events and bytes.

A server decides how large an event is: an Enterprise server may send payloads of megabytes in every
event of every page. So an event keeps its payload only up to :data:`PAYLOAD_PREVIEW` characters of
JSON; a larger one keeps a preview (redacted text) and its size, and the whole payload is fetched again
when someone asks for it (the detail pane, the export, ``tail --format jsonl``). Every event knows its
``footprint`` (an estimate of the bytes it holds), which the buffer and a poll's walk add up.
"""

from __future__ import annotations

import bisect
import json
import sys
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..redact import redact_data, redact_urls, redact_urls_in_text

PAYLOAD_PREVIEW = 16 * 1024  # characters of payload JSON an event keeps; larger payloads keep this much as a preview
BUFFER_BYTES = 32 * 1024 * 1024  # what the tail's ring buffer may hold, whatever the event count
TEXT_LIMITS = {"source_id": 100, "who": 200, "action": 100, "target": 300, "summary": 500}
EVENT_OVERHEAD = 1024  # the event object, its datetime and its fields (~0.8 KB measured): an upper estimate


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
    # Set from the payload when the event is made (see the module docstring):
    payload_size: int = field(default=0, init=False)  # characters of the whole payload as compact JSON
    preview: str | None = field(default=None, init=False, repr=False)  # set when the payload was too large
    footprint: int = field(default=0, init=False, repr=False)  # estimated bytes this event holds

    def __post_init__(self) -> None:
        for name, limit in TEXT_LIMITS.items():  # server text: a name of 8 MB is kept as its first characters
            value = getattr(self, name)
            if len(value) > limit:
                value = value[:limit - 1] + "…"
            if name in ("who", "target", "summary"):  # a URL's credential parts are never shown nor kept
                value = redact_urls_in_text(value)
            setattr(self, name, value)
        whole = _compact(self.payload)
        self.payload_size = len(whole)
        if len(whole) > PAYLOAD_PREVIEW:
            self.preview = _compact(redact_urls(redact_data(_prune(self.payload, [PAYLOAD_PREVIEW]))))[:PAYLOAD_PREVIEW]
            self.payload = {}
        held = len(self.preview) if self.preview is not None else footprint(self.payload)
        self.footprint = self._text_footprint() + held

    def drop_payload(self) -> None:
        """Keep no payload at all (not even a preview): the whole one is fetched again when asked for."""
        self.payload, self.preview = {}, ""
        self.footprint = self._text_footprint()

    def _text_footprint(self) -> int:
        return EVENT_OVERHEAD + sum(len(getattr(self, n)) for n in TEXT_LIMITS) + len(self.profile)

    @property
    def truncated(self) -> bool:
        """Only a preview of the payload is kept: the whole one must be fetched again."""
        return self.preview is not None

    @property
    def key(self) -> tuple[str, bool, str]:
        return (self.profile, self.derived, self.source_id)

    def to_dict(self, whole_payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """The event as JSON data, secrets redacted. A truncated event gives ``whole_payload`` when it
        was fetched again, else its preview under ``payload_truncated`` (and ``payload`` null)."""
        out = {"time": self.time.isoformat(timespec="milliseconds").replace("+00:00", "Z"), "server": self.profile,
               "who": self.who, "action": self.action, "target": self.target, "summary": self.summary,
               "source": "derived" if self.derived else "audit-log", "id": self.source_id}
        if whole_payload is not None or not self.truncated:
            out["payload"] = redact_urls(redact_data(whole_payload if whole_payload is not None else self.payload))
        else:
            out["payload"] = None
            out["payload_truncated"] = {"size": self.payload_size, "preview": self.preview}
        if self.alert:
            out["alert"] = self.alert
        if self.by_console:
            out["by_console"] = self.by_console
        return out


def _compact(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)


def _prune(value: Any, budget: list[int]) -> Any:
    """The beginning of a payload, about ``budget[0]`` characters of it, in its shape: redacting that
    costs what the preview costs, not what the server sent."""
    if isinstance(value, str):
        kept = value[:max(0, budget[0])]
        budget[0] -= len(kept) + 2
        return kept
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for k, v in value.items():
            if budget[0] <= 0:
                break
            budget[0] -= len(str(k)) + 4
            out[k] = _prune(v, budget)
        return out
    if isinstance(value, (list, tuple)):
        items = []
        for v in value:
            if budget[0] <= 0:
                break
            items.append(_prune(v, budget))
        return items
    budget[0] -= 8
    return value


def footprint(value: Any) -> int:
    """Bytes a small JSON-like value holds in memory (containers and scalars), walked without recursion."""
    total, stack = 0, [value]
    while stack:
        node = stack.pop()
        total += sys.getsizeof(node)
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
    return total


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
    order (bisect) rather than appended; the oldest are dropped past ``size`` events or past
    ``max_bytes`` of footprint, whichever comes first (``bytes`` is the running sum).
    """

    def __init__(self, size: int = 10_000, max_bytes: int = BUFFER_BYTES) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self._events: list[AuditEvent] = []
        self.dropped = 0

    def extend(self, events: Iterable[AuditEvent]) -> list[AuditEvent]:
        added = sorted(events, key=lambda e: e.time)
        for event in added:
            self.bytes += event.footprint
            if not self._events or event.time >= self._events[-1].time:
                self._events.append(event)
            else:
                bisect.insort_right(self._events, event, key=lambda e: e.time)
        over_count = len(self._events) - self.size
        drop = 0
        while drop < len(self._events) and (drop < over_count or self.bytes > self.max_bytes):
            self.bytes -= self._events[drop].footprint
            drop += 1
        if drop:
            self.dropped += drop
            del self._events[:drop]
        return added

    def __iter__(self) -> Iterator[AuditEvent]:
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)
