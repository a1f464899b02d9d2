"""Rich Text → Segments for the line-API widgets (the matrix, the audit list).

``Text.render`` yields a Text's spans but not its base style (``Text("✓", style="green")`` comes out
colourless: the base style is applied by the console, which these widgets bypass for speed)."""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.filter import LineFilter

from strapi_console.display import is_safe, safe


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


class TerminalSafeFilter(LineFilter):
    """The last net under the per-sink ``safe()`` calls: any terminal-active or invisible character that
    still reaches a rendered line (a sink someone forgot) is shown as its escape, never sent to the
    terminal. Lines without one (all of them, normally) pass untouched after one regex search."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if all(is_safe(seg.text) for seg in segments):
            return segments
        return [seg if is_safe(seg.text) else Segment(safe(seg.text, None, multiline=True, tabs=True), seg.style,
                                                      seg.control) for seg in segments]
