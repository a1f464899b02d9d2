"""On call: what happened on one server in a window, in order, and what the console cannot see there.

One time-ordered account built from everything the console can read, each part saying how it knows:

- the audit log (Enterprise) or the derived feed (Community: content entries with the admin who saved
  them, or "API" when a token or an end user did, and new end users);
- what the objects themselves say about time: API, transfer and admin tokens created and last used,
  admin users created or changed, end-user roles changed, the operator's own sign-ins (5.50+);
- the AUD-DRIFT snapshot a scan stored, diffed with the server now (tokens, transfer tokens, webhooks,
  providers, users-permissions settings, roles and admin users): these changes are known to lie between
  the snapshot and now, and are shown as such (triage does not store a snapshot: the next scan still
  reports the drift);
- the console's own journal, with entry ids.

Security-relevant events are marked, each naming the check that goes with it and the containment step
that closes it (:mod:`strapi_console.containment`). What cannot be seen on this server is listed, so that
silence is never read as safety.

Headless: the CLI's ``triage`` command and the TUI's triage screen render the same :class:`Triage`.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from . import journal, permissions, shared_reads, tokens
from .audit import snapshots
from .audit.alerts import SUPER_ADMIN, AlertRules
from .audit.community import CANNOT_SEE, ENTRIES_PER_TYPE, CommunitySource
from .audit.enterprise import EnterpriseSource
from .audit.events import AuditEvent
from .audit.tail import audit_logs_licensed
from .checks.registry import ScanContext, run_checks
from .client import StrapiClient
from .errors import ConsoleError, Forbidden, NotFound
from .hosts import host_of
from .redact import redact_data, redact_url, redact_urls_in_text
from .times import parse_time

MAX_EVENTS = 5000  # events kept in one account; the rest is counted, never silently dropped
MAX_OBJECTS = 2000  # tokens, admins, sessions looked at per list
# The checks whose result at the time goes in the report: the doors an intruder uses or leaves open.
CHECKS = ("AUTH-PUBLIC-WRITE", "AUTH-PUBLIC-USERS", "AUTH-PUBLIC-UPLOAD", "AUTH-AUTHENTICATED-ROLE",
          "AUTH-REGISTRATION", "AUTH-PROVIDERS", "AUTH-WEBHOOKS", "AUTH-ADMIN-USERS", "TOK-FULL-ACCESS",
          "TOK-UNLIMITED", "TOK-TRANSFER", "TOK-ADMIN-KIND", "SEC-ADMIN-JWT-DEFAULT", "SEC-APP-KEYS-DEFAULT",
          "AUTH-ADMIN-SESSION", "EXP-INSTALLER", "AUD-AVAILABLE")
TOKEN_SECTIONS = {"api": "api-tokens", "transfer": "transfer-tokens"}


@dataclass
class Event:
    """One line of the account. ``time`` is exact unless ``after`` is set: then the change happened between
    ``after`` (the stored snapshot) and ``time`` (now), and nothing tells when."""

    time: datetime
    source: str  # "audit-log", "derived", "object", "snapshot", "journal"
    who: str
    action: str
    target: str
    summary: str
    alert: str | None = None  # why it matters (security-relevant events only)
    finding: str | None = None  # the check that goes with it
    step: str | None = None  # the containment step that closes it
    journal: str | None = None  # the console's own change, or the entry that made this change
    after: datetime | None = None
    ref: tuple[str, str] | None = field(default=None, repr=False)  # (snapshot section, key) it is about

    @property
    def exact(self) -> bool:
        return self.after is None

    def when(self, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
        now = self.time.astimezone().strftime(fmt)
        if self.after is None:
            return now
        return f"between {self.after.astimezone().strftime(fmt)} and {now}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"time": _iso(self.time), "exact_time": self.exact, "source": self.source,
                               "who": self.who, "action": self.action, "target": self.target, "summary": self.summary}
        if self.after is not None:
            out["not_before"] = _iso(self.after)
        for key in ("alert", "finding", "step", "journal"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


@dataclass
class Triage:
    profile: str
    url: str
    since: datetime
    until: datetime
    version: str | None = None
    edition: str | None = None
    feed: str = "derived"  # "audit-log" or "derived"
    baseline: datetime | None = None  # the stored snapshot's time
    events: list[Event] = field(default_factory=list)
    blind: list[str] = field(default_factory=list)  # what this server does not let the console see
    findings: list[dict[str, Any]] = field(default_factory=list)  # failing or warning checks, now
    actions: list[dict[str, Any]] = field(default_factory=list)  # the console's journal entries in the window
    dropped: int = 0
    clock_skew: float | None = None

    @property
    def alerts(self) -> list[Event]:
        return [e for e in self.events if e.alert]

    def to_dict(self) -> dict[str, Any]:
        return {"profile": self.profile, "server": self.url, "version": self.version, "edition": self.edition,
                "window": {"since": _iso(self.since), "until": _iso(self.until)}, "feed": self.feed,
                "baseline": _iso(self.baseline) if self.baseline else None,
                "cannot_see": list(self.blind), "events": [e.to_dict() for e in self.events],
                "security_events": len(self.alerts), "events_left_out": self.dropped,
                "findings": self.findings, "actions": self.actions,
                **({"clock_skew_seconds": round(self.clock_skew)} if self.clock_skew is not None else {})}


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _short(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M")


# --- reading --------------------------------------------------------------------------------------


async def _feed(client: StrapiClient, licensed: bool, since: datetime) -> list[AuditEvent]:
    source = EnterpriseSource(client, since=since) if licensed else CommunitySource(client, since=since)
    return await source.poll()


async def _sessions(client: StrapiClient) -> list[dict] | None:
    """The operator's own admin sessions (5.50+), or None where the server has no such route."""
    try:
        answer = await client.get("/admin/users/me/sessions")
    except (NotFound, Forbidden):
        return None
    data = answer.get("data") if isinstance(answer, dict) else None
    return [s for s in (data or [])[:MAX_OBJECTS] if isinstance(s, dict)] if isinstance(data, list) else None


async def gather(client: StrapiClient, *, since: datetime, now: datetime | None = None) -> Triage:
    """The account of ``client``'s server from ``since`` to now. Only reads."""
    now = now or datetime.now(timezone.utc)
    profile = client.profile
    info = await client.server_info()
    if info.error:
        raise ConsoleError(info.error, title="Unreachable")
    result = Triage(profile.name, redact_url(profile.url), since, now, version=info.strapi_version,
                    edition=info.edition)
    licensed = audit_logs_licensed(info.project_type)
    result.feed = "audit-log" if licensed else "derived"
    ctx = ScanContext(client=client, info=info, credentials=client.credentials)
    blind: list[str] = []
    memo = ctx.memo
    feed, taken, findings, api, transfer, admin_tokens, admins, public, authenticated, sessions = await asyncio.gather(
        shared_reads.noting(_feed(client, licensed, since), blind, "the audit log" if licensed else "the derived feed"),
        shared_reads.noting(snapshots.take(client, memo=memo), blind, "the settings snapshot"),
        run_checks(ctx, list(CHECKS)),
        shared_reads.noting(shared_reads.token_list(client, memo, "api"), blind, "API tokens"),
        shared_reads.noting(shared_reads.token_list(client, memo, "transfer"), blind, "transfer tokens"),
        shared_reads.noting(shared_reads.token_list(client, memo, "admin"), blind, "admin tokens"),
        shared_reads.noting(shared_reads.admin_users(client, memo), blind, "admin users"),
        shared_reads.noting(shared_reads.up_role_by_type(client, memo, "public"), blind, "the Public role"),
        shared_reads.noting(shared_reads.up_role_by_type(client, memo, "authenticated"), blind, "the Authenticated role"),
        shared_reads.noting(_sessions(client), blind, "your admin sessions"))
    result.clock_skew = client.http.clock_skew
    events: list[Event] = []
    events += _from_feed(feed or [], licensed)
    for kind, found in (("api", api), ("transfer", transfer), ("admin", admin_tokens)):
        events += _token_events(kind, found or [], since)
    if not licensed:  # the audit log records admin users itself
        events += _admin_events(admins or [], since)
    for role in (public, authenticated):
        if role is not None:
            events += _role_events(role, since)
    events += _session_events(sessions or [], since)
    stored = snapshots.load(profile.name)
    events = _merge_drift(events, stored, taken, since, now, result)
    events += _journal_events(profile.name, since, result)
    _mark(events)
    events.sort(key=lambda e: (e.after or e.time, e.time, e.source, e.action, e.target))
    if len(events) > MAX_EVENTS:
        result.dropped = len(events) - MAX_EVENTS
        events = events[-MAX_EVENTS:]  # the latest are kept: closest to what is happening now
    result.events = events
    result.findings = [f.to_dict() for f in findings if f.status in ("fail", "warn")]
    result.blind = _blind(result, licensed, stored, taken, api, sessions, info) + blind
    return result


# --- events from each source ----------------------------------------------------------------------


# What only the Community derived feed sees: content entries and new end users. The rest of what it derives
# (tokens, admin users, roles, webhooks, settings) triage reads itself, with the finding and the step that
# go with it, so the feed's copy would only repeat it.
DERIVED_ONLY = ("entry.", "end-user.")


def _from_feed(feed: list[AuditEvent], licensed: bool) -> list[Event]:
    rules = AlertRules()
    out = []
    for e in feed[:MAX_EVENTS * 2]:
        if not licensed and not e.action.startswith(DERIVED_ONLY):
            continue  # tokens, admins, roles, webhooks, settings: read from the objects and snapshots below
        # sign-up bursts are marked over the whole account (_mark), not per feed
        alert = None if e.action == "end-user.create" else rules.check(e)
        finding = step = None
        if e.action.startswith("entry.") and e.who.startswith("API"):
            alert, finding, step = (alert or "content written through the API (the Public role, an end user or a "
                                    "token)"), "AUTH-PUBLIC-WRITE", "public-write"
        elif alert and "admin user" in alert:
            finding = "AUTH-ADMIN-USERS"
        out.append(Event(e.time, "audit-log" if licensed else "derived", e.who, e.action, e.target, e.summary,
                         alert=alert, finding=finding, step=step))
    return out


def _token_events(kind: str, found: list[tokens.Token], since: datetime) -> list[Event]:
    label = tokens.KINDS[kind][1]
    out = []
    for t in found[:MAX_OBJECTS]:
        ref = (TOKEN_SECTIONS[kind], str(t.id)) if kind in TOKEN_SECTIONS else None
        owner = t.raw.get("adminUserOwner") if isinstance(t.raw.get("adminUserOwner"), dict) else None
        who = str(owner.get("email")) if owner else "not recorded by Strapi"
        if t.created_at and t.created_at >= since:
            alert, finding, step = _token_risk(kind, t)
            what = t.type or ", ".join(t.permissions) or "no permissions"
            expires = "never expires" if t.unlimited else f"expires {_iso(t.expires_at)}"
            out.append(Event(t.created_at, "object", who, f"{kind}-token.create", t.name,
                             f"{label} '{t.name}' created ({what}; {expires})", alert=alert, finding=finding,
                             step=step, ref=ref))
        if t.last_used_at and t.last_used_at >= since:
            alert = f"used: {label} '{t.name}' can write" if t.can_write else None
            out.append(Event(t.last_used_at, "object", f"a client holding the key of '{t.name}'", f"{kind}-token.use",
                             t.name, f"{label} '{t.name}' last used (Strapi keeps only the last use)", alert=alert,
                             finding=_token_risk(kind, t)[1] if alert else None,
                             step=_token_risk(kind, t)[2] if alert else None))
    return out


def _token_risk(kind: str, t: tokens.Token) -> tuple[str | None, str | None, str | None]:
    if kind == "transfer":
        return ("a transfer token that can push" if "push" in t.permissions else "a transfer token",
                "TOK-TRANSFER", f"transfer-delete:{t.id}")
    if kind == "admin":
        return "an admin token (acts with its owner's rights)", "TOK-ADMIN-KIND", None
    if t.type == "full-access":
        return "a full-access API token", "TOK-FULL-ACCESS", f"token-read-only:{t.id}"
    if t.unlimited and t.can_write:
        return "an API token that can write and never expires", "TOK-UNLIMITED", None
    return None, None, None


def _admin_events(admins: list[dict], since: datetime) -> list[Event]:
    out = []
    for u in admins[:MAX_OBJECTS]:
        email = str(u.get("email") or f"admin #{u.get('id')}")
        roles = [r for r in u.get("roles") or [] if isinstance(r, dict)]
        names = ", ".join(str(r.get("name") or r.get("code")) for r in roles[:10]) or "no role"
        superadmin = any(r.get("code") == SUPER_ADMIN for r in roles)
        created, updated = parse_time(u.get("createdAt")), parse_time(u.get("updatedAt"))
        ref = ("admin-users", str(u.get("id")))
        step = f"admin-deactivate:{u.get('id')}" if u.get("isActive") else None
        if created and created >= since:
            state = "active" if u.get("isActive") else "invited, not yet registered" if u.get(
                "registrationToken") else "inactive"
            out.append(Event(created, "object", "not recorded by Strapi", "admin-user.create", email,
                             f"admin {email} created ({names}; {state})",
                             alert="admin user created" + (" with the Super Admin role" if superadmin else ""),
                             finding="AUTH-ADMIN-USERS", step=step, ref=ref))
        if updated and updated >= since and (created is None or updated - created > timedelta(seconds=2)):
            out.append(Event(updated, "object", "not recorded by Strapi", "admin-user.update", email,
                             f"admin {email} changed (now: {names}; {'active' if u.get('isActive') else 'inactive'})",
                             alert="Super Admin role held" if superadmin and u.get("isActive") else None,
                             finding="AUTH-ADMIN-USERS" if superadmin else None, step=step, ref=ref))
    return out


def _role_events(role: permissions.Role, since: datetime) -> list[Event]:
    updated = parse_time(role.raw.get("updatedAt"))
    if updated is None or updated < since:
        return []
    risky: dict[str, list[str]] = {}
    for action in sorted(role.enabled())[:MAX_OBJECTS]:
        check = permissions.risk(role.type, action) or (
            "AUTH-AUTHENTICATED-ROLE" if role.type == "authenticated" and permissions.is_write(action)
            and action.startswith("api::") else None)
        if check:
            risky.setdefault(check, []).append(permissions.label(action))
    summary = f"role {role.name} changed"
    if risky:
        summary += "; it now allows " + "; ".join(f"{', '.join(v[:6])}{' …' if len(v) > 6 else ''}"
                                                  for v in risky.values())
    return [Event(updated, "object", "not recorded by Strapi", "up-role.update", role.name, summary,
                  alert=f"{role.name} can write" if risky else "role permissions changed",
                  finding=next(iter(risky), None), step=f"{role.type}-write" if risky else None,
                  ref=("up-roles", str(role.id)))]


def _session_events(sessions: list[dict], since: datetime) -> list[Event]:
    out = []
    for s in sessions:
        login = parse_time(s.get("loginAt"))
        if login is None or login < since:
            continue
        device = redact_urls_in_text(str(s.get("deviceName") or "an unrecognised client"))
        current = " (this console)" if s.get("current") else ""
        out.append(Event(login, "object", "you (this account)", "admin.login", device,
                         f"sign-in to your account from {device}{current}", ref=None,
                         alert=None if s.get("current") else "another session of your account",
                         step=None if s.get("current") else "end-sessions"))
    return out


SECTION_RISK = {  # snapshot section → (alert, check, containment step prefix)
    "api-tokens": ("API token", "TOK-FULL-ACCESS", "token-read-only"),
    "transfer-tokens": ("transfer token", "TOK-TRANSFER", "transfer-delete"),
    "webhooks": ("webhook", "AUTH-WEBHOOKS", "webhook-disable"),
    "up-settings": ("users-permissions settings", "AUTH-REGISTRATION", "close-signup"),
    "up-providers": ("login providers", "AUTH-PROVIDERS", "providers"),
    "up-roles": ("end-user role", "AUTH-PUBLIC-WRITE", None),
    "admin-users": ("admin user", "AUTH-ADMIN-USERS", "admin-deactivate"),
    "admin-roles": ("admin role", None, None),
}


def _drift_event(change: snapshots.Change, after: datetime, now: datetime) -> Event:
    label, check, step = SECTION_RISK[change.section]
    summary = redact_urls_in_text(change.describe())
    alert = finding = None
    if change.section == "up-settings" and change.key == "allow_register" and change.after:
        alert, finding, step = "self sign-up opened", check, "close-signup"
    elif change.section == "webhooks" and change.kind in ("added", "changed"):
        alert, finding = "a webhook now posts to " + _host(change.after), check
        step = f"webhook-disable:{change.key}"
    elif change.section == "up-providers" and change.after is True:
        alert, finding, step = f"login provider {change.key.split('_')[0]} enabled", check, "providers"
    elif change.section == "up-roles" and change.kind == "changed":
        gained = sorted(set((change.after or {}).get("enabled") or []) - set((change.before or {}).get("enabled") or []))
        role_type = str((change.after or {}).get("type"))
        risky = [a for a in gained if permissions.risk(role_type, a)]
        if risky:
            alert = f"{change.name} can now " + ", ".join(permissions.label(a) for a in risky[:6])
            finding, step = permissions.risk(role_type, risky[0]), f"{role_type}-write"
        else:
            step = None
    elif change.section in ("api-tokens", "transfer-tokens") and change.kind == "added":
        row = change.after or {}
        if change.section == "transfer-tokens" or row.get("type") == "full-access":
            alert, finding, step = f"{label} created", check, f"{step}:{change.key}"
        else:
            step = None
    elif change.section == "admin-users" and change.kind in ("added", "changed"):
        alert, finding = f"{label} {change.action.split('.')[-1]}", check
        step = f"{step}:{change.key}" if (change.after or {}).get("active") else None
    elif change.section == "admin-roles":
        alert = "admin role permissions changed"
    else:
        step = None
    return Event(now, "snapshot", f"strapi-console (journal {change.by_console})" if change.by_console
                 else "not recorded by Strapi", change.action, redact_urls_in_text(change.name), summary,
                 alert=None if change.by_console else alert, finding=finding, step=None if change.by_console else step,
                 journal=change.by_console, after=after, ref=(change.section, change.key))


def _host(row: Any) -> str:
    return host_of(row.get("url") if isinstance(row, dict) else None) or "an unreadable URL"


def _merge_drift(events: list[Event], stored: dict | None, taken: dict | None, since: datetime, now: datetime,
                 result: Triage) -> list[Event]:
    """Add what changed between the stored snapshot and now. A change an object already dates (a role whose
    updatedAt is after the snapshot) is told once, at that time, with what the snapshot adds."""
    if stored is None or taken is None:
        return events
    baseline = parse_time(stored.get("taken_at"))
    if baseline is None:
        return events
    result.baseline = baseline
    changes = snapshots.diff(stored, taken)
    snapshots.mark_console_changes(result.profile, changes, stored.get("taken_at"))
    dated = {e.ref: e for e in events if e.ref and e.time >= baseline}
    out = list(events)
    for change in changes[:MAX_OBJECTS]:
        drift = _drift_event(change, baseline, now)
        known = dated.get(drift.ref)
        if known is not None:
            if change.kind == "changed":
                known.summary += f" [{drift.summary}]"
            known.alert = known.alert or drift.alert
            known.journal = known.journal or drift.journal
            continue
        out.append(drift)
    return out


def _journal_events(profile: str, since: datetime, result: Triage) -> list[Event]:
    out = []
    for e in journal.entries(profile)[-MAX_EVENTS:]:
        when = parse_time(e.time)
        if when is None or when < since:
            continue
        name = str(e.target.get("name", "?"))
        lines = e.describe()
        out.append(Event(when, "journal", e.operator, f"console.{e.target.get('kind', 'change')}", name,
                         f"{e.status}: " + "; ".join(lines[:3]) + (f" (+{len(lines) - 3})" if len(lines) > 3 else "")
                         + (f" (undone by {e.undone_by})" if e.undone_by else ""), journal=e.id))
        result.actions.append({"id": e.id, "time": e.time, "status": e.status, "target": name, "source": e.source,
                               "group": e.group, "undo_of": e.undo_of, "undone_by": e.undone_by,
                               "changes": lines[:20]})
    return out


def _mark(events: list[Event]) -> None:
    """Sign-up bursts: more than the alert rule's number of new end users in its window."""
    rules = AlertRules()
    signups = sorted((e for e in events if e.action == "end-user.create"), key=lambda e: e.time)
    window: list[datetime] = []
    for e in signups:
        window = [t for t in window if e.time - t <= rules.signup_window] + [e.time]
        if len(window) > rules.signups:
            e.alert = e.alert or f"sign-up burst: more than {rules.signups} in " \
                                 f"{int(rules.signup_window.total_seconds() // 60)} min"
            e.finding, e.step = "AUTH-REGISTRATION", "close-signup"


def _blind(result: Triage, licensed: bool, stored: dict | None, taken: dict | None, api, sessions,
           info) -> list[str]:
    out: list[str] = []
    if licensed:
        out.append("the audit log does not record API or transfer tokens, webhooks or users-permissions settings "
                   "(those come from snapshots)")
    else:
        out.append("Community edition, no audit log: " + ", ".join(CANNOT_SEE) + " are not visible, and Strapi "
                   "does not record who changed settings, tokens, webhooks or roles")
        out.append(f"content: only the latest {ENTRIES_PER_TYPE} changed entries of each type are read")
    if stored is None or result.baseline is None:
        out.append("no snapshot before now: changes to tokens, webhooks, providers, settings and roles in the "
                   "window cannot be told apart from how they always were (a scan stores one: run scans on a "
                   "schedule)")
    elif result.baseline > result.since:
        out.append(f"no baseline before {_short(result.baseline)}: changes to webhooks, providers, settings and "
                   f"roles between {_short(result.since)} and {_short(result.baseline)} cannot be seen")
    if taken is not None:
        unread = [s for s, v in (taken.get("sections") or {}).items() if v is None]
        if unread:
            out.append("snapshot sections this account cannot read: " + ", ".join(unread))
    if api is not None:
        out.append("tokens: Strapi keeps only each token's last use, so earlier uses in the window are not seen")
        if api and not any(t.last_used_at for t in api[:MAX_OBJECTS]):
            out.append(f"tokens: none of the {len(api)} API token(s) shows any use: this server may not record "
                       "token use at all (Strapi 4.26 does not), so no use in the account is not proof of none")
    if sessions is None:
        out.append("admin sign-ins: not recorded on this version (sessions can be listed from 5.50, and only your "
                   "own)" if info.session_auth is not False else
                   "admin sign-ins: not recorded (v4 and 5.0–5.23 hand out 30-day JWTs and keep no session)")
    else:
        out.append("admin sign-ins: only your own account's sessions can be listed; other admins' are not visible")
    if result.clock_skew is not None and abs(result.clock_skew) >= 2:
        out.append(f"the server's clock is {result.clock_skew:+.0f} s off this machine's (times are the server's)")
    return out


# --- rendering ------------------------------------------------------------------------------------


def text_lines(t: Triage, safe) -> list[str]:
    """The account as plain lines; ``safe`` is the display boundary for server text."""
    head = [f"Triage of {safe(t.profile, 60)} ({safe(t.url, 200)}), Strapi {safe(t.version or 'unknown', 40)} "
            f"{safe(t.edition or '', 20)}",
            f"Window: {t.since.astimezone():%Y-%m-%d %H:%M} → {t.until.astimezone():%Y-%m-%d %H:%M}; "
            f"{len(t.events)} events, {len(t.alerts)} marked security-relevant ('!'); feed: {t.feed}"
            + (f"; baseline snapshot {t.baseline.astimezone():%Y-%m-%d %H:%M}" if t.baseline else ""),
            "", "What this account cannot see:"]
    head += [f"  - {safe(b, 400)}" for b in t.blind]
    head += ["", "Timeline:"]
    if not t.events:
        head.append("  (nothing in the window, within what can be seen above)")
    for e in t.events:
        mark = "!" if e.alert else " "
        extra = [f"ALERT: {e.alert}"] if e.alert else []
        extra += [f"check {e.finding}"] if e.finding else []
        extra += [f"contain: {e.step}"] if e.step else []
        extra += [f"journal {e.journal}"] if e.journal else []
        head.append(f"{mark} {e.when()}  {safe(e.who, 40)}  {safe(e.action, 40)}  {safe(e.summary, 300)}"
                    + (f"  [{safe('; '.join(extra), 300)}]" if extra else ""))
    if t.dropped:
        head.append(f"  ({t.dropped} older events left out)")
    head += ["", "Findings now:"]
    head += [f"  {f['status'].upper():<4} {f['check_id']:<24} {safe(f['title'], 200)}" for f in t.findings] or [
        "  none failing among the checks triage runs"]
    if t.actions:
        head += ["", "Actions taken by the console (journal):"]
        head += [f"  {a['id']}  {a['status']:<9} {safe(a['target'], 60)}  {safe(a['source'], 80)}" for a in t.actions]
    return head


# Markdown's punctuation, and what GitHub's autolinks and entities start with: a scheme's ':', an e-mail's '@',
# the '.' after 'www', '&' (each escaped with a backslash, which every CommonMark renderer shows as the character)
_MD_SPECIAL = re.compile(r"[\\`*_\[\]<>|#!~&:@]|(?<=www)\.", re.I)


def markdown(t: Triage) -> str:
    """An incident report to paste into the postmortem: timeline, findings at the time, actions taken."""
    def cell(value: Any) -> str:
        """Server text as inert Markdown: no link, emphasis, HTML or table cell can be forged by a name."""
        from .display import safe

        return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), safe(value, 400))

    out = [f"# Incident triage: {cell(t.profile)}", "",
           f"- Server: {cell(t.url)} (Strapi {cell(t.version or 'unknown')}, {cell(t.edition or 'unknown edition')})",
           f"- Window: {_iso(t.since)} to {_iso(t.until)}",
           f"- Source of events: {'audit log' if t.feed == 'audit-log' else 'derived feed (no audit log)'}"
           + (f"; baseline snapshot {_iso(t.baseline)}" if t.baseline else "; no baseline snapshot"),
           f"- {len(t.events)} events, {len(t.alerts)} security-relevant", "",
           "## What could not be seen", ""]
    out += [f"- {cell(b)}" for b in t.blind]
    out += ["", "## Timeline", "", "| time (UTC) | who | what | details | check | contain |", "|---|---|---|---|---|---|"]
    for e in t.events:
        when = _iso(e.time) if e.exact else f"{_iso(e.after)} – {_iso(e.time)}"
        what = ("**" + cell(e.action) + "**") if e.alert else cell(e.action)
        detail = cell(e.summary) + (f" — **{cell(e.alert)}**" if e.alert else "") + (
            f" (journal `{e.journal}`)" if e.journal else "")
        out.append(f"| {when} | {cell(e.who)} | {what} | {detail} | {cell(e.finding or '')} | {cell(e.step or '')} |")
    out += ["", "## Findings at the time", ""]
    out += [f"- **{f['status']}** `{f['check_id']}` ({f['severity']}): {cell(f['title'])}" for f in t.findings] or [
        "- none failing among the checks triage runs"]
    out += ["", "## Actions taken", ""]
    out += [f"- `{a['id']}` {a['time']} {a['status']}: {cell(a['target'])} ({cell(a['source'])})"
            + (f", group `{a['group']}`" if a.get("group") else "") + (f", undone by `{a['undone_by']}`"
                                                                         if a.get("undone_by") else "")
            for a in t.actions] or ["- none recorded by the console in the window"]
    return "\n".join(out) + "\n"


def as_json(t: Triage) -> dict[str, Any]:
    return redact_data(t.to_dict())
