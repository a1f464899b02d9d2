"""Two roles side by side: each cell shows the left role's mark, then the right role's, with ≠ between
them where they differ (a symbol as well as a colour). Opened from panel 3 with `c`, for two roles of one
server or the same role on two servers."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from strapi_console import role_compare
from strapi_console.role_compare import ABSENT, ALLOWED, PARTIAL

from strapi_console.display import safe

from .formatting import subject_label
from .matrix_view import MatrixView, legend
from .key_bar import KeyBar

MARKS = {ALLOWED: ("✓", "green"), PARTIAL: ("◐", "yellow"), role_compare.DENIED: ("·", "dim"), ABSENT: (" ", "")}


class RoleCompareScreen(Screen):
    BINDING_GROUP_TITLE = "Compare roles"
    BINDINGS = [
        Binding("escape", "back", "Back", id="cmp.back"),
        Binding("o", "only_differences", "Only differences", id="cmp.only"),
        Binding("n", "next_difference", "Next difference", id="cmp.next"),
        Binding("slash", "filter", "Filter", key_display="/", id="cmp.filter"),
    ]

    def __init__(self, comparison: role_compare.Comparison, *, admin: bool) -> None:
        super().__init__(name="compare")
        self.comparison = comparison
        self.admin = admin
        self.only_differences = False

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Vertical():
            yield Static(id="cmp-head")
            yield MatrixView(id="cmp-matrix", label_width=40 if self.admin else 24,
                             min_label_width=30 if self.admin else 24)
            yield Input(placeholder="filter rows — esc clears", id="cmp-filter")
            yield Static(id="cmp-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        c = self.comparison
        self.sub_title = "3 Permissions · compare"
        self.query_one("#cmp-filter", Input).display = False
        matrix = self.query_one("#cmp-matrix", MatrixView)
        matrix.set_columns("Type / controller" if not self.admin else "Content type / action", c.columns)
        cells, rows = len(c.differing), len(c.differing_rows())
        summary = f"{cells} difference(s) in {rows} row(s)" if cells else "identical"
        self.query_one("#cmp-head", Static).update(Text.assemble(
            "left ", (safe(c.left_name, 80), "bold"), " │ right ", (safe(c.right_name, 80), "bold"),
            f" · {summary} · each cell: left, right (≠ where they differ) · o only differences, n next"))
        self._show_rows()
        matrix.focus()

    def help_text(self) -> Text:
        return legend(compare=True)

    def _cell(self, row: str, column: str) -> Text:
        left, right = self.comparison.state(row, column)
        if (left, right) == (ABSENT, ABSENT):
            return Text(" ")
        differs = self.comparison.differs(row, column)
        text = Text()
        text.append(MARKS[left][0], style=MARKS[left][1])
        text.append("≠" if differs else " ", style="bold red" if differs else "")
        text.append(MARKS[right][0], style=MARKS[right][1])
        if differs:
            text.stylize("bold")
        return text

    def _label(self, row: str) -> str:
        mark = "≠ " if self.comparison.differs(row) else "  "
        return mark + (row if self.admin or row.startswith("@") else subject_label(row, 22))

    def _show_rows(self) -> None:
        needle = self.query_one("#cmp-filter", Input).value.strip().lower()
        rows = self.comparison.differing_rows() if self.only_differences else self.comparison.rows
        rows = [r for r in rows if needle in r.lower()]
        self.query_one("#cmp-matrix", MatrixView).set_rows([(r, self._label(r)) for r in rows], self._cell)
        if not rows:
            why = f"No row matches '{safe(needle, 60)}' — esc clears the filter" if needle else "No differences."
            self.query_one("#cmp-detail", Static).update(Text(why))

    def on_matrix_view_cell_highlighted(self, event: MatrixView.CellHighlighted) -> None:
        left, right = self.comparison.state(event.row, event.column)
        where = f"{safe(event.row, 200)} · {safe(event.column, 80)}"
        if (left, right) == (ABSENT, ABSENT):
            text = Text(f"{where}: does not apply")
        else:
            differs = self.comparison.differs(event.row, event.column)
            text = Text.assemble(f"{where}: {safe(self.comparison.left_name, 80)} {left}, "
                                 f"{safe(self.comparison.right_name, 80)} {right} — ",
                                 ("differs", "bold red") if differs else "same")
        self.query_one("#cmp-detail", Static).update(text)

    def action_only_differences(self) -> None:
        self.only_differences = not self.only_differences
        self._show_rows()

    def action_next_difference(self) -> None:
        matrix = self.query_one("#cmp-matrix", MatrixView)
        keys = [k for k, _ in matrix.rows]
        for offset in range(1, len(keys) + 1):
            index = (matrix.cursor_row + offset) % len(keys)
            row = keys[index]
            if self.comparison.differs(row):
                column = next(i for i, c in enumerate(matrix.columns) if self.comparison.differs(row, c))
                matrix.move_cursor(row=index, column=column)
                return
        self.notify("No differences.")

    def action_filter(self) -> None:
        box = self.query_one("#cmp-filter", Input)
        box.display = True
        box.focus()

    def action_back(self) -> None:
        box = self.query_one("#cmp-filter", Input)
        if box.display:
            box.value = ""
            box.display = False
            self._show_rows()
            self.query_one("#cmp-matrix", MatrixView).focus()
            return
        self.dismiss()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show_rows()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#cmp-matrix", MatrixView).focus()
