"""Walk every screen of the TUI the way an operator would, with a sentinel on the actions that server
text must never run: used by the hostile-server tests (a fake whose every string is a payload, and the
real demo Strapi after anonymous visitors wrote payloads into it).

What the walk asserts after each step is what a user would notice: the app still runs, no action named
in server text ran (quit, screenshot, open a URL), no file appeared where a payload asked for one, and no
terminal-active character is on the screen (as exported by the app itself).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from screens.app import StrapiConsoleApp

# what a rendered screen must never hold: C0 (but newline), DEL, C1, bidi and zero-width characters
RAW_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


class SentinelApp(StrapiConsoleApp):
    """The console with the actions a markup payload could reach replaced by a tripwire."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tripped: list[str] = []

    def action_quit(self) -> None:  # type: ignore[override]
        self.tripped.append("quit")

    def action_screenshot(self, *args, **kwargs) -> None:  # type: ignore[override]
        self.tripped.append(f"screenshot{args}")

    def action_open_url(self, *args, **kwargs) -> None:  # type: ignore[override]
        self.tripped.append(f"open_url{args}")

    def open_url(self, *args, **kwargs) -> None:  # type: ignore[override]
        self.tripped.append(f"open_url{args}")

    def action_bell(self) -> None:  # type: ignore[override]
        self.tripped.append("bell")


async def until(pilot, condition, timeout: float = 30.0) -> bool:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        await pilot.pause(0.1)
        if condition():
            return True
    return False


def check(app: SentinelApp, where: str, trap_dir: Path | None = None) -> None:
    assert app.is_running, f"{where}: the app stopped"
    assert app._exception is None, f"{where}: {app._exception!r}"
    assert not app.tripped, f"{where}: server text ran actions {app.tripped}"
    if trap_dir is not None:
        assert not any(trap_dir.iterdir()), f"{where}: a file appeared: {list(trap_dir.iterdir())}"
    svg = app.export_screenshot()
    found = RAW_UNSAFE.search(svg)
    assert found is None, f"{where}: a raw {found.group(0)!r} is on the screen"


async def click_around(app, pilot, selector: str, rows: int = 5) -> None:
    """Click cells of a list/table (left, middle and right of each of the first rows): a markup payload's
    @click would fire here."""
    widgets = app.screen.query(selector)
    if not widgets:
        return
    widget = widgets.first()
    width = max(widget.size.width, 1)
    for y in range(min(rows, max(widget.size.height, 1))):
        for x in (1, width // 2, width - 2):
            try:
                await pilot.click(selector, offset=(max(x, 0), y))
            except Exception:  # a click outside the visible region is Pilot's refusal, not the app's
                pass


async def walk_every_screen(app: SentinelApp, pilot, trap_dir: Path, *, server: str, writable: bool = True,
                            audit_ready=None) -> list[str]:
    """Visit panels 1–5, the findings screen, help, the jump palette, dialogs and detail panes; return
    the steps taken (so a test can say how far it got)."""
    steps: list[str] = []

    def step(name: str) -> None:
        check(app, name, trap_dir)
        steps.append(name)

    # 1: the server list, its detail line, clicks on every column
    await until(pilot, lambda: app.state(server).result is not None and not app.state(server).refreshing, 60)
    step("servers loaded")
    await click_around(app, pilot, "#servers")
    step("servers clicked")
    await pilot.press("?")
    await pilot.pause(0.2)
    step("help")
    await pilot.press("escape")
    await pilot.press("d")
    await until(pilot, lambda: app.screen.__class__.__name__ == "ServerDetailScreen", 10)
    for _ in range(12):
        await pilot.press("down")
    await pilot.pause(0.2)
    step("findings")
    await click_around(app, pilot, "DataTable", rows=6)
    step("findings clicked")
    await pilot.press("escape")
    await pilot.press("colon")
    await pilot.pause(0.3)
    await pilot.press("s", "e", "r")
    await pilot.pause(0.3)
    step("jump palette")
    await pilot.press("escape")
    await pilot.pause(0.2)

    # 2: versions and advisories
    await pilot.press("2")
    await pilot.pause(0.5)
    await click_around(app, pilot, "DataTable")
    step("versions")
    await pilot.press("escape")

    # 3: permissions, end-user roles then admin roles; a staged change opens the confirmation dialog
    await pilot.press("3")
    await until(pilot, lambda: getattr(app.screen, "role", None) is not None, 30)
    step("permissions loaded")
    await click_around(app, pilot, "#roles")
    await pilot.press("tab")
    for key in ("down", "down", "right", "d"):
        await pilot.press(key)
    await pilot.pause(0.2)
    step("permissions detail")
    await click_around(app, pilot, "#matrix", rows=6)
    step("matrix clicked")
    if writable:
        await pilot.press("space", "a")
        await pilot.pause(0.3)
        step("confirm dialog")
        await pilot.press("escape")
        await pilot.press("x")
    await pilot.press("c")
    await pilot.pause(0.3)
    step("compare palette")
    await pilot.press("escape")
    await pilot.press("t")
    await until(pilot, lambda: getattr(app.screen, "admin_role", None) is not None, 30)
    await pilot.press("tab", "down", "d")
    await pilot.pause(0.2)
    step("admin roles")
    await pilot.press("t")

    # 4: the audit tail, its alerts (toasts) and the detail of each event
    await pilot.press("4")
    if audit_ready is not None:
        await until(pilot, lambda: audit_ready(app.screen), 60)
    await pilot.pause(0.5)
    step("audit")
    for _ in range(15):
        await pilot.press("up")
    await pilot.pause(0.2)
    await click_around(app, pilot, "#events", rows=6)
    step("audit detail")
    await pilot.press("end")

    # 5: HTTPS, headers, exposure, tokens and the detail of each finding
    await pilot.press("5")
    await pilot.pause(0.5)
    for _ in range(20):
        await pilot.press("down")
    await pilot.pause(0.2)
    step("headers")
    await click_around(app, pilot, "DataTable", rows=6)
    step("headers clicked")
    await pilot.press("1")
    await pilot.pause(0.2)
    step("back to servers")
    return steps
