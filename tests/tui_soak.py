"""The real TUI and the CLI on one profile: ``StrapiConsoleApp`` headless (Pilot) with panel 4's tail live,
panel 3 open on the Public role and reloaded with ``r``, and the fleet rescanned with ``R``, while CLI
``scan`` / ``tail --once`` subprocesses run in a loop on the same config and keyring file, against a Strapi
whose access tokens live a few seconds. Everything that would show the operator a lost session is counted:
a ``SignedOut`` raised by any client of the TUI's process, a session forgotten, a server row not signed in
or ended, a tail status "signed out" or stopped, a panel-3 load that failed, an error toast, and every
password prompt (a ``LoginForm`` pushed). Shared by the bounded test (test_sessions_e2e.py) and the
benchmark (benchmarks/session_sharing.py --tui)."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from sessions_soak import PROFILE, cli_loop, signed_in_with_cli, turns


@dataclass
class TuiSoakResult:
    login: str = ""
    seconds: float = 0.0
    cli: list[tuple[str, bool, str]] = field(default_factory=list)  # (command, signed in throughout, detail)
    scans: int = 0  # the TUI's scans of the profile that finished
    rescans_asked: int = 0  # R pressed
    reloads: int = 0  # panel-3 loads of the Public role that finished
    reloads_asked: int = 0  # r pressed on panel 3
    polls: int = 0  # the audit tail's polls
    signed_out: list[str] = field(default_factory=list)  # every sign-out the TUI's process showed or met
    errors: list[str] = field(default_factory=list)  # error toasts and failed loads for another reason
    prompts: list[str] = field(default_factory=list)  # password prompts (and keyring choices) pushed
    renewed_here: int = 0  # access tokens the TUI's process renewed and stored
    renewed_elsewhere: int = 0  # tokens seen in the keyring file that this process did not write
    tokens_seen: int = 0

    @property
    def cli_signed_out(self) -> list[tuple[str, bool, str]]:
        return [c for c in self.cli if not c[1]]

    def numbers(self, lifetime: float) -> dict:
        """The soak in numbers, as the benchmark prints them."""
        return {"seconds": self.seconds, "token lifetimes": self.seconds / lifetime,
                "tokens seen": self.tokens_seen, "tui scans (R pressed)": f"{self.scans} ({self.rescans_asked})",
                "panel 3 loads (r pressed)": f"{self.reloads} ({self.reloads_asked})", "tail polls": self.polls,
                "cli scans": sum(c[0] == "scan" for c in self.cli), "cli tails": sum(c[0] == "tail" for c in self.cli),
                "renewed by the tui": self.renewed_here, "renewed by the cli (seen)": self.renewed_elsewhere,
                "signed out (tui)": len(self.signed_out), "signed out (cli)": len(self.cli_signed_out),
                "password prompts": len(self.prompts), "other errors": len(self.errors),
                "first problem": next(iter(self.signed_out + [c[2] for c in self.cli_signed_out] + self.prompts
                                           + self.errors), "")}


@contextlib.contextmanager
def _watching_clients(result: TuiSoakResult, mine: set[str]):
    """Every client and keeper of this process (the TUI's, and any that bypassed its shared session)."""
    from strapi_console.client import StrapiClient
    from strapi_console.errors import SignedOut
    from strapi_console.session import StoreKeeper

    call, forget, save = StrapiClient.call, StrapiClient.forget, StoreKeeper.save

    async def watched_call(self, method, path, *args, auth=True, **kw):
        try:
            return await call(self, method, path, *args, auth=auth, **kw)
        except SignedOut as exc:
            if auth:
                result.signed_out.append(f"{method} {path}: {exc.message}")
            raise

    def watched_forget(self):
        result.signed_out.append("a client of this process forgot its session")
        forget(self)

    async def watched_save(self, creds):
        mine.add(creds.access_token)
        await save(self, creds)

    StrapiClient.call, StrapiClient.forget, StoreKeeper.save = watched_call, watched_forget, watched_save
    try:
        yield
    finally:
        StrapiClient.call, StrapiClient.forget, StoreKeeper.save = call, forget, save


def _watch_app(app, result: TuiSoakResult) -> None:
    """What the operator would see: prompts pushed, toasts, server rows, tail statuses."""
    from screens.keyring_choice import KeyringChoiceScreen
    from screens.login_form import LoginForm

    push, notify, publish, note_tail = app.push_screen, app.notify, app.state_signal.publish, app.note_tail_status
    finished: set[int] = set()

    def push_screen(screen, *args, **kw):
        if isinstance(screen, (LoginForm, KeyringChoiceScreen)):
            result.prompts.append(f"{type(screen).__name__}: {getattr(screen, 'message', '') or ''}")
        return push(screen, *args, **kw)

    def notify_(message, *args, severity="information", **kw):
        if severity == "error" or "signed out" in message.lower():
            (result.signed_out if "sign" in message.lower() else result.errors).append(f"toast: {message}")
        return notify(message, *args, severity=severity, **kw)

    def publish_(name):
        state = app.states.get(name) if name else None
        if state is not None and state.result is not None and not state.refreshing \
                and id(state.result) not in finished:
            finished.add(id(state.result))
            result.scans += 1
            if state.session_ended or not state.signed_in:
                result.signed_out.append(f"server row: {state.result.auth_error or state.result.error or 'signed out'}")
        return publish(name)

    def note_tail_status(status):
        result.polls = max(result.polls, status.polls)
        if status.mode in ("signed out", "stopped"):
            result.signed_out.append(f"tail {status.mode}: {status.error}")
        return note_tail(status)

    app.push_screen, app.notify, app.state_signal.publish = push_screen, notify_, publish_
    app.note_tail_status = note_tail_status


def _watch_panel(panel, result: TuiSoakResult) -> None:
    """Panel 3's head line says how each load ended: the role's line, or the error in red."""
    from textual.widgets import Static

    head = panel.query_one("#perm-head", Static)
    update = head.update

    def update_(content="", *args, **kw):
        text = getattr(content, "plain", str(content))
        if " · role " in text:
            result.reloads += 1
        elif str(getattr(content, "style", "")) == "red":
            (result.signed_out if "sign" in text.lower() else result.errors).append(f"panel 3: {text}")
        return update(content, *args, **kw)

    head.update = update_


async def _until(pilot, condition, timeout: float = 60.0, what: str = "") -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"not in {timeout:.0f} s: {what}")
        await pilot.pause(0.1)


async def tui_soak(home: Path, url: str, email: str, password: str, seconds: float, lifetime: float, *,
                   tail_fast: float = 0.5, every: tuple[float, float] = (1.5, 3.5)) -> TuiSoakResult:
    """``home`` holds the XDG dirs this process already uses (the subprocesses get the same ones). In turn,
    the operator reloads panel 3 (3, r) and comes back to the tail (4) without waiting, the load running on
    while the tail polls; then rescans the fleet (1, R) and watches the list for a while (the tail pauses
    while hidden) before going back to 4. Each spell lasts ``every`` seconds, drawn at random. ``seconds``
    starts with the two ``turns``: the TUI alone (the CLI rests), then the CLI alone (the operator sits on
    the server list, where nothing polls), so both processes are seen renewing."""
    from screens.app import StrapiConsoleApp
    from screens.audit_panel import AuditPanel
    from screens.permissions_panel import PermissionsPanel
    from strapi_console import config as config_mod

    result = TuiSoakResult()
    run, result.login = signed_in_with_cli(home, url, email, password)
    # what `strapi-console` with no command does: the saved config, its store (the CLI's keyring file)
    app = StrapiConsoleApp(config=config_mod.load(), tail_fast=tail_fast)
    first = (await asyncio.to_thread(app.store.get, PROFILE)).access_token
    seen, mine = {first}, set()
    state = app.state(PROFILE)

    def idle() -> bool:
        return not state.refreshing and not any(w.group == "permissions-load" and w.is_running for w in app.workers)

    async def sample(stop: asyncio.Event) -> None:  # which tokens the keyring file held, and when
        while not stop.is_set():
            stored = await asyncio.to_thread(app.store.get, PROFILE)
            if stored is not None:
                seen.add(stored.access_token)
            await asyncio.sleep(0.3)

    with _watching_clients(result, mine):
        async with app.run_test(size=(120, 40)) as pilot:
            _watch_app(app, result)
            await _until(pilot, lambda: result.scans >= 1, what="the first scan")
            await pilot.press("3")
            panel = app.screen
            assert isinstance(panel, PermissionsPanel), type(panel).__name__
            _watch_panel(panel, result)
            await _until(pilot, lambda: panel.role is not None and panel.role.type == "public", what="panel 3")
            result.reloads += 1  # that first load ended before the head was watched
            await pilot.press("4")
            assert isinstance(app.screen, AuditPanel), type(app.screen).__name__
            await _until(pilot, lambda: result.polls >= 1, what="the tail's first poll")

            stop = asyncio.Event()
            sampler = asyncio.create_task(sample(stop))
            started = time.monotonic()
            end = started + seconds
            alone, resting = turns(started, lifetime)
            others = asyncio.create_task(asyncio.to_thread(cli_loop, run, end, result.cli, alone))
            turn = 0
            while time.monotonic() < end:
                if resting[0] <= time.monotonic() < resting[1]:
                    await pilot.press("1")  # the list sends nothing; the tail is paused while hidden
                    await _until(pilot, idle, what="the TUI idle for the CLI's turn")
                    await pilot.pause(max(0.0, resting[1] - time.monotonic()))
                    await pilot.press("4")
                elif turn % 2 == 0:
                    await pilot.press("3", "r", "4")
                    result.reloads_asked += 1
                    await pilot.pause(random.uniform(*every))  # the tail polls while panel 3 loads
                else:
                    await pilot.press("1", "R")
                    result.rescans_asked += 1
                    await pilot.pause(random.uniform(*every))  # the tail is paused while hidden: the TUI is
                    await pilot.press("4")                     # quieter, so the CLI renews its share too
                turn += 1
            await others
            await _until(pilot, idle, what="the last scan and panel load")
            result.seconds = time.monotonic() - started
            stop.set()
            await sampler
    result.renewed_here = len(mine - {first})
    result.renewed_elsewhere = len(seen - mine - {first})
    result.tokens_seen = len(seen | mine)
    return result
