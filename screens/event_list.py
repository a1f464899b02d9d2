"""A virtual list for the audit stream: only the visible rows are rendered (Textual's line API).

A DataTable measures and indexes every row it holds; at thousands of events a minute, appending and
trimming rows made each batch cost seconds. Here appending is a list append, trimming a slice, and a
paint renders the ~20 rows on screen, whatever the length of the stream.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .segments import text_segments

CURSOR = Style(reverse=True, bold=True)
HEADER = Style(bold=True)


class EventList(ScrollView, can_focus=True):
    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
    ]
    cursor_row: reactive[int] = reactive(0, always_update=True, init=False)

    class Highlighted(Message):
        def __init__(self, event_list: "EventList", index: int, item: Any, by_user: bool) -> None:
            super().__init__()
            self.event_list = event_list
            self.index = index
            self.item = item
            self.by_user = by_user  # a key or a click, not the list following new rows
            self.at_end = index == event_list.row_count - 1

    def __init__(self, columns: Sequence[tuple[str, int]], cells: Callable[[Any], list[Text]], *,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = list(columns)
        self.cells = cells
        self.items: list[Any] = []
        self._width = sum(w for _, w in self.columns) + len(self.columns)
        self._by_user = False

    # --- data ------------------------------------------------------------------------------------

    def set_columns(self, columns: Sequence[tuple[str, int]]) -> None:
        """New column widths (the terminal was resized); a width of 0 hides that column."""
        self.columns = list(columns)
        self._width = sum(w + 1 for _, w in self.columns if w)
        self._resize()
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self.items)

    def set_items(self, items: list[Any]) -> None:
        self.items = list(items)
        self._resize()
        self.cursor_row = min(self.cursor_row, max(0, len(self.items) - 1))
        self.refresh()

    def append(self, items: list[Any]) -> None:
        first = len(self.items)
        self.items.extend(items)
        self._resize()
        if self._visible(first) or self._visible(first + len(items) - 1):
            self.refresh()

    def trim_front(self, count: int) -> None:
        """Drop the oldest rows; what the operator looks at stays in place."""
        count = min(count, len(self.items))
        if count <= 0:
            return
        del self.items[:count]
        self._resize()
        self.set_reactive(EventList.cursor_row, max(0, self.cursor_row - count))
        self.scroll_to(y=max(0, self.scroll_y - count), animate=False)
        self.refresh()

    def item_at(self, index: int) -> Any:
        return self.items[index] if 0 <= index < len(self.items) else None

    def cell_text(self, row: int, column: int) -> str:
        return self.cells(self.items[row])[column].plain

    def _resize(self) -> None:
        self.virtual_size = Size(self._width, len(self.items) + 1)  # + the header line

    def _visible(self, index: int) -> bool:
        top = int(self.scroll_y)
        return top <= index <= top + self.size.height

    # --- cursor ----------------------------------------------------------------------------------

    def move_cursor(self, row: int, *, by_user: bool = False) -> None:
        self._by_user = by_user
        self.cursor_row = max(0, min(row, len(self.items) - 1))

    def watch_cursor_row(self, old: int, new: int) -> None:
        # keep the cursor on screen (line 0 is the header)
        height = max(1, self.size.height - 1)
        if new < self.scroll_y:
            self.scroll_to(y=new, animate=False)
        elif new >= self.scroll_y + height:
            self.scroll_to(y=new - height + 1, animate=False)
        self.refresh()
        if self.items:
            self.post_message(self.Highlighted(self, new, self.items[new], self._by_user))

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(self.cursor_row + delta, by_user=True)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor_row + direction * max(1, self.size.height - 2), by_user=True)

    def action_first(self) -> None:
        self.move_cursor(0, by_user=True)

    def on_click(self, event) -> None:
        row = int(self.scroll_y) + event.y - 1
        if 0 <= row < len(self.items):
            self.move_cursor(row, by_user=True)

    # --- rendering -------------------------------------------------------------------------------

    def _row_segments(self, texts: list[Text], style: Style | None) -> list[Segment]:
        segments: list[Segment] = []
        for (_, width), text in zip(self.columns, texts):
            if not width:
                continue
            cell = text.copy()
            cell.truncate(width, overflow="ellipsis", pad=True)
            segments += text_segments(cell, self.app.console, style)
            segments.append(Segment(" ", style))
        return segments

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        if y == 0:
            texts = [Text(label, style=HEADER) for label, _ in self.columns]
            strip = Strip(self._row_segments(texts, None))
        else:
            index = scroll_y + y - 1
            if index >= len(self.items):
                return Strip.blank(self.size.width)
            style = CURSOR if index == self.cursor_row and self.has_focus else (
                Style(reverse=True) if index == self.cursor_row else None)
            strip = Strip(self._row_segments(self.cells(self.items[index]), style))
        return strip.crop_extend(scroll_x, scroll_x + self.size.width, None)
