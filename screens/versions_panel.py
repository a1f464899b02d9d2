"""Panel 2: versions & advisories. The fleet's versions and support status on top, the selected
server's advisories below, the highlighted advisory's detail and "which of my servers does it affect?"
at the bottom. Matching is local (the advisory data is on disk), so nothing here waits on the network."""

from __future__ import annotations

from datetime import datetime, timezone

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import SimpleCommand
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static

from strapi_console import advisories, support
from strapi_console.advisories import SEVERITY_RANK
from strapi_console.display import safe

from .formatting import lines, markup_literal, plain
from .key_bar import KeyBar
from .layout import Column, cut, fit, set_columns, table_room

# At 80 columns the package gives way (the detail pane names it) so that the summary reads.
ADVISORY_COLUMNS = [Column("sev", "Sev", 6), Column("id", "Advisory", 19), Column("pkg", "Package", 20, rank=1),
                    Column("fixed", "Fixed", 7), Column("summary", "Summary", 24, flex=True)]
ADVISORY_LABELS = {c.key: c.label for c in ADVISORY_COLUMNS}

SEV_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}
SEV_MARK = {"critical": "‼ crit", "high": "! high", "medium": "~ med", "low": "· low"}
SUPPORT_MARK = {"pass": ("✓", "green"), "warn": ("!", "yellow"), "fail": ("✗", "bold red"), "info": ("?", "dim")}


def _today():
    return datetime.now(timezone.utc).date()


class VersionsPanel(Screen):
    BINDING_GROUP_TITLE = "Versions & advisories"
    BINDINGS = [
        Binding("slash", "filter", "Filter", key_display="/", id="versions.filter"),
        Binding("escape", "clear", "Clear filter", show=False, id="versions.escape"),
        Binding("p", "pivot", "Which servers?", id="versions.pivot"),
        Binding("s", "sort", "Sort", id="versions.sort"),
        Binding("r", "refresh", "Refresh", id="versions.refresh"),
        Binding("u", "update_advisories", "Update advisories", id="versions.update"),
    ]

    def __init__(self) -> None:
        super().__init__(name="versions")
        self.sort_key = "severity"
        self.pivot_id: str | None = None
        self.updating = False

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Vertical():
            yield Static(id="advisory-source")
            yield DataTable(id="fleet-versions", cursor_type="row")
            yield Input(placeholder="filter advisories (ID, CVE, package, text) — esc clears", id="adv-filter")
            yield DataTable(id="server-advisories", cursor_type="row")
            with VerticalScroll(id="advisory-pane"):
                yield Static(id="advisory-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = "2 Versions & advisories"
        fleet = self.query_one("#fleet-versions", DataTable)
        for key, label in (("name", "Server"), ("version", "Version"), ("ed", "Ed."), ("env", "Env"),
                           ("major", "Major"), ("node", "Node"), ("advisories", "Advisories"),
                           ("target", "Upgrade to")):
            fleet.add_column(label, key=key)
        self._fit_columns()
        self.query_one("#adv-filter", Input).display = False
        self.query_one("#advisory-source", Static).update("loading…")
        self.app.state_signal.subscribe(self, lambda _name: self.sync())
        self.call_after_refresh(self.sync)  # the panel's first frame first, then the advisory data and matches
        fleet.focus()

    def _fit_columns(self) -> bool:
        self.adv_shown = fit(ADVISORY_COLUMNS, table_room(self.app.size.width))
        return set_columns(self.query_one("#server-advisories", DataTable), self.adv_shown, ADVISORY_LABELS)

    def on_resize(self) -> None:
        if self._fit_columns():
            self._fill_advisories()

    # --- data ----------------------------------------------------------------------------------

    def _db(self) -> advisories.AdvisoryDB:
        return advisories.cached()

    def _matches(self, name: str) -> tuple[str | None, list[advisories.Match] | None]:
        state = self.app.state(name)
        result = state.result
        info = result.info if result else None
        if info is None or not info.reachable:
            return None, None
        version = info.strapi_version
        if not version:
            return info.version_hint, None
        m = advisories.match_server(self._db(), version, info.information.get("dependencies"))
        return version, m.core + m.deps

    def selected_server(self) -> str | None:
        fleet = self.query_one("#fleet-versions", DataTable)
        if fleet.row_count == 0:
            return None
        return str(fleet.coordinate_to_cell_key(fleet.cursor_coordinate).row_key.value)

    # --- rendering -------------------------------------------------------------------------------

    def source_line(self) -> Text:
        """Which advisory data is in use and how old it is: every verdict below rests on it."""
        db = self._db()
        s = db.summary()
        fresh = db.freshness(_today(), self.app.config.advisory_max_age_days)
        where = "bundled" if db.source == "bundled" else "updated"
        line = Text(safe(fresh.label, 120), style="bold yellow" if fresh.stale else "")
        if fresh.stale:
            line.append(f": older than {fresh.max_age_days} days, advisories published since are unknown")
        line.append(safe(f" ({where}, {s['records']} records, newest {s['newest']})", 200))
        notes = [safe(n, 300) for n in (db.note, db.skipped_text()) if n]
        if notes:
            line.append(f" ({'; '.join(notes)})", style="yellow")
        line.append(" · ")
        line.append_text(Text("updating…") if self.updating else Text.assemble(("u", "bold"), " updates it from OSV"))
        return line

    def sync(self) -> None:
        self.query_one("#advisory-source", Static).update(self.source_line())
        fleet = self.query_one("#fleet-versions", DataTable)
        names = [p.name for p in self.app.profiles()]
        with self.app.batch_update():
            for row_key in list(fleet.rows):
                if str(row_key.value) not in names:
                    fleet.remove_row(row_key)
            for name in names:
                cells = self._fleet_cells(name)
                if name in fleet.rows:
                    for col, value in cells.items():
                        fleet.update_cell(name, col, value, update_width=True)
                else:
                    fleet.add_row(*cells.values(), key=name)
        self._fill_advisories()

    def _fleet_cells(self, name: str) -> dict:
        state = self.app.state(name)
        info = state.result.info if state.result else None
        version, matches = self._matches(name)
        major = support.strapi_major(info.strapi_version if info else None, _today())
        node = support.node_runtime(info.node_version if info else None, _today())
        adv_text = Text("")
        if matches is not None:
            counts: dict[str, int] = {}
            for m in matches:
                counts[m.advisory.severity] = counts.get(m.advisory.severity, 0) + 1
            if not matches:
                adv_text = Text("✓ none", style="green")
            for sev in ("critical", "high", "medium", "low"):
                if counts.get(sev):
                    adv_text.append(f"{counts[sev]}{sev[0].upper()} ", style=SEV_STYLE[sev])
        elif version:
            adv_text = Text("sign in", style="dim")
        advice = advisories.upgrade_advice(self._db(), info.strapi_version) if info and info.strapi_version else None
        target = ""
        if advice:
            target = advice.target or (f"→ {advice.migrate_to_major}.x" if advice.migrate_to_major else "—")
            if advice.unresolved:
                target = f"→ {advice.migrate_to_major}.x"
        edition = {"community": "CE", "enterprise": "EE"}.get((info.edition or "") if info else "", "")
        return {"name": plain(name, "bold", 60), "version": plain(version or "", limit=24), "ed": Text(edition),
                "env": plain((info.environment or "") if info else "", limit=5), "major": _mark(major),
                "node": _mark(node, safe((info.node_version or "") if info else "", 24)), "advisories": adv_text,
                "target": plain(target, limit=24)}

    def _fill_advisories(self) -> None:
        table = self.query_one("#server-advisories", DataTable)
        name = self.selected_server()
        _, matches = self._matches(name) if name else (None, None)
        needle = self.query_one("#adv-filter", Input).value.strip().lower()
        rows: dict[str, advisories.Match] = {}
        for m in matches or []:
            a = m.advisory
            hay = " ".join([a.id, *a.aliases, m.package, a.summary]).lower()
            if needle and needle not in hay:
                continue
            rows.setdefault(f"{a.id}|{m.package}", m)
        ordered = sorted(rows.items(), key=lambda kv: (SEVERITY_RANK[kv[1].advisory.severity], kv[1].advisory.id)
                         if self.sort_key == "severity" else (kv[1].advisory.published,), reverse=self.sort_key != "severity")
        with self.app.batch_update():
            table.clear()
            for key, m in ordered:
                sev = m.advisory.severity
                pkg = m.package + ("" if m.how == "lockstep" else f" ({m.how} {m.version})")
                cells = {"sev": Text(SEV_MARK[sev], style=SEV_STYLE[sev]), "id": plain(m.advisory.id, limit=40),
                         "pkg": cut(plain(pkg, limit=60), self.adv_shown.get("pkg", 0)),
                         "fixed": plain(m.fixed or "—", limit=24),
                         "summary": cut(plain(m.advisory.summary, limit=200), self.adv_shown["summary"])}
                table.add_row(*(cells[k] for k in self.adv_shown), key=key)
        if matches is None:
            self._detail(None, empty="Sign in to this server to read its exact version (any admin role can)."
                         if name else "No servers.")
        elif not ordered:
            self._detail(None, empty="No published advisory affects this server." if not needle
                         else f"No advisory of this server matches '{safe(needle, 60)}' — esc clears the filter.")
        else:
            self._detail(ordered[0][1].advisory.id)

    def _detail(self, advisory_id: str | None, empty: str = "") -> None:
        pane = self.query_one("#advisory-detail", Static)
        if advisory_id is None:
            pane.update(empty)
            return
        a = self._db().get(advisory_id)
        if a is None:
            pane.update("")
            return
        shown = [Text.assemble((safe(a.id, 40), "bold"),
                               safe(f" {' '.join(a.aliases)} · {a.severity.upper()} · published {a.published[:10]}", 200)),
                 plain(a.summary, limit=1000)]
        if a.severity_note:
            shown.append(plain(f"severity: {a.severity_note}", "dim", 400))
        for aff in a.affected:
            fixes = ", ".join(str(f) for f in aff.fixes()) or "no fixed version named"
            shown.append(plain(f"  {aff.name}: affected {aff.range_text}; fixed in {fixes}", limit=600))
        shown.append(self._pivot_text(a.id))
        shown += [plain(f"  {r}", limit=300) for r in a.references]
        name = self.selected_server()
        state = self.app.state(name) if name else None
        if state and state.result and state.result.info and state.result.info.strapi_version:
            advice = advisories.upgrade_advice(self._db(), state.result.info.strapi_version)
            if advice:
                shown.append(Text.assemble((safe(name, 60), "bold"), f": {safe(advice.text, 600)}"))
            major = support.strapi_major(state.result.info.strapi_version, _today())
            if major is not None:
                shown.append(Text.assemble(safe(major.text, 300), (f" ({safe(major.source_text, 300)})", "dim")))
            latest = next((f for f in state.result.findings if f.check_id == "VER-STRAPI-LATEST"), None)
            if latest is not None and latest.evidence.get("latest_in_major"):
                ev = latest.evidence
                shown.append(plain(f"latest release of the major: {ev['latest_in_major']} · newest: {ev.get('latest')} "
                                   f"({ev.get('releases_source')}, {ev.get('releases_age')})", limit=300))
            elif latest is not None and latest.reason:
                shown.append(plain(f"latest release unknown: {latest.reason}", "dim", 400))
        pane.update(lines(shown))

    def _pivot_text(self, advisory_id: str) -> Text:
        hit, clear, unknown = [], [], []
        for p in self.app.profiles():
            _, matches = self._matches(p.name)
            if matches is None:
                unknown.append(p.name)
            elif any(m.advisory.id == advisory_id for m in matches):
                hit.append(p.name)
            else:
                clear.append(p.name)
        parts = [plain(f"affected: {', '.join(hit)}", "bold red", 600) if hit
                 else Text("no server of yours is affected", style="green")]
        if clear:
            parts.append(plain(f"not affected: {', '.join(clear)}", limit=600))
        if unknown:
            parts.append(plain(f"unknown (no exact version): {', '.join(unknown)}", "dim", 600))
        return Text("Your fleet — ") + Text(" · ").join(parts)

    # --- events and actions ----------------------------------------------------------------------

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "fleet-versions":
            self._fill_advisories()
        elif event.row_key is not None:
            self._detail(str(event.row_key.value).split("|")[0])

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill_advisories()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#server-advisories", DataTable).focus()

    def action_filter(self) -> None:
        box = self.query_one("#adv-filter", Input)
        box.display = True
        box.focus()

    def action_clear(self) -> None:
        box = self.query_one("#adv-filter", Input)
        box.value = ""
        box.display = False
        self.query_one("#fleet-versions", DataTable).focus()

    def action_sort(self) -> None:
        self.sort_key = "published" if self.sort_key == "severity" else "severity"
        self.notify(f"Advisories sorted by {'newest first' if self.sort_key == 'published' else 'severity'}.")
        self._fill_advisories()

    def action_refresh(self) -> None:
        self.app.refresh_all()

    def action_update_advisories(self) -> None:
        """`advisories update` in a worker: the panel stays usable while OSV answers."""
        if self.updating:
            self.notify("The advisory update is already running.")
            return
        self.updating = True
        self.sync()
        self.run_worker(self._update_advisories(), name="advisories update", group="advisories-update",
                        exclusive=True, exit_on_error=False)

    async def _update_advisories(self) -> None:
        from strapi_console.errors import ConsoleError
        from strapi_console.osv_update import update

        try:
            result = await update()
        except ConsoleError as exc:
            self.app.report_error(exc, context="advisories update")
        except Exception as exc:  # noqa: BLE001 - the panel reports it; the old data stays in use
            self.app.report_error(exc, context="advisories update")
        else:
            skipped = advisories.describe_skipped(result.skipped)
            self.notify(f"Stored {result.stored} advisories from OSV. Press r to rescan the servers with them."
                        + (f" {skipped}." if skipped else ""), title="Advisories updated",
                        severity="warning" if skipped else "information", timeout=8)
        finally:
            self.updating = False
            self.sync()

    def action_pivot(self) -> None:
        """The on-call question: are we exposed to GHSA-…? Pick any advisory, see the fleet."""
        commands = [SimpleCommand(markup_literal(f"{a.id} {' '.join(a.cves)} {a.summary}", 80),
                                  lambda i=a.id: self._detail(i), markup_literal(f"{a.severity} · {', '.join(a.packages)}"))
                    for a in self._db().advisories]
        self.app.search_commands(commands, placeholder="Which servers does this advisory affect? Type an ID or CVE…")


def _mark(status, prefix: str = "") -> Text:
    if status is None:
        return Text(prefix)
    symbol, style = SUPPORT_MARK[status.status]
    label = f"{prefix} {symbol}".strip() if prefix else {"pass": "✓ ok", "warn": "! ends", "fail": "✗ EOL",
                                                         "info": "?"}[status.status]
    return Text(label, style=style)
