"""The one boundary between server text and a screen: what a server (or its users) wrote is shown as
data, never as markup or terminal control.

Every string that comes from a server passes :func:`safe` before anyone shows it: the TUI (which then
puts it in a ``rich.text.Text`` or a widget with ``markup=False``, so ``[...]`` is never read as
markup), the CLI's tables and text lines, and toasts and dialogs. Control characters (C0, DEL, C1 —
ESC among them, so no OSC 52 clipboard write, OSC 8 hidden link or screen clear reaches the
terminal), bidirectional overrides and isolates, zero-width and other invisible format characters,
line and paragraph separators and unpaired surrogates (invalid UTF-8 decoded with
``surrogateescape``) become visible escapes such as ``\\x1b`` or ``\\u202e``; a newline becomes
``\\n`` unless the caller shows a multi-line block, so a value can never start a forged output line;
a long string is cut with ``…``. The work is linear in the length shown: a 20,000-character string is
cut before it is escaped.

JSON and SARIF keep the data exact instead: :func:`json_text` serialises with every such character
written as a JSON ``\\uXXXX`` escape (the same data, nothing raw on the terminal).
"""

from __future__ import annotations

import json
import re
from typing import Any

ELLIPSIS = "…"
DEFAULT_LIMIT = 300

# C0 (but \n and \t, decided per call), DEL, C1; soft hyphen and the other invisible format characters
# (Arabic/Syriac/Mongolian marks, zero-width space/joiners, LRM/RLM, bidi embeddings, overrides and
# isolates, word joiner and invisible operators, BOM, interlinear annotations, tag characters); line
# and paragraph separators; surrogates (only present when bytes were decoded with surrogateescape); the
# other default-ignorable code points a renderer shows as nothing or a blank (combining grapheme joiner,
# Hangul fillers, Khmer inherent vowels, Mongolian variation selectors, the whole tag and variation
# selector supplement plane block), so 'admin' and 'admin\u3164' never look the same. The emoji variation
# selectors U+FE00-FE0F are kept: they only pick how the character before them is drawn.
_UNSAFE_CLASS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\uffa0"
    "\ufff9-\ufffb\ud800-\udfff"
    "\U000110bd\U000110cd\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]")
# (multiline, tabs) → what is escaped: newlines unless multi-line, tabs unless kept
_PATTERNS = {(False, False): re.compile(f"[{_UNSAFE_CLASS}\n\t]"), (False, True): re.compile(f"[{_UNSAFE_CLASS}\n]"),
             (True, False): re.compile(f"[{_UNSAFE_CLASS}\t]"), (True, True): _UNSAFE}
_PARTIAL_ESCAPE = re.compile(r"\\(?:x[0-9a-f]?|u[0-9a-f]{0,3}|U[0-9a-f]{0,7}|n?)$")


def escape_char(ch: str) -> str:
    """The visible escape of one unsafe character: ``\\x1b``, ``\\u202e``, ``\\U000e0041``, ``\\n``."""
    code = ord(ch)
    if ch == "\n":
        return "\\n"
    if ch == "\t":
        return "\\t"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _escape(match: re.Match[str]) -> str:
    return escape_char(match.group(0))


def safe(value: Any, limit: int | None = DEFAULT_LIMIT, *, multiline: bool = False, tabs: bool = False) -> str:
    """``value`` as text that is safe to show on a terminal or in a widget (see the module docstring).

    ``limit`` is the most characters shown (``None``: no cut, for text already bounded by the caller);
    ``multiline`` keeps newlines (a detail pane), otherwise they are shown as ``\\n``; ``tabs`` keeps
    tab characters. ``None`` is shown as the empty string; anything else that is not a string through
    ``str()``."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    cut = limit is not None and len(text) > limit
    if cut:
        text = text[:limit]
    text = _PATTERNS[(multiline, tabs)].sub(_escape, text)
    if limit is not None and (cut or len(text) > limit):
        text = _PARTIAL_ESCAPE.sub("", text[:max(limit - 1, 0)]) + ELLIPSIS
    return text


def is_safe(text: str, *, multiline: bool = True) -> bool:
    """True when ``text`` holds nothing :func:`safe` would escape (newlines allowed when ``multiline``)."""
    return not _PATTERNS[(multiline, True)].search(text)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\u{code:04x}" if code <= 0xFFFF else "".join(
        f"\\u{unit:04x}" for unit in (0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)))


def json_text(data: Any, **kwargs: Any) -> str:
    """``json.dumps`` that keeps the data exact but never puts a terminal-active or invisible character
    on the output raw: readable non-ASCII text stays as it is, every character :func:`safe` would
    escape is written as a ``\\uXXXX`` escape (valid JSON, the same string when parsed)."""
    kwargs.setdefault("ensure_ascii", False)
    return _UNSAFE.sub(_json_escape, json.dumps(data, **kwargs))


class SafeStream:
    """A text stream wrapper for the CLI's standard output and error: the last line of defence under
    the per-value :func:`safe` calls. Whatever is written has every unsafe character escaped (newlines
    and tabs pass, since the CLI's own lines need them). JSON written with :func:`json_text` passes
    unchanged."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(_UNSAFE.sub(_escape, text))
        return len(text)

    def control(self, sequence: str) -> None:
        """The console's own terminal control (a progress line's carriage return and erase), written as it
        is: a fixed sequence of the console's, never text from a server."""
        self._stream.write(sequence)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
