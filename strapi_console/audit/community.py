"""The derived activity feed for Community servers: what the admin API shows, turned into events.

Content entries (created, updated, published, unpublished; the content manager names the admin who
did it), new end users, and snapshot diffs of tokens, webhooks, users-permissions settings and roles,
admin users and roles. It cannot see failed logins, reads, deletions of content entries, or anything
done directly in the database; the panel and `tail` say so.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

from ..client import StrapiClient
from ..errors import Forbidden, NotFound
from . import snapshots
from ..times import parse_time
from .events import AuditEvent

CANNOT_SEE = ("failed logins", "reads", "deleted content entries", "changes made directly in the database")
ENTRIES_PER_TYPE = 25
MAX_TYPES = 100  # content types the derived feed watches (the first ones the server lists)
END_USERS = "plugin::users-permissions.user"


def _who(entry: dict) -> str:
    by = entry.get("updatedBy") if isinstance(entry.get("updatedBy"), dict) else None
    return str(by.get("email") or f"admin #{by.get('id')}") if by else "API (token or end user)"


def _stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds")


class CommunitySource:
    derived = True

    def __init__(self, client: StrapiClient, *, since: datetime | None = None) -> None:
        self.client = client
        self.since = since or datetime.now(timezone.utc) - timedelta(minutes=15)
        self.types: list[str] | None = None
        self.entries: dict[str, dict[str, tuple[str, str]]] = {}  # uid → documentId → (updatedAt, status)
        self.users_seen: set[str] | None = None
        self.snapshot: dict | None = None

    async def _get(self, path: str, **kw) -> Any:
        return await self.client.get(path, **kw)

    async def _content_types(self) -> list[str]:
        if self.types is None:
            answer = await self._get("/content-manager/content-types")
            data = answer.get("data") if isinstance(answer, dict) else None
            types = [t["uid"] for t in data if isinstance(t, dict) and isinstance(t.get("uid"), str)
                     and t["uid"].startswith("api::") and t.get("kind") == "collectionType"] if isinstance(
                data, list) else []
            self.types = types[:MAX_TYPES]  # each type costs a request per poll: a bound, whatever the server lists
        return self.types

    async def _entries(self, uid: str) -> list[AuditEvent]:
        answer = await self._get(f"/content-manager/collection-types/{uid}",
                                 params={"page": 1, "pageSize": ENTRIES_PER_TYPE, "sort": "updatedAt:DESC"})
        known = self.entries.setdefault(uid, {})
        events = []
        for entry in answer.get("results") or []:
            if not isinstance(entry, dict):
                continue
            doc = str(entry.get("documentId") or entry.get("id"))
            updated, created = parse_time(entry.get("updatedAt")), parse_time(entry.get("createdAt"))
            status = str(entry.get("status") or ("published" if entry.get("publishedAt") else "draft"))
            state = (str(entry.get("updatedAt")), status)
            previous = known.get(doc)
            known[doc] = state
            if previous == state or updated is None or (previous is None and updated < self.since):
                continue
            if previous is None and created is not None and created >= self.since:
                action = "entry.create"
            elif previous is not None and previous[1] != "published" and status == "published":
                action = "entry.publish"
            elif previous is not None and previous[1] == "published" and status == "draft":
                action = "entry.unpublish"
            else:
                action = "entry.update"
            title = entry.get("title") or entry.get("name") or entry.get("slug") or doc
            events.append(AuditEvent(
                profile=self.client.profile.name, source_id=f"{uid}:{doc}:{state[0]}:{status}", time=updated,
                who=_who(entry), action=action, target=f"{uid.split('.')[-1]} #{doc}",
                summary=f"{action.split('.')[1]} {uid.split('.')[-1]} '{str(title)[:60]}'", derived=True,
                payload={"uid": uid, "documentId": doc, "status": status, "updatedAt": entry.get("updatedAt")}))
        return events

    async def _end_users(self) -> list[AuditEvent]:
        answer = await self._get(f"/content-manager/collection-types/{END_USERS}",
                                 params={"page": 1, "pageSize": 50, "sort": "createdAt:DESC"})
        events = []
        first = self.users_seen is None
        seen = self.users_seen if self.users_seen is not None else set()
        for user in answer.get("results") or []:
            if not isinstance(user, dict):
                continue
            uid = str(user.get("documentId") or user.get("id"))
            created = parse_time(user.get("createdAt"))
            if uid in seen or created is None:
                continue
            seen.add(uid)
            if first and created < self.since:
                continue
            by = user.get("createdBy") if isinstance(user.get("createdBy"), dict) else None
            events.append(AuditEvent(
                profile=self.client.profile.name, source_id=f"end-user:{uid}", time=created,
                who=str(by.get("email")) if by else "self sign-up (or the API)", action="end-user.create",
                target=str(user.get("username") or uid), summary=f"new end user {user.get('username') or uid}",
                derived=True, payload={"id": user.get("id"), "confirmed": user.get("confirmed"),
                                       "blocked": user.get("blocked"), "provider": user.get("provider")}))
        self.users_seen = seen
        return events

    async def _settings(self) -> list[AuditEvent]:
        """Snapshot diffs, each at the time the row itself says it changed (a role's or token's own
        updatedAt), else at the snapshot's time. The first snapshot has nothing to diff with: rows whose own
        timestamps fall after ``since`` are reported from them (so `tail --since 1h` shows a role changed a
        minute before it started)."""
        now = await snapshots.take(self.client)
        previous, self.snapshot = self.snapshot, now
        if previous is None:
            changes = snapshots.recent_changes(now, self.since)
            since = self.since.isoformat()
        else:
            changes = snapshots.diff(previous, now)
            for change in changes:
                change.at = snapshots.when_changed(change, now, previous)
            since = previous.get("taken_at")
        snapshots.mark_console_changes(self.client.profile.name, changes, since)
        noticed = parse_time(now["taken_at"]) or datetime.now(timezone.utc)
        return [AuditEvent(
            profile=self.client.profile.name, source_id=f"{c.section}:{c.key}:{_stamp(c.at) if c.at else now['taken_at']}",
            time=c.at or noticed,
            who=f"strapi-console (journal {c.by_console})" if c.by_console else "unknown (not recorded by Strapi)",
            action=c.action, target=c.name, summary=c.describe(), derived=True,
            payload={**c.payload(), "time_source": "the row's own timestamp" if c.at else "when the feed noticed it"},
            by_console=c.by_console) for c in changes]

    async def poll(self) -> list[AuditEvent]:
        async def guarded(coro):
            try:
                return await coro
            except (Forbidden, NotFound):
                return []  # what these credentials cannot read stays out of the feed

        types = await self._content_types()
        groups = await asyncio.gather(guarded(self._end_users()), guarded(self._settings()),
                                      *(guarded(self._entries(uid)) for uid in types))
        events = [e for group in groups for e in group]
        return sorted(events, key=lambda e: (e.time, e.source_id))
