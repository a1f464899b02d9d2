"""Scanning: for each profile, probe the server, read what the credentials allow, run every check.

Servers are scanned concurrently; inside one server the anonymous probes, /admin/information and the
checks run concurrently too. Whatever goes wrong inside one server's scan (unreachable, a failed
sign-in, an answer no code path expected) is recorded as that server's error, never raised, so one bad
or hostile server does not lose the others' results. Each server's scan has a request budget and a
deadline (:class:`ScanLimits`); a scan they cut is reported as incomplete, with the checks it cut.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import httpx

from . import __version__, scoring, shared_reads
from .checks import REGISTRY, ScanContext, run_checks
from .checks.registry import SEVERITIES, Finding, reading
from .client import ServerInfo, StrapiClient
from .advisories import DEFAULT_MAX_AGE_DAYS
from .config import Profile
from .errors import ConsoleError, SignedOut, StrapiError, TLSFailure, isolate
from .grades import Grades, TLSGrade, grade as grade_server
from .http import RequestBudget, current_budget
from .observatory import WebGrade
from .secrets import SecretStore
from .session import Sessions


@dataclass
class ServerResult:
    profile: Profile
    reachable: bool
    info: ServerInfo | None = None
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    auth_error: str | None = None
    request_count: int = 0
    had_credentials: bool = False
    session_ended: bool = False  # held credentials the server no longer accepts (and refresh failed)
    cut: str | None = None  # why the request budget or deadline stopped this scan before every check finished
    unexpected: bool = False  # the error is not one the console explains (a bug, or an answer nothing expected)
    duration: float = 0.0  # seconds the scan took
    scanned_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    grades: Grades | None = None  # set once, by finish(), when the findings are final

    def finish(self) -> ServerResult:
        """Grade the server from its final findings, once, at the end of its scan: the reports and the TUI
        read the stored grades."""
        self.grades = grade_server(self.findings, reachable=self.reachable,
                                   https=self.profile.url.startswith("https://"))
        return self

    @property
    def posture(self) -> scoring.Posture | None:
        return self.grades.posture if self.grades else None

    @property
    def web(self) -> WebGrade | None:
        return self.grades.web if self.grades else None

    @property
    def tls(self) -> TLSGrade | None:
        return self.grades.tls if self.grades else None

    @property
    def overall(self) -> str | None:
        return self.grades.overall if self.grades else None

    @property
    def incomplete(self) -> bool:
        """Unreachable, sign-in failed, or too few checks could run to grade (coverage gate, Part C3)."""
        if not self.reachable or self.auth_error is not None or self.error or self.cut:
            return True
        posture = self.posture
        return posture is not None and posture.grade is None

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            if f.status == "fail":
                out[f.severity] += 1
        return out

    def worst(self) -> Finding | None:
        bad = [f for f in self.findings if f.status in ("fail", "warn")]
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        bad.sort(key=lambda f: (f.status != "fail", rank[f.severity]))
        return bad[0] if bad else None


@dataclass(frozen=True)
class ScanLimits:
    """What one scan may spend on one server. The defaults are far above what a normal server needs (a
    full scan of a real Strapi sends about 40 requests and takes seconds)."""

    requests: int = 1000
    seconds: float = 300.0


async def scan_profile(profile: Profile, store: SecretStore, *, check_ids: list[str] | None = None,
                       transport: httpx.AsyncBaseTransport | None = None, aggressive: bool = False,
                       advisory_max_age_days: int = DEFAULT_MAX_AGE_DAYS,
                       limits: ScanLimits | None = None, sessions: Sessions | None = None) -> ServerResult:
    """Scan one server through the profile's shared session (``sessions``; a registry of its own otherwise).
    Never raises (except cancellation): every failure is the result's error."""
    if sessions is None:
        async with Sessions(store, transport=transport) as own:
            return await scan_profile(profile, store, check_ids=check_ids, transport=transport,
                                      aggressive=aggressive, advisory_max_age_days=advisory_max_age_days,
                                      limits=limits, sessions=own)
    started = time.monotonic()
    limits = limits or ScanLimits()
    budget = RequestBudget(limits.requests, limits.seconds)
    spent = current_budget.set(budget)  # this task's requests (and its checks') count; the session's others not
    try:
        result = await _scan(profile, store, check_ids, transport, aggressive, advisory_max_age_days, sessions)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 — isolation: one server's failure is that server's result
        error = isolate(exc, f"The scan of {profile.name}")
        result = ServerResult(profile, False, error=str(error), unexpected=True, request_count=budget.sent)
    finally:
        current_budget.reset(spent)
    if budget.cut:
        result.cut = budget.cut
        result.findings = [_cut_finding(f, budget) if f.check_id in budget.refused and f.status != "error" else f
                           for f in result.findings]
    result.duration = time.monotonic() - started
    return result.finish()  # graded once, from the final findings (a budget cut turns some into errors first)


def _cut_finding(finding: Finding, budget: RequestBudget) -> Finding:
    """A check that was refused a request cannot vouch for its result, whatever it concluded without it."""
    return dataclasses.replace(finding, status="error", title=f"{finding.title} (not finished: scan cut)",
                               reason=f"not finished: {budget.cut}", fix=None, plan=None)


async def _scan(profile: Profile, store: SecretStore, check_ids: list[str] | None, transport, aggressive: bool,
                advisory_max_age_days: int, sessions: Sessions) -> ServerResult:
    session = sessions.get(profile)
    client = session.client
    try:
        await session.ready()  # the keyring is read in a thread, never on the event loop
    except ConsoleError as exc:
        cred_error = str(exc)
    else:
        cred_error = None
    credentials = client.credentials
    end_user = await session.end_user()
    requests_before = client.request_count
    ctx = ScanContext(client=client, info=ServerInfo(), credentials=credentials, end_user=end_user,
                      aggressive=aggressive, advisory_max_age_days=advisory_max_age_days)
    # A full scan's signed-in reads need neither the probes' answers nor /admin/information's: sent with them.
    early = asyncio.ensure_future(shared_reads.prefetch(client, ctx.memo)) if credentials and not check_ids else None
    try:
        probes = [client.anonymous_info()] + ([client.information()] if credentials else [])
        answers = await asyncio.gather(*probes, return_exceptions=True)
        info = answers[0]
        if isinstance(info, BaseException):
            raise info
        if isinstance(info.failure, TLSFailure):
            raise info.failure
        auth_error, session_ended = cred_error, False
        if credentials:
            information = answers[1]
            session_ended = isinstance(information, SignedOut)
            if session_ended:
                # this scan goes on without credentials; the shared session is left to its other users
                auth_error, credentials = str(information), None
            elif isinstance(information, StrapiError):
                if info.reachable and info.error is None:
                    auth_error = str(information)
            elif isinstance(information, BaseException):
                raise information
            else:
                info.information = information
        result = ServerResult(profile, info.reachable, info=info, error=info.error, auth_error=auth_error,
                              had_credentials=credentials is not None or session_ended,
                              session_ended=session_ended)
        if info.reachable and not info.error:
            ctx.info, ctx.credentials = info, client.credentials if credentials else None
            main, public = await asyncio.gather(run_checks(ctx, check_ids),
                                                _public_surface(profile, store, check_ids, transport))
            result.findings = merge_surfaces(main, public, profile)
    except StrapiError as exc:
        result = ServerResult(profile, False, error=str(exc), had_credentials=credentials is not None)
        if isinstance(exc, TLSFailure):  # the TLS checks say exactly what is wrong with the certificate
            tls = ScanContext(client=client, info=ServerInfo(), credentials=None)
            result.findings = await run_checks(tls, [c for c in REGISTRY if c.startswith("TLS-")])
    finally:
        _settle(early, ctx)
    result.request_count = client.request_count - requests_before  # other users of the session may add some
    return result


def _settle(early: asyncio.Future | None, ctx: ScanContext) -> None:
    """Reads started early that no check awaited (the server was unreachable, not Strapi): stopped when
    the scan ends (the session stays open for its other users), their outcome taken so nothing is reported
    as never retrieved."""
    for future in ([early] if early else []) + list(ctx._memo.values()):  # noqa: SLF001 - the scan owns ctx
        if not future.done():
            future.cancel()
        future.add_done_callback(lambda f: f.cancelled() or f.exception())


async def _public_surface(profile: Profile, store: SecretStore, check_ids: list[str] | None,
                          transport) -> list[Finding]:
    """The checks that read public_url (headers, TLS) on the public URL (end users may reach the API
    through a CDN)."""
    if not profile.public_url or profile.public_url == profile.url:
        return []
    on_public = {s.id for s in reading("public_url")}
    ids = [c for c in (check_ids or list(REGISTRY)) if c in on_public]
    if not ids:
        return []
    public = dataclasses.replace(profile, url=profile.public_url)
    async with StrapiClient(public, transport=transport) as client:  # anonymous: no session to share
        return await run_checks(ScanContext(client=client, info=ServerInfo(), credentials=None), ids)


def merge_surfaces(main: list[Finding], public: list[Finding], profile: Profile) -> list[Finding]:
    """One finding per check (the contract): the worse surface decides, the evidence shows both."""
    if not public:
        return main
    rank = {"fail": 0, "error": 1, "warn": 2, "skip": 3, "info": 4, "pass": 5}
    by_id = {f.check_id: f for f in public}
    out = []
    for f in main:
        other = by_id.get(f.check_id)
        if other is None:
            out.append(f)
            continue
        # a check the public surface could not run (it has no credentials) does not hide the admin URL's result
        other_counts = other.status != "skip" or f.status == "skip"
        worse, worse_url = ((other, profile.public_url) if other_counts and rank[other.status] < rank[f.status]
                            else (f, profile.url))
        merged = dataclasses.replace(worse, evidence=dict(worse.evidence))
        merged.evidence["surfaces"] = {profile.url: {"status": f.status, "title": f.title},
                                       profile.public_url: {"status": other.status, "title": other.title}}
        if f.status != other.status:
            merged.title = f"{worse.title} (on {worse_url})"
        out.append(merged)
    return out


@dataclass
class FleetProgress:
    """Where a fleet scan stands: how many servers are done, which are still running and since when."""

    total: int
    done: int = 0
    running: dict[str, float] = field(default_factory=dict)  # profile name → time.monotonic() at its start

    def slowest(self) -> tuple[str, float] | None:
        """The server running longest and its seconds so far, None when none runs."""
        if not self.running:
            return None
        name, started = min(self.running.items(), key=lambda item: item[1])
        return name, time.monotonic() - started


# Servers scanned at once by one fleet scan. A scan spends its time waiting for answers until the console's
# CPU is the limit (about 60 ms of it per server here): past that, more scans at once only hold more memory
# and let connections time out while they wait for the CPU (1,000 at once: 680 MB, 22 servers lost to
# connect timeouts). 64 keeps a 100 ms-away fleet's network busy and the CPU the only limit.
FLEET_CONCURRENCY = 64


async def scan_profiles(profiles: list[Profile], store: SecretStore, *, sessions: Sessions | None = None,
                        progress: Callable[[FleetProgress], None] | None = None,
                        each: Callable[[int, ServerResult], None] | None = None, **kw) -> list[ServerResult]:
    """Every profile scanned, FLEET_CONCURRENCY at a time; ``progress`` is called as each ends, and twice a
    second between (so a server that hangs shows its growing time); ``each`` with a profile's position and
    result as soon as it has one (a worker process sends it on)."""
    if sessions is None:
        async with Sessions(store, transport=kw.get("transport")) as own:
            return await scan_profiles(profiles, store, sessions=own, progress=progress, each=each, **kw)
    state = FleetProgress(len(profiles))
    slots = asyncio.Semaphore(FLEET_CONCURRENCY)

    async def one(position: int, profile: Profile) -> ServerResult:
        async with slots:
            state.running[profile.name] = time.monotonic()
            try:
                result = await scan_profile(profile, store, sessions=sessions, **kw)
                if each:
                    each(position, result)
                return result
            finally:
                state.running.pop(profile.name, None)
                state.done += 1
                if progress:
                    progress(state)

    async def tick() -> None:
        while True:
            progress(state)
            await asyncio.sleep(0.5)

    ticker = asyncio.ensure_future(tick()) if progress else None
    try:
        return list(await asyncio.gather(*(one(i, p) for i, p in enumerate(profiles))))
    finally:
        if ticker:
            ticker.cancel()


def exit_code(results: list[ServerResult], fail_on: str = "high", include_warn: bool = False) -> int:
    """Exit code of ``scan`` per the contract: 5 findings at/above threshold, 4 incomplete, else 0."""
    threshold = SEVERITIES.index(fail_on)
    statuses = {"fail", "warn"} if include_warn else {"fail"}
    for r in results:
        for f in r.findings:
            if f.status in statuses and SEVERITIES.index(f.severity) <= threshold:
                return 5
    if any(r.incomplete or r.error for r in results):
        return 4
    return 0


def scan_metadata() -> dict:
    from .advisories import cached

    now = datetime.now(timezone.utc)
    return {"tool": "strapi-console", "tool_version": __version__, "generated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "advisory_db": cached().summary(now.date())}
