"""Rich Text → Segments for the line-API widgets (the matrix, the audit list).

``Text.render`` yields a Text's spans but not its base style (``Text("✓", style="green")`` comes out
colourless: the base style is applied by the console, which these widgets bypass for speed)."""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text


def text_segments(text: Text, console: Console, extra: Style | None = None) -> list[Segment]:
    """The segments of ``text`` with its base style kept, and ``extra`` (a cursor, say) laid over all."""
    base = console.get_style(text.style) if text.style else None
    out: list[Segment] = []
    for seg in text.render(console):
        style = base + seg.style if base and seg.style else (seg.style or base)
        if extra is not None:
            style = style + extra if style else extra
        out.append(Segment(seg.text, style))
    return out
