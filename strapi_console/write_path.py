"""The journalled write every fix goes through: journal first, send, read back, complete the entry.

An interrupted write always leaves its entry behind (``uncertain``) to be checked and undone later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from . import journal
from .client import StrapiClient
from .errors import ConsoleError, StrapiError


class ConcurrentChange(ConsoleError):
    title = "Changed on the server"


class TargetDeleted(ConcurrentChange):
    title = "Deleted on the server"


class VerifyFailed(ConsoleError):
    title = "Write not verified"


async def journalled(client: StrapiClient, *, target: dict, before: dict, after: dict, source: str,
                     undo_of: str | None, send: Callable[[], Awaitable[None]],
                     verify: Callable[[], Awaitable[str | None]], undoable: bool = True) -> journal.Entry:
    entry = journal.begin(client.profile, target, before=before, after=after, source=source, undo_of=undo_of,
                          undoable=undoable)
    try:
        await send()
    except StrapiError as exc:
        # A timeout or a cut connection leaves the outcome unknown: keep the entry to verify and undo.
        journal.finish(entry, "failed" if getattr(exc, "status", None) else "uncertain", str(exc))
        raise
    except BaseException as exc:
        journal.finish(entry, "uncertain", f"interrupted: {type(exc).__name__}")
        raise
    problem = await verify()
    if problem:
        journal.finish(entry, "failed", problem)
        raise VerifyFailed(f"{target.get('name', 'The target')} read back does not match what was written ({problem}). "
                           f"The journal entry {entry.id} holds the state before.")
    return journal.finish(entry, "applied", "changed and verified")
