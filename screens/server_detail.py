"""One server's findings (the same checks as `scan`), worst first, with evidence and fix one key away."""

from __future__ import annotations

import dataclasses
import json

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from strapi_console import paths
from strapi_console.checks.registry import SEVERITIES
from strapi_console.errors import ConsoleError
from strapi_console.files import write_private
from strapi_console.token_fixes import TokenPlan
from strapi_console.writes import apply_plan

from .confirm import ConfirmScreen
from .formatting import status_text
from .key_shown import KeyShownScreen
from .key_bar import KeyBar

ORDER = {"fail": 0, "warn": 1, "error": 2, "skip": 3, "info": 4, "pass": 5}


class ServerDetailScreen(Screen):
    CSS_PATH = "server_detail.tcss"  # loaded with the screen, not before the first frame
    BINDING_GROUP_TITLE = "Findings"
    BINDINGS = [
        Binding("escape", "back", "Back", id="detail.back"),
        Binding("r", "refresh", "Rescan", id="detail.refresh"),
        Binding("c", "copy_fix", "Copy fix", id="detail.copy"),
        Binding("o", "save_fix", "Snippet to file", id="detail.save"),
        Binding("f", "apply_fix", "Apply fix", id="detail.apply"),
        Binding("g", "regenerate", "Regenerate tokens", id="detail.regenerate"),
        Binding("A", "aggressive", "Aggressive probes", id="detail.aggressive"),
    ]
    families: tuple[str, ...] | None = None  # None: every finding, worst first; else grouped in this order
    auth_ids: tuple[str, ...] = ()

    def __init__(self, name: str | None) -> None:
        super().__init__()
        self.profile_name = name

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
        columns = (("status", "Status"), ("sev", "Severity"), ("id", "Check"), ("title", "Finding"))
        if self.families:
            columns = (("family", "Family"),) + columns
        for key, label in columns:
            table.add_column(label, key=key)
        self.app.state_signal.subscribe(self, self._on_state)
        self._fill()
        table.focus()

    def _on_state(self, name: str | None) -> None:
        if name == self.profile_name:
            self._fill()

    def _findings(self):
        result = self.app.state(self.profile_name).result
        if result is None:
            return None, []
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        chosen = [f for f in result.findings if self.families is None or (
            f.check_id.split("-")[0] in self.families and (not f.check_id.startswith("AUTH-")
                                                             or f.check_id in self.auth_ids))]
        group = {fam: i for i, fam in enumerate(self.families or ())}
        return result, sorted(chosen, key=lambda f: (group.get(f.check_id.split("-")[0], 0), ORDER[f.status],
                                                     rank[f.severity], f.check_id))

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
        posture = result.posture
        grade = (posture.grade or f"n/a (coverage {round(posture.coverage * 100)}%)") if posture else "—"
        cap = f" · cap {posture.cap} ({posture.cap_reason})" if posture and posture.cap else ""
        web = result.web
        web_text = f"Web {web.grade} {web.score} · " if web else ("Web n/a (plain HTTP) · " if profile and
                                                                   not profile.url.startswith("https") else "")
        tls = result.tls
        tls_text = f"TLS {tls[0]} · " if tls else ""
        aggressive = " · [b magenta]aggressive probes on[/]" if self.profile_name in self.app.aggressive else ""
        lines = [f"[b]{self.profile_name}[/b] {profile.url if profile else ''} · {web_text}{tls_text}posture {grade}"
                 + (f" {posture.score}" if posture else "") + cap
                 + (f" → [b]{result.overall}[/b]" if result.overall else "") + aggressive]
        if result.error:
            lines.append(f"[red]{escape(result.error)}[/]")
        if result.auth_error:
            lines.append(f"[yellow]{escape(result.auth_error)}[/]")
        head.update("\n".join(lines))
        table = self.query_one(DataTable)
        keys = [f.check_id for f in findings]
        with self.app.batch_update():
            for row_key in list(table.rows):
                if str(row_key.value) not in keys:
                    table.remove_row(row_key)
            for f in findings:
                cells = {"status": status_text(f.status), "sev": f.severity, "id": f.check_id, "title": f.title}
                if self.families:
                    cells = {"family": f.check_id.split("-")[0], **cells}
                if f.check_id in table.rows:
                    for col, value in cells.items():
                        table.update_cell(f.check_id, col, value, update_width=True)
                else:
                    table.add_row(*cells.values(), key=f.check_id)
        self._show(self._current())

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
        parts = [f"[b]{escape(d['check_id'])}[/b] {escape(d['title'])}"]
        if d.get("reason"):
            parts.append(f"reason: {escape(d['reason'])}")
        if d.get("evidence"):
            parts.append("evidence:\n" + escape(json.dumps(d["evidence"], indent=2)))
        if d.get("fix"):
            fix = d["fix"]
            parts.append(f"fix ({fix.get('kind')}): {escape(fix.get('summary', ''))}")
            if fix.get("snippet"):
                parts.append(escape(fix["snippet"]))
        for ref in d.get("references", []):
            parts.append(f"see: {escape(ref)}")
        pane.update("\n".join(parts))

    def action_back(self) -> None:
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
        plan = finding.plan if finding else None
        if not isinstance(plan, TokenPlan) or any(a.kind == "admin" for a in plan.actions):
            self.notify("The highlighted finding names no API or transfer token to regenerate.")
            return
        self._confirm_plan(finding, TokenPlan([dataclasses.replace(a, action="regenerate") for a in plan.actions]))

    def _confirm_plan(self, finding, plan) -> None:
        profile = self.app.config.profiles.get(self.profile_name)
        if profile is None:
            return
        typed = getattr(plan, "confirm_text", None) or (profile.name if profile.production else None)
        question = f"{finding.check_id}: apply to {profile.name}?\n\n" + "\n".join(plan.describe())

        def done(ok: bool | None) -> None:
            if ok:
                self._apply(plan, finding.check_id)

        self.app.push_screen(ConfirmScreen(question, confirm_text=typed), done)

    @work(exclusive=True, group="detail-write", exit_on_error=False)
    async def _apply(self, plan, check_id: str) -> None:
        profile = self.app.config.profiles.get(self.profile_name)
        try:
            async with self.app.session_client(profile) as client:
                entry = await apply_plan(client, plan, read_only=self.app.policy.read_only(profile),
                                         source=f"tui fix {check_id}")
        except ConsoleError as exc:
            self.app.report_error(exc)
            return
        undo = "u in panel 3 or `journal undo` undoes it" if entry.extra.get("undoable", True) else "cannot be undone"
        self.notify(f"Written and verified (journal {entry.id}); {undo}.", title=check_id)
        for name, key in getattr(plan, "new_keys", {}).items():
            self.app.push_screen(KeyShownScreen(name, key))
        if hasattr(plan, "new_keys"):
            plan.new_keys.clear()  # shown once; not kept in memory longer than needed
        self.app.refresh_profile(self.profile_name)

    def action_aggressive(self) -> None:
        if self.profile_name:
            on = self.app.toggle_aggressive(self.profile_name)
            self.notify("Aggressive probes on: failed sign-ins with made-up identities and a deep GraphQL query are "
                        "sent on each rescan." if on else "Aggressive probes off.", title=self.profile_name)

    def action_refresh(self) -> None:
        self.app.refresh_profile(self.profile_name)
