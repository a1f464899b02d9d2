"""The one write engine: every change the console makes to a server, fixes and undos alike.

:func:`apply` runs a :class:`Plan` (one or several steps, each a :class:`Target` and the cells wanted):

policy (a read-only profile refuses before anything is sent) → the server's identity → for each step,
in order: re-read → refuse on drift since the operator reviewed it (saying what changed, nothing sent,
nothing journalled) → journal the intent (so an interrupted write can be settled) → send → read back →
verify the staged cells → compare every other cell with the state just before the write (anything else
that moved means another change landed during the write: said, and journalled so) → settle the entry.

A plan of several steps is one journal group: the steps run in order, the first failure stops the rest
(:class:`GroupStopped` says what was applied and what was not sent), and undo takes the group back in
reverse order.

Undo is a write like any other (:func:`plan_undo`): it re-reads, refuses when anything it would revert
changed since the journalled change (before / after / now), and its plan shows now → target. An undo is
never undone itself (one rule for every kind): apply the fix again instead.

Strapi has no conditional write, so the window between the last read and the write is narrowed (the
re-read happens right before each send) and what happens inside it is detected afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import journal, journal_vault, server_identity, targets  # noqa: F401  (targets: fills Target.registry)
from .client import StrapiClient
from .errors import ConsoleError, ReadOnlyError, StrapiError
from .plans import MAX_SHOWN, Plan, Snapshot, Step, Target, _some  # noqa: F401  (callers use engine.Plan & co.)
from .redact import REDACTED, redact_url

ELSEWHERE = "elsewhere"  # ``undone_by`` of an entry whose change the server no longer has (put back by someone)


class ConcurrentChange(ConsoleError):
    title = "Changed on the server"


class TargetDeleted(ConcurrentChange):
    title = "Deleted on the server"


class VerifyFailed(ConsoleError):
    title = "Write not verified"


class NothingToDo(ConsoleError):
    title = "No change"


class CannotUndo(ConsoleError):
    title = "Cannot undo"


class UndoConflict(CannotUndo):
    """Something undo would revert changed after the journalled change: before / after / now."""

    title = "Changed since"


class GroupStopped(ConsoleError):
    """A step of a group failed after earlier steps were applied."""

    title = "Stopped part way"

    def __init__(self, message: str, *, applied: list[journal.Entry], cause: ConsoleError, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.applied = applied
        self.cause = cause


@dataclass
class Outcome:
    entries: list[journal.Entry]
    warnings: list[str] = field(default_factory=list)  # other changes that landed during a write

    @property
    def entry(self) -> journal.Entry:
        return self.entries[-1]

    @property
    def ref(self) -> str:
        """What `journal undo` takes to undo all of it."""
        return self.entries[0].id



def _moved(target: Target, old: Snapshot, new: Snapshot, *, skip: set[str] = frozenset(),
           volatile: bool = True) -> list[str]:
    """Cells that differ between two reads, as lines ("Public: article.find True → False")."""
    cells = sorted(set(old.cells) | set(new.cells))
    return [target.line(c, old.cells.get(c), new.cells.get(c)) for c in cells
            if c not in skip and (volatile or c not in target.volatile) and old.cells.get(c) != new.cells.get(c)]


# --- apply ----------------------------------------------------------------------------------------


def refuse_read_only(profile, read_only: bool) -> None:
    """The policy, first: a read-only profile refuses before anything is sent (a read included)."""
    if read_only:
        raise ReadOnlyError(f"Profile '{profile.name}' is read-only: nothing was sent.",
                            hint="Unlock it for this session (w in the TUI, --allow-write in the CLI), or use a "
                                 "read-write profile.")


async def apply(client: StrapiClient, plan: Plan, *, read_only: bool, source: str) -> Outcome:
    """Run the plan's steps in order through the engine; stop at the first failure."""
    refuse_read_only(client.profile, read_only)
    if not plan.steps:
        raise NothingToDo("Nothing to change: the server already has the wanted values.")
    if plan.server is not None:
        server = await server_identity.require_same(client, plan.server, f"{plan.title} cannot run here")
    else:
        server = await server_identity.identify(client)
    group = journal.new_id() if len(plan.steps) > 1 else None
    done: list[journal.Entry] = []
    warnings: list[str] = []
    for index, step in enumerate(plan.steps):
        undo_of = plan.undo_of[index] if plan.undo_of else None
        try:
            entry, warning = await _apply_step(client, plan, step, server=server, source=source, group=group,
                                               index=index, undo_of=undo_of)
        except ConsoleError as exc:
            if not done:
                raise
            raise _stopped(client, plan, done, index, exc) from exc
        done.append(entry)
        if warning:
            warnings.append(warning)
        if undo_of:
            _mark_undone(undo_of, entry.id)
    for entry_id in plan.already:
        _mark_undone(entry_id, ELSEWHERE)
    return Outcome(done, warnings)


def _stopped(client: StrapiClient, plan: Plan, done: list[journal.Entry], index: int,
             cause: ConsoleError) -> GroupStopped:
    total = len(plan.steps)
    applied = ", ".join(f"{e.target.get('name')} ({e.id})" for e in done)
    unsent = [s.target.name for s in plan.steps[index + 1:]]
    message = (f"Stopped at step {index + 1} of {total}, {plan.steps[index].target.name}: {cause.message} "
               f"Applied before it: {applied}." + (f" Not sent: {', '.join(unsent)}." if unsent else ""))
    hint = (f"Undo the applied steps together: strapi-console journal undo {client.profile.name} {done[0].id}"
            if plan.undo_of is None else None)
    return GroupStopped(message, applied=done, cause=cause, hint=hint)


def _mark_undone(original_id: str, by: str) -> None:
    try:
        original = journal.get(original_id)
    except ConsoleError:
        return
    original.undone_by = by
    original.save()
    journal_vault.delete(original.id)  # its exact values are no longer needed


def _journal_values(target: Target, cells: dict[str, Any]) -> dict[str, Any]:
    return {c: (redact_url(v) if c in target.secret_cells and isinstance(v, str) else v) for c, v in cells.items()}


async def _apply_step(client: StrapiClient, plan: Plan, step: Step, *, server: dict, source: str,
                      group: str | None, index: int, undo_of: str | None) -> tuple[journal.Entry, str | None]:
    target = step.target
    # Re-read right before the write: the window in which another change can be lost is this one step.
    fresh = await target.read(client)
    if fresh is None:
        raise TargetDeleted(f"{target.title} was deleted on the server since it was loaded. Nothing was written.",
                            hint="Reload to see what the server has now.")
    drift = _moved(target, step.loaded, fresh)
    if drift:
        raise ConcurrentChange(f"{target.title} changed on the server since it was loaded ({_some(drift)}). "
                               "Nothing was written.", hint="Reload, review, and apply again.")
    wanted = dict(step.wanted)
    before = dict(fresh.cells) if target.removes else {c: fresh.cells.get(c) for c in wanted}
    lines = step.lines()
    entry = journal.begin(client.profile, target.journal_ref(), before={"cells": _journal_values(target, before)},
                          after={"cells": _journal_values(target, wanted), "lines": lines,
                                 **({"removed": True} if target.removes else {})},
                          source=source, undo_of=undo_of, undoable=target.undoable and undo_of is None,
                          server=server, group=group, step=index)
    hidden = {"before": _redacted(target, before), "after": _redacted(target, wanted)}
    if entry.undoable and (hidden["before"] or hidden["after"]):
        try:
            journal_vault.put(entry.id, hidden)
        except ConsoleError as exc:
            _finish(entry, "failed", f"not sent: {exc.message}")
            raise
    body = target.body(fresh, wanted)
    try:
        answer = await target.send(client, body)
    except StrapiError as exc:
        # A timeout or a cut connection leaves the outcome unknown: keep the entry to check and undo.
        _finish(entry, "failed" if exc.status else "uncertain", str(exc))
        raise
    except BaseException as exc:
        _finish(entry, "uncertain", f"interrupted: {type(exc).__name__}")
        raise
    secrets = target.new_secrets(answer, body)
    plan.secrets.update(secrets)
    after = await target.read(client)
    if target.removes:
        problem = None if after is None else "it still exists"
        others: list[str] = []
    elif after is None:
        problem, others = "it no longer exists after the write", []
    else:
        problem = target.check(wanted, after, answer, secrets)
        others = _moved(target, fresh, after, skip=set(wanted), volatile=False)
    if problem:
        _finish(entry, "failed", f"read back does not match what was written: {problem}")
        raise VerifyFailed(f"{target.title}: the server's state read back does not match what was written "
                           f"({problem}). Journal entry {entry.id} records it as failed, with the state before.",
                           hint="Reload and look at what the server has now.")
    if after is not None:  # what the server holds now is what undo compares with later
        entry.after["cells"] = _journal_values(target, {c: after.cells.get(c) for c in wanted})
    if others:
        note = f"another change landed during the write: {_some(others)}"
        entry.extra["concurrent"] = others[:50]
        _finish(entry, "applied", f"changed and verified; {note}")
        return entry, f"{target.title}: {note}. It is kept as is; review it."
    _finish(entry, "applied", "changed and verified")
    return entry, None


def _finish(entry: journal.Entry, status: str, detail: str) -> None:
    journal.finish(entry, status, detail)
    if status == "failed":
        journal_vault.delete(entry.id)


# --- undo -----------------------------------------------------------------------------------------


def target_of(entry: journal.Entry, *, reverting: bool = False) -> Target:
    """The target an entry was written to (or the one that reverts it), rebuilt from the journal."""
    cls = Target.registry.get(str(entry.target.get("target")))
    if cls is None or "cells" not in entry.after:
        raise CannotUndo(f"Entry {entry.id} was recorded by an earlier version of the console, in a form this one "
                         "cannot replay.", hint=f"See what it changed with: strapi-console journal show {entry.id}")
    if reverting and cls.reverted_by:
        cls = Target.registry[cls.reverted_by]
    return cls.from_journal(entry.target)


def _redacted(target: Target, cells: dict[str, Any]) -> dict[str, Any]:
    """The secret cells whose journalled value hides a credential (their exact values are in the vault)."""
    return {c: v for c, v in cells.items() if c in target.secret_cells and isinstance(v, str) and redact_url(v) != v}


def _exact(entry: journal.Entry, side: str, target: Target) -> dict[str, Any]:
    """The entry's cells on one side, with secret cells back to their exact values from the keyring."""
    cells = dict((getattr(entry, side) or {}).get("cells") or {})
    hidden = [c for c in cells if c in target.secret_cells and REDACTED in str(cells[c])]
    if not hidden:
        return cells
    kept = (journal_vault.get(entry.id) or {}).get(side) or {}
    for c in hidden:
        if c not in kept:
            raise CannotUndo(f"The exact {target.label(c)} of entry {entry.id} is no longer in the keyring (it held a "
                             "credential, so the journal file keeps it redacted). Nothing was sent.",
                             hint="Set it by hand; journal show says where it pointed.")
        cells[c] = kept[c]
    return cells


async def plan_undo(client: StrapiClient, entry: journal.Entry) -> Plan:
    """A plan that puts back what ``entry`` (and the rest of its group) changed, from the server's state now.

    Refuses when the entry is an undo itself, was made on another server, or when anything it would
    revert changed since: the message shows before / after / now for each such cell."""
    if entry.undo_of:
        raise CannotUndo(f"Entry {entry.id} is itself an undo (of {entry.undo_of}); an undo is not undone. "
                         "To make the change again, apply the fix again.")
    steps_done = [e for e in journal.group_of(entry) if e.status in ("applied", "uncertain") and not e.undone_by]
    if not steps_done:
        raise CannotUndo(f"Entry {entry.id} has nothing left to undo (already undone, or it never reached the server).")
    kept = [f"{e.target.get('name')}: {target_of(e).cannot_undo}" for e in steps_done if not e.undoable]
    if len(kept) == len(steps_done):
        raise CannotUndo(f"Entry {entry.id} cannot be undone: {'; '.join(kept)}.")
    await server_identity.require_same(client, entry.server, f"Entry {entry.id} cannot be undone here")
    steps: list[Step] = []
    undo_of: list[str] = []
    already: list[str] = []
    conflicts: list[str] = []
    for e in reversed([e for e in steps_done if e.undoable]):
        target = target_of(e, reverting=True)
        before, after = _exact(e, "before", target), _exact(e, "after", target)
        now = await target.read(client)
        if now is None:
            raise CannotUndo(f"{target.title} no longer exists on the server. Nothing was sent.")
        if all(now.cells.get(c) == before.get(c) for c in after):
            already.append(e.id)  # put back by someone else, or an interrupted write that never landed
            continue
        for c in sorted(after):
            if now.cells.get(c) != after[c]:
                conflicts.append(f"{target.name} {target.label(c)} (before {target.show(c, before.get(c))}, "
                                 f"after the change {target.show(c, after[c])}, now {target.show(c, now.cells.get(c))})")
        wanted = {c: before.get(c) for c in after if now.cells.get(c) != before.get(c)}
        steps.append(Step(target, now, wanted))
        undo_of.append(e.id)
    if conflicts:
        raise UndoConflict(f"Changed on the server since entry {entry.id}, so undo would overwrite a later change: "
                           f"{_some(conflicts)}. Nothing was sent.",
                           hint="Review the server's state and change it by hand, or apply a new fix.")
    if not steps:
        for entry_id in already:  # `u` walks on past it
            _mark_undone(entry_id, ELSEWHERE)
        raise NothingToDo(f"The server already has the values from before entry {entry.id} (put back since, by "
                          "someone else): nothing to undo, nothing was sent; the entry is marked as undone." +
                          (f" ({'; '.join(kept)} cannot be undone.)" if kept else ""))
    return Plan(steps, title=f"undo {entry.id}", undo_of=undo_of, kept=kept, server=entry.server, already=already)


# --- interrupted writes ---------------------------------------------------------------------------


async def settle(client: StrapiClient, entry: journal.Entry) -> str:
    """Settle an entry an interrupted write left open by looking at the server: applied, or not."""
    target = target_of(entry)
    await server_identity.require_same(client, entry.server, f"Entry {entry.id} cannot be checked here")
    before, after = _exact(entry, "before", target), _exact(entry, "after", target)
    outcome = target.settled(before, after, await target.read(client))
    status, detail = {"applied": ("applied", "the interrupted write had reached the server (checked later)"),
                      "not applied": ("failed", "the interrupted write never reached the server (checked later)"),
                      "unknown": ("uncertain", "whether it reached the server cannot be seen from outside")}.get(
        outcome, ("uncertain", "partly applied, or changed by someone else since (checked later)"))
    _finish(entry, status, detail)
    return outcome
