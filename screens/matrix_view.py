"""A grid of short marks (the permission matrix) drawn with Textual's line API.

Textual's DataTable drops its whole render cache on any cell update, so a toggle repainted every visible
cell (~130 ms at 120×40). Here each row's line is cached; a toggle drops one row from the cache and
repaints that one line. The label column stays put while the action columns scroll sideways, so a wide
users-permissions role still reads at 80 columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from strapi_console.display import safe

from .segments import text_segments

# What each mark of the matrix means: `?` shows it on panel 3 and in the comparison.
SYMBOLS = [("✓", "green", "allowed"),
           ("·", "dim", "denied"),
           ("✓!", "bold red", "allowed and flagged: a check fails on it (end users), or it manages users, roles, "
                              "tokens or settings (admins); d says which"),
           ("◐", "yellow", "partly allowed: limited to some fields, locales or conditions (admin roles); d shows them"),
           ("✓*", "bold reverse", "staged: will be allowed when a applies (x discards)"),
           ("✗*", "bold reverse", "staged: will be denied when a applies"),
           ("≠", "bold red", "compare (c): the two roles differ here; left mark, ≠, right mark"),
           (" ", "", "blank: the action does not exist for that row")]


def legend(compare: bool = False) -> Text:
    """The symbols, one a line; in the comparison the staging marks do not occur."""
    lines = [Text("Matrix symbols", style="bold")]
    for mark, style, meaning in SYMBOLS:
        if compare and mark in ("✓*", "✗*", "✓!"):
            continue
        lines.append(Text.assemble("  ", (f"{mark:>4}", style), "  ", meaning))
    return Text("\n").join(lines)


HEADER = Style(bold=True)
CURSOR = Style(reverse=True, bold=True)
ROW_MARK = Style(underline=True)
MORE = Style(dim=True)


class MatrixView(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    MatrixView {
        overflow-x: hidden;
    }
    """
    BINDINGS = [
        Binding("up", "move(-1, 0)", "Up", show=False),
        Binding("down", "move(1, 0)", "Down", show=False),
        Binding("left", "move(0, -1)", "Left", show=False),
        Binding("right", "move(0, 1)", "Right", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(-1)", "First row", show=False),
        Binding("end", "edge(1)", "Last row", show=False),
    ]
    cursor_row: reactive[int] = reactive(0, always_update=True, init=False)
    cursor_column: reactive[int] = reactive(0, always_update=True, init=False)

    class CellHighlighted(Message):
        def __init__(self, matrix: "MatrixView", row: str, column: str) -> None:
            super().__init__()
            self.matrix = matrix
            self.row = row
            self.column = column

    def __init__(self, *, id: str | None = None, label_width: int = 24, min_label_width: int = 20) -> None:
        super().__init__(id=id)
        self.label_title = ""
        self.max_label_width = label_width  # labels get this much when the columns leave room…
        self.min_label_width = min(min_label_width, label_width)  # …at least this, the columns scrolling instead
        self.columns: list[str] = []
        self.rows: list[tuple[str, str]] = []  # (key, label)
        self._index: dict[str, int] = {}
        self._cell: Callable[[str, str], Text] = lambda row, column: Text("")
        self._cache: dict[str, list[Segment]] = {}
        self._first_column = 0  # the action columns scroll; the label column does not
        self._layout_key: tuple | None = None
        self._layout_value: tuple[int, list[int]] = (label_width, [])

    # --- data ------------------------------------------------------------------------------------

    def set_columns(self, title: str, columns: Sequence[str]) -> None:
        self.label_title = safe(title, 200)
        self.columns = list(columns)
        self._first_column = 0
        self.set_reactive(MatrixView.cursor_column, min(self.cursor_column, max(0, len(self.columns) - 1)))
        self._cache.clear()
        self.refresh()

    def set_rows(self, rows: Sequence[tuple[str, str]], cell: Callable[[str, str], Text]) -> None:
        """Replace the rows (a filter, a reload). The cursor stays on the same row key when it remains."""
        current = self.cursor_key()
        self.rows = [(key, safe(label, 200)) for key, label in rows]  # labels are server text (type names)
        self._index = {key: i for i, (key, _) in enumerate(self.rows)}
        self._cell = cell
        self._cache.clear()
        self.virtual_size = Size(self.size.width, len(self.rows) + 1)  # + the header line
        keep = self._index.get(current[0]) if current else None
        self.set_reactive(MatrixView.cursor_row, keep if keep is not None else min(self.cursor_row, max(0, len(self.rows) - 1)))
        self._scroll_to_cursor()
        self.refresh()

    def clear(self) -> None:
        self.set_columns("", [])
        self.set_rows([], self._cell)

    def refresh_cell(self, row: str, column: str | None = None) -> None:
        """Repaint one row after its data changed: the only line drawn again."""
        index = self._index.get(row)
        if index is None:
            return
        self._cache.pop(row, None)
        self.refresh_line(index + 1)

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def get_row_index(self, row: str) -> int:
        return self._index[row]

    def get_column_index(self, column: str) -> int:
        return self.columns.index(column)

    def get_cell(self, row: str, column: str) -> Text:
        return self._cell(row, column)

    def cursor_key(self) -> tuple[str, str] | None:
        if not self.rows or not self.columns:
            return None
        return self.rows[self.cursor_row][0], self.columns[self.cursor_column]

    # --- cursor ----------------------------------------------------------------------------------

    def move_cursor(self, *, row: int | None = None, column: int | None = None) -> None:
        if row is not None:
            self.cursor_row = max(0, min(row, len(self.rows) - 1))
        if column is not None:
            self.cursor_column = max(0, min(column, len(self.columns) - 1))

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._scroll_to_cursor()
        self.refresh_line(old + 1)
        self.refresh_line(new + 1)
        self._announce()

    def watch_cursor_column(self, old: int, new: int) -> None:
        if self._keep_column_visible():
            self._cache.clear()
            self.refresh()
        else:
            self.refresh_line(self.cursor_row + 1)
        self._announce()

    def _announce(self) -> None:
        key = self.cursor_key()
        if key:
            self.post_message(self.CellHighlighted(self, *key))

    def _scroll_to_cursor(self) -> None:
        height = max(1, self.size.height - 1)  # line 0 is the header
        if self.cursor_row < self.scroll_y:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= self.scroll_y + height:
            self.scroll_to(y=self.cursor_row - height + 1, animate=False)

    def _keep_column_visible(self) -> bool:
        """Shift the action columns so the cursor's is on screen; True when they moved."""
        before = self._first_column
        if self.cursor_column < self._first_column:
            self._first_column = self.cursor_column
        while self.cursor_column >= self._first_column + max(1, len(self._visible_columns())) \
                and self._first_column < self.cursor_column:
            self._first_column += 1
        return before != self._first_column

    def action_move(self, rows: int, columns: int) -> None:
        self.move_cursor(row=self.cursor_row + rows if rows else None,
                         column=self.cursor_column + columns if columns else None)

    def action_page(self, direction: int) -> None:
        self.move_cursor(row=self.cursor_row + direction * max(1, self.size.height - 2))

    def action_edge(self, direction: int) -> None:
        self.move_cursor(row=0 if direction < 0 else len(self.rows) - 1)

    def on_click(self, event) -> None:
        row = int(self.scroll_y) + event.y - 1
        if 0 <= row < len(self.rows):
            self.move_cursor(row=row)
        x = event.x - self.label_width - 1
        for i in self._visible_columns():
            width = self._width(i)
            if 0 <= x < width + 1:
                self.move_cursor(column=i)
                break
            x -= width + 1

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows) + 1)
        self._keep_column_visible()
        self._cache.clear()

    def on_focus(self) -> None:
        self.refresh_line(self.cursor_row + 1)

    def on_blur(self) -> None:
        self.refresh_line(self.cursor_row + 1)

    # --- rendering -------------------------------------------------------------------------------

    def _layout(self) -> tuple[int, list[int]]:
        """(label width, the action columns on screen), computed once per width, scroll and column set:
        every line drawn asks for it."""
        key = (self.size.width, self._first_column, id(self.columns), self.max_label_width, self.min_label_width)
        if key != self._layout_key:
            total = sum(self._width(i) + 1 for i in range(len(self.columns)))
            label = max(self.min_label_width, min(self.max_label_width, self.size.width - total - 2))
            room = self.size.width - label - 2  # the label, its gap and the "›" marker
            shown: list[int] = []
            for i in range(self._first_column, len(self.columns)):
                room -= self._width(i) + 1
                if room < 0 and shown:
                    break
                shown.append(i)
            self._layout_key, self._layout_value = key, (label, shown)
        return self._layout_value

    @property
    def label_width(self) -> int:
        return self._layout()[0]

    def _width(self, column: int) -> int:
        return max(3, min(len(self.columns[column]), 24))  # a server may name an action at any length

    def _visible_columns(self) -> list[int]:
        return self._layout()[1]

    def _label(self, text: Text | str, style: Style | None = None) -> list[Segment]:
        cell = text.copy() if isinstance(text, Text) else Text(text)
        cell.truncate(self.label_width, overflow="ellipsis", pad=True)
        return text_segments(cell, self.app.console, style) + [Segment(" ")]

    def _cells(self, row: str, cursor: int | None) -> list[Segment]:
        segments: list[Segment] = []
        for i in self._visible_columns():
            cell = self._cell(row, self.columns[i]).copy()
            width = self._width(i)
            cell.align("center", width)
            cell.truncate(width)
            segments += text_segments(cell, self.app.console, CURSOR if i == cursor else None)
            segments.append(Segment(" "))
        return segments

    def _markers(self) -> tuple[str, str]:
        shown = self._visible_columns()
        left = "‹" if self._first_column > 0 else " "
        right = "›" if shown and shown[-1] < len(self.columns) - 1 else " "
        return left, right

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            left, right = self._markers()
            segments = self._label(Text(self.label_title, style=HEADER))
            segments[-1] = Segment(left, MORE)
            for i in self._visible_columns():
                name = safe(self.columns[i], self._width(i))  # action names come from the server
                segments += [Segment(name.center(self._width(i))[:self._width(i)], HEADER), Segment(" ")]
            segments.append(Segment(right, MORE))
            return Strip(segments).crop_extend(0, width, None)
        index = int(self.scroll_y) + y - 1
        if index >= len(self.rows):
            return Strip.blank(width)
        key, label = self.rows[index]
        if index == self.cursor_row:
            focused = self.has_focus
            segments = self._label(label, ROW_MARK) + self._cells(key, self.cursor_column if focused else None)
            return Strip(segments).crop_extend(0, width, None)
        segments = self._cache.get(key)
        if segments is None:
            segments = self._cache[key] = self._label(label) + self._cells(key, None)
        return Strip(segments).crop_extend(0, width, None)
