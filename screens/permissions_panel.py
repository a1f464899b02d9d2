"""Panel 3: the end-user permission matrix of the selected server. Rows are content types and plugin
controllers, columns their actions; `space` stages a change, `a` applies it through the safe write path
(diff → confirm → write → verify → journal), `u` undoes the last change. Read-only profiles show
everything and offer no edit key."""

from __future__ import annotations

import json

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable, Header, Input, Static

from strapi_console import (admin_roles, baselines, confirmation, engine, journal, paths, permissions, role_compare,
                            targets)
from strapi_console.display import safe
from strapi_console.errors import ConsoleError, isolate
from strapi_console.files import write_private

from . import write_flow
from .confirm import ConfirmScreen
from .formatting import markup_literal, plain, subject_label
from .matrix_view import MatrixView, legend
from .role_compare import RoleCompareScreen
from .key_bar import KeyBar

ACTION_ORDER = ["find", "findOne", "create", "update", "delete", "count", "me", "destroy", "upload"]
EDIT_ACTIONS = {"toggle", "apply", "undo", "discard", "baseline"}


class PermissionsPanel(Screen):
    BINDING_GROUP_TITLE = "Permissions"
    BINDINGS = [
        Binding("space", "toggle", "Toggle", id="perm.toggle"),
        Binding("a", "apply", "Apply", id="perm.apply"),
        Binding("u", "undo", "Undo last", id="perm.undo"),
        Binding("x", "discard", "Discard staged", id="perm.discard"),
        Binding("tab", "app.focus_next", "Roles/matrix", show=False, id="perm.tab"),
        Binding("slash", "filter", "Filter", key_display="/", id="perm.filter"),
        Binding("escape", "clear", "Clear filter", show=False, id="perm.escape"),
        Binding("r", "reload", "Reload", id="perm.reload"),
        Binding("t", "switch_kind", "End users/admins", id="perm.kind"),
        Binding("d", "detail", "Cell detail", id="perm.detail"),
        Binding("c", "compare", "Compare", id="perm.compare"),
        Binding("e", "export", "Export baseline", id="perm.export"),
        Binding("b", "baseline", "Stage a baseline", id="perm.baseline"),
    ]

    def __init__(self) -> None:
        super().__init__(name="permissions")
        self.profile_name: str | None = None
        self.roles: list[permissions.RoleSummary] = []
        self.role: permissions.Role | None = None
        self.staged: dict[str, bool] = {}
        self.columns: list[str] = []
        self.kind = "up"  # "up": end-user roles (users-permissions); "admin": admin roles (RBAC)
        self.admin_roles: list[admin_roles.AdminRole] = []
        self.admin_role: admin_roles.AdminRole | None = None
        self.catalog: admin_roles.Catalog | None = None
        self.baseline_restore: list[dict] = []  # admin grants from a baseline, with their restrictions
        self.applied: dict[str, bool] = {}  # verified by the write, shown until the role is read again
        self.outcome: Text | None = None  # how the last apply or undo ended (or that one is running)
        self.writing = False  # an apply or undo is on its way: the staged line says so

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Vertical():
            yield Static(id="perm-head")
            with Horizontal(id="perm-body"):
                yield DataTable(id="roles", cursor_type="row")
                yield MatrixView(id="matrix")
            yield Input(placeholder="filter rows (type, controller) — esc clears", id="perm-filter")
            yield Input(placeholder="baseline file to stage on this role — enter loads, esc cancels",
                        id="perm-baseline")
            yield PendingBar(id="pending")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = "3 Permissions · end-user roles"
        roles = self.query_one("#roles", DataTable)
        roles.add_column("Role", key="name")
        roles.add_column("Users", key="users")
        self.query_one("#perm-filter", Input).display = False
        self.query_one("#perm-baseline", Input).display = False
        self.load()

    def on_screen_resume(self) -> None:
        if self.app.selected_profile() != self.profile_name:
            self.load()

    def help_text(self) -> Text:
        return legend()

    # --- state ----------------------------------------------------------------------------

    @property
    def profile(self):
        return self.app.config.profiles.get(self.profile_name) if self.profile_name else None

    def read_only(self) -> bool:
        return self.profile is None or self.app.policy.read_only(self.profile)

    def check_action(self, action: str, parameters) -> bool | None:
        if action in EDIT_ACTIONS and self.read_only():
            return False  # read-only profiles are not offered edit keys at all
        if action in EDIT_ACTIONS - {"undo"} and self.kind == "admin" and self.admin_role is not None \
                and self.admin_role.super_admin:
            return False  # Strapi refuses any edit of the Super Admin role
        return True

    # --- loading (workers: the UI never waits on the network) -------------------------------

    def load(self, role_id: int | None = None) -> None:
        self.baseline_restore = []
        self.profile_name = self.app.selected_profile()
        self.refresh_bindings()
        head = self.query_one("#perm-head", Static)
        if self.profile is None:
            head.update("No server selected: pick one in the server list (1) or with : server NAME.")
            return
        what = "end-user roles" if self.kind == "up" else "admin roles"
        head.update(Text.assemble((safe(self.profile.name, 60), "bold"), f" {safe(self.profile.url, 120)} · {what}",
                                  (" · read-only" if self.read_only() else "", "bold yellow"), " · loading…"))
        if self.kind == "up":
            self._load(self.profile_name, role_id)
        else:
            self._load_admin(self.profile_name, role_id)

    @work(exclusive=True, group="permissions-load", exit_on_error=False)
    async def _load(self, name: str, role_id: int | None) -> None:
        profile = self.app.config.profiles[name]
        try:
            async with self.app.session_client(profile) as client:
                roles = await permissions.list_roles(client)
                chosen = role_id or next((r.id for r in roles if r.type == "public"), roles[0].id if roles else None)
                role = await permissions.read_role(client, chosen) if chosen is not None else None
        except Exception as exc:  # noqa: BLE001 — whatever this server did, it is this server's error
            exc = isolate(exc, f"Loading the roles of {name}")
            self.query_one("#perm-head", Static).update(plain(f"{exc.title}: {exc.message}", "red", 600))
            return
        if name != self.profile_name or self.kind != "up":
            return
        self.roles, self.role, self.staged, self.applied = roles, role, {}, {}
        self._render_roles()
        self._render_matrix(rebuild=True)

    @work(exclusive=True, group="permissions-load", exit_on_error=False)
    async def _load_admin(self, name: str, role_id: int | None) -> None:
        profile = self.app.config.profiles[name]
        try:
            async with self.app.session_client(profile) as client:
                roles = await admin_roles.list_roles(client)
                cat = await admin_roles.catalog(client)
                chosen = role_id or next((r.id for r in roles if r.code == "strapi-editor"),
                                         roles[0].id if roles else None)
                role = await admin_roles.read_role(client, chosen) if chosen is not None else None
        except Exception as exc:  # noqa: BLE001 — whatever this server did, it is this server's error
            exc = isolate(exc, f"Loading the roles of {name}")
            self.query_one("#perm-head", Static).update(plain(f"{exc.title}: {exc.message}", "red", 600))
            return
        if name != self.profile_name or self.kind != "admin":
            return
        self.admin_roles, self.admin_role, self.catalog, self.staged, self.applied = roles, role, cat, {}, {}
        self.refresh_bindings()
        table = self.query_one("#roles", DataTable)
        table.clear()
        for r in roles:
            table.add_row(plain(r.name + (" 🔒" if r.super_admin else ""), limit=60),
                          Text("" if r.users is None else str(r.users)), key=str(r.id))
        if role is not None:
            table.move_cursor(row=next(i for i, r in enumerate(roles) if r.id == role.id))
        self._render_admin_matrix(rebuild=True)

    def _admin_key(self, row: str, col: str) -> str | None:
        """The (action|subject) key of a matrix cell, or None where the action does not apply."""
        if self.catalog is None:
            return None
        if row.startswith("@"):
            return admin_roles.key_of(row[1:], None) if col == "allow" else None
        action = admin_roles.CM + col
        if col in admin_roles.CONTENT_ACTIONS and row in self.catalog.content_actions.get(action, set()):
            return admin_roles.key_of(action, row)
        return None

    def _admin_cell(self, row: str, col: str) -> Text:
        key = self._admin_key(row, col)
        role = self.admin_role
        if key is None or role is None:
            return Text(" ")
        if key in self.staged:
            return Text(("✓" if self.staged[key] else "✗") + "*", style="bold reverse")
        if key in self.applied:
            return Text("✓" if self.applied[key] else "·", style="bold green" if self.applied[key] else "bold")
        if key not in role.granted():
            return Text("·", style="dim")
        risky = admin_roles.is_risky(key) and not role.super_admin
        mark = "◐" if role.partial(key) else "✓"
        if risky:  # manages users, roles, tokens or settings
            return Text(mark + "!", style="bold red")
        return Text(mark, style="yellow" if mark == "◐" else "green")

    def _render_admin_matrix(self, rebuild: bool = False) -> None:
        matrix = self.query_one("#matrix", MatrixView)
        role, cat = self.admin_role, self.catalog
        if role is None or cat is None:
            matrix.clear()
            return
        needle = self.query_one("#perm-filter", Input).value.strip().lower()
        rows = [(uid, label) for uid, label in cat.subjects] + [("@" + a, label) for a, label in cat.other_actions]
        rows = [(k, label) for k, label in rows if needle in f"{k} {label}".lower()]
        if rebuild:
            # plugin and settings actions (one "allow" cell each) first, so they show at 80 columns
            self.columns = ["allow"] + admin_roles.CONTENT_ACTIONS
            matrix.max_label_width, matrix.min_label_width = 40, 30  # "upload: Create (upload)" reads whole
            matrix.set_columns("Content type / action", self.columns)
        matrix.set_rows(rows, self._admin_cell)
        ro = " · read-only: no edit keys" if self.read_only() else ""
        if role.super_admin:
            ro = " · Super Admin: read-only (Strapi refuses edits, resets it at boot)"
        self.query_one("#perm-head", Static).update(Text.assemble(
            (safe(self.profile.name, 60), "bold"), " · admin role ", (safe(role.name, 80), "bold"),
            " · ✓ allowed, ◐ partial (fields/locales/conditions: d), · denied, ! manages users, roles or settings",
            (ro, "bold yellow")))
        self._render_pending()

    def _render_roles(self) -> None:
        table = self.query_one("#roles", DataTable)
        table.clear()
        for r in self.roles:
            table.add_row(plain(r.name, limit=60), Text("" if r.nb_users is None else str(r.nb_users)), key=str(r.id))
        if self.role is not None:
            table.move_cursor(row=next(i for i, r in enumerate(self.roles) if r.id == self.role.id))

    def _cell(self, subject: str, action: str) -> Text:
        if self.role is None:
            return Text("")
        rows = self.role.rows()
        if action not in rows.get(subject, {}):
            return Text(" ")
        action_id = f"{subject}.{action}"
        on = rows[subject][action]
        if action_id in self.staged:
            new = self.staged[action_id]
            return Text(("✓" if new else "✗") + "*", style="bold reverse")
        if action_id in self.applied:  # written and verified; the role is being read again
            on = self.applied[action_id]
        if on and permissions.risk(self.role.type, action_id):
            return Text("✓!", style="bold red")  # a symbol as well as a colour: d says which check flags it
        return Text("✓" if on else "·", style="green" if on else "dim")

    def _render_matrix(self, rebuild: bool = False) -> None:
        matrix = self.query_one("#matrix", MatrixView)
        head = self.query_one("#perm-head", Static)
        if self.role is None:
            matrix.clear()
            return
        rows = self.role.rows()
        needle = self.query_one("#perm-filter", Input).value.strip().lower()
        subjects = [s for s in sorted(rows, key=lambda s: (not s.startswith("api::"), s)) if needle in s.lower()]
        if rebuild:
            actions = {a for r in rows.values() for a in r}
            self.columns = sorted(actions, key=lambda a: (ACTION_ORDER.index(a) if a in ACTION_ORDER else 99, a))
            matrix.max_label_width, matrix.min_label_width = 24, 24
            matrix.set_columns("Type / controller", self.columns)
        matrix.set_rows([(s, subject_label(s)) for s in subjects], self._cell)
        flagged = sum(1 for a, on in self.role.leaves().items() if on and permissions.risk(self.role.type, a))
        line = Text.assemble((safe(self.profile.name, 60), "bold"), " · role ", (safe(self.role.name, 80), "bold"),
                             f" ({safe(self.role.type, 40)}) · {len(rows)} rows")
        if flagged:
            line.append_text(Text.assemble(" · ", (f"{flagged} flagged ✓!", "bold red"), " (d: which check)"))
        line.append_text(Text(" · read-only: no edit keys", style="bold yellow") if self.read_only()
                         else Text(" · space toggles, a applies"))
        head.update(line)
        self._render_pending()

    def _plan(self):
        if self.kind == "admin":
            if self.admin_role is None:
                return None
            # grants staged from a baseline keep the fields, locales and conditions the baseline gives them
            restore = [p for p in self.baseline_restore
                       if self.staged.get(admin_roles.key_of(p["action"], p.get("subject"))) is True]
            try:
                return targets.admin_role_plan(self.admin_role, self.staged, restore)
            except ConsoleError:
                return None  # the Super Admin role: nothing can be staged on it
        return targets.role_plan(self.role, self.staged) if self.role else None

    def _render_pending(self) -> None:
        pending = self.query_one("#pending", PendingBar)
        if self.writing and self.outcome is not None:
            pending.update(self.outcome)
            return
        plan = self._plan() if self.staged else None
        needle = self.query_one("#perm-filter", Input).value.strip()
        if plan is None and needle and self.query_one("#matrix", MatrixView).row_count == 0:
            pending.update(Text.assemble(f"No row matches '{safe(needle, 60)}' — ", ("esc", "bold"),
                                         " clears the filter"))
            return
        if plan is None:
            pending.update(self.outcome or Text("no staged changes", style="dim"))
            return
        pending.update(Text.assemble(("staged", "bold"), " (a applies, x discards): ",
                                     safe("; ".join(plan.describe()), 2000)))

    # --- events and actions ------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "roles" and event.row_key is not None:
            role_id = int(str(event.row_key.value))
            current = self.role if self.kind == "up" else self.admin_role
            if current is None or role_id != current.id:
                if self.staged:
                    self.notify("Staged changes discarded (they belonged to the other role).", severity="warning")
                self.outcome = None
                self.load(role_id)

    def _cursor(self) -> tuple[str, str] | None:
        return self.query_one("#matrix", MatrixView).cursor_key()

    def action_toggle(self) -> None:
        cell = self._cursor()
        if cell is None:
            return
        subject, action = cell
        if self.kind == "admin":
            key = self._admin_key(subject, action) if self.admin_role else None
            if key is None:
                return
            current = key in self.admin_role.granted()
        else:
            if self.role is None or action not in self.role.rows().get(subject, {}):
                return
            key = f"{subject}.{action}"
            current = self.role.rows()[subject][action]
        if key in self.staged:
            del self.staged[key]
        else:
            self.staged[key] = not current
        self.outcome = None
        self.query_one("#matrix", MatrixView).refresh_cell(subject, action)
        self._render_pending()

    def action_discard(self) -> None:
        self.staged = {}
        self._rerender()

    def _rerender(self) -> None:
        if self.kind == "admin":
            self._render_admin_matrix()
        else:
            self._render_matrix()

    def action_switch_kind(self) -> None:
        if self.staged:
            self.notify("Staged changes discarded.", severity="warning")
        self.kind = "admin" if self.kind == "up" else "up"
        self.staged, self.outcome = {}, None
        self.sub_title = "3 Permissions · " + ("admin roles" if self.kind == "admin" else "end-user roles")
        self.load()

    def action_detail(self) -> None:
        cell = self._cursor()
        if self.kind == "up" and cell is not None and self.role is not None:
            self._up_detail(*cell)
            return
        if self.kind != "admin" or cell is None or self.admin_role is None:
            return
        key = self._admin_key(*cell)
        if key is None:
            return
        state = "allowed" if key in self.admin_role.granted() else "denied"
        self.query_one("#pending", PendingBar).update(Text.assemble(
            (safe(key.replace("|", " on "), 200), "bold"), f": {state}; {safe(self.admin_role.detail(key), 1000)}"))

    def _up_detail(self, subject: str, action: str) -> None:
        action_id = f"{subject}.{action}"
        rows = self.role.rows()
        if action not in rows.get(subject, {}):
            return
        state = "allowed" if rows[subject][action] else "denied"
        text = Text.assemble((safe(action_id, 200), "bold"), f" on {safe(self.role.name, 80)}: {state}")
        flagged = permissions.risk(self.role.type, action_id)
        if flagged:
            text.append_text(Text.assemble("; if allowed, " if state == "denied" else " — ", (flagged, "bold red"),
                                           " fails: " if state == "denied" else ": ", permissions.RISKS[flagged]))
        self.query_one("#pending", PendingBar).update(text)

    def action_apply(self) -> None:
        plan = self._plan() if self.staged else None
        if plan is None or not plan.steps:
            self.notify("Nothing staged: space toggles a cell.")
            return
        asked = confirmation.for_plan(self.profile, plan, unlocked=True,
                                      title="Apply to the server?")
        role_id = self._current_role_id()

        def done(ok: bool | None) -> None:
            if ok:
                self._show_outcome(Text.assemble(("… applying", "bold cyan"), f" {plan.count} change(s): "
                                                 "writing, then reading them back from the server"), writing=True)
                self._apply(plan, role_id)

        self.app.push_screen(ConfirmScreen.asking(asked), done)

    @work(exclusive=True, group="permissions-write", exit_on_error=False)
    async def _apply(self, plan: engine.Plan, role_id: int | None) -> None:
        try:
            async with self.app.session_client(self.profile) as client:
                outcome = await engine.apply(client, plan, read_only=self.read_only(), source="tui")
        except engine.ConcurrentChange as exc:
            self._show_outcome(self._failed("not applied", exc))
            self.app.report_error(exc)
            self.load(None if isinstance(exc, engine.TargetDeleted) else role_id)  # what the server has now
            return
        except ConsoleError as exc:
            self._show_outcome(self._failed("not applied", exc))
            self.app.report_error(exc)
            return
        for warning in outcome.warnings:
            self.notify(warning, title="Another change landed", severity="warning", timeout=20)
        self.notify(f"{plan.count} change(s) written and verified (journal {outcome.ref}). u undoes.",
                    title=plan.title)
        # the cells show the verified values now; the role read below replaces them with the server's whole role
        self.applied = {cell: value for step in plan.steps for cell, value in step.wanted.items()}
        self.staged = {}
        self._show_outcome(Text.assemble(("✓ written and verified", "bold green"),
                                         f" (journal {safe(outcome.ref, 40)}): {plan.count} change(s) · u undoes"))
        self._rerender()
        self.load(role_id)
        self.app.refresh_profile(self.profile_name)

    def action_undo(self) -> None:
        if self.profile is None:
            return
        entry = journal.last_undoable(self.profile.name)
        if entry is None:
            self.notify("Nothing to undo for this server.")
            return
        self._plan_undo(entry)

    @work(exclusive=True, group="permissions-write", exit_on_error=False)
    async def _plan_undo(self, entry: journal.Entry) -> None:
        """Undo is a write like any other: read the server now, then confirm what undo will send (now → target)."""
        try:
            plan = await write_flow.plan_undo(self.app, self.profile, entry, read_only=self.read_only())
        except ConsoleError as exc:
            self._show_outcome(self._failed("not undone", exc))
            self.app.report_error(exc)
            return

        def undoing() -> None:
            self._show_outcome(Text.assemble(("… undoing", "bold cyan"), f" {safe(entry.id, 40)}: writing the "
                                             "previous state, then reading it back"), writing=True)
            self._undo(plan)

        write_flow.confirm(self.app, self.profile, plan, f"Undo {entry.id}? (now → after undo)", undoing)

    @work(exclusive=True, group="permissions-write", exit_on_error=False)
    async def _undo(self, plan: engine.Plan) -> None:
        try:
            outcome = await write_flow.apply(self.app, self.profile, plan, read_only=self.read_only(), source="undo")
        except ConsoleError as exc:
            self._show_outcome(self._failed("not undone", exc))
            self.app.report_error(exc)
            return
        self._show_outcome(Text.assemble(("✓ undone and verified", "bold green"), f" (journal {safe(outcome.ref, 40)})"))
        self.notify(f"Undone and verified (journal {outcome.ref}).", title=self.profile.name)
        self.load(self._current_role_id())
        self.app.refresh_profile(self.profile_name)

    def _show_outcome(self, text: Text, *, writing: bool = False) -> None:
        self.outcome, self.writing = text, writing
        self._render_pending()

    @staticmethod
    def _failed(what: str, exc: ConsoleError) -> Text:
        return Text.assemble((f"✗ {what}", "bold red"), ": ", safe(f"{exc.title}: {exc.message}", 600))

    def _current_role_id(self) -> int | None:
        role = self.role if self.kind == "up" else self.admin_role
        return role.id if role else None

    def action_reload(self) -> None:
        self.load(self._current_role_id())

    def action_filter(self) -> None:
        box = self.query_one("#perm-filter", Input)
        box.display = True
        box.focus()

    def action_clear(self) -> None:
        self.query_one("#perm-baseline", Input).display = False
        box = self.query_one("#perm-filter", Input)
        box.value = ""
        box.display = False
        self._rerender()
        self.query_one("#matrix", MatrixView).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "perm-filter":
            self._rerender()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "perm-baseline":
            event.input.display = False
            self._stage_baseline(event.value.strip())
        self.query_one("#matrix", MatrixView).focus()

    # --- baselines: a reviewed role exported here, staged on a role elsewhere --------------------

    def _current_role(self):
        return self.role if self.kind == "up" else self.admin_role

    def action_export(self) -> None:
        role = self._current_role()
        if role is None or self.profile is None:
            return
        slug = "".join(ch if ch.isalnum() else "-" for ch in role.name.lower()).strip("-") or str(role.id)
        target = paths.data_dir() / "exports" / f"role-{self.profile.name}-{self.kind}-{slug}.json"
        write_private(target, json.dumps(baselines.export(role, self.profile.name), indent=2) + "\n")
        self.notify(f"{role.name} written to {target}. On another server: b in this panel, or "
                    "strapi-console permissions apply.", title="Baseline exported")

    def action_baseline(self) -> None:
        box = self.query_one("#perm-baseline", Input)
        box.display = True
        box.focus()

    def _stage_baseline(self, path: str) -> None:
        role = self._current_role()
        if role is None or not path:
            return
        try:
            staged, restore = baselines.baseline_changes(role, baselines.load_file(path))
        except ConsoleError as exc:
            self.app.report_error(exc)
            return
        self.staged = staged
        self.baseline_restore = restore
        self._rerender()
        self.notify(f"{len(self.staged)} change(s) staged from the baseline: review them (marked *), a applies, "
                    "x discards." if self.staged else "This role already matches the baseline.", title=role.name)


    # --- compare: two roles side by side, or the same role on two servers ----------------------

    def action_compare(self) -> None:
        from textual.command import SimpleCommand

        current = self.role if self.kind == "up" else self.admin_role
        if current is None or self.profile is None:
            return
        choices = []
        names = [r.name for r in (self.roles if self.kind == "up" else self.admin_roles) if r.id != current.id]
        for name in names:
            choices.append(SimpleCommand(markup_literal(f"{name} on {self.profile.name}"),
                                         lambda n=name, p=self.profile.name: self._compare(p, n),
                                         "another role of this server"))
        for p in self.app.profiles():
            if p.name != self.profile.name:
                choices.append(SimpleCommand(markup_literal(f"{current.name} on {p.name}"),
                                             lambda n=current.name, q=p.name: self._compare(q, n),
                                             markup_literal(f"the same role on {p.url}", 200)))
        self.app.search_commands(choices, placeholder=safe(f"Compare {current.name} with…", 80))

    @work(exclusive=True, group="permissions-compare", exit_on_error=False)
    async def _compare(self, profile_name: str, role_name: str) -> None:
        current = self.role if self.kind == "up" else self.admin_role
        try:
            async with self.app.session_client(self.app.config.profiles[profile_name]) as client:
                other = await baselines.find_role(client, role_name, admin=self.kind == "admin")
        except ConsoleError as exc:
            self.app.report_error(exc)
            return
        comparison = role_compare.compare(current, other, f"{current.name} on {self.profile_name}",
                                          f"{other.name} on {profile_name}")
        self.app.push_screen(RoleCompareScreen(comparison, admin=self.kind == "admin"))


class PendingBar(Widget):
    """The staged-changes line. A fixed-height widget that only repaints: a Static with height auto would
    re-layout the whole screen (hundreds of matrix rows) on every toggle."""

    text: reactive[Text] = reactive(Text(""), layout=False)

    def update(self, text: Text) -> None:
        """``text`` is a ``Text`` built by the caller from safe parts; never parsed as markup."""
        self.text = text

    def render(self) -> Text:
        return self.text
