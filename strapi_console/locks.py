"""Advisory file locks shared by every strapi-console process of this user (``fcntl.flock``).

Two uses: one refresh at a time per profile across processes (a 5.24+ refresh cookie is single-use,
so two processes spending the same cookie sign one of them out), and keyring I/O that never reads a
file backend half-written by another process. The locks live in the state dir, not in
``$XDG_RUNTIME_DIR``: cron jobs and SSH sessions often lack that variable, and two processes must
agree on the file to exclude each other. A lock is released when its holder exits, even on ``kill -9``;
waits are bounded, so a stuck holder delays, never hangs, everyone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from . import paths

POLL = 0.02  # seconds between attempts while another process holds the lock


class LockTimeout(Exception):
    """Another process held the lock for longer than the caller would wait."""


def lock_path(name: str) -> Path:
    """The lock file for ``name`` (a profile name, "keyring"): a digest, so any name makes a safe file name."""
    digest = hashlib.sha256(name.encode()).hexdigest()[:24]
    return paths.state_dir() / "locks" / f"{digest}.lock"


def _open(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


def _try(fd: int, exclusive: bool) -> bool:
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


@contextlib.contextmanager
def held(name: str, *, exclusive: bool = True, timeout: float = 10.0) -> Iterator[bool]:
    """Blocking form (for code already in a thread). Yields False when the wait ran out: the caller goes on
    unlocked rather than failing, since a holder that long is stuck, not working."""
    fd = _open(lock_path(name))
    try:
        end = time.monotonic() + timeout
        got = _try(fd, exclusive)
        while not got and time.monotonic() < end:
            time.sleep(POLL)
            got = _try(fd, exclusive)
        yield got
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextlib.asynccontextmanager
async def held_async(name: str, *, timeout: float = 30.0) -> AsyncIterator[None]:
    """Exclusive, without blocking the event loop; ``LockTimeout`` when another process keeps it longer."""
    fd = _open(lock_path(name))
    try:
        end = time.monotonic() + timeout
        while not _try(fd, True):
            if time.monotonic() >= end:
                raise LockTimeout(name)
            await asyncio.sleep(POLL)
        yield
    finally:
        os.close(fd)
