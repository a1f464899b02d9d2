"""One server's findings (the same checks as `scan`), worst first, with evidence and fix one key away."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from strapi_console import confirmation, engine, paths, targets
from strapi_console.checks.registry import FAMILIES, SEVERITIES, Finding, Panel, for_panel
from strapi_console.display import safe
from strapi_console.errors import ConsoleError
from strapi_console.files import write_private

from .confirm import ConfirmScreen
from .formatting import lines, plain, status_text
from .key_shown import KeyShownScreen
from .key_bar import KeyBar
from .layout import Column, cut, fit, set_columns, table_room

ORDER = {"fail": 0, "warn": 1, "error": 2, "skip": 3, "info": 4, "pass": 5}


def choose(findings: list[Finding], panel: Panel | None) -> list[Finding]:
    """What a findings list shows: every finding worst first, or a panel's own checks (as the registry
    says) grouped by family in the catalog's order, worst first within each family."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    family = {fam: i for i, fam in enumerate(FAMILIES)}
    if panel is None:
        chosen, group = list(findings), (lambda f: 0)
    else:
        ids = {s.id for s in for_panel(panel)}
        chosen, group = [f for f in findings if f.check_id in ids], (lambda f: family[f.check_id.split("-")[0]])
    return sorted(chosen, key=lambda f: (group(f), ORDER[f.status], rank[f.severity], f.check_id))


@dataclass
class WriteShown:
    """A fix confirmed on this screen, as its row and detail show it until the next scan result arrives:
    "applying" from the confirmation on, then "verified" from the journal entry the write returns (the
    server read back), or "failed" with the reason."""
    phase: str  # "applying" | "verified" | "failed"
    started: datetime
    text: str = ""


WRITE_CELL = {"applying": ("… applying", "bold cyan"), "verified": ("✓ fixed", "bold green")}
SEVERITY_SHORT = {"critical": "crit", "high": "high", "medium": "med", "low": "low", "info": "info"}
# At 80 columns the check ID gives way (the detail pane starts with it) so that the finding reads.
COLUMNS = [Column("family", "Fam.", 4, rank=2), Column("status", "Status", 10), Column("sev", "Sev", 4),
           Column("id", "Check", 24, rank=1), Column("title", "Finding", 44, flex=True)]
LABELS = {c.key: c.label for c in COLUMNS}


def clock(when: datetime | None) -> str:
    return when.astimezone().strftime("%H:%M:%S") if when else ""


class ServerDetailScreen(Screen):
    BINDING_GROUP_TITLE = "Findings"
    # in the order the key bar shows them: what acts on a finding first, short labels (80 columns)
    BINDINGS = [
        Binding("f", "apply_fix", "Fix", id="detail.apply"),
        Binding("r", "refresh", "Rescan", id="detail.refresh"),
        Binding("z", "zoom", "Zoom", id="detail.zoom"),
        Binding("c", "copy_fix", "Copy", id="detail.copy"),
        Binding("g", "regenerate", "Regen tokens", id="detail.regenerate"),
        Binding("A", "aggressive", "Aggressive", id="detail.aggressive"),
        Binding("o", "save_fix", "Save snippet", id="detail.save"),
        Binding("escape", "back", "Back", id="detail.back"),
    ]
    panel: Panel | None = None  # None: every finding, worst first; else the checks the registry puts on this panel

    def __init__(self, name: str | None) -> None:
        super().__init__()
        self.profile_name = name
        self.writes: dict[str, WriteShown] = {}  # check id → the fix confirmed here, until the next scan

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Vertical():
            yield Static(id="detail-head")
            yield DataTable(id="findings", cursor_type="row")
            with VerticalScroll(id="finding-pane"):
                yield Static(id="finding-detail")
        yield KeyBar()

    def initial_profile(self) -> str | None:
        return self.profile_name

    def panel_title(self) -> str:
        return f"findings · {self.profile_name}"

    def on_mount(self) -> None:
        self.profile_name = self.initial_profile()
        self.sub_title = self.panel_title()
        table = self.query_one(DataTable)
        self._fit_columns()
        self.app.state_signal.subscribe(self, self._on_state)
        self.query_one("#detail-head", Static).update("loading…")
        self.call_after_refresh(self._fill)  # the screen's first frame first, then the findings
        table.focus()

    def _on_state(self, name: str | None) -> None:
        if name == self.profile_name:
            self._fill()

    def _fit_columns(self) -> bool:
        columns = [c for c in COLUMNS if self.panel or c.key != "family"]
        self.shown = fit(columns, table_room(self.app.size.width))
        return set_columns(self.query_one(DataTable), self.shown, LABELS)

    def on_resize(self) -> None:
        keep = self._current()
        if self._fit_columns():
            self._fill()
            table = self.query_one(DataTable)
            if keep in table.rows:
                table.move_cursor(row=table.get_row_index(keep))

    def _findings(self):
        result = self.app.state(self.profile_name).result
        if result is None:
            return None, []
        return result, choose(result.findings, self.panel)

    def _fill(self) -> None:
        result, findings = self._findings()
        head = self.query_one("#detail-head", Static)
        profile = self.app.config.profiles.get(self.profile_name)
        if self.profile_name is None:
            head.update("No server selected: pick one in the server list (1) or with : server NAME.")
            return
        if result is None:
            head.update("refreshing…")
            return
        grades = result.grades  # computed once, at the end of the scan
        summary = grades.summary(plain_http=bool(profile and profile.url.startswith("http://"))) if grades else ""
        first = Text.assemble((safe(self.profile_name, 60), "bold"), " ", safe(profile.url if profile else "", 120),
                              f" · {safe(summary, 400)}" if summary else "")
        if grades and grades.overall:
            first.append_text(Text.assemble(" → ", (safe(grades.overall, 8), "bold")))
        if self.profile_name in self.app.aggressive:
            first.append_text(Text.assemble(" · ", ("aggressive probes on", "bold magenta")))
        shown = [first, self._scan_line()]
        if result.error:
            shown.append(plain(result.error, "red", 400))
        if result.auth_error:
            shown.append(plain(result.auth_error, "yellow", 400))
        head.update(lines(shown))
        self._forget_settled_writes()
        table = self.query_one(DataTable)
        keys = [f.check_id for f in findings]
        with self.app.batch_update():
            for row_key in list(table.rows):
                if str(row_key.value) not in keys:
                    table.remove_row(row_key)
            for f in findings:
                cells = {"family": Text(f.check_id.split("-")[0]), "status": self._status_cell(f),
                         "sev": Text(SEVERITY_SHORT.get(f.severity, f.severity)), "id": plain(f.check_id, limit=40),
                         "title": cut(plain(f.title, limit=200), self.shown["title"])}
                cells = {k: cells[k] for k in self.shown}
                if f.check_id in table.rows:
                    for col, value in cells.items():
                        table.update_cell(f.check_id, col, value)
                else:
                    table.add_row(*cells.values(), key=f.check_id)
        self._show(self._current())

    def _scan_line(self) -> Text:
        """When these findings were measured, and whether a rescan is running (shown the moment it starts)."""
        state = self.app.state(self.profile_name)
        line = Text(f"scanned {clock(state.refreshed_at)}" if state.refreshed_at else "", style="dim")
        if state.refreshing:
            line.append_text(Text.assemble(" · " if line else "", ("↻ rescanning…", "bold cyan"),
                                           " (the rows update when it ends)"))
        else:
            line.append(" · r rescans" if line else "r rescans")
        return line

    def _status_cell(self, finding) -> Text:
        shown = self.writes.get(finding.check_id)
        if shown and shown.phase in WRITE_CELL:
            return Text(*WRITE_CELL[shown.phase])
        return status_text(finding.status)

    def _forget_settled_writes(self) -> None:
        """A scan result measured after a verified write speaks for that row again."""
        state = self.app.state(self.profile_name)
        if state.measured_at is None:
            return
        for check_id, shown in list(self.writes.items()):
            if shown.phase != "applying" and state.measured_at > shown.started:
                del self.writes[check_id]

    def _current(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show(str(event.row_key.value) if event.row_key else None)

    def _show(self, check_id: str | None) -> None:
        pane = self.query_one("#finding-detail", Static)
        result, findings = self._findings()
        finding = next((f for f in findings if f.check_id == check_id), None)
        if finding is None:
            pane.update("")
            return
        d = finding.to_dict()  # redacted, exactly as `scan` reports it
        # evidence is JSON with every non-ASCII character escaped; the rest is server text made safe
        parts = [Text.assemble((safe(d["check_id"], 40), "bold"), " ", safe(d["title"], 300))]
        shown = self.writes.get(finding.check_id)
        if shown:
            parts.insert(0, self._write_line(shown))
        if d.get("reason"):
            parts.append(plain(f"reason: {d['reason']}", limit=1000, multiline=True))
        if d.get("fix"):  # the fix before the evidence: what to do shows without scrolling
            fix = d["fix"]
            parts.append(Text.assemble(("fix", "bold"), f" ({safe(fix.get('kind'), 40)}): ",
                                       safe(fix.get("summary", ""), 1000, multiline=True)))
            if fix.get("snippet"):
                parts.append(plain(fix["snippet"], limit=5000, multiline=True))
            keys = [k for k, ok in (("f applies it", finding.plan is not None and self.check_action("apply_fix", ())),
                                    ("c copies the snippet", bool(fix.get("snippet")))) if ok]
            if keys:
                parts.append(Text(" · ".join(keys), style="dim"))
        if d.get("evidence"):
            parts.append(plain("evidence:\n" + json.dumps(d["evidence"], indent=2), limit=20000, multiline=True))
        for ref in d.get("references", []):
            parts.append(plain(f"see: {ref}", limit=300))
        pane.update(lines(parts))

    def _write_line(self, shown: WriteShown) -> Text:
        if shown.phase == "applying":
            return Text.assemble(("… applying", "bold cyan"), f" (confirmed {clock(shown.started)}): writing, then "
                                 "reading it back from the server")
        if shown.phase == "verified":
            return Text.assemble(("✓ written and verified", "bold green"), " ", safe(shown.text, 600),
                                 " · the next scan confirms the finding")
        return Text.assemble(("✗ not applied", "bold red"), ": ", safe(shown.text, 600, multiline=True))

    def _set_write(self, check_id: str, shown: WriteShown) -> None:
        self.writes[check_id] = shown
        if self.is_attached:
            self._fill()

    def action_zoom(self) -> None:
        """The detail pane takes the screen (z again, or esc, gives the list back)."""
        self.set_class(not self.has_class("zoomed"), "zoomed")
        pane = self.query_one("#finding-pane")
        if self.has_class("zoomed"):
            pane.focus()
        else:
            self.query_one(DataTable).focus()

    def action_back(self) -> None:
        if self.has_class("zoomed"):
            self.action_zoom()
            return
        self.app.pop_screen()

    def action_copy_fix(self) -> None:
        """Copy the config snippet of the highlighted finding (OSC 52, where the terminal supports it)."""
        result, findings = self._findings()
        finding = next((f for f in findings if f.check_id == self._current()), None)
        snippet = ((finding.to_dict().get("fix") or {}).get("snippet")) if finding else None
        if not snippet:
            self.notify("This finding has no config snippet to copy.")
            return
        self.app.copy_to_clipboard(snippet)
        self.notify(f"Snippet for {(finding.fix or {}).get('file', 'the config')} copied (OSC 52).",
                    title=finding.check_id)

    def _highlighted(self):
        result, findings = self._findings()
        return next((f for f in findings if f.check_id == self._current()), None)

    def action_save_fix(self) -> None:
        """Write the highlighted finding's config snippet to a file in the data dir (mode 0600)."""
        finding = self._highlighted()
        snippet = ((finding.to_dict().get("fix") or {}).get("snippet")) if finding else None
        if not snippet:
            self.notify("This finding has no config snippet to save.")
            return
        target = paths.data_dir() / "snippets" / f"{self.profile_name}-{finding.check_id}.txt"
        fix = finding.to_dict()["fix"]
        write_private(target, f"# {finding.check_id}: {fix.get('summary', '')}\n# file: {fix.get('file', '?')}\n"
                              f"{snippet}\n")
        self.notify(f"Written to {target}", title=finding.check_id)

    def check_action(self, action: str, parameters) -> bool | None:
        if action in ("apply_fix", "regenerate"):
            profile = self.app.config.profiles.get(self.profile_name) if self.profile_name else None
            return profile is not None and not self.app.policy.read_only(profile)  # read-only: no edit key at all
        return True

    def action_apply_fix(self) -> None:
        finding = self._highlighted()
        if finding is None or finding.plan is None:
            self.notify("The highlighted finding has no fix the console can apply through the API.")
            return
        self._confirm_plan(finding, finding.plan)

    def action_regenerate(self) -> None:
        """Instead of deleting the tokens a TOK finding names, give them new keys (shown once)."""
        finding = self._highlighted()
        plan = targets.regeneration_of(finding.plan if finding else None)
        if plan is None:
            self.notify("The highlighted finding names no API or transfer token to regenerate.")
            return
        self._confirm_plan(finding, plan)

    def _confirm_plan(self, finding, plan) -> None:
        profile = self.app.config.profiles.get(self.profile_name)
        if profile is None:
            return
        asked = confirmation.for_plan(profile, plan, unlocked=True, title=f"{finding.check_id}: apply to {profile.name}?")

        def done(ok: bool | None) -> None:
            if ok:
                self._set_write(finding.check_id, WriteShown("applying", datetime.now(timezone.utc)))
                self._apply(plan, finding.check_id)

        self.app.push_screen(ConfirmScreen.asking(asked), done)

    @work(exclusive=True, group="detail-write", exit_on_error=False)
    async def _apply(self, plan, check_id: str) -> None:
        profile = self.app.config.profiles.get(self.profile_name)
        try:
            async with self.app.session_client(profile) as client:
                outcome = await engine.apply(client, plan, read_only=self.app.policy.read_only(profile),
                                             source=f"tui fix {check_id}")
        except ConsoleError as exc:
            self._set_write(check_id, WriteShown("failed", datetime.now(timezone.utc),
                                                 f"{exc.title}: {exc.message}" + (f" {exc.hint}" if exc.hint else "")))
            self.app.report_error(exc)
            return
        finally:
            for name, key in plan.secrets.items():  # shown once, even when a later step failed
                self.app.push_screen(KeyShownScreen(name, key))
            plan.secrets.clear()  # not kept in memory longer than needed
        for warning in outcome.warnings:
            self.notify(warning, title="Another change landed", severity="warning", timeout=20)
        undo = "u in panel 3 or `journal undo` undoes it" if plan.undoable else "cannot be undone"
        # the row changes now, from the write the server confirmed; the rescan below settles the rest
        lines = [line for entry in outcome.entries for line in entry.describe()]
        self._set_write(check_id, WriteShown("verified", datetime.now(timezone.utc),
                                             f"(journal {outcome.ref}): " + "; ".join(lines) + f"; {undo}."))
        self.notify(f"Written and verified (journal {outcome.ref}); {undo}.", title=check_id)
        self.app.refresh_profile(self.profile_name)

    def action_aggressive(self) -> None:
        profile = self.app.config.profiles.get(self.profile_name) if self.profile_name else None
        if profile is None:
            return
        asked = None if self.profile_name in self.app.aggressive else confirmation.for_probes(profile)
        if asked is None:
            self._toggle_aggressive()
            return
        self.app.push_screen(ConfirmScreen.asking(asked), lambda ok: self._toggle_aggressive() if ok else None)

    def _toggle_aggressive(self) -> None:
        if self.profile_name:
            on = self.app.toggle_aggressive(self.profile_name)
            self.notify("Aggressive probes on: failed sign-ins with made-up identities and a deep GraphQL query are "
                        "sent on each rescan." if on else "Aggressive probes off.", title=self.profile_name)

    def action_refresh(self) -> None:
        self.app.refresh_profile(self.profile_name)
