"""The one boundary between server text and a screen (strapi_console/display.py), and the rule that no
widget of the TUI builds markup out of formatted text."""

from __future__ import annotations

import ast
import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strapi_console.display import SafeStream, is_safe, json_text, safe
from hostile_corpus import PAYLOADS

SCREENS = Path(__file__).resolve().parents[1] / "screens"
RAW_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


@pytest.mark.parametrize("payload", [p.text for p in PAYLOADS], ids=[p.id for p in PAYLOADS])
def test_safe_leaves_no_terminal_control_and_no_line_break(payload):
    shown = safe(payload, 300)
    assert not RAW_UNSAFE.search(shown), repr(shown)
    assert "\n" not in shown and "\r" not in shown
    assert len(shown) <= 300
    assert is_safe(shown, multiline=False)


def test_safe_shows_what_it_escaped():
    assert safe("\x1b]52;c;Y3VybA==\x07") == "\\x1b]52;c;Y3VybA==\\x07"
    assert safe("admin\u202etxt.exe") == "admin\\u202etxt.exe"
    assert safe("a\u200bb") == "a\\u200bb"
    assert safe("line1\nline2") == "line1\\nline2"
    assert safe("line1\nline2", multiline=True) == "line1\nline2"
    assert safe("x\x9b31m") == "x\\x9b31m"
    assert safe("\udcff") == "\\udcff"  # invalid UTF-8 decoded with surrogateescape
    assert safe("Éditeur ✓ 日本") == "Éditeur ✓ 日本"  # readable text stays as it is
    assert safe("[@click=app.quit]x[/]") == "[@click=app.quit]x[/]"  # data: the widgets never parse it
    assert safe(None) == "" and safe(42) == "42"


def test_safe_cuts_long_text_without_splitting_an_escape():
    assert safe("x" * 20_000, 50) == "x" * 49 + "…"
    cut = safe("ab" + "\x1b" * 100, 10)
    assert cut.endswith("…") and len(cut) <= 10
    assert not re.search(r"\\x?[0-9a-f]?…$", cut.replace("\\x1b", "")), cut


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400), st.integers(min_value=1, max_value=500))
def test_safe_is_bounded_and_clean_for_any_text(text, limit):
    shown = safe(text, limit)
    assert len(shown) <= limit
    assert is_safe(shown, multiline=False)


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20))
def test_json_text_keeps_data_exact_and_terminal_clean(data):
    text = json_text(data)
    assert json.loads(text) == data
    assert is_safe(text, multiline=False)


def test_safe_stream_escapes_what_a_print_forgot():
    out = io.StringIO()
    SafeStream(out).write("ok\n\x1b[2Jcleared\u202e\n")
    assert out.getvalue() == "ok\n\\x1b[2Jcleared\\u202e\n"


# --- no widget builds markup from formatted text -------------------------------------------------------

# widgets and APIs that read a plain str as markup (ConfirmScreen is not one: it shows its question as text)
SINKS = {"update", "Static", "Label", "add_row", "update_cell", "add_column", "Button", "Checkbox", "SimpleCommand"}


def _formatted(node: ast.AST) -> bool:
    """An f-string, a concatenation or a .format()/% of strings: text that may hold server data."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _formatted(node.left) or _formatted(node.right) or isinstance(node.left, ast.Constant)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"):
        return isinstance(node.func.value, ast.Constant)
    if isinstance(node, ast.IfExp):
        return _formatted(node.body) or _formatted(node.orelse)
    return False


def _sink_name(call: ast.Call) -> str | None:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def _markup_off(call: ast.Call) -> bool:
    return any(k.arg == "markup" and isinstance(k.value, ast.Constant) and k.value.value is False
               for k in call.keywords)


def _wrapped_safe(node: ast.AST) -> bool:
    """Built through the boundary: plain(...), safe(...), Text(...)/Text.assemble(...)."""
    if isinstance(node, ast.Call):
        name = _sink_name(node)
        return name in ("plain", "safe", "Text", "assemble", "lines", "markup_literal")
    return False


def test_no_widget_in_screens_gets_markup_built_from_formatted_text():
    offenders = []
    for path in sorted(SCREENS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _sink_name(node) not in SINKS or _markup_off(node):
                continue
            for arg in node.args:
                if _formatted(arg) and not _wrapped_safe(arg):
                    offenders.append(f"{path.name}:{node.lineno}: {ast.unparse(node)[:100]}")
    assert not offenders, "formatted text given to a widget (read as markup): use plain()/Text:\n" + "\n".join(offenders)


def test_palette_text_reads_back_as_exactly_the_safe_text():
    from textual.content import Content

    from screens.formatting import markup_literal

    for value in [p.text for p in PAYLOADS] + ["[$accent]x", "a\\[b]", "x\\", "[B]y[/B]", "\\[@click=app.quit]x[/]"]:
        assert Content.from_markup(markup_literal(value)).plain == safe(value, 120)


def test_screens_never_parse_markup_from_variables():
    """Rich's escape() and Content.from_markup over data are how markup injection got in: neither is used."""
    offenders = []
    for path in sorted(SCREENS.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        for pattern in ("from_markup(", "rich.markup import escape"):
            if pattern in text and path.name != "keyring_choice.py":
                offenders.append(f"{path.name}: {pattern}")
    assert not offenders, offenders


# --- the app's own nets: toasts never markup, rendered lines never terminal control --------------------

async def test_a_toast_shows_server_text_as_text():
    from screens.app import StrapiConsoleApp
    from strapi_console import config as cm

    app = StrapiConsoleApp(config=cm.load())
    async with app.run_test(size=(80, 24)) as pilot:
        app.notify("[@click=app.quit]x[/] \x1b]52;c;eA==\x07", title="[/]")  # would raise MarkupError as markup
        await pilot.pause(0.3)
        assert app.is_running
        toast = app._notifications  # the app keeps what it shows
        shown = [n.message for n in toast]
        assert shown and "[@click=app.quit]x[/]" in shown[-1] and "\x1b" not in shown[-1]


async def test_a_control_character_a_widget_let_through_never_reaches_the_screen():
    """A sink that forgot safe(): the line filter still shows the escape, not the control."""
    from textual.widgets import Static

    from screens.app import StrapiConsoleApp
    from strapi_console import config as cm

    app = StrapiConsoleApp(config=cm.load())
    async with app.run_test(size=(80, 24)) as pilot:
        await app.screen.mount(Static("forgot\x1b[2Jsafe\u202e", markup=False))
        await pilot.pause(0.2)
        svg = app.export_screenshot()
        assert "\x1b" not in svg and "\u202e" not in svg and "forgot\\x1b[2Jsafe" in svg.replace("&#92;", "\\")
