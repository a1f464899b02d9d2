"""The TUI's side of a write: read what undo will send, ask by the core's one confirmation policy, send it
through the profile's shared session. Screens keep only what they show before and after."""

from __future__ import annotations

from collections.abc import Callable

from strapi_console import confirmation, engine, journal

from .confirm import ConfirmScreen


async def plan_undo(app, profile, entry: journal.Entry, *, read_only: bool) -> engine.Plan:
    """Undo is a write like any other: refused at once on a read-only profile, else the server is read now
    so that the confirmation shows what undo will send (now → target). Raises the engine's errors."""
    engine.refuse_read_only(profile, read_only)
    async with app.session_client(profile) as client:
        return await engine.plan_undo(client, entry)


async def apply(app, profile, plan: engine.Plan, *, read_only: bool, source: str) -> engine.Outcome:
    async with app.session_client(profile) as client:
        return await engine.apply(client, plan, read_only=read_only, source=source)


def confirm(app, profile, plan: engine.Plan, title: str, then: Callable[[], None]) -> None:
    """Ask (what cannot be undone first; typed names where the policy wants them), then run ``then``."""
    asked = confirmation.for_plan(profile, plan, unlocked=True, title=title)
    app.push_screen(ConfirmScreen.asking(asked), lambda ok: then() if ok else None)
