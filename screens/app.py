"""The strapi-console Textual app: five panels as modes, k9s keys, one error router, workers for I/O.

The app holds the shared state (config, secret store, write policy, the latest result per profile);
screens read it and ask the app to refresh, sign in or sign out. Network and keyring calls run in
workers, so the UI never waits on them.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from contextlib import AbstractAsyncContextManager
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING
from datetime import datetime, timezone
from pathlib import Path

from textual import events, on, work
from textual.app import App
from textual.binding import Binding
from textual.widget import AwaitMount
from textual.command import SimpleCommand
from textual.signal import Signal
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from strapi_console.client import StrapiClient
    from strapi_console.scan import ServerResult

from strapi_console import config as config_mod
from strapi_console.config import Config, Profile
from strapi_console.display import safe
from strapi_console.errors import ConsoleError, NoKeyringError, isolate
from strapi_console.redact import redact_text
from strapi_console.secrets import SecretStore, end_user_key
from strapi_console.session import Sessions, WritePolicy, sign_in_summary

from .confirm import ConfirmScreen
from .formatting import markup_literal
from .help import HelpScreen
from .keyring_choice import KeyringChoiceScreen
from .login_form import LoginForm, LoginRequest
from .panel_loading import PanelLoading
from .profile_form import ProfileForm
from .segments import TerminalSafeFilter
from .server_list import ServerListScreen

# How long one typed key may wait for the previous one's effects (focus moves, forms opening) to settle
# before it is handled anyway: a screen that never goes quiet must not swallow keys.
KEY_SETTLE_LIMIT = 0.25
# How long keys typed after one that opens a form may be held while the app prepares it (a keyring probe).
KEY_HOLD_LIMIT = 3.0

# Every screen's stylesheet is read with the app's, before the first frame (all of them parse in ~4 ms). A
# stylesheet added later, when its screen first opens, made Textual re-parse every stylesheet (the widgets'
# built-in ones too) and restyle the whole app: 25-50 ms, two or three times per first opening. Absolute
# paths, so that subclasses (tests) inherit them unchanged.
STYLESHEETS = [Path(__file__).with_name(name) for name in (
    "app.tcss", "versions_panel.tcss", "permissions_panel.tcss", "role_compare.tcss", "audit_panel.tcss",
    "server_detail.tcss")]

PANELS = {
    "servers": ("1", "Servers"),
    "versions": ("2", "Versions & advisories"),
    "permissions": ("3", "Permissions"),
    "audit": ("4", "Audit tail"),
    "headers": ("5", "HTTPS & headers"),
}


# The five panels, each a mode. The server list's module loads with the app, the others' after the first
# frame (in a thread: _preload_panels).
PANEL_SCREENS = {
    "servers": ("server_list", "ServerListScreen"),
    "versions": ("versions_panel", "VersionsPanel"),
    "permissions": ("permissions_panel", "PermissionsPanel"),
    "audit": ("audit_panel", "AuditPanel"),
    "headers": ("headers_panel", "HeadersPanel"),
}


@dataclass
class ProfileState:
    """What the server list shows for one profile."""

    refreshing: bool = False
    result: ServerResult | None = None
    signed_in: bool | None = None
    refreshed_at: datetime | None = None
    session_ended: bool = False
    started_at: datetime | None = None  # when the running (or last) scan began
    measured_at: datetime | None = None  # when the scan that gave ``result`` began: what it saw is from then on


class StrapiConsoleApp(App[int]):
    TITLE = "strapi-console"
    CSS_PATH = STYLESHEETS
    ENABLE_COMMAND_PALETTE = True
    # MODES: PANEL_SCREENS, each built by _new_panel (added in __init__, which can call a method)
    DEFAULT_MODE = "servers"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", key_display="?", id="help"),
        Binding("colon", "jump", "Jump", key_display=":", id="jump"),
        Binding("1", "panel('servers')", "Servers", show=False, id="panel-1"),
        Binding("2", "panel('versions')", "Versions", show=False, id="panel-2"),
        Binding("3", "panel('permissions')", "Permissions", show=False, id="panel-3"),
        Binding("4", "panel('audit')", "Audit", show=False, id="panel-4"),
        Binding("5", "panel('headers')", "HTTPS", show=False, id="panel-5"),
    ]

    def __init__(self, *, config: Config, store: SecretStore | None = None, only: list[str] | None = None,
                 transport=None, tail_fast: float | None = None) -> None:
        super().__init__()
        self.tail_fast = tail_fast  # the audit tail's shortest poll interval (tests use a short one)
        self.config = config
        self.store = store or SecretStore.for_config(config)
        self.policy = WritePolicy()
        # One session per profile, shared by scans, panels and the audit tail; closed when the app exits.
        self.sessions = Sessions(self.store, policy=self.policy, transport=transport)
        self.only = only
        self.transport = transport
        self.states: dict[str, ProfileState] = {}
        self.aggressive: set[str] = set()
        self.last_panel: str | None = None
        self.tail_status: dict = {}
        self._keyring_choice_made = self.store.memory_only
        self._prompted_relogin: set[str] = set()
        self._selected: str | None = None
        # Published with a profile name (or None for "the list itself changed") whenever state changes.
        self.state_signal: Signal[str | None] = Signal(self, "state")
        self._terminal_safe = TerminalSafeFilter()
        self._typed: deque[events.Key] = deque()
        self._released: events.Key | None = None
        self._holds: dict[object, float] = {}  # hold → when it expires (a hold never outlives its limit)
        self._feeding: asyncio.Task | None = None
        if config.keymap:
            self.set_keymap(config.keymap)  # [keymap] in the config: binding id → keys, validated on load
        for mode in PANEL_SCREENS:
            self.add_mode(mode, lambda mode=mode: self._new_panel(mode))

    def _new_panel(self, mode: str):
        """One panel's screen, built on its first opening (a mode keeps it: the next opening shows it again).

        Its stylesheet is already the app's (STYLESHEETS), so it is marked as styled by the current one:
        a new screen starts marked stale, which made Textual re-parse every stylesheet and restyle the whole
        app twice on a panel's first opening, once more on its second and on the first return to the server
        list (each 25-90 ms). A theme change still marks every screen stale, and that restyle still happens."""
        module, name = PANEL_SCREENS[mode]
        screen = getattr(importlib.import_module(f"{__package__}.{module}"), name)()
        if mode != "servers":  # the server list is built before the first frame, and its first styling needs it
            screen._css_update_count = self._css_update_count
        return screen

    # --- shared state --------------------------------------------------------------------------

    def profiles(self) -> list[Profile]:
        profiles = list(self.config.profiles.values())
        if self.only:
            profiles = [p for p in profiles if p.name in self.only]
        return profiles

    def selected_profile(self) -> str | None:
        """The server the panels show: the one highlighted in the server list, else the first."""
        if self._selected in self.config.profiles:
            return self._selected
        profiles = self.profiles()
        return profiles[0].name if profiles else None

    def select_profile(self, name: str) -> None:
        self._selected = name

    def state(self, name: str) -> ProfileState:
        return self.states.setdefault(name, ProfileState())

    def save_config(self) -> None:
        config_mod.save(self.config)

    # --- toasts: never markup; rendered lines: never terminal control ---------------------------

    def get_line_filters(self):
        return [*super().get_line_filters(), self._terminal_safe]

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Every toast of every screen comes here: its text is data (server names, error messages), shown
        through the one safe-display function and never read as markup, whatever the caller passes."""
        super().notify(safe(message, 1000, multiline=True), title=safe(title, 120), severity=severity,
                       timeout=timeout, markup=False)

    # --- keys typed ahead: one at a time, each to the widget focused when it is handled -----------

    async def on_event(self, event: events.Event) -> None:
        """Keys from the terminal wait for the previous key's effects before they are forwarded.

        Textual forwards each key to the focused widget by posting it there, so a burst (a laggy SSH link
        delivers keys in bursts) was forwarded whole before the Tab in it had moved the focus: `abc<Tab>url`
        landed in one field. Here a key is handled only once the one before it, and everything it caused
        (a focus move, a form opening, a submitted field), has been processed."""
        if isinstance(event, events.Key) and not event.is_forwarded:
            if event is self._released:
                self._released = None
                await super().on_event(event)
                return
            self._typed.append(event)
            if self._feeding is None:
                self._feeding = asyncio.create_task(self._feed_keys())
            return
        await super().on_event(event)

    async def _feed_keys(self) -> None:
        try:
            while self._typed and self.is_running:
                event = self._typed.popleft()
                self._released = event
                self.post_message(event)
                await self._settled(event)
        finally:
            self._feeding = None

    async def _settled(self, event: events.Key) -> None:
        """Until the app handled ``event`` and every message queue of the screen stack is empty, and no
        form is being prepared (each wait bounded)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + KEY_SETTLE_LIMIT
        spins = 0
        while True:
            await asyncio.sleep(0 if spins < 50 else 0.002)
            spins += 1
            now = loop.time()
            if self._held(now):
                deadline = now + KEY_SETTLE_LIMIT
                continue
            if (self._released is not event and self._quiet()) or now >= deadline:
                return

    def _held(self, now: float) -> bool:
        for hold, expires in list(self._holds.items()):
            if expires <= now:
                del self._holds[hold]
        return bool(self._holds)

    def hold_keys(self):
        """Keys typed from now on wait until the returned function is called (at most KEY_HOLD_LIMIT): for a
        key whose form opens only after a worker step (the sign-in form after the keyring probe), so that
        what is typed next lands in the form, not in the list behind it."""
        hold = object()
        self._holds[hold] = asyncio.get_running_loop().time() + KEY_HOLD_LIMIT
        return lambda: self._holds.pop(hold, None)

    def _quiet(self) -> bool:
        if not self._message_queue.empty():
            return False
        try:
            nodes = self.screen.walk_children(with_self=True)
        except Exception:  # no screen yet, or the app is closing
            return True
        return all(node._message_queue.empty() for node in nodes)

    # --- errors: one place --------------------------------------------------------------------

    def report_error(self, exc: BaseException, *, context: str | None = None) -> None:
        error = isolate(exc, context or "This action")  # typed, with a hint: never a bare exception name
        title, message = error.title, error.message + (f" {error.hint}" if error.hint else "")
        if context and error is exc:
            message = f"{context}: {message}"
        self.notify(redact_text(message), title=title, severity="error", timeout=10)

    def _fatal_error(self) -> None:
        """A crash report without local variables and with secrets redacted.

        Textual's own report prints every frame's locals, which here would include passwords and tokens.
        """
        import traceback

        from rich.text import Text

        exc = sys.exc_info()[1]
        report = "".join(traceback.format_exception(exc)) if exc else "unknown error"
        self.bell()
        self._exit_renderables.append(Text(
            "strapi-console stopped on an unexpected error (secrets redacted, please report it):\n"
            + safe(redact_text(report), 20000, multiline=True)))
        self._close_messages_no_wait()

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.report_error(event.worker.error, context=event.worker.name or None)

    # --- actions ----------------------------------------------------------------------------

    def action_panel(self, mode: str) -> None:
        self.switch_mode(mode)

    def switch_mode(self, mode: str):
        if self.current_mode and self.current_mode != "servers" and mode == "servers":
            self.last_panel = self.current_mode  # enter in the server list comes back here
        if isinstance(self.screen, PanelLoading):
            if self.screen.mode == mode:
                return AwaitMount(self.screen, [])  # already on its way (as Textual answers for the current mode)
            self.screen.leave()  # another panel asked for while this one loads: "loading…" goes first
        if mode in PANEL_SCREENS and not self._panel_loaded(mode):
            key, title = PANELS[mode]  # not loaded yet: "loading…" at once, the panel once its module is
            module = f"{__package__}.{PANEL_SCREENS[mode][0]}"
            # held from this key on: what is typed next belongs to the panel, whenever its screens mount
            return self.push_screen(PanelLoading(mode, module, f"{key} {title}", release=self.hold_keys()))
        return super().switch_mode(mode)

    def _panel_loaded(self, mode: str) -> bool:
        """The panel's class exists: its module has run (a module still being imported by the preload thread
        is already in sys.modules, and importing it here would wait for that thread)."""
        module, name = PANEL_SCREENS[mode]
        return getattr(sys.modules.get(f"{__package__}.{module}"), name, None) is not None

    def open_in_last_panel(self, name: str) -> bool:
        """Show this server in the panel the operator came from; False when there is none."""
        if not self.last_panel:
            return False
        self.select_profile(name)
        self.switch_mode(self.last_panel)
        return True

    def session_client(self, profile: Profile) -> AbstractAsyncContextManager[StrapiClient]:
        """``async with app.session_client(profile) as client``: the profile's shared client (left open)."""
        return self.sessions.client(profile)

    async def on_unmount(self) -> None:
        await self.sessions.aclose()

    def note_tail_status(self, status) -> None:
        """The audit tail's state per server, for the fleet view."""
        self.tail_status[status.profile] = status
        self.state_signal.publish(status.profile)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_jump(self) -> None:
        commands = [SimpleCommand(markup_literal(f"{key} {title}"), lambda m=mode: self.switch_mode(m),
                                  markup_literal(f"switch to panel {key}"))
                    for mode, (key, title) in PANELS.items()]
        for p in self.profiles():
            commands.append(SimpleCommand(markup_literal(f"server {p.name}"), lambda n=p.name: self._jump_to_server(n),
                                          markup_literal(f"select {p.url} in the server list", 200)))
            commands.append(SimpleCommand(markup_literal(f"triage {p.name}"), lambda n=p.name: self.open_triage(n),
                                          markup_literal(f"what happened on {p.name}, and contain it", 200)))
        commands.append(SimpleCommand("refresh all", self.refresh_all, "refresh every server"))
        self.search_commands(commands, placeholder="Jump to a panel or server…")

    def open_triage(self, name: str) -> None:
        """On call: the account of the server's last day and its containment plan, on one screen."""
        from .triage import TriageScreen

        self.select_profile(name)
        self.push_screen(TriageScreen(name))

    def _jump_to_server(self, name: str) -> None:
        self.select_profile(name)
        self.switch_mode("servers")
        screen = self.screen
        if isinstance(screen, ServerListScreen):
            screen.select(name)

    # --- refresh ------------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.config.keymap:
            from .keys import keymap_clashes

            for clash in keymap_clashes(self.config.keymap):
                self.notify(clash, title="Key clash in [keymap]", severity="warning", timeout=15)
        if self.config.rescan_minutes:
            self.set_interval(self.config.rescan_minutes * 60, self.rescan_in_background)

    def rescan_in_background(self) -> None:
        """The periodic fleet rescan: a server still being scanned is left to finish (never overlapping)."""
        for profile in self.profiles():
            if not self.state(profile.name).refreshing:
                self.refresh_profile(profile.name)

    def on_ready(self) -> None:
        """The first frame is drawn: the scans, the journal check and the panels' preload start now, not before
        it (their threads import httpx, the checks and the journal, and under the GIL each import there
        delayed the first frame)."""
        if not self._css_has_errors and self.screen.is_mounted:  # styled at start: coming back restyles nothing
            self.screen._css_update_count = self._css_update_count
        self.refresh_all()
        self._warn_interrupted()
        self._preload_panels()

    @work(thread=True, exit_on_error=False, name="panel preload")
    def _preload_panels(self) -> None:
        """After the first frame, in a thread: the panels' modules (and the widgets they use), so that a
        panel key imports nothing (an import on the key cost 15-40 ms once the first scan's imports were
        done; pressed before this is done, a key gets PanelLoading instead)."""
        for module, _name in PANEL_SCREENS.values():
            importlib.import_module(f"{__package__}.{module}")

    @work(thread=True, exit_on_error=False, name="journal check")
    def _warn_interrupted(self) -> None:
        from strapi_console import journal

        open_entries = [e for e in journal.entries() if e.status in ("pending", "uncertain")
                        and e.profile in self.config.profiles]
        for profile in sorted({e.profile for e in open_entries}):
            self.call_from_thread(self.notify, f"A change to {profile} was interrupted and may be half applied. "
                                  f"Check it with: strapi-console journal check {profile}; then undo if needed.",
                                  title="Interrupted write", severity="warning", timeout=20)

    def refresh_all(self) -> None:
        for profile in self.profiles():
            self.refresh_profile(profile.name)

    def refresh_profile(self, name: str) -> None:
        profile = self.config.profiles.get(name)
        if profile is None:
            return
        state = self.state(name)
        state.refreshing = True
        state.started_at = datetime.now(timezone.utc)
        self.state_signal.publish(name)
        self.run_worker(self._refresh(profile), name=f"refresh {name}", group=f"refresh:{name}", exclusive=True,
                        exit_on_error=False)

    def toggle_aggressive(self, name: str) -> bool:
        """Probes that send failed sign-ins or heavy queries, per profile, for this session only."""
        if name in self.aggressive:
            self.aggressive.discard(name)
        else:
            self.aggressive.add(name)
        self.refresh_profile(name)
        return name in self.aggressive

    async def _refresh(self, profile: Profile) -> None:
        # the checks load on the first scan, in a thread, so neither start-up nor the UI waits for them
        await asyncio.to_thread(importlib.import_module, "strapi_console.scan")
        from strapi_console.scan import ServerResult, scan_profile

        state = self.state(profile.name)
        started = state.started_at
        try:
            result = await scan_profile(profile, self.store, transport=self.transport,
                                        aggressive=profile.name in self.aggressive,
                                        advisory_max_age_days=self.config.advisory_max_age_days,
                                        sessions=self.sessions)
        except asyncio.CancelledError:
            state.refreshing = False
            raise
        except Exception as exc:  # noqa: BLE001 — whatever broke, this row says it instead of "checking" forever
            result = ServerResult(profile, False, error=str(isolate(exc, f"The scan of {profile.name}")),
                                  unexpected=True)
        finally:
            state.refreshing = False
        had_credentials = result.had_credentials
        state.result = result
        state.refreshed_at = datetime.now(timezone.utc)
        state.measured_at = started
        state.signed_in = result.reachable and result.auth_error is None and had_credentials
        state.session_ended = result.session_ended
        self.state_signal.publish(profile.name)
        if state.session_ended and profile.name not in self._prompted_relogin:
            self._prompted_relogin.add(profile.name)
            self.sign_in(profile.name, reason="The session ended on the server and could not be renewed. "
                                              "Sign in again to keep scanning.")

    # --- sign in / out ------------------------------------------------------------------------

    def sign_in(self, name: str, reason: str | None = None) -> None:
        release = self.hold_keys()  # the password typed right after `l` belongs in the form
        self.run_worker(self._sign_in(name, reason, release), name=f"sign in {name}", group=f"auth:{name}",
                        exclusive=True, exit_on_error=False)

    async def _ensure_secret_store(self, release=lambda: None) -> bool:
        """Ask once what to do when no keyring can store secrets. False: the operator cancelled."""
        if self._keyring_choice_made:
            return True
        problem = await asyncio.to_thread(self.store.keyring_problem)
        if problem is None:
            self._keyring_choice_made = True
            return True
        release()  # the operator answers this question with keys
        choice = await self.push_screen_wait(KeyringChoiceScreen(problem))
        if choice == "memory":
            self.store.use_memory()
            self._keyring_choice_made = True
            self.notify("Tokens stay in memory until you quit; you will sign in again next time.",
                        title="Memory-only session")
            return True
        return False

    async def _sign_in(self, name: str, reason: str | None, release=lambda: None) -> None:
        profile = self.config.profiles[name]
        try:
            if not await self._ensure_secret_store(release):
                return
        finally:
            release()  # no await between this and the form's push: the next key finds the form
        error: str | None = reason
        while True:
            request: LoginRequest | None = await self.push_screen_wait(LoginForm(profile, message=error))
            if request is None:
                return
            session = self.sessions.get(profile)
            try:
                if request.admin_token:
                    creds = await session.use_admin_token(request.admin_token)
                else:
                    creds = await session.sign_in(request.email, request.password, remember=request.remember)
            except NoKeyringError:
                self._keyring_choice_made = False
                if not await self._ensure_secret_store():
                    return
                error = "Sign in again: the token will be kept in memory."
                continue
            except ConsoleError as exc:
                error = f"{exc.title}: {exc.message}"
                continue
            break
        if request.email and profile.email != request.email:
            profile.email = request.email
            await asyncio.to_thread(self.save_config)
        self._prompted_relogin.discard(name)
        self.notify(sign_in_summary(profile, creds, self.store), title=profile.name)
        self.refresh_profile(name)

    def sign_out(self, name: str) -> None:
        self.run_worker(self._sign_out(name), name=f"sign out {name}", group=f"auth:{name}", exclusive=True,
                        exit_on_error=False)

    async def _sign_out(self, name: str) -> None:
        profile = self.config.profiles[name]
        message = await self.sessions.get(profile).sign_out()  # the same sign-out as the CLI's
        self.notify(message, title=f"{name}: signed out")
        self.refresh_profile(name)

    # --- profiles ----------------------------------------------------------------------------

    def add_or_edit_profile(self, name: str | None = None) -> None:
        existing = self.config.profiles.get(name) if name else None

        def done(profile: Profile | None) -> None:
            if profile is None:
                return
            if existing and existing.name != profile.name:
                self.config.profiles.pop(existing.name, None)
                self.sessions.drop(existing.name)
            self.config.add(profile, replace=True)
            try:
                self.save_config()
            except ConsoleError as exc:
                self.report_error(exc)
                return
            self.state_signal.publish(None)
            self.refresh_profile(profile.name)
            if existing is None:
                self.notify(f"Profile {profile.name} added. Press l to sign in.", title="Profiles")

        self.push_screen(ProfileForm(existing, taken=set(self.config.profiles) - ({name} if name else set())), done)

    def remove_profile(self, name: str) -> None:
        profile = self.config.profiles.get(name)
        if profile is None:
            return

        async def go(confirmed: bool | None) -> None:
            if not confirmed:
                return
            removed = self.config.profiles.pop(name, None)
            try:
                self.save_config()
            except ConsoleError as exc:  # not saved: the profile stays, here and on disk
                if removed is not None:
                    self.config.profiles[name] = removed
                self.report_error(exc)
                return
            self.states.pop(name, None)
            self.state_signal.publish(None)
            self.sessions.drop(name)
            try:
                await asyncio.to_thread(self.store.delete, name)
                await asyncio.to_thread(self.store.delete, end_user_key(name))
            except ConsoleError as exc:
                self.report_error(exc, context=f"Profile {name} removed, but not its keyring entry")
                return
            self.notify(f"Profile {name} removed, with its keyring entry.", title="Profiles")

        self.push_screen(ConfirmScreen(f"Remove profile {name} ({profile.url}) and forget its token?",
                                       confirm_text=name if profile.production else None), go)

    def toggle_write_lock(self, name: str) -> None:
        profile = self.config.profiles.get(name)
        if profile is None:
            return
        if not self.policy.read_only(profile):
            if not profile.default_read_only:  # writable by configuration: w has nothing to lock or unlock
                self.notify(f"{name} is not a production profile: it is writable (RW) as configured, and every "
                            "change still asks for confirmation. w locks and unlocks production profiles only; "
                            "to make this one read-only, edit it (e) and tick Read-only.", title=name, timeout=8)
                return
            self.policy.lock(profile)
            self.notify("Read-only again: no edit key until w unlocks it.", title=f"{name} locked")
            self.state_signal.publish(name)
            return
        if profile.read_only is True and not profile.production:
            self.notify("This profile is configured read-only; edit it to allow writes.", title=name)
            return

        def done(ok: bool | None) -> None:
            if ok:
                self.policy.unlock(profile)
                self.notify("Writes allowed for this session only; every change still asks for confirmation.",
                            title=f"{name} unlocked", severity="warning")
                self.state_signal.publish(name)

        self.push_screen(ConfirmScreen(f"{name} is a production profile. Allow changes for this session?",
                                       confirm_text=name), done)
