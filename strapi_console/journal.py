"""The write journal: every change the console makes to a server, before and after, on disk.

An entry is written *before* the request is sent (status ``pending``) and completed after the server
was read back and verified (``applied``), so a killed process or a lost network leaves an entry from
which the state can be checked and undone. One JSON file per entry, written atomically.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import paths
from .errors import ConfigError
from .redact import redact_data

STATUSES = ("pending", "applied", "failed", "uncertain")


def journal_dir() -> Path:
    return paths.data_dir() / "journal"


def operator() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no user name in some containers
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


@dataclass
class Entry:
    id: str
    time: str
    profile: str
    url: str
    operator: str
    target: dict[str, Any]  # {"kind": "up-role", "id": 2, "name": "Public", "type": "public"}
    before: dict[str, Any]  # {"enabled": [...], "changed": {"action": bool-before}}
    after: dict[str, Any]  # {"changes": {"action": bool-after}}
    status: str = "pending"
    detail: str = ""
    undo_of: str | None = None
    undone_by: str | None = None
    finished: str | None = None
    source: str = ""  # "tui", "fix AUTH-PUBLIC-WRITE", "undo"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return journal_dir() / f"{self.id}.json"

    def save(self) -> None:
        directory = journal_dir()
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f".{self.id}.tmp"
        tmp.write_text(json.dumps(redact_data(asdict(self)), indent=2))
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def describe(self) -> list[str]:
        name = self.target.get("name", "?")
        if self.after.get("lines"):
            return list(self.after["lines"])
        changes = sorted(self.after.get("changes", {}).items())
        if self.target.get("kind") == "up-advanced":
            before = self.before.get("changed", {})
            return [f"{name}: {key} {before.get(key)!r} → {value!r}" for key, value in changes]
        word = lambda on: "allowed" if on else "denied"  # noqa: E731
        if self.target.get("kind") == "admin-role":
            def what(key: str) -> str:
                action, _, subject = key.partition("|")
                return f"{action} on {subject}" if subject else action

            return [f"{name}: {what(key)} {word(not on)} → {word(on)}" for key, on in changes]
        return [f"{name}: {action} {word(not on)} → {word(on)}" for action, on in changes]


def begin(profile, target: dict, before: dict, after: dict, *, source: str, undo_of: str | None = None,
          undoable: bool = True) -> Entry:
    now = datetime.now(timezone.utc)
    entry = Entry(id=now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6], time=now.isoformat(timespec="seconds"),
                  profile=profile.name, url=profile.url, operator=operator(), target=target, before=before,
                  after=after, source=source, undo_of=undo_of, extra={} if undoable else {"undoable": False})
    entry.save()
    return entry


def finish(entry: Entry, status: str, detail: str = "") -> Entry:
    entry.status = status
    entry.detail = detail
    entry.finished = datetime.now(timezone.utc).isoformat(timespec="seconds")
    entry.save()
    return entry


def entries(profile: str | None = None) -> list[Entry]:
    out = []
    directory = journal_dir()
    if not directory.exists():
        return out
    for f in sorted(directory.glob("*.json")):
        try:
            raw = json.loads(f.read_text())
            entry = Entry(**{k: v for k, v in raw.items() if k in Entry.__dataclass_fields__})
        except (OSError, ValueError, TypeError):
            continue
        if profile is None or entry.profile == profile:
            out.append(entry)
    return out


def get(entry_id: str) -> Entry:
    for entry in entries():
        if entry.id == entry_id or entry.id.startswith(entry_id):
            return entry
    raise ConfigError(f"No journal entry '{entry_id}' in {journal_dir()}.", hint="List them: strapi-console journal list")


def last_undoable(profile: str) -> Entry | None:
    for entry in reversed(entries(profile)):
        if entry.status in ("applied", "uncertain") and not entry.undone_by and entry.extra.get("undoable", True):
            return entry
    return None
