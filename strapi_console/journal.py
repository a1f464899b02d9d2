"""The write journal: every change the console makes to a server, before and after, on disk.

An entry is written *before* the request is sent (status ``pending``) and completed after the server
was read back and verified (``applied``), so a killed process or a lost network leaves an entry from
which the state can be checked and undone. One JSON file per entry, written atomically.

An entry belongs to a server, not to a profile name: ``server`` holds the URL and the identifiers the
server reported when the change was made (see :mod:`strapi_console.server_identity`). The steps of a
fix that touches several objects share a ``group`` and are undone together.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import time
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
    target: dict[str, Any]  # {"kind": "up-role", "target": "up-role", "id": 2, "name": "Public"}
    before: dict[str, Any]  # {"cells": {cell: value before}} (secret cells redacted)
    after: dict[str, Any]  # {"cells": {cell: value written}, "lines": [...]}
    status: str = "pending"
    detail: str = ""
    undo_of: str | None = None
    undone_by: str | None = None
    finished: str | None = None
    source: str = ""  # "tui", "fix AUTH-PUBLIC-WRITE", "undo"
    extra: dict[str, Any] = field(default_factory=dict)
    server: dict[str, Any] = field(default_factory=dict)  # {"url", "project", "instance"} when written
    group: str | None = None  # the steps of one fix share it
    step: int = 0  # position in the group (0-based)
    created_ns: int = 0  # orders entries made within the same second (ids carry seconds only)

    @property
    def undoable(self) -> bool:
        return bool(self.extra.get("undoable", True)) and self.undo_of is None

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
        """The lines the operator confirmed when the change was made."""
        lines = self.after.get("lines")
        if isinstance(lines, list) and lines:
            return [str(line) for line in lines]
        return [f"{self.target.get('name', '?')}: {cell} → {value!r}"
                for cell, value in sorted((self.after.get("cells") or {}).items())]


def new_id() -> str:
    now = datetime.now(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


def begin(profile, target: dict, before: dict, after: dict, *, source: str, undo_of: str | None = None,
          undoable: bool = True, server: dict | None = None, group: str | None = None, step: int = 0) -> Entry:
    """Write the intent before anything is sent (status ``pending``)."""
    now = datetime.now(timezone.utc)
    entry = Entry(id=new_id(), time=now.isoformat(timespec="seconds"),
                  profile=profile.name, url=profile.url, operator=operator(), target=target, before=before,
                  after=after, source=source, undo_of=undo_of, extra={} if undoable else {"undoable": False},
                  server=dict(server or {}), group=group, step=step, created_ns=time.time_ns())
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
    return sorted(out, key=lambda e: (e.time, e.created_ns, e.id))


def get(entry_id: str) -> Entry:
    for entry in entries():
        if entry.id == entry_id or entry.id.startswith(entry_id):
            return entry
    raise ConfigError(f"No journal entry '{entry_id}' in {journal_dir()}.", hint="List them: strapi-console journal list")


def group_of(entry: Entry) -> list[Entry]:
    """Every step of the entry's group in the order applied (the entry alone when it has no group)."""
    if not entry.group:
        return [entry]
    return sorted((e for e in entries(entry.profile) if e.group == entry.group), key=lambda e: e.step)


def last_undoable(profile: str) -> Entry | None:
    """The latest change not yet undone. An undo is not itself undone: u walks back through history."""
    for entry in reversed(entries(profile)):
        if entry.status in ("applied", "uncertain") and not entry.undone_by and entry.undoable:
            return entry
    return None
