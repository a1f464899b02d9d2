"""Keys are configurable: a [keymap] table in the config (binding id = "keys"), validated like every other
key (a typo gets the closest id), applied through Textual's keymap, and listed by `?` with the ids.
`?` on panel 3 explains the matrix symbols."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from textual.binding import Binding

import screens
from conftest import wait_until
from screens.app import StrapiConsoleApp
from screens.help import HelpScreen
from strapi_console import config as cm
from strapi_console.config import Profile
from strapi_console.errors import ConfigError
from strapi_console.keymap import BINDINGS


def write_config(text: str):
    cfg = cm.load()
    cfg.path.parent.mkdir(parents=True, exist_ok=True)
    cfg.path.write_text(text)
    return cfg.path


def test_every_binding_id_of_the_tui_is_in_the_core_list_and_back():
    """The config validates ids without importing the TUI: its list must be the screens' own."""
    found: set[str] = set()
    for info in pkgutil.iter_modules(screens.__path__):
        module = importlib.import_module(f"screens.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            for b in getattr(cls, "BINDINGS", []):
                if isinstance(b, Binding) and b.id:
                    found.add(b.id)
    assert found == set(BINDINGS)


def test_keymap_typos_get_the_closest_id_and_bad_keys_say_why():
    path = write_config('[keymap]\n"detail.refesh" = "f5"\n')
    with pytest.raises(ConfigError) as err:
        cm.load()
    assert "unknown key 'detail.refesh' in [keymap]" in err.value.message
    assert "Did you mean 'detail.refresh'?" in err.value.message
    path.write_text('[keymap]\n"detail.refresh" = "f5,,r"\n')
    with pytest.raises(ConfigError, match="keymap.detail.refresh must name at least one key"):
        cm.load()
    path.write_text('[keymap]\n"detail.refresh" = "control r"\n')
    with pytest.raises(ConfigError, match="'control r', which is not a key name"):
        cm.load()
    path.write_text('[keymap]\n"detail.refresh" = 5\n')
    with pytest.raises(ConfigError, match="must be a string of keys"):
        cm.load()
    path.write_text('keymap = "f5"\n')
    with pytest.raises(ConfigError, match=r"\[keymap\] must be a table"):
        cm.load()
    path.write_text('[keymap]\n"detail.refresh" = "f5, ctrl+r"\n"help" = "?"\n')
    cfg = cm.load()
    assert cfg.keymap == {"detail.refresh": "f5,ctrl+r", "help": "?"}
    cm.save(cfg)
    assert cm.load().keymap == cfg.keymap  # kept when the console saves the config


async def test_a_remapped_key_acts_and_help_lists_it_with_its_id():
    write_config('[keymap]\n"servers.refresh" = "f5"\n"servers.sort" = "ctrl+o"\n'
                 '[profiles.alpha]\nurl = "http://127.0.0.1:9"\n')
    app = StrapiConsoleApp(config=cm.load())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(lambda: app.state("alpha").result is not None and not app.state("alpha").refreshing)
        await pilot.press("f5")
        assert app.state("alpha").refreshing  # f5 rescans now
        await wait_until(lambda: not app.state("alpha").refreshing)
        await pilot.press("r")  # and r no longer does
        assert not app.state("alpha").refreshing
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one("Static").render().plain
        line = next(li for li in text.splitlines() if "Refresh" in li and "all" not in li)
        assert "f5" in line and "servers.refresh" in line
        assert any("^o" in li and "servers.sort" in li for li in text.splitlines())
        assert "[keymap]" in text


async def test_question_mark_on_panel_3_explains_the_matrix_symbols(fake_strapi):
    app = StrapiConsoleApp(config=cm.load())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(lambda: app.state("fake").result is not None and not app.state("fake").refreshing)
        await pilot.press("3")
        await wait_until(lambda: getattr(app.screen, "role", None) is not None)
        app.screen.query_one("#matrix").focus()
        await pilot.press("question_mark")
        text = app.screen.query_one("Static").render().plain
        assert "Matrix symbols" in text
        for mark in ("✓", "·", "✓!", "◐", "✓*", "✗*", "≠"):
            assert any(li.strip().startswith(mark + " ") for li in text.splitlines()), mark


async def test_a_keymap_that_takes_a_key_from_another_binding_says_so():
    cfg = cm.load()
    cfg.keymap = {"servers.sort": "r"}  # r was Refresh on the server list
    cfg.add(Profile("alpha", "http://127.0.0.1:9"))
    app = StrapiConsoleApp(config=cfg)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert any("Key clash" in n.title and "servers.refresh" in n.message for n in app._notifications)
