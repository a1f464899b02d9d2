"""On call, one screen: what happened on a server (triage) and how to shut its doors (containment).

The top half is the account of the window (``strapi_console.triage``), security events marked ``!``;
``tab`` moves to the containment plan below it, where ``space`` selects a step, ``a`` applies the selected
steps as one journal group after the one confirmation policy (what cannot be undone said first, typed
names for deletions and on production) and ``u`` undoes that group. What the API cannot do is at the top
of the plan. A read-only profile shows everything and offers no apply. The detail line under each list
explains the row under the cursor.

Everything a server sent is shown through :func:`~screens.formatting.plain` (never markup).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from strapi_console import confirmation, containment, engine, journal, paths, triage
from strapi_console.errors import ConsoleError

from . import write_flow
from .confirm import ConfirmScreen
from .formatting import lines, plain
from .key_bar import KeyBar

WINDOWS = (("1h", 3600), ("24h", 86400), ("7d", 7 * 86400))


class TriageScreen(Screen):
    DEFAULT_CSS = """
    TriageScreen #triage-head { height: auto; max-height: 2; }
    TriageScreen #timeline { height: 3fr; }
    TriageScreen #plan { height: 2fr; }
    TriageScreen .detail { height: auto; max-height: 3; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back", id="triage.back"),
        Binding("tab", "switch", "Timeline/plan", id="triage.switch"),
        Binding("space", "toggle", "Select step", id="triage.toggle"),
        Binding("a", "apply", "Apply plan", id="triage.apply"),
        Binding("u", "undo", "Undo group", id="triage.undo"),
        Binding("w", "window", "Window", id="triage.window"),
        Binding("r", "reload", "Reload", id="triage.reload"),
        Binding("x", "export", "Export report", id="triage.export"),
    ]

    def __init__(self, profile_name: str) -> None:
        super().__init__()
        self.profile_name = profile_name
        self.window = 1  # index into WINDOWS: 24h
        self.account: triage.Triage | None = None
        self.plan: containment.Containment | None = None
        self.applied: str | None = None  # the journal group applied from this screen (u undoes it)

    @property
    def profile(self):
        return self.app.config.profiles.get(self.profile_name)

    def read_only(self) -> bool:
        return self.profile is None or self.app.policy.read_only(self.profile)

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Vertical():
            yield Static(id="triage-head")
            yield DataTable(id="timeline", cursor_type="row", zebra_stripes=True)
            yield Static(id="timeline-detail", classes="detail")
            yield DataTable(id="plan", cursor_type="row")
            yield Static(id="plan-detail", classes="detail")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = f"Triage · {self.profile_name}"
        timeline = self.query_one("#timeline", DataTable)
        for key, label in (("mark", ""), ("time", "time"), ("who", "who"), ("action", "action"),
                           ("summary", "what")):
            timeline.add_column(label, key=key)
        plan = self.query_one("#plan", DataTable)
        for key, label in (("sel", ""), ("step", "step"), ("undo", "undo"), ("title", "what it does")):
            plan.add_column(label, key=key)
        self._head(Text("loading… (reads only)", style="dim"))
        timeline.focus()
        self.load()

    def _head(self, text: Text) -> None:
        self.query_one("#triage-head", Static).update(text)

    # --- loading ------------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.load()

    def action_window(self) -> None:
        self.window = (self.window + 1) % len(WINDOWS)
        self.load()

    @work(exclusive=True, group="triage-load", exit_on_error=False)
    async def load(self) -> None:
        profile = self.profile
        if profile is None:
            self._head(Text("this profile no longer exists", style="bold red"))
            return
        label, seconds = WINDOWS[self.window]
        since = datetime.now(timezone.utc) - timedelta(seconds=seconds)
        try:
            async with self.app.session_client(profile) as client:
                account = await triage.gather(client, since=since)
                plan = await containment.build(client)
        except ConsoleError as exc:
            self._head(plain(f"{exc.title}: {exc.message}", "bold red", 400))
            self.app.report_error(exc)
            return
        self.account, self.plan = account, plan
        self._show()

    def _show(self) -> None:
        account, plan = self.account, self.plan
        if account is None or plan is None:
            return
        label = WINDOWS[self.window][0]
        head = Text.assemble(
            plain(account.profile, "bold", 60), " · last ", (label, "bold"), " · ",
            (f"{len(account.alerts)} security event(s)", "bold red" if account.alerts else "green"),
            f" of {len(account.events)} · feed: {account.feed}",
            (" · read-only: the plan is shown, never applied" if self.read_only() else "", "bold yellow"))
        blind = Text("cannot see: ", style="yellow")
        blind.append_text(plain("; ".join(account.blind), "", 600))
        self._head(lines([head, blind]))
        timeline = self.query_one("#timeline", DataTable)
        timeline.clear()
        for i, e in enumerate(account.events):
            timeline.add_row(Text("!", style="bold red") if e.alert else Text(""),
                             plain(e.when("%m-%d %H:%M:%S"), "" if e.exact else "italic", 60),
                             plain(e.who, "", 28), plain(e.action, "bold" if e.alert else "", 28),
                             plain(e.summary, "", 200), key=str(i))
        if not account.events:
            timeline.add_row(Text(""), Text(""), Text(""), Text(""),
                             Text("nothing in the window, within what can be seen (see 'cannot see')", style="dim"))
        self._show_plan()
        self._detail_timeline()

    def _show_plan(self) -> None:
        plan = self.plan
        table = self.query_one("#plan", DataTable)
        row = table.cursor_row
        table.clear()
        table.add_row(Text("!", style="bold yellow"), Text("by hand", style="bold yellow"), Text(""),
                      plain("What the API cannot do: " + ", ".join(m.secret for m in plan.manual), "yellow", 300),
                      key="manual")
        for choice in containment.ordered(plan.choices):
            table.add_row(Text("[x]" if choice.selected else "[ ]", style="bold" if choice.selected else "dim"),
                          plain(choice.id, "", 40),
                          Text("undoable", style="green") if choice.undoable else Text("CANNOT", style="bold red"),
                          plain(choice.title, "", 200), key=choice.id)
        if row < table.row_count:
            table.move_cursor(row=row)

    # --- details ------------------------------------------------------------------------------

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "timeline":
            self._detail_timeline()
        else:
            self._detail_plan()

    def _detail_timeline(self) -> None:
        table = self.query_one("#timeline", DataTable)
        detail = self.query_one("#timeline-detail", Static)
        if self.account is None or not self.account.events or table.row_count == 0:
            detail.update(Text(""))
            return
        event = self.account.events[min(table.cursor_row, len(self.account.events) - 1)]
        parts = [plain(f"{event.when()} · {event.source} · {event.who}", "", 300), plain(event.summary, "", 600)]
        if event.alert:
            parts.append(Text.assemble(("! ", "bold red"), plain(event.alert, "bold", 300),
                                       plain(f"  check {event.finding or '-'} · contain: {event.step or '-'}", "",
                                             200)))
        if event.journal:
            parts.append(plain(f"journal {event.journal}", "cyan", 80))
        detail.update(lines(parts))

    def _detail_plan(self) -> None:
        table = self.query_one("#plan", DataTable)
        detail = self.query_one("#plan-detail", Static)
        if self.plan is None or table.row_count == 0:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key == "manual":
            parts = [plain(f"{m.secret}{' (URGENT: a known default)' if m.urgent else ''}: "
                           + " → ".join(m.steps), "", 500) for m in self.plan.manual]
            detail.update(lines(parts))
            return
        choice = next((c for c in self.plan.choices if c.id == key), None)
        if choice is None:
            return
        parts = [plain(f"why: {choice.why}", "", 400)]
        if not choice.undoable:
            parts.append(plain(f"cannot be undone: {choice.cannot_undo}", "bold red", 400))
        parts += [plain(line, "", 300) for line in choice.lines()[:3]]
        detail.update(lines(parts))

    # --- actions ------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_switch(self) -> None:
        other = "#plan" if self.focused is self.query_one("#timeline") else "#timeline"
        self.query_one(other, DataTable).focus()

    def action_toggle(self) -> None:
        if self.plan is None:
            return
        table = self.query_one("#plan", DataTable)
        if self.focused is not table:
            table.focus()
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        choice = next((c for c in self.plan.choices if c.id == key), None)
        if choice is not None:
            choice.selected = not choice.selected
            self._show_plan()

    def action_apply(self) -> None:
        if self.plan is None or self.profile is None:
            return
        if self.read_only():
            self.notify("Read-only profile: the plan is shown, nothing is sent (w in the server list unlocks it).")
            return
        plan = self.plan.plan()
        if not plan.steps:
            self.notify("No step selected: space selects one.")
            return
        asked = confirmation.for_plan(self.profile, plan, unlocked=True,
                                      title=f"Contain {self.profile.name}: {len(self.plan.selected())} step(s) as "
                                            "one journal group?")

        def done(ok: bool | None) -> None:
            if ok:
                self._apply(plan)

        self.app.push_screen(ConfirmScreen.asking(asked), done)

    @work(exclusive=True, group="triage-write", exit_on_error=False)
    async def _apply(self, plan: engine.Plan) -> None:
        try:
            async with self.app.session_client(self.profile) as client:
                outcome = await engine.apply(client, plan, read_only=self.read_only(), source="contain (tui)")
        except engine.GroupStopped as exc:
            self.applied = exc.applied[0].id if exc.applied else None
            self.app.report_error(exc)
            self.load()
            return
        except ConsoleError as exc:
            self.app.report_error(exc)
            self.load()
            return
        self.applied = outcome.ref
        for name, key in plan.secrets.items():  # a regenerated key, shown once
            self.app.push_screen(ConfirmScreen(Text.assemble(f"New {name}, shown once — copy it now:\n\n",
                                                             (key, "bold"))))
        plan.secrets.clear()
        for warning in outcome.warnings:
            self.notify(warning, title="Another change landed", severity="warning", timeout=20)
        self.notify(f"{len(outcome.entries)} step(s) applied and verified (journal {outcome.ref}); u undoes the "
                    "undoable ones.", title=self.profile.name)
        self.load()
        self.app.refresh_profile(self.profile_name)

    def action_undo(self) -> None:
        if self.profile is None:
            return
        entry_id = self.applied
        entry = journal.get(entry_id) if entry_id else journal.last_undoable(self.profile.name)
        if entry is None:
            self.notify("Nothing to undo for this server.")
            return
        self._plan_undo(entry)

    @work(exclusive=True, group="triage-write", exit_on_error=False)
    async def _plan_undo(self, entry: journal.Entry) -> None:
        try:
            plan = await write_flow.plan_undo(self.app, self.profile, entry, read_only=self.read_only())
        except ConsoleError as exc:
            self.app.report_error(exc)
            return
        write_flow.confirm(self.app, self.profile, plan, f"Undo {entry.id} and its group? (now → after undo)",
                           lambda: self._undo(plan))

    @work(exclusive=True, group="triage-write", exit_on_error=False)
    async def _undo(self, plan: engine.Plan) -> None:
        try:
            outcome = await write_flow.apply(self.app, self.profile, plan, read_only=self.read_only(), source="undo")
        except ConsoleError as exc:
            self.app.report_error(exc)
            return
        self.applied = None
        kept = f"; kept (cannot be undone): {len(plan.kept)}" if plan.kept else ""
        self.notify(f"Undone and verified (journal {outcome.ref}){kept}.", title=self.profile.name)
        self.load()
        self.app.refresh_profile(self.profile_name)

    def action_export(self) -> None:
        if self.account is None:
            return
        from strapi_console.files import write_private

        folder = paths.data_dir() / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        path = folder / f"triage-{self.profile_name}-{stamp}.md"
        write_private(str(path), triage.markdown(self.account))
        self.notify(f"Incident report written to {path}", title="Exported")
