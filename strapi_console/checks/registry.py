"""The check registry: every check has a stable ID, a severity and an async function.

Later features add checks by decorating functions with :func:`check`. The headless ``scan`` and the
TUI both run :func:`run_checks`, so they always agree.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from ..advisories import DEFAULT_MAX_AGE_DAYS
from ..client import ServerInfo, StrapiClient
from ..errors import ConsoleError, Forbidden, SignedOut
from ..http import current_check
from ..redact import redact_data, redact_text, redact_urls
from ..secrets import Credentials

Status = Literal["pass", "warn", "fail", "skip", "info", "error"]
Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")
STATUSES: tuple[Status, ...] = ("fail", "warn", "error", "skip", "info", "pass")


@dataclass
class Finding:
    check_id: str
    status: Status
    severity: Severity
    title: str
    evidence: dict[str, Any] = field(default_factory=dict)
    fix: dict[str, Any] | None = None
    references: list[str] = field(default_factory=list)
    reason: str | None = None
    advisories: list[str] | None = None
    plan: Any = field(default=None, repr=False, compare=False)  # an applicable fix (kept out of reports)
    # A skip because the check does not apply (e.g. TLS checks on a plain-HTTP loopback profile): it does
    # not lower the coverage, which measures what could not be evaluated for lack of access.
    not_applicable: bool = field(default=False, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"check_id": self.check_id, "status": self.status, "severity": self.severity,
                               "title": redact_text(self.title)}
        if self.reason:
            out["reason"] = redact_text(self.reason)
        if self.advisories is not None:
            out["advisories"] = sorted(set(self.advisories))
        # evidence and fix are only shown: a URL a server sent keeps no secret part there (a plan keeps
        # the exact values it writes back, out of reports)
        out["evidence"] = redact_urls(redact_data(self.evidence))
        if self.fix:
            out["fix"] = redact_urls(redact_data(self.fix))
        if self.references:
            out["references"] = list(self.references)
        return out


@dataclass
class ScanContext:
    """What a check may use: the profile's client, what is known about the server, the credentials."""

    client: StrapiClient
    info: ServerInfo
    credentials: Credentials | None
    end_user: Credentials | None = None  # a test end user's JWT (SEC-UP-JWT-DEFAULT, AUTH-UP-JWT-MODE)
    aggressive: bool = False  # probes that send login attempts or heavy queries (RATE-*, EXP-GQL-LIMITS)
    advisory_max_age_days: int = DEFAULT_MAX_AGE_DAYS  # older advisory data cannot vouch for a clean VER-*-ADVISORIES result
    _memo: dict[str, asyncio.Future] = field(default_factory=dict, repr=False)

    @property
    def signed_in(self) -> bool:
        return self.credentials is not None

    async def page(self, path: str) -> Any:
        """An anonymous GET of an HTML page, fetched once per scan whichever checks look at it (None on failure)."""
        async def fetch():
            try:
                return await self.client.probe("GET", path, headers={"Accept": "text/html"}, retries=0)
            except ConsoleError:
                return None
        return await self.memo(f"page:{path}", fetch)

    async def memo(self, key: str, factory: Callable[[], Awaitable[Any]]) -> Any:
        """Fetch something several checks need once per scan, even when they ask at the same time."""
        if key not in self._memo:
            self._memo[key] = asyncio.ensure_future(factory())
        return await asyncio.shield(self._memo[key])


CheckFn = Callable[[ScanContext], Awaitable[Finding]]


@dataclass(frozen=True)
class CheckSpec:
    id: str
    title: str
    severity: Severity
    family: str
    needs_auth: bool
    fn: CheckFn
    references: tuple[str, ...] = ()

    def finding(self, status: Status, title: str | None = None, **kw) -> Finding:
        return Finding(check_id=self.id, status=status, severity=self.severity, title=title or self.title,
                       references=list(self.references), **kw)

    def not_applicable(self, reason: str, **kw) -> Finding:
        return self.finding("skip", reason=reason, not_applicable=True, **kw)


REGISTRY: dict[str, CheckSpec] = {}


def check(check_id: str, title: str, severity: Severity, *, needs_auth: bool = False,
          references: tuple[str, ...] = ()) -> Callable[[CheckFn], CheckFn]:
    family = check_id.split("-", 1)[0]

    def register(fn: CheckFn) -> CheckFn:
        if check_id in REGISTRY:
            raise ValueError(f"check {check_id} registered twice")
        REGISTRY[check_id] = CheckSpec(check_id, title, severity, family, needs_auth, fn, references)
        return fn

    return register


def spec(check_id: str) -> CheckSpec:
    return REGISTRY[check_id]


async def _run_one(spec_: CheckSpec, ctx: ScanContext) -> Finding:
    current_check.set(spec_.id)  # this check's own task: a request budget that refuses it can name it
    finding = await _evaluate(spec_, ctx)
    if spec_.id.endswith("-ADVISORIES") and finding.advisories is None:
        finding.advisories = []  # the contract: always present on VER-*ADVISORIES, even when none matched
    return finding


async def _evaluate(spec_: CheckSpec, ctx: ScanContext) -> Finding:
    if spec_.needs_auth and not ctx.signed_in:
        return spec_.finding("skip", reason=f"no admin credentials for this profile (strapi-console login "
                                            f"{ctx.client.profile.name})")
    try:
        return await spec_.fn(ctx)
    except Forbidden as exc:
        return spec_.finding("skip", reason=exc.message)
    except SignedOut as exc:
        return spec_.finding("skip", reason=f"signed out: {exc.message}")
    except ConsoleError as exc:
        return spec_.finding("error", reason=str(exc))
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a bug in one check must not lose the others' results
        return spec_.finding("error", reason=f"the check itself failed: {type(exc).__name__}: {redact_text(str(exc))}")


async def run_checks(ctx: ScanContext, ids: list[str] | None = None) -> list[Finding]:
    """Run the chosen checks (all by default) concurrently; results in registry order."""
    chosen = [REGISTRY[i] for i in (ids or list(REGISTRY))]
    return list(await asyncio.gather(*(_run_one(s, ctx) for s in chosen)))
