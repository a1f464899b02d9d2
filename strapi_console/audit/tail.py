"""The tail: one polling loop per server, never overlapping itself, adapting its pace, backing off on
errors, pausable, delivering alert-checked events to whoever listens (the CLI or panel 4)."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from ..client import StrapiClient
from ..config import Profile
from ..errors import ConsoleError, FeatureAbsent, RateLimited, SignedOut, isolate
from ..secrets import SecretStore
from ..session import Sessions
from .alerts import AlertRules
from .community import CommunitySource
from .enterprise import EnterpriseSource, whole_payload
from .events import AuditEvent

FAST, SLOW = 2.0, 10.0  # seconds between polls: faster while events flow, slower when quiet
DERIVED_FAST = 5.0  # the derived feed sends more requests per poll
MAX_BACKOFF = 60.0


def _secs(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds >= 1 else "a moment"


@dataclass
class ServerStatus:
    profile: str
    mode: str = "starting"  # "audit-log", "derived", "signed out", "unreachable"
    live: bool = False
    interval: float = FAST
    last_poll: datetime | None = None
    error: str | None = None
    events: int = 0
    polls: int = 0
    clock_skew: float | None = None  # the server's clock minus ours, seconds: events are ordered by server time


def audit_logs_licensed(project_type: dict) -> bool:
    features = project_type.get("features") or []
    names = {f.get("name") if isinstance(f, dict) else f for f in features}
    return bool(project_type.get("isEE")) and "audit-logs" in names


class ServerTail:
    def __init__(self, profile: Profile, client: StrapiClient, *, since: datetime | None) -> None:
        self.profile = profile
        self.client = client
        self.since = since
        self.source: EnterpriseSource | CommunitySource | None = None
        self.status = ServerStatus(profile.name)

    async def _choose_source(self) -> None:
        info = await self.client.anonymous_info()
        if info.error:
            raise ConsoleError(info.error, title="Unreachable")
        if audit_logs_licensed(info.project_type):
            self.source = EnterpriseSource(self.client, since=self.since)
            self.status.mode = "audit-log"
        else:
            self.source = CommunitySource(self.client, since=self.since)
            self.status.mode = "derived"

    async def poll(self) -> list[AuditEvent]:
        if self.source is None:
            await self._choose_source()
        try:
            return await self.source.poll()
        except FeatureAbsent:
            # licensed at start, gone now (licence change, feature disabled): fall back to the derived feed
            self.source = CommunitySource(self.client, since=self.since)
            self.status.mode = "derived"
            return await self.source.poll()


class Tail:
    """Drive every server's loop; deliver events through ``on_events`` and state through ``on_status``."""

    def __init__(self, profiles: list[Profile], store: SecretStore, *, since: datetime | None = None,
                 rules: AlertRules | None = None, on_events: Callable[[list[AuditEvent]], None] | None = None,
                 on_status: Callable[[ServerStatus], None] | None = None, transport=None,
                 fast: float = FAST, slow: float = SLOW, sessions: Sessions | None = None) -> None:
        self.profiles = profiles
        self.store = store
        self.sessions = sessions  # the profiles' shared sessions (the TUI's); a registry of its own otherwise
        self.since = since
        self.rules = rules or AlertRules()
        self.on_events = on_events or (lambda events: None)
        self.on_status = on_status or (lambda status: None)
        self.transport = transport
        self.fast, self.slow = fast, slow
        self.running = asyncio.Event()
        self.running.set()
        self._wake = asyncio.Event()
        self.servers: dict[str, ServerTail] = {}

    def pause(self) -> None:
        """Stop polling (the panel is hidden, or the operator paused): no request goes out meanwhile."""
        self.running.clear()

    def resume(self) -> None:
        self.running.set()
        self._wake.set()

    async def _deliver(self, events: list[AuditEvent]) -> None:
        for event in events:
            event.alert = event.alert or self.rules.check(event)
        if events:
            delivered = self.on_events(events)
            if inspect.isawaitable(delivered):  # a listener that fetches whole payloads as it writes (the CLI)
                await delivered

    async def whole_payload(self, event: AuditEvent) -> dict | None:
        """The whole payload of an event: kept, or fetched again from its server when only a preview was
        kept; None when it cannot be (a derived event's payload exists only as the console built it)."""
        if not event.truncated:
            return event.payload
        server = self.servers.get(event.profile)
        if event.derived or server is None:
            return None
        return await whole_payload(server.client, event.source_id)

    async def _sleep(self, seconds: float) -> None:
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass

    async def _loop(self, profile: Profile, sessions: Sessions) -> None:
        """One server's tail. Never raises (except cancellation): whatever breaks is this server's status,
        so a failing or hostile server never stops the others' tails."""
        try:
            await self._tail(profile, sessions)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 — outside a poll (opening the session): this tail stops
            error = isolate(exc, f"The audit tail of {profile.name}")
            self.on_status(ServerStatus(profile.name, mode="stopped", error=f"{error.title}: {error.message}"))

    async def _tail(self, profile: Profile, sessions: Sessions) -> None:
        session = sessions.get(profile)
        try:
            client = await session.ready()
        except ConsoleError as exc:
            self.on_status(ServerStatus(profile.name, mode="signed out", error=str(exc)))  # with its hint
            return
        # the session stays open for its other users (panels, scans): never closed here
        server = ServerTail(profile, client, since=self.since)
        self.servers[profile.name] = server
        status = server.status
        backoff = self.fast
        while True:
            await self.running.wait()
            started = time.monotonic()
            try:
                events = await server.poll()
            except asyncio.CancelledError:
                raise
            except SignedOut as exc:
                status.mode, status.live, status.error = "signed out", False, exc.message
                self.on_status(status)
                await self._sleep(MAX_BACKOFF)
                await _quietly(session.ready())  # signed in again meanwhile, here or in another process?
                continue
            except RateLimited as exc:
                wait = max(self.fast, (exc.reset_at - time.time()) if getattr(exc, "reset_at", None) else backoff)
                status.live, status.error = False, f"{exc.title}: {exc.message} (waiting {_secs(wait)})"
                self.on_status(status)
                backoff = min(MAX_BACKOFF, backoff * 2)
                await self._sleep(min(wait, MAX_BACKOFF * 5))
                continue
            except Exception as exc:  # noqa: BLE001 — a typed error, or anything a hostile answer caused
                exc = isolate(exc, f"A poll of {profile.name}")
                status.live = False
                status.error = f"{exc.title}: {exc.message} (retrying in {_secs(backoff)})"
                if server.source is None:
                    status.mode = "unreachable"
                self.on_status(status)
                await self._sleep(backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)
                continue
            backoff = self.fast
            status.live, status.error, status.polls = True, None, status.polls + 1
            status.last_poll = datetime.now(timezone.utc)
            status.clock_skew = client.http.clock_skew
            status.events += len(events)
            floor = self.fast if status.mode == "audit-log" else max(self.fast, DERIVED_FAST)
            status.interval = floor if events else min(self.slow, max(floor, status.interval * 1.5))
            await self._deliver(events)
            self.on_status(status)
            # the next poll starts an interval after this one started, never before it ended
            await self._sleep(max(0.0, status.interval - (time.monotonic() - started)))

    async def run(self) -> None:
        """Run until cancelled; a failing server never stops the others (each loop keeps its errors)."""
        if self.sessions is not None:
            await asyncio.gather(*(self._loop(p, self.sessions) for p in self.profiles), return_exceptions=True)
            return
        async with Sessions(self.store, transport=self.transport) as own:
            await asyncio.gather(*(self._loop(p, own) for p in self.profiles), return_exceptions=True)


async def _quietly(awaitable) -> None:
    try:
        await awaitable
    except ConsoleError:
        pass
