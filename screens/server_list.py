"""Panel 1: the fleet. One row per server (overall grade, failed checks by severity, the worst finding,
the audit tail, the age of the last scan), worst first, updated cell by cell as refreshes finish."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static

from strapi_console.config import Profile

from strapi_console.scoring import GRADE_ORDER

from strapi_console.display import safe

from .formatting import age, counts_text, grade_text, lines, plain, state_text, tail_text
from .key_bar import KeyBar
from .layout import Column, fit, set_columns, table_room

# At 80 columns the edition, then the version, then the worst check give way (the detail pane below the
# list says all three); the state, grade, failures, mode, tail and age of every server always show.
COLUMNS = [Column("name", "Server", 12), Column("state", "State", 13), Column("grade", "Grade", 5),
           Column("fails", "Failed", 11), Column("worst", "Worst", 21, rank=1), Column("version", "Version", 10, rank=2),
           Column("edition", "Ed.", 3, rank=3), Column("lock", "Mode", 4), Column("tail", "Tail", 6),
           Column("age", "Seen", 4)]
LABELS = {c.key: c.label for c in COLUMNS}
PANELS_TITLE = "1 Servers · 2 Versions · 3 Permissions · 4 Audit · 5 HTTPS"
PANELS_TITLE_NARROW = "1 Servers 2 Versions 3 Perms 4 Audit 5 HTTPS"


class ServerListScreen(Screen):
    BINDING_GROUP_TITLE = "Servers"
    BINDINGS = [
        Binding("enter", "open", "Open", id="servers.open"),
        Binding("d", "findings", "Findings", id="servers.findings"),
        Binding("t", "triage", "Triage", id="servers.triage"),
        Binding("s", "sort", "Sort", id="servers.sort"),
        Binding("r", "refresh", "Refresh", id="servers.refresh"),
        Binding("R", "refresh_all", "Refresh all", key_display="R", id="servers.refresh-all"),
        Binding("l", "sign_in", "Sign in", id="servers.sign-in"),
        Binding("o", "sign_out", "Sign out", id="servers.sign-out"),
        Binding("a", "add", "Add", id="servers.add"),
        Binding("e", "edit", "Edit", id="servers.edit"),
        Binding("ctrl+d", "remove", "Remove", id="servers.remove"),
        Binding("w", "toggle_lock", "Lock/unlock", id="servers.lock"),
        Binding("slash", "filter", "Filter", key_display="/", id="servers.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="servers.escape"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Vertical(id="servers-body"):
            yield Input(placeholder="filter servers (name, URL, tag, state) — esc clears", id="filter")
            yield DataTable(id="servers", cursor_type="row", zebra_stripes=True)
            yield Static(id="server-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        self._fit_columns()
        self.query_one("#filter", Input).display = False
        self.app.state_signal.subscribe(self, self._on_state)
        self.set_interval(30, self._tick_ages)
        self.set_interval(1, self._tick_running)
        self.sync_rows()
        table.focus()

    # --- columns: by priority, for the terminal's width ---------------------------------------------

    def _fit_columns(self) -> bool:
        width = self.app.size.width
        # the title bar names all five panels at 80 columns too
        self.sub_title = PANELS_TITLE if width >= 100 else PANELS_TITLE_NARROW
        names = [len(p.name) + (6 if p.is_plain_http and not p.is_loopback else 0) for p in self.app.profiles()]
        columns = [Column(c.key, c.label, max(6, min(20, max(names, default=6))), c.rank) if c.key == "name" else c
                   for c in COLUMNS]
        self.shown = fit(columns, table_room(width))
        return set_columns(self.query_one(DataTable), self.shown, LABELS)

    def on_resize(self) -> None:
        keep = self.selected()
        if self._fit_columns():
            self.sync_rows()
            if keep:
                self.select(keep)

    # --- rows: diff, never rebuild ----------------------------------------------------------

    @property
    def table(self) -> DataTable:
        return self.query_one(DataTable)

    def _visible(self) -> list[Profile]:
        needle = self.query_one("#filter", Input).value.strip().lower()
        profiles = self.app.profiles()
        if not needle:
            return profiles
        out = []
        for p in profiles:
            hay = " ".join([p.name, p.url, *p.tags, state_text(self.app.state(p.name), p).plain]).lower()
            if needle in hay:
                out.append(p)
        return out

    def _cells(self, profile: Profile) -> dict[str, object]:
        state = self.app.state(profile.name)
        result = state.result
        info = result.info if result else None
        read_only = self.app.policy.read_only(profile)
        lock = Text("RO" if read_only else "RW", style="bold yellow" if read_only else "")
        name = plain(profile.name, "bold", 60)
        if profile.is_plain_http and not profile.is_loopback:
            name.append(" ⚠http", style="bold red")
        return {
            "name": name,
            "state": state_text(state, profile),
            "grade": grade_text(result),
            "fails": counts_text(result) if result and result.reachable else Text(""),
            "worst": _worst(result),
            "version": plain((info.version_hint or "?") if info and info.reachable else "", limit=24),
            "edition": Text({"community": "CE", "enterprise": "EE"}.get(info.edition or "", "") if info else ""),
            "lock": lock,
            "tail": tail_text(self.app.tail_status.get(profile.name)),
            "age": Text(age(state.refreshed_at)),
        }

    # --- worst first ------------------------------------------------------------------------------

    worst_first = True

    def _rank(self, name: str) -> tuple:
        """Unreachable first, then by overall grade (F first), then by failed checks; unscanned last."""
        result = self.app.state(name).result
        if result is None:
            return (3, 0, 0, 0, 0, name)
        if not result.reachable or result.error:
            return (0, 0, 0, 0, 0, name)
        grade = result.overall
        if grade is None:
            return (2, 0, 0, 0, 0, name)
        counts = result.counts()
        return (1, -GRADE_ORDER.index(grade), -counts["critical"], -counts["high"], -counts["medium"], name)

    def _resort(self) -> None:
        table = self.table
        names = [str(k.value) for k in table.rows]
        order = sorted(names, key=self._rank if self.worst_first else (lambda n: n))
        current = [str(row.key.value) for row in table.ordered_rows]
        if order == current:
            return
        keep = self.selected()
        position = {name: i for i, name in enumerate(order)}
        table.sort("name", key=lambda cell: position.get(_plain(cell).split(" ")[0], 0))
        if keep:
            self.select(keep)

    def sync_rows(self) -> None:
        table = self.table
        visible = self._visible()
        wanted = [p.name for p in visible]
        existing = [str(k.value) for k in table.rows]
        with self.app.batch_update():
            for name in existing:
                if name not in wanted:
                    table.remove_row(name)
            for profile in visible:
                if profile.name in table.rows:
                    self._update_row(profile)
                else:
                    cells = self._cells(profile)
                    table.add_row(*(cells[k] for k in self.shown), key=profile.name)
            self._resort()
        self._show_detail()
        if not self.app.profiles():
            self.query_one("#server-detail", Static).update(Text.assemble(
                "No servers yet. Press ", ("a", "bold"), " to add one, or run ", ("strapi-console demo", "bold"),
                " for a bundled demo server."))

    def _on_state(self, name: str | None) -> None:
        if name is None:
            self._fit_columns()  # the list changed: a longer name may need a wider column
        if name is None or name not in self.table.rows:
            self.sync_rows()
            return
        profile = self.app.config.profiles.get(name)
        if profile is None:
            self.sync_rows()
            return
        self._update_row(profile)
        self._resort()
        if self.selected() == name:
            self._show_detail()

    def _update_row(self, profile: Profile) -> None:
        """Touch only the cells whose text changed (the table is updated by diff, never rebuilt)."""
        for key, value in self._cells(profile).items():
            if key in self.shown and _plain(self.table.get_cell(profile.name, key)) != _plain(value):
                self.table.update_cell(profile.name, key, value)

    def _tick_running(self) -> None:
        """The running time of scans in progress, once a second (only their state cells are touched)."""
        for row_key in list(self.table.rows):
            name = str(row_key.value)
            state = self.app.state(name)
            profile = self.app.config.profiles.get(name)
            if state.refreshing and profile is not None:
                self.table.update_cell(name, "state", state_text(state, profile), update_width=True)

    def _tick_ages(self) -> None:
        for row_key in list(self.table.rows):
            name = str(row_key.value)
            self.table.update_cell(name, "age", Text(age(self.app.state(name).refreshed_at)))

    # --- selection and detail -----------------------------------------------------------------

    def selected(self) -> str | None:
        table = self.table
        if table.row_count == 0:
            return None
        try:
            return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        except Exception:
            return None

    def select(self, name: str) -> None:
        if name in self.table.rows:
            self.table.move_cursor(row=self.table.get_row_index(name))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None:
            self.app.select_profile(str(event.row_key.value))
        self._show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def _show_detail(self) -> None:
        name = self.selected()
        detail = self.query_one("#server-detail", Static)
        if name is None:
            needle = self.query_one("#filter", Input).value.strip()
            detail.update(Text.assemble(f"No server matches '{safe(needle, 60)}' (name, URL, tag, state) — ",
                                        ("esc", "bold"), " clears the filter") if needle and self.app.profiles()
                          else Text(""))
            return
        profile = self.app.config.profiles.get(name)
        if profile is None:
            return
        state = self.app.state(name)
        shown = [Text.assemble((safe(profile.name, 60), "bold"), "  ", safe(profile.url, 120),
                               f"  tags: {safe(', '.join(profile.tags), 120)}" if profile.tags else "")]
        if profile.is_plain_http and not profile.is_loopback:
            shown.append(Text("⚠ plain HTTP to a remote host: tokens cross the network unencrypted", style="bold red"))
        result = state.result
        if result is not None:
            if result.error:
                shown.append(plain(result.error, "red", 400))
            elif result.auth_error:
                shown.append(Text.assemble((safe(result.auth_error, 300), "yellow"), "  press ", ("l", "bold"),
                                           " to sign in"))
            if result.cut:
                shown.append(Text.assemble((f"incomplete: {safe(result.cut, 300)}", "yellow"),
                                           " (the checks it cut show as errors)"))
            worst = result.worst()
            if worst:
                shown.append(plain(f"worst: {worst.status.upper()} {worst.severity} {worst.check_id} — {worst.title}",
                                   limit=200))
            info = result.info
            if info and info.reachable:
                edition = {"community": " CE", "enterprise": " EE"}.get(info.edition or "", "")
                env = f" · {info.environment}" if info.environment else ""
                node = f" · node {info.node_version}" if info.node_version else ""
                took = f" in {result.duration:.1f} s" if result.duration else ""
                shown.append(plain(f"Strapi {info.version_hint or '?'}{edition}{env}{node} · {result.request_count} "
                                   f"requests{took} · d: all findings", limit=200))
        elif state.refreshing:
            shown.append(Text("refreshing…"))
        detail.update(lines(shown))

    # --- actions ------------------------------------------------------------------------------

    def action_open(self) -> None:
        """Open the server in the panel the operator came from (k9s-style), else its findings."""
        name = self.selected()
        if name and not self.app.open_in_last_panel(name):
            self.action_findings()

    def action_findings(self) -> None:
        name = self.selected()
        if name:
            from .server_detail import ServerDetailScreen

            self.app.push_screen(ServerDetailScreen(name))

    def action_triage(self) -> None:
        name = self.selected()
        if name:
            self.app.open_triage(name)

    def action_sort(self) -> None:
        self.worst_first = not self.worst_first
        self._resort()
        self.notify("Sorted worst first" if self.worst_first else "Sorted by name")

    def _on_selected(self, fn) -> None:
        name = self.selected()
        if name:
            fn(name)

    def action_refresh(self) -> None:
        self._on_selected(self.app.refresh_profile)

    def action_refresh_all(self) -> None:
        self.app.refresh_all()

    def action_sign_in(self) -> None:
        self._on_selected(self.app.sign_in)

    def action_sign_out(self) -> None:
        self._on_selected(self.app.sign_out)

    def action_add(self) -> None:
        self.app.add_or_edit_profile(None)

    def action_edit(self) -> None:
        self._on_selected(self.app.add_or_edit_profile)

    def action_remove(self) -> None:
        self._on_selected(self.app.remove_profile)

    def action_toggle_lock(self) -> None:
        self._on_selected(self.app.toggle_write_lock)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.value or box.display:
            box.value = ""
            box.display = False
            self.sync_rows()
            self.table.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.sync_rows()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.table.focus()
            if not event.value:
                event.input.display = False


def _worst(result) -> Text:
    worst = result.worst() if result and result.reachable else None
    if worst is None:
        return Text("")
    return Text(worst.check_id, style="bold red" if worst.status == "fail" and worst.severity in (
        "critical", "high") else "yellow")


def _plain(value: object) -> str:
    return value.plain if isinstance(value, Text) else str(value)


