"""How the screens fit 80×24 (SSH reality): columns that give way by priority, one column that takes the
room left, and text cut at a word with a visible "…" rather than mid-word at the screen's edge.

A column hidden here is never lost: what it says is in the screen's detail pane too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text

CELL_PADDING = 2  # a DataTable cell's padding, both sides
SCROLLBAR = 2


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int  # the room its usual content needs
    rank: int = 0  # 0: always shown; the highest rank gives way first
    flex: bool = False  # takes the room the others leave (at least ``width``)


def fit(columns: Sequence[Column], room: int, padding: int = CELL_PADDING) -> dict[str, int]:
    """The columns shown in ``room`` cells and their widths, in the given order: the highest-ranked columns
    are dropped until the rest fit; the flex column (if any) gets what is left."""
    shown = list(columns)

    def need(cols: list[Column]) -> int:
        return sum(c.width + padding for c in cols)

    while need(shown) > room:
        droppable = [c for c in shown if c.rank > 0]
        if not droppable:
            break
        shown.remove(max(droppable, key=lambda c: (c.rank, shown.index(c))))
    widths = {c.key: c.width for c in shown}
    flex = next((c for c in shown if c.flex), None)
    if flex is not None:
        widths[flex.key] += max(0, room - need(shown))
    return widths


def cut(text: Text | str, width: int) -> Text:
    """``text`` in at most ``width`` cells: whole when it fits, else cut at the last word boundary that
    leaves room for "…" (mid-word only when a single word is longer than the room)."""
    text = text if isinstance(text, Text) else Text(text)
    if text.cell_len <= width:
        return text
    if width <= 1:
        return Text("…"[:width])
    plain = text.plain
    room = width - 1
    at = plain.rfind(" ", 0, room + 1)
    end = at if at >= room // 2 else room  # a boundary too far back would waste the column
    out = text[:end].copy()
    out.rstrip()
    out.append("…", style="dim")
    while out.cell_len > width:  # wide characters
        out = out[:-2] + Text("…", style="dim")
    return out


def table_room(screen_width: int) -> int:
    """The cells a full-width DataTable can give its columns (its vertical scrollbar taken off)."""
    return max(20, screen_width - SCROLLBAR)


def set_columns(table, widths: dict[str, int], labels: dict[str, str]) -> bool:
    """Give ``table`` exactly these columns (rebuilt, rows cleared, only when they changed). True when
    rebuilt: the caller adds the rows again."""
    current = {str(key.value): col.width for key, col in table.columns.items()}
    if list(current) == list(widths) and all(current[k] == w for k, w in widths.items()):
        return False
    table.clear(columns=True)
    for key, width in widths.items():
        table.add_column(labels[key], key=key, width=width)
    return True
