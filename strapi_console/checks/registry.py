"""The check registry: every check's spec (ID, title, family, severity, what it needs, the TUI panel it
belongs to, the profile settings it reads) and its async function.

Checks register by decorating a function with :func:`check`; the spec is the single description of a
check: the scan gates it on what it needs, the screens choose their checks by panel, the scan reruns
on the public URL the checks that read ``public_url``, and the README's check table is rendered from
it (:mod:`.catalog`). The headless ``scan`` and the TUI both run :func:`run_checks`, so they always agree.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from ..advisories import DEFAULT_MAX_AGE_DAYS
from ..client import ServerInfo, StrapiClient
from ..config import CHECK_SETTINGS, sign_in_hint
from ..errors import ConsoleError, Forbidden, SignedOut
from ..http import current_check
from ..redact import redact_data, redact_text, redact_urls
from ..secrets import Credentials

Status = Literal["pass", "warn", "fail", "skip", "info", "error"]
Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")
STATUSES: tuple[Status, ...] = ("fail", "warn", "error", "skip", "info", "pass")

# The families of security-checks.md, in its order (B1 headers ... B9 audit): the order panels group by.
FAMILIES: tuple[str, ...] = ("HDR", "TLS", "EXP", "AUTH", "TOK", "SEC", "RATE", "VER", "AUD")
# What a check needs before it can run; the registry skips it with an actionable reason otherwise.
Need = Literal["sign-in", "aggressive", "end-user"]
NEEDS: tuple[Need, ...] = ("sign-in", "aggressive", "end-user")
# The TUI panel (a mode of the app) whose findings list shows the check; every check declares one.
Panel = Literal["versions", "permissions", "audit", "headers"]
PANELS: tuple[Panel, ...] = ("versions", "permissions", "audit", "headers")
# Checks of what a URL serves (headers, TLS) read the profile's public_url: the scan runs them on it too.
SURFACE: tuple[str, ...] = ("public_url",)
END_USER_HINT = ("no end-user test login for this profile: strapi-console login {name} --end-user IDENTIFIER "
                 "stores a test user's JWT (never the password) to check it offline")


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


class UndeclaredSetting(Exception):
    """A check read a profile setting its spec does not declare: a bug in the check, never the user's."""


@dataclass(frozen=True)
class CheckSpec:
    id: str
    title: str
    severity: Severity
    family: str
    panel: Panel
    fn: CheckFn
    needs: frozenset[Need] = frozenset()
    settings: tuple[str, ...] = ()  # profile settings that change what this check concludes
    probe: str | None = None  # for an aggressive check: what it sends, said when it is skipped
    references: tuple[str, ...] = ()

    def finding(self, status: Status, title: str | None = None, **kw) -> Finding:
        return Finding(check_id=self.id, status=status, severity=self.severity, title=title or self.title,
                       references=list(self.references), **kw)

    def not_applicable(self, reason: str, **kw) -> Finding:
        return self.finding("skip", reason=reason, not_applicable=True, **kw)

    def setting(self, ctx: ScanContext, name: str) -> Any:
        """The value of a profile setting this check declared; reading an undeclared one is a bug."""
        if name not in self.settings:
            raise UndeclaredSetting(f"{self.id} reads the profile setting '{name}' without declaring it")
        return ctx.client.profile.check_settings()[name]


REGISTRY: dict[str, CheckSpec] = {}


def check(check_id: str, title: str, severity: Severity, *, panel: Panel, needs: tuple[Need, ...] = (),
          settings: tuple[str, ...] = (), probe: str | None = None,
          references: tuple[str, ...] = ()) -> Callable[[CheckFn], CheckFn]:
    """Register a check. Everything the scan, the screens and the docs know about it is declared here."""
    family = check_id.split("-", 1)[0]
    problems = [f"unknown need {n!r}" for n in needs if n not in NEEDS]
    if family not in FAMILIES:
        problems.append(f"unknown family {family!r} (known: {', '.join(FAMILIES)})")
    problems += [f"unknown profile setting {s!r} (known: {', '.join(CHECK_SETTINGS)})"
                 for s in settings if s not in CHECK_SETTINGS]
    if panel not in PANELS:
        problems.append(f"unknown panel {panel!r}")
    if ("aggressive" in needs) != (probe is not None):
        problems.append("an aggressive check says what it sends (probe=...), and only an aggressive one")
    if problems:
        raise ValueError(f"check {check_id}: " + "; ".join(problems))

    def register(fn: CheckFn) -> CheckFn:
        if check_id in REGISTRY:
            raise ValueError(f"check {check_id} registered twice")
        REGISTRY[check_id] = CheckSpec(check_id, title, severity, family, panel, fn, frozenset(needs),
                                       tuple(settings), probe, references)
        return fn

    return register


def spec(check_id: str) -> CheckSpec:
    return REGISTRY[check_id]


def for_panel(panel: Panel) -> list[CheckSpec]:
    """The checks a TUI panel shows, in registry order."""
    return [s for s in REGISTRY.values() if s.panel == panel]


def reading(setting: str) -> list[CheckSpec]:
    """The checks whose result depends on a profile setting."""
    return [s for s in REGISTRY.values() if setting in s.settings]


async def _run_one(spec_: CheckSpec, ctx: ScanContext) -> Finding:
    current_check.set(spec_.id)  # this check's own task: a request budget that refuses it can name it
    finding = await _evaluate(spec_, ctx)
    if spec_.id.endswith("-ADVISORIES") and finding.advisories is None:
        finding.advisories = []  # the contract: always present on VER-*ADVISORIES, even when none matched
    return finding


def _unmet(spec_: CheckSpec, ctx: ScanContext) -> Finding | None:
    """The skip for a check whose needs this scan does not meet, else None."""
    if "sign-in" in spec_.needs and not ctx.signed_in:  # counts against coverage: signing in would evaluate it
        return spec_.finding("skip", reason=f"no admin credentials for this profile "
                                            f"({sign_in_hint(ctx.client.profile)})")
    if "end-user" in spec_.needs and ctx.end_user is None:
        return spec_.not_applicable(END_USER_HINT.format(name=ctx.client.profile.name))
    if "aggressive" in spec_.needs and not ctx.aggressive:
        return spec_.not_applicable(f"sends {spec_.probe}: runs only with --aggressive")
    return None


async def _evaluate(spec_: CheckSpec, ctx: ScanContext) -> Finding:
    unmet = _unmet(spec_, ctx)
    if unmet is not None:
        return unmet
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
