"""Snapshots of the settings audit logs miss (tokens, webhooks, users-permissions, admin users and
roles), and what changed between two of them.

Strapi's audit logs record none of these (issue #23493), and Community servers have no audit logs at
all. A scan stores a snapshot in the data dir (AUD-DRIFT); the derived feed diffs one poll against
the last. Changes the console made itself are matched to their journal entries.

A URL read from the server (a webhook's, the users-permissions e-mail links) may carry a secret (a
Slack-style path, ``?token=``, ``user:password@``). A snapshot keeps it twice, neither in clear: the URL
with those parts hidden (:func:`~strapi_console.redact.redact_url`, for the reader) and a keyed digest of
the exact URL (``<field>_digest``, HMAC-SHA256 under a per-install key in the data dir), so a change in a
hidden part is still reported as drift without the secret ever reaching the disk or an event.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .. import journal, paths, shared_reads, tokens
from ..client import StrapiClient
from ..errors import Forbidden, NotFound
from ..redact import redact_data, redact_url
from ..times import parse_time

SECTIONS = ("api-tokens", "transfer-tokens", "webhooks", "up-settings", "up-providers", "up-roles", "admin-users",
            "admin-roles")
# journal target kind → snapshot section (the id matches the section's key)
JOURNAL_SECTIONS = {"api-token": "api-tokens", "transfer-token": "transfer-tokens", "up-advanced": "up-settings",
                    "up-providers": "up-providers", "up-role": "up-roles", "admin-role": "admin-roles",
                    "admin-user": "admin-users", "webhook": "webhooks"}


DIGEST = "_digest"  # suffix of the field holding the keyed digest of a URL shown redacted
FLAT_SECTIONS = ("up-settings", "up-providers")
_KEYS: dict[Path, bytes] = {}


def _digest_key() -> bytes:
    """The per-install HMAC key (32 random bytes, mode 0600 in the data dir), created on first use.

    Keyed rather than a bare hash: a digest of a URL whose only unknown is a short password could be
    reversed by trying passwords; without the key it cannot."""
    path = paths.data_dir() / "snapshots" / "url-digest.key"
    if path not in _KEYS:
        _KEYS[path] = _read_or_create_key(path)
    return _KEYS[path]


def _read_or_create_key(path: Path) -> bytes:
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".url-digest.key.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_bytes(32))
    try:
        os.link(tmp, path)  # first writer wins when two processes start at once
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)
    return path.read_bytes()


def url_fields(name: str, url: Any) -> dict[str, Any]:
    """``{name: the URL with secret parts hidden, name_digest: keyed digest of the exact URL}``.

    Anything that is not a URL string is kept as it is (no digest)."""
    if not isinstance(url, str) or "://" not in url:
        return {name: url}
    mac = hmac.new(_digest_key(), url.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
    return {name: redact_url(url), name + DIGEST: mac}


def _hide_urls(row: dict[str, Any], *, stored: bool = False) -> dict[str, Any]:
    """The row with every URL-valued field replaced by :func:`url_fields`. Fresh from a server, every URL
    is hidden and the digests are ours (a field the server named ``*_digest`` is overwritten); from a
    ``stored`` snapshot, a URL that already has its digest was hidden when it was taken."""
    urls = {name: value for name, value in row.items() if isinstance(value, str) and "://" in value
            and not (stored and name + DIGEST in row)}
    out = {name: value for name, value in row.items() if name not in urls}
    for name, value in urls.items():
        out.update(url_fields(name, value))
    return out


def _token_rows(found: list[tokens.Token] | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {str(t.id): {"name": t.name, "type": t.type, "permissions": sorted(t.permissions),
                        "expiresAt": t.raw.get("expiresAt"), "used": t.last_used_at is not None} for t in found}


def _own_times(rows: dict[str, dict]) -> dict[str, dict[str, str]]:
    """key → the row's own createdAt/updatedAt as the server gave them (valid times only). Kept beside the
    rows, never compared: a token's updatedAt moves on every use, which is no change worth an event."""
    out: dict[str, dict[str, str]] = {}
    for key, raw in rows.items():
        if not isinstance(raw, dict):
            continue
        times = {k: raw[f"{k}At"] for k in ("created", "updated", "lastUsed") if parse_time(raw.get(f"{k}At")) is not None}
        if times:
            out[key] = times
    return out


async def _section(name: str, client: StrapiClient, memo) -> tuple[dict[str, Any] | None, dict[str, dict]]:
    """(the section's rows, compared between snapshots; each row's own timestamps, where Strapi gives them)."""
    if name in ("api-tokens", "transfer-tokens"):
        found = await shared_reads.token_list(client, memo, "api" if name == "api-tokens" else "transfer")
        return _token_rows(found), _own_times({str(t.id): t.raw for t in found or []})
    if name == "webhooks":
        hooks = await shared_reads.webhooks(client, memo)
        return ({str(h.get("id")): _hide_urls({"name": h.get("name"), "url": h.get("url"),
                                               "events": sorted(h.get("events") or []), "enabled": h.get("isEnabled"),
                                               "header_names": sorted(h.get("headers") or {})})
                 for h in hooks}, _own_times({str(h.get("id")): h for h in hooks}))
    if name == "up-settings":  # email_reset_password, email_confirmation_redirection are URLs
        return _hide_urls(dict(await shared_reads.up_advanced(client, memo))), {}
    if name == "up-providers":
        return {k: bool(v.get("enabled")) for k, v in (await shared_reads.up_providers(client, memo)).items()}, {}
    if name == "up-roles":
        roles = await shared_reads.up_roles(client, memo)
        full = await asyncio.gather(*(shared_reads.up_role(client, memo, r.id) for r in roles))
        return ({str(r.id): {"name": r.name, "type": r.type, "enabled": sorted(r.enabled())} for r in full},
                _own_times({str(r.id): r.raw for r in full}))
    if name == "admin-users":
        users = await shared_reads.admin_users(client, memo)
        return ({str(u.get("id")): {"email": u.get("email"), "active": u.get("isActive"), "blocked": u.get("blocked"),
                                    "roles": sorted(r.get("code") or r.get("name") or "" for r in u.get("roles") or [])}
                 for u in users}, _own_times({str(u.get("id")): u for u in users}))
    if name == "admin-roles":
        # no own time: Strapi keeps an admin role's permissions in rows of their own, its updatedAt stays put
        return {str(r.id): {"name": r.name, "code": r.code, "permissions": sorted(r.granted())}
                for r in await shared_reads.admin_roles_full(client, memo)}, {}
    raise ValueError(name)


async def take(client: StrapiClient, sections: tuple[str, ...] = SECTIONS, *, memo=None) -> dict[str, Any]:
    """Read every section concurrently; a section the credentials cannot read is left out (None).

    ``memo`` (a scan's ScanContext.memo) shares what other checks of the same scan already read."""
    memo = memo or shared_reads.no_memo

    async def one(name):
        try:
            return name, *await _section(name, client, memo)
        except (Forbidden, NotFound):
            return name, None, {}

    results = await asyncio.gather(*(one(n) for n in sections))
    return {"taken_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "sections": {name: value for name, value, _ in results},
            "times": {name: times for name, _, times in results if times}}


# how far a row's own timestamp may stray outside the window between two snapshots (server clock skew)
CLOCK_SLACK = timedelta(minutes=1)


def when_changed(change: "Change", snapshot: dict[str, Any], previous: dict[str, Any] | None) -> datetime | None:
    """When ``change`` happened by the row's own timestamp, if it falls between the two snapshots; None when
    the row gives none (a deletion, settings) or one that did not move with this change: then only "by the
    time this snapshot was taken" is known."""
    times = ((snapshot.get("times") or {}).get(change.section) or {}).get(change.key) or {}
    own = parse_time(times.get("created" if change.kind == "added" else "updated"))
    taken, before = parse_time(snapshot.get("taken_at")), parse_time((previous or {}).get("taken_at"))
    if own is None or taken is None or own > taken + CLOCK_SLACK:
        return None
    if before is not None and own < before - CLOCK_SLACK:
        return None
    return own


def recent_changes(snapshot: dict[str, Any], since: datetime) -> list["Change"]:
    """For a feed's first snapshot (nothing to diff with): the rows whose own timestamps say they were
    created or changed since ``since``. What changed in a changed row is not known."""
    changes: list[Change] = []
    for section, rows in (snapshot.get("times") or {}).items():
        current = (snapshot.get("sections") or {}).get(section) or {}
        for key, times in sorted(rows.items()):
            if key not in current:
                continue
            created, updated = parse_time(times.get("created")), parse_time(times.get("updated"))
            if created is not None and created >= since:
                changes.append(Change(section, key, "added", None, current[key], at=created))
            used = parse_time(times.get("lastUsed"))  # a token's use moves its updatedAt too: not a change
            # changed after it was created (a second apart: a creation writes both times)
            if updated is not None and updated >= since and (created is None or updated - created > timedelta(seconds=1)) \
                    and (used is None or abs(updated - used) > timedelta(seconds=1)):
                changes.append(Change(section, key, "changed", None, current[key], at=updated))
    return changes


@dataclass
class Change:
    section: str
    key: str
    kind: str  # "added", "removed", "changed"
    before: Any
    after: Any
    by_console: str | None = None  # journal entry id
    at: datetime | None = None  # when it happened, by the row's own timestamp (None: unknown)

    @property
    def action(self) -> str:
        base = {"api-tokens": "api-token", "transfer-tokens": "transfer-token", "webhooks": "webhook",
                "up-settings": "up-settings", "up-providers": "up-providers", "up-roles": "up-role",
                "admin-users": "admin-user", "admin-roles": "role"}[self.section]
        if self.section in ("admin-roles",) and self.kind == "changed":
            return "permission.update"
        if self.section == "admin-users" and self.kind == "changed":
            if (self.before or {}).get("active") and not (self.after or {}).get("active"):
                return "admin-user.deactivate"
            if (self.before or {}).get("roles") != (self.after or {}).get("roles"):
                return "admin-user.roles"
        if self.section.endswith("-tokens") and self.kind == "changed" and not (self.before or {}).get("used") \
                and (self.after or {}).get("used"):
            return f"{base}.first-use"
        return f"{base}.{ {'added': 'create', 'removed': 'delete', 'changed': 'update'}[self.kind] }"

    @property
    def name(self) -> str:
        row = self.after if isinstance(self.after, dict) else self.before if isinstance(self.before, dict) else None
        if isinstance(row, dict):
            return str(row.get("name") or row.get("email") or self.key)
        return self.key

    def describe(self) -> str:
        if self.kind == "added":
            return f"{self.section}: {self.name} created"
        if self.kind == "removed":
            return f"{self.section}: {self.name} deleted"
        if self.kind == "changed" and self.before is None and isinstance(self.after, dict):
            return f"{self.section}: {self.name} changed (before the feed started: what changed is not known)"
        if isinstance(self.before, dict) and isinstance(self.after, dict):
            diffs = []
            for k in sorted(set(self.before) | set(self.after)):
                b, a = self.before.get(k), self.after.get(k)
                if b == a:
                    continue
                if k.endswith(DIGEST):
                    shown = k[:-len(DIGEST)]
                    if self.before.get(shown) == self.after.get(shown):
                        diffs.append(f"{shown} changed (in a part hidden as a possible secret)")
                    continue
                if isinstance(b, list) and isinstance(a, list):
                    gained, lost = sorted(set(a) - set(b)), sorted(set(b) - set(a))
                    parts = ([f"+{', '.join(gained[:4])}"] if gained else []) + ([f"-{', '.join(lost[:4])}"] if lost else [])
                    diffs.append(f"{k} {' '.join(parts)}")
                else:
                    diffs.append(f"{k} {b!r} → {a!r}")
            return f"{self.section}: {self.name}: " + "; ".join(diffs)
        if self.key.endswith(DIGEST):
            return f"{self.section}: {self.key[:-len(DIGEST)]} changed (in a part hidden as a possible secret)"
        return f"{self.section}: {self.key} {self.before!r} → {self.after!r}"

    def payload(self) -> dict:
        return {"section": self.section, "key": self.key, "change": self.kind, "before": redact_data(self.before),
                "after": redact_data(self.after)}


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    old, new = before.get("sections") or {}, after.get("sections") or {}
    for section in SECTIONS:
        a, b = old.get(section), new.get(section)
        if a is None or b is None:
            continue  # not readable on one side: nothing can be said
        if section in FLAT_SECTIONS:
            for key in sorted(set(a) | set(b)):
                shown = key[:-len(DIGEST)] if key.endswith(DIGEST) else None
                if shown is not None and a.get(shown) != b.get(shown):
                    continue  # the redacted URL itself changed: that change says it
                if a.get(key) != b.get(key):
                    changes.append(Change(section, key, "changed", a.get(key), b.get(key)))
            continue
        for key in sorted(set(a) | set(b), key=str):
            if key not in a:
                changes.append(Change(section, key, "added", None, b[key]))
            elif key not in b:
                changes.append(Change(section, key, "removed", a[key], None))
            elif a[key] != b[key]:
                changes.append(Change(section, key, "changed", a[key], b[key]))
    return changes


def mark_console_changes(profile: str, changes: list[Change], since: str | None) -> None:
    """Attribute changes to the console's own journal entries made since the previous snapshot."""
    entries = [e for e in journal.entries(profile) if e.status in ("applied", "uncertain")
               and (since is None or (e.finished or e.time) >= since)]
    for change in changes:
        for entry in entries:
            kind = str(entry.target.get("kind", ""))
            section = JOURNAL_SECTIONS.get(kind)
            if section != change.section:
                continue
            if section in ("up-settings", "up-providers") or str(entry.target.get("id")) == change.key:
                change.by_console = entry.id


# --- storage (AUD-DRIFT) ---------------------------------------------------------------------------


def _path(profile: str) -> Path:
    return paths.data_dir() / "snapshots" / f"{profile}.json"


def load(profile: str) -> dict[str, Any] | None:
    try:
        snapshot = json.loads(_path(profile).read_text())
    except (OSError, ValueError):
        return None
    return _upgrade(snapshot) if isinstance(snapshot, dict) else None


def _upgrade(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A snapshot stored before URLs were kept hidden: hide them now, with the digest of the exact URL it
    still holds, so the next diff compares like with like (no false drift) and the next save drops them."""
    sections = snapshot.get("sections")
    if not isinstance(sections, dict):
        return snapshot
    hooks, settings = sections.get("webhooks"), sections.get("up-settings")
    if isinstance(hooks, dict):
        sections["webhooks"] = {k: _hide_urls(row, stored=True) if isinstance(row, dict) else row
                                for k, row in hooks.items()}
    if isinstance(settings, dict):
        sections["up-settings"] = _hide_urls(settings, stored=True)
    return snapshot


def save(profile: str, snapshot: dict[str, Any]) -> None:
    path = _path(profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    # compact: json's C encoder (an indented dump goes through its pure-Python one, a visible part of a scan)
    tmp.write_text(json.dumps(redact_data(snapshot), separators=(",", ":"), sort_keys=True))
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


async def drift(client: StrapiClient, memo=None) -> tuple[dict | None, list[Change]]:
    """Take a snapshot, diff it with the stored one, store it. (previous snapshot, changes)"""
    profile = client.profile.name
    now = await take(client, memo=memo)
    previous = load(profile)
    changes = diff(previous, now) if previous else []
    mark_console_changes(profile, changes, previous.get("taken_at") if previous else None)
    save(profile, now)
    return previous, changes

