"""Enterprise audit logs (`GET /admin/audit-logs`), tailed with a cursor so nothing is lost or repeated.

Each poll asks for every event dated at or after the cursor minus a small overlap (late inserts and
clock skew), newest first, 100 a page, and walks the pages until the last one: a burst larger than a
page between two polls is read whole. Events are de-duplicated by id; the cursor only moves forward
after a whole walk succeeded, so after a network loss or a server restart the next poll backfills
from the last event seen.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from .. import bounds
from ..client import StrapiClient
from ..errors import FeatureAbsent, Forbidden, NotFound, NotJSON, TooLarge, UnexpectedShape
from ..times import parse_time
from .alerts import _list, _obj, payload_alert
from .events import BUFFER_BYTES, AuditEvent, SeenIds

PAGE_SIZE = 100
SMALLEST_PAGE = 1
OVERLAP = timedelta(seconds=60)
MAX_PAGES = 200  # 20,000 events in one poll: beyond that, a gap is reported rather than walked forever
POLL_BYTES = BUFFER_BYTES  # payload previews one poll holds; past it, events keep no payload (fetched on demand)


def _summary(action: str, payload: dict) -> tuple[str, str]:
    """(target, summary) in words for the list; any shape the server sends is accepted."""
    if not isinstance(payload, dict):
        return "", action
    if action.startswith("entry."):
        entry = _obj(payload.get("entry"))
        target = f"{payload.get('model') or payload.get('uid') or '?'} #{entry.get('documentId') or entry.get('id') or '?'}"
        return target, f"{action.split('.', 1)[1]} {payload.get('uid') or payload.get('model') or 'entry'}"
    if action.startswith(("user.", "admin.")):
        user = _obj(payload.get("user"))
        return str(user.get("email") or user.get("id") or ""), action
    if action.startswith("role."):
        role = _obj(payload.get("role"))
        return str(role.get("name") or role.get("code") or role.get("id") or ""), action
    if action.startswith("permission."):
        perms = _list(payload.get("permissions"))
        return f"{len(perms)} permission(s)", action
    if action.startswith("media"):
        media = _obj(payload.get("media")) or _obj(payload.get("file"))
        return str(media.get("name") or media.get("id") or ""), action
    resource = _obj(payload.get("resource"))
    return str(resource.get("name") or resource.get("id") or ""), str(payload.get("details") or action)[:200]


def to_event(profile: str, raw: dict[str, Any]) -> AuditEvent | None:
    when = parse_time(raw.get("date"))
    if raw.get("id") is None or when is None:
        return None
    action = str(raw.get("action") or "?")
    payload = raw.get("payload") if isinstance(raw.get("payload"), dict) else {}
    user = raw.get("user") if isinstance(raw.get("user"), dict) else None
    who = (user.get("email") or user.get("displayName") or f"admin #{user.get('id')}") if user else (
        "system" if payload.get("origin") == "scheduler" else "unknown (deleted user or system)")
    target, summary = _summary(action, payload)
    return AuditEvent(profile=profile, source_id=str(raw["id"]), time=when, who=str(who), action=action,
                      target=target, summary=summary, derived=False, payload=payload,
                      alert=payload_alert(action, payload))  # judged whole, before a large payload is cut


async def whole_payload(client: StrapiClient, source_id: str) -> dict[str, Any]:
    """The whole payload of one event, fetched again (an event keeps only a preview of a large one)."""
    what = f"GET /admin/audit-logs/{source_id}"
    try:
        answer = await client.get(f"/admin/audit-logs/{quote(source_id, safe='')}")
    except (NotFound, NotJSON):
        raise NotFound(f"{what}: the server no longer has this event (retention, or the feature was turned "
                       "off).") from None
    if isinstance(answer, dict) and isinstance(answer.get("data"), dict):
        answer = answer["data"]
    if answer is None:  # Strapi answers 204 for an unknown id
        raise NotFound(f"{what}: the server no longer has this event.")
    if not isinstance(answer, dict):
        raise UnexpectedShape(f"{what} did not answer an audit-log object.")
    payload = answer.get("payload")
    return payload if isinstance(payload, dict) else {}


class EnterpriseSource:
    """The audit-log tail of one server."""

    derived = False

    def __init__(self, client: StrapiClient, *, since: datetime | None = None) -> None:
        self.client = client
        self.cursor: datetime | None = since  # None: start with the latest page only
        self.seen = SeenIds()
        self.page_size = PAGE_SIZE  # shrinks when a page of huge payloads exceeds the body limit
        # When started without a start time, only the latest page is shown: nothing older than it later.
        self.floor: datetime | None = None

    async def _page(self, page: int, since: datetime | None) -> dict:
        params: dict[str, Any] = {"page": page, "pageSize": self.page_size, "sort": "date:DESC"}
        if since is not None:
            params["filters[date][$gte]"] = since.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace(
                "+00:00", "Z")
        try:
            answer = await self.client.get("/admin/audit-logs", params=params)
        except (NotFound, NotJSON):  # a server without the route may answer the admin page's HTML with 200
            raise FeatureAbsent("This server has no audit logs (Community edition, or the feature is not licensed or "
                                "is disabled).") from None
        except Forbidden:
            raise Forbidden("This account may no longer read the audit logs (it needs the admin::audit-logs.read "
                            "permission): the tail of this server stopped; the others keep running.",
                            hint="Give the account's role 'Audit logs: read', or sign in with another account.",
                            status=403) from None
        if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
            raise UnexpectedShape("GET /admin/audit-logs did not answer {results, pagination}.")
        return answer

    async def poll(self) -> list[AuditEvent]:
        """New events since the last poll, oldest first. Raises on failure without moving the cursor."""
        while True:
            try:
                return await self._walk()
            except TooLarge:
                if self.page_size == SMALLEST_PAGE:
                    raise
                # a page of several-MB payloads: read fewer at a time rather than stall
                self.page_size = max(SMALLEST_PAGE, self.page_size // 10)

    async def _walk(self) -> list[AuditEvent]:
        since = self.cursor - OVERLAP if self.cursor else None
        fresh: dict[str, AuditEvent] = {}
        held = 0  # bytes the events of this walk hold: bounded, however large the server's payloads
        page = 1
        while True:
            answer = await self._page(page, since)
            for raw in answer["results"]:
                event = to_event(self.client.profile.name, raw) if isinstance(raw, dict) else None
                if event is not None and event.source_id not in self.seen and (
                        self.floor is None or event.time > self.floor) and event.source_id not in fresh:
                    if held + event.footprint > POLL_BYTES:
                        event.drop_payload()
                    held += event.footprint
                    fresh[event.source_id] = event
            pagination = answer.get("pagination") if isinstance(answer.get("pagination"), dict) else {}
            page_count = bounds.integer(pagination.get("pageCount"), 1, MAX_PAGES, default=1, clamp=True)
            # the first poll without a start time reads only the latest page
            if since is None or page >= page_count or not answer["results"] or page >= MAX_PAGES:
                break
            page += 1
        events = sorted(fresh.values(), key=lambda e: (e.time, int(e.source_id) if e.source_id.isdigit() else 0,
                                                       e.source_id))
        if since is None and events:
            self.floor = events[0].time
        for event in events:
            self.seen.add(event.source_id)
        if events:
            newest = events[-1].time
            self.cursor = max(self.cursor, newest) if self.cursor else newest
        elif self.cursor is None:
            self.cursor = datetime.now(timezone.utc) - OVERLAP
        return events
