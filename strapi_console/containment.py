"""On call: shut the doors of one server, as one reviewed change that can be taken back.

:func:`build` reads the server and proposes every step, each selectable, each a plan of the one write
engine (:mod:`strapi_console.engine`): revoke the Public and Authenticated roles' write permissions,
close sign-up, turn off login providers that are not declared, disable webhooks that post to hosts the
operator does not recognise, make full-access API tokens read-only, regenerate or delete the tokens the
operator names, delete transfer tokens, deactivate the admins the operator names, end the operator's
other sessions (5.50+).

What the API cannot do comes first (:func:`manual_steps`): a default or leaked ``ADMIN_JWT_SECRET``,
``APP_KEYS``, ``JWT_SECRET``, token salts, database credentials, each with the exact steps.

The selected steps are applied as **one journal group**, in a safe order (:data:`ORDER`): everything that
can be undone first, so that a failure stops the group before anything irreversible was sent; the
irreversible steps (deletions, regenerations, ended sessions) last, marked in the plan before the
confirmation. ``journal undo`` takes the group back, except those, which it lists.

A plan is reviewable as JSON (``contain --dry-run``) and can be applied from that file: each step carries
a digest of the state it was built from, and a step whose object changed since the review is refused.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from . import jwt, permissions, shared_reads, targets, tokens
from .client import StrapiClient, ServerInfo
from .config import Profile
from .engine import Plan, Step
from .errors import ConfigError, ConsoleError
from .hosts import host_of, recognised
from .redact import redact_url

MAX_CHOICES = 500  # steps proposed in one plan (tokens, webhooks, admins are each a step)
PLAN_FORMAT = "strapi-console containment plan 1"
# The safe order: close the anonymous doors, then the credentials; everything reversible before anything
# irreversible, so a failure part way leaves only undoable steps applied.
ORDER = ("public-write", "authenticated-write", "close-signup", "providers", "webhook-disable", "token-read-only",
         "admin-deactivate", "token-regenerate", "token-delete", "transfer-delete", "end-sessions")
GROUP_TITLE = "irreversible steps"  # the confirmation asks to type "N irreversible steps" for several


@dataclass
class Choice:
    """One step the operator can select: a plan of the write engine, and why it is proposed."""

    id: str  # stable: "public-write", "token-delete:12"
    title: str
    why: str
    plan: Plan
    selected: bool

    @property
    def kind(self) -> str:
        return self.id.split(":", 1)[0]

    @property
    def undoable(self) -> bool:
        return self.plan.undoable

    @property
    def cannot_undo(self) -> str:
        return "; ".join(s.target.cannot_undo for s in self.plan.steps if not s.target.undoable)

    def lines(self) -> list[str]:
        return self.plan.describe()

    def reviewed(self) -> str:
        """A digest of the state the step was built from and what it sends: a plan file reviewed earlier
        is refused for this step when it no longer matches. Secret parts of URLs are left out."""
        parts = []
        for s in self.plan.steps:
            cells = {c: (redact_url(v) if c in s.target.secret_cells and isinstance(v, str) else v)
                     for c, v in sorted(s.loaded.cells.items()) if c not in s.target.volatile}
            parts.append([s.target.key, s.target.ref, cells, s.wanted])
        text = json.dumps(parts, sort_keys=True, default=str)
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:32]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "selected": self.selected, "title": self.title, "why": self.why,
                "undoable": self.undoable, **({"cannot_undo": self.cannot_undo} if not self.undoable else {}),
                "changes": self.lines(), "requests": [s.target.request(s.loaded, s.wanted) for s in self.plan.steps],
                "reviewed": self.reviewed()}


@dataclass
class Manual:
    """What only the operator can do, outside the API."""

    secret: str
    why: str
    steps: list[str]
    urgent: bool = False  # the server shows it is a known default

    def to_dict(self) -> dict[str, Any]:
        return {"secret": self.secret, "urgent": self.urgent, "why": self.why, "steps": list(self.steps)}


@dataclass
class Names:
    """What the operator named: tokens to delete or regenerate, admins to deactivate."""

    delete_tokens: list[str] = field(default_factory=list)
    regenerate_tokens: list[str] = field(default_factory=list)
    deactivate: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, list[str]]:
        return {"delete_tokens": list(self.delete_tokens), "regenerate_tokens": list(self.regenerate_tokens),
                "deactivate": list(self.deactivate)}


@dataclass
class Containment:
    profile: str
    url: str
    version: str | None
    manual: list[Manual]
    choices: list[Choice]
    names: Names
    notes: list[str] = field(default_factory=list)  # what was not proposed, and why

    def selected(self) -> list[Choice]:
        return [c for c in self.choices if c.selected]

    def plan(self) -> Plan:
        """The selected steps as one plan, in the safe order: one journal group when applied."""
        steps: list[Step] = [s for c in ordered(self.selected()) for s in c.plan.steps]
        return Plan(steps, title=GROUP_TITLE)

    def select(self, ids: list[str] | None = None, *, skip: list[str] | None = None) -> None:
        """``ids``: exactly these (ids or kinds); ``skip``: all but these."""
        known = {c.id for c in self.choices} | {c.kind for c in self.choices}
        unknown = [i for i in (ids or []) + (skip or []) if i not in known]
        if unknown:
            raise ConfigError(f"No containment step {', '.join(unknown)} on {self.profile} "
                              f"(steps: {', '.join(c.id for c in self.choices) or 'none'}).")
        for c in self.choices:
            if ids:
                c.selected = c.id in ids or c.kind in ids
            if skip and (c.id in skip or c.kind in skip):
                c.selected = False

    def confirm_text(self) -> str | None:
        """What ``--confirm`` must say for the selected steps (None: no deletion or regeneration selected)."""
        from .confirmation import object_name

        return object_name(self.plan())

    def to_dict(self) -> dict[str, Any]:
        return {"format": PLAN_FORMAT, "profile": self.profile, "server": self.url, "version": self.version,
                "confirm": self.confirm_text(),
                "cannot_do_through_the_api": [m.to_dict() for m in self.manual],
                "order": "reversible steps first, then the ones that cannot be undone; one journal group, stopped "
                         "at the first failure",
                "names": self.names.to_dict(), "steps": [c.to_dict() for c in ordered(self.choices)],
                "notes": list(self.notes)}


def ordered(choices: list[Choice]) -> list[Choice]:
    rank = {kind: i for i, kind in enumerate(ORDER)}
    return sorted(choices, key=lambda c: (rank.get(c.kind, len(ORDER)), c.id))


# --- what the API cannot do -----------------------------------------------------------------------

GENERATE = "Generate a new value on a trusted machine: openssl rand -base64 32"
RESTART = "Restart every Strapi instance of this project (each one reads the environment at start)"


def manual_steps(info: ServerInfo, default_admin_secret: bool = False) -> list[Manual]:
    """The doors only the operator can shut, said first and plainly, with the exact steps."""
    if info.session_auth is False or info.major == 4:
        forging = ("on this server (v4 or 5.0–5.23) anyone who has it can forge an admin token for any admin, "
                   "without a password or a session")
    elif info.session_auth:
        forging = ("on this server (5.24+) a forged admin token also needs a live session id, which any leaked "
                   "access token or refresh cookie reveals")
    else:
        forging = ("on v4 and 5.0–5.23 the secret alone forges an admin token for any admin; on 5.24+ a live "
                   "session id is also needed, which any leaked access token or refresh cookie reveals")
    out = [Manual("ADMIN_JWT_SECRET", f"A default or leaked ADMIN_JWT_SECRET signs admin tokens: {forging}. Nothing "
                  "done through the API contains that: rotate it and restart.",
                  [GENERATE, "Set ADMIN_JWT_SECRET to it where the server's environment is defined (.env, the "
                   "platform's secret settings), on every instance", RESTART,
                   "Every admin is signed out, forged tokens included; sign in again"], urgent=default_admin_secret),
           Manual("APP_KEYS", "APP_KEYS sign the server's cookies (on 5.24+ the admin refresh cookie): with them, "
                  "cookies can be forged.",
                  ["Generate four new values (openssl rand -base64 32, four times)",
                   "Set APP_KEYS to them, comma-separated, on every instance", RESTART,
                   "Every cookie-based session ends"]),
           Manual("JWT_SECRET", "JWT_SECRET signs end users' tokens (users-permissions): with it anyone can act as "
                  "any end user, whatever the roles say.",
                  [GENERATE, "Set JWT_SECRET to it on every instance", RESTART, "Every end user signs in again"]),
           Manual("API_TOKEN_SALT, TRANSFER_TOKEN_SALT", "The token salts key the hashes Strapi stores instead of "
                  "token keys: with a salt and a copy of the database, keys can be tested offline.",
                  [GENERATE + " (one per salt)", "Set API_TOKEN_SALT and TRANSFER_TOKEN_SALT on every instance",
                   RESTART, "Every API and transfer token stops working: regenerate the ones still needed and give "
                   "their clients the new keys (strapi-console tokens PROFILE regenerate NAME --key-file FILE)"]),
           Manual("Database credentials", "Whoever holds the database credentials changes anything directly, "
                  "where neither the API nor an audit log sees it.",
                  ["Change the database user's password on the database server",
                   "Set DATABASE_PASSWORD (or DATABASE_URL) to it on every instance", RESTART,
                   "Review the database's own logs for the window"])]
    if info.major is None or info.major >= 5:
        out.append(Manual("ENCRYPTION_KEY", "On Strapi 5, ENCRYPTION_KEY encrypts the copies of token keys the admin "
                          "panel can show again: with it and the database, those keys can be read.",
                          [GENERATE, "Set ENCRYPTION_KEY on every instance", RESTART,
                           "Regenerate the tokens whose keys may have been read"]))
    return out


NO_STEP = ", so no step is proposed for it"


# --- building the plan ----------------------------------------------------------------------------


def _write_actions(role: permissions.Role) -> list[str]:
    """What containment revokes on an end-user role: every grant a check fails for, and every content write."""
    out = []
    for action in sorted(role.enabled()):
        subject = action.rsplit(".", 1)[0]
        if permissions.risk(role.type, action) or (subject.startswith("api::") and permissions.is_write(action)):
            out.append(action)
    return out


async def build(client: StrapiClient, names: Names | None = None, *, info: ServerInfo | None = None) -> Containment:
    """Read the server and propose every step. Only reads."""
    names = names or Names()
    profile: Profile = client.profile
    info = info or await client.server_info()
    if info.error:
        raise ConsoleError(info.error, title="Unreachable")
    notes: list[str] = []
    memo = shared_reads.no_memo
    public, authenticated, advanced, providers, hooks, api, transfer, admins, me, sessions = await asyncio.gather(
        shared_reads.noting(permissions.role_by_type(client, "public"), notes, "the Public role", NO_STEP),
        shared_reads.noting(permissions.role_by_type(client, "authenticated"), notes, "the Authenticated role", NO_STEP),
        shared_reads.noting(permissions.read_advanced(client), notes, "the users-permissions settings", NO_STEP),
        shared_reads.noting(permissions.read_providers(client), notes, "the login providers", NO_STEP),
        shared_reads.noting(shared_reads.webhooks(client, memo), notes, "webhooks", NO_STEP),
        shared_reads.noting(tokens.list_tokens(client, "api"), notes, "API tokens", NO_STEP),
        shared_reads.noting(tokens.list_tokens(client, "transfer"), notes, "transfer tokens", NO_STEP),
        shared_reads.noting(shared_reads.admin_users(client, memo), notes, "admin users", NO_STEP),
        shared_reads.noting(client.me(), notes, "your own admin account", NO_STEP),
        shared_reads.noting(targets.read_other_sessions(client), notes, "your admin sessions", NO_STEP))
    choices: list[Choice] = []
    for role, kind in ((public, "public-write"), (authenticated, "authenticated-write")):
        if role is None:
            continue
        bad = _write_actions(role)
        if bad:
            shown = ", ".join(permissions.label(a) for a in bad[:8]) + (f" and {len(bad) - 8} more" if len(bad) > 8
                                                                        else "")
            choices.append(Choice(kind, f"{role.name}: revoke {len(bad)} write permission(s)",
                                  f"{'anonymous visitors' if kind == 'public-write' else 'every signed-up user'} can "
                                  f"{shown}", targets.role_plan(role, {a: False for a in bad}), True))
    if advanced is not None and advanced.get("allow_register"):
        why = "anyone can create an end-user account" + (" (declared as intended: expects_signups)"
                                                         if profile.expects_signups else "")
        choices.append(Choice("close-signup", "Close self sign-up", why,
                              targets.advanced_plan(advanced, {"allow_register": False}), True))
    if providers is not None:
        declared = set(profile.declared_providers) | {"email"}
        extra = sorted(n for n, p in providers.items() if p.get("enabled") and n not in declared)
        if extra:
            choices.append(Choice("providers", f"Turn off login providers not declared: {', '.join(extra)}",
                                  "an undeclared provider lets accounts be created or taken over through it",
                                  targets.providers_plan(providers, {n: False for n in extra}), True))
    for hook in (hooks or [])[:MAX_CHOICES]:
        if not hook.get("isEnabled"):
            continue
        host = host_of(hook.get("url"))
        known = recognised(host, profile.known_webhook_hosts)
        why = (f"posts to {host or 'an unreadable URL'}, " + ("a host you declared (known_webhook_hosts)" if known
               else "a host not in known_webhook_hosts" if profile.known_webhook_hosts
               else "and no known_webhook_hosts are declared for this profile"))
        choices.append(Choice(f"webhook-disable:{hook.get('id')}", f"Disable the webhook {hook.get('name')}", why,
                              targets.webhook_enabled_plan([hook], False), not known))
    choices += _token_choices(api or [], transfer or [], profile, names, notes)
    choices += _admin_choices(admins or [], me, names, notes)
    if sessions is None:
        notes.append("your other admin sessions: this server cannot list them (5.50+ can); on v4 and 5.0–5.23 "
                     "admin JWTs stay valid until they expire: deactivate the admin, or rotate ADMIN_JWT_SECRET")
    elif sessions.cells.get("others"):
        count = len(sessions.cells["others"])
        choices.append(Choice("end-sessions", f"End your {count} other admin session(s)",
                              "a stolen refresh cookie or access token of your account keeps working until its "
                              "session ends", targets.other_sessions_plan(sessions), True))
    # offline, on the token the console holds: a known default secret makes the first manual step urgent
    default_secret = bool(client.credentials and jwt.find_default_secret(client.credentials.access_token))
    return Containment(profile.name, redact_url(profile.url), info.strapi_version,
                       manual_steps(info, default_secret), choices[:MAX_CHOICES], names, notes)


def _find_tokens(found: list[tokens.Token], wanted: list[str], what: str) -> list[tokens.Token]:
    out = []
    for name in wanted:
        match = [t for t in found if t.name == name or str(t.id) == name]
        if not match:
            raise ConfigError(f"No API token named '{name}' to {what} (known: "
                              f"{', '.join(t.name for t in found[:30]) or 'none'}).")
        out += match[:1]
    return out


def _token_choices(api: list[tokens.Token], transfer: list[tokens.Token], profile: Profile, names: Names,
                   notes: list[str]) -> list[Choice]:
    out: list[Choice] = []
    deleted = _find_tokens(api, names.delete_tokens, "delete")
    regenerated = _find_tokens(api, names.regenerate_tokens, "regenerate")
    both = {t.id for t in deleted} & {t.id for t in regenerated}
    if both:
        raise ConfigError("A token cannot be both deleted and regenerated: "
                          + ", ".join(t.name for t in deleted if t.id in both) + ".")
    named = {t.id for t in deleted} | {t.id for t in regenerated}
    allowed = set(profile.allowed_full_access_tokens)
    for t in api[:MAX_CHOICES]:
        if t.type != "full-access" or t.id in named:
            continue
        declared = t.name in allowed
        out.append(Choice(f"token-read-only:{t.id}", f"Make the API token '{t.name}' read-only",
                          "full access: its key writes and deletes any content" + (
                              " (declared as intended: allowed_full_access_tokens)" if declared else ""),
                          targets.token_plan("read-only", [t]), not declared))
    for t in deleted:
        out.append(Choice(f"token-delete:{t.id}", f"Delete the API token '{t.name}'", "named by you: whoever holds "
                          "its key gets 401 from now on", targets.token_plan("delete", [t]), True))
    for t in regenerated:
        out.append(Choice(f"token-regenerate:{t.id}", f"Regenerate the API token '{t.name}'", "named by you: the old "
                          "key gets 401; the new one is shown once", targets.token_plan("regenerate", [t]), True))
    for t in transfer[:MAX_CHOICES]:
        rights = ", ".join(t.permissions) or "no permissions"
        out.append(Choice(f"transfer-delete:{t.id}", f"Delete the transfer token '{t.name}'",
                          f"a transfer token ({rights}) reads or overwrites the whole database",
                          targets.token_plan("delete", [t]), True))
    return out


def _admin_choices(admins: list[dict], me: dict | None, names: Names, notes: list[str]) -> list[Choice]:
    out: list[Choice] = []
    by_email = {str(u.get("email") or "").lower(): u for u in admins[:10000]}
    my_id = (me or {}).get("id")
    for email in names.deactivate:
        user = by_email.get(email.lower()) or next((u for u in admins if str(u.get("id")) == email), None)
        if user is None:
            raise ConfigError(f"No admin '{email}' to deactivate (known: "
                              f"{', '.join(list(by_email)[:20]) or 'none'}).")
        if user.get("id") == my_id:
            raise ConfigError(f"'{email}' is the account this console is signed in with: deactivating it would lock "
                              "you out part way. Sign in as another Super Admin to deactivate it.")
        if not user.get("isActive"):
            notes.append(f"admin {email}: already inactive")
            continue
        out.append(Choice(f"admin-deactivate:{user.get('id')}", f"Deactivate the admin {user.get('email')}",
                          "named by you: their sessions and admin tokens stop working at once",
                          targets.admin_users_plan([user]), True))
    others = [str(u.get("email")) for u in admins if u.get("isActive") and u.get("id") != my_id
              and str(u.get("email") or "").lower() not in {e.lower() for e in names.deactivate}]
    if others:
        notes.append(f"other active admins, left as they are unless you name them (--deactivate EMAIL): "
                     f"{', '.join(others[:15])}" + (f" and {len(others) - 15} more" if len(others) > 15 else ""))
    return out


# --- plan files -----------------------------------------------------------------------------------


def load_file(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as exc:
        raise ConfigError(f"Cannot read the plan file {path}: {exc.strerror or exc}.") from None
    except ValueError as exc:
        raise ConfigError(f"The plan file {path} is not JSON: {exc}.") from None
    if not isinstance(doc, dict) or doc.get("format") != PLAN_FORMAT or not isinstance(doc.get("steps"), list):
        raise ConfigError(f"{path} is not a containment plan (make one with: strapi-console contain PROFILE "
                          "--dry-run > plan.json).")
    return doc


def names_of(doc: dict[str, Any]) -> Names:
    raw = doc.get("names") if isinstance(doc.get("names"), dict) else {}

    def strings(key: str) -> list[str]:
        value = raw.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"The plan file's names.{key} must be a list of names.")
        return value[:MAX_CHOICES]

    return Names(strings("delete_tokens"), strings("regenerate_tokens"), strings("deactivate"))


def apply_file(plan: Containment, doc: dict[str, Any]) -> list[str]:
    """Select what the reviewed file selects; refuse a selected step whose object changed since the review.
    Returns notes: steps that appeared since the review (left unselected)."""
    if doc.get("profile") != plan.profile:
        raise ConfigError(f"The plan file was made for the profile '{doc.get('profile')}', not '{plan.profile}'.")
    now = {c.id: c for c in plan.choices}
    reviewed: dict[str, dict] = {}
    for step in doc["steps"][:MAX_CHOICES]:
        if isinstance(step, dict) and isinstance(step.get("id"), str):
            reviewed[step["id"]] = step
    changed, gone = [], []
    for step_id, step in reviewed.items():
        if not step.get("selected"):
            continue
        choice = now.get(step_id)
        if choice is None:
            gone.append(step_id)
        elif choice.reviewed() != step.get("reviewed"):
            changed.append(step_id)
    if gone or changed:
        parts = ([f"no longer needed or no longer there: {', '.join(gone)}"] if gone else []) + (
            [f"changed on the server since the plan was reviewed: {', '.join(changed)}"] if changed else [])
        raise ConfigError("The reviewed plan no longer matches the server (" + "; ".join(parts) + "). Nothing was "
                          "sent.", hint="Make and review a new plan: strapi-console contain PROFILE --dry-run")
    for c in plan.choices:
        c.selected = bool(reviewed.get(c.id, {}).get("selected"))
    return [f"new since the plan was reviewed, not applied: {c.id} ({c.title})" for c in plan.choices
            if c.id not in reviewed]


# --- rendering ------------------------------------------------------------------------------------


def manual_lines(c: Containment) -> list[str]:
    out = ["What the API cannot do (only you can, by hand, on the server):"]
    for m in c.manual:
        flag = "URGENT, the server's value is a known public default: " if m.urgent else ""
        out.append(f"  - {m.secret}: {flag}{m.why}")
        out += [f"      {i}. {step}" for i, step in enumerate(m.steps, 1)]
    return out


def plan_lines(c: Containment, safe) -> list[str]:
    """Every step, selected or not, in the order it would be applied; ``safe`` is the display boundary."""
    chosen = c.selected()
    out = [f"Containment plan for {safe(c.profile, 60)} ({safe(c.url, 200)}): {len(c.choices)} step(s) proposed, "
           f"{len(chosen)} selected, applied in this order as one journal group:"]
    if not c.choices:
        out.append("  nothing to close through the API (within what this account can read)")
    for i, choice in enumerate(ordered(c.choices), 1):
        box = "[x]" if choice.selected else "[ ]"
        undo = "undoable" if choice.undoable else f"CANNOT BE UNDONE: {choice.cannot_undo}"
        out.append(f"  {box} {i:>2}. {safe(choice.id, 60)}  {safe(choice.title, 200)}  ({undo})")
        out.append(f"          why: {safe(choice.why, 300)}")
        out += [f"          {safe(line, 400)}" for line in choice.lines()]
    out += [f"  note: {safe(n, 600)}" for n in c.notes]
    return out
