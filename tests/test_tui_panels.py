"""Opening a panel costs only the panel: no stylesheet re-parsed, no app restyled, nothing imported on the key,
and what a user sees first is the panel itself with its data filling in after. What these guard is speed (a
panel's first frame within 100 ms, measured by benchmarks/fleet_scan.py --panels-only); the tests assert the
work that is not done, never a time."""

from __future__ import annotations

from textual import events

from screens import app as app_mod
from screens.app import PANEL_SCREENS, StrapiConsoleApp
from strapi_console import config as cm
from strapi_console.config import Profile

PANEL_KEYS = {"versions": "2", "permissions": "3", "audit": "4", "headers": "5"}


def offline_app() -> StrapiConsoleApp:
    """The console with one profile on a port nothing listens on: its scan fails fast, the panels still open."""
    cfg = cm.load()
    cfg.add(Profile("offline", "http://127.0.0.1:9"), replace=True)
    return StrapiConsoleApp(config=cfg)


class Restyles:
    """Counts the whole-app restyles (every stylesheet re-parsed, every node restyled)."""

    def __init__(self, app: StrapiConsoleApp) -> None:
        self.count = 0
        refresh_css = app.refresh_css

        def counted(*args, **kwargs):
            self.count += 1
            return refresh_css(*args, **kwargs)

        app.refresh_css = counted


async def open_panel(app, pilot, mode: str) -> None:
    await pilot.press(PANEL_KEYS.get(mode, "1"))
    for _ in range(200):
        if app.current_mode == mode and app.screen.is_mounted:
            break
        await pilot.pause(0.02)
    await pilot.pause(0.05)


async def test_every_screen_stylesheet_is_read_with_the_app_and_a_panel_opening_restyles_nothing():
    """A screen's own CSS_PATH would be read on its first opening, re-parsing every stylesheet; a new
    panel screen marked stale made Textual restyle the whole app on its first and second opening."""
    import importlib
    import inspect

    from textual.screen import Screen

    for module in [*(m for m, _ in PANEL_SCREENS.values()), "server_list", "server_detail", "role_compare",
                   "triage", "help", "confirm", "login_form", "profile_form"]:
        for cls in vars(importlib.import_module(f"screens.{module}")).values():
            if inspect.isclass(cls) and issubclass(cls, Screen) and cls.__module__ == f"screens.{module}":
                assert not cls.CSS_PATH, f"{cls.__name__}: its stylesheet belongs in screens.app.STYLESHEETS"

    app = offline_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.1)
        sources = set(app.stylesheet.source)
        restyles = Restyles(app)
        for mode in [*PANEL_SCREENS, "servers", *PANEL_SCREENS, "servers"]:
            await open_panel(app, pilot, mode)
            assert app.current_mode == mode
        assert restyles.count == 0
        assert {s for s in set(app.stylesheet.source) - sources if s[1] == ""} == set()  # no stylesheet file

        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"  # a theme still restyles
        await pilot.pause(0.1)
        before = restyles.count
        await open_panel(app, pilot, "versions")
        await pilot.pause(0.1)
        assert restyles.count > before
        assert app.screen._css_update_count == app._css_update_count


def test_stylesheet_paths_are_absolute_so_subclasses_inherit_them():
    assert all(path.is_absolute() and path.exists() for path in app_mod.STYLESHEETS)


async def test_the_panel_modules_load_in_a_thread_after_the_first_frame(monkeypatch):
    """So that a panel key imports nothing on the UI thread."""
    import importlib
    import threading
    import types

    loaded: list[tuple[str, bool]] = []

    def import_module(name):
        loaded.append((name, threading.current_thread() is threading.main_thread()))
        return importlib.import_module(name)

    monkeypatch.setattr(app_mod, "importlib", types.SimpleNamespace(import_module=import_module))
    app = offline_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause(0.05)
        assert isinstance(app.screen, app_mod.ServerListScreen)  # no key pressed
        assert {f"screens.{m}" for m, _ in PANEL_SCREENS.values()} <= {name for name, _ in loaded}
        assert not [name for name, on_main in loaded if on_main and name != "screens.server_list"]  # loaded first


async def test_a_panel_key_before_its_module_loaded_shows_loading_at_once_and_keys_typed_meanwhile_reach_it(
        monkeypatch):
    """Pressed in the first second (the first scan's imports hold the import lock), `2` shows the panel's
    title and "loading…" at once instead of nothing for 150-450 ms; `/abc` typed while it loads still goes to
    the panel: its filter opens and gets `abc` (held, not lost on the loading frame)."""
    from screens.panel_loading import PanelLoading
    from screens.versions_panel import VersionsPanel

    module_ready = _blocked_panel_imports(monkeypatch)
    app = offline_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.1)
        await pilot.press("2")
        await pilot.pause(0.1)
        assert isinstance(app.screen, PanelLoading)
        shown = app.screen.query_one("#panel-loading").render()
        assert "loading…" in str(shown) and app.screen.sub_title == "2 Versions & advisories"
        for key, char in (("slash", "/"), ("a", "a"), ("b", "b"), ("c", "c")):  # as the terminal sends them
            app._driver.send_message(events.Key(key, char))
        await pilot.pause(0.2)
        assert isinstance(app.screen, PanelLoading)  # still loading: the keys wait
        module_ready.set()
        for _ in range(100):
            await pilot.pause(0.05)
            if isinstance(app.screen, VersionsPanel) and app.screen.query_one("#adv-filter").value == "abc":
                break
        assert isinstance(app.screen, VersionsPanel) and app.current_mode == "versions"
        assert app.screen.query_one("#adv-filter").value == "abc"
        assert not any(isinstance(s, PanelLoading) for s in app.screen_stack)
        await pilot.press("escape", "1")  # the filter has the keys until esc
        await pilot.pause(0.1)
        assert app.current_mode == "servers" and app.screen_stack == [app.screen]  # the loading frame is gone


def _blocked_panel_imports(monkeypatch, fail: bool = False):
    """Panel modules that load only when the returned event is set (or fail then), as in the first second."""
    import importlib
    import threading
    import types

    from screens import panel_loading

    ready = threading.Event()

    def slow_import(name):
        assert ready.wait(10)
        if fail:
            raise ImportError(f"cannot import {name}")
        return importlib.import_module(name)

    monkeypatch.setattr(StrapiConsoleApp, "_preload_panels", lambda self: None)
    monkeypatch.setattr(StrapiConsoleApp, "_panel_loaded", lambda self, mode: mode == "servers" or (ready.is_set() and not fail))
    monkeypatch.setattr(panel_loading, "importlib", types.SimpleNamespace(import_module=slow_import))
    return ready


async def test_another_panel_or_the_server_list_asked_for_while_one_loads_leaves_no_loading_frame(monkeypatch):
    """A slow start (the key hold has run out): `2`, then `3` while 2 loads, then `1`: the operator is on the
    server list with nothing left beneath it, and when the modules arrive no panel pops up uninvited."""
    from screens.panel_loading import PanelLoading

    monkeypatch.setattr(app_mod, "KEY_HOLD_LIMIT", 0.1)
    ready = _blocked_panel_imports(monkeypatch)
    app = offline_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.1)
        await pilot.press("2")
        await pilot.pause(0.3)
        assert isinstance(app.screen, PanelLoading) and app.screen.mode == "versions"
        await pilot.press("3")
        await pilot.pause(0.3)
        assert isinstance(app.screen, PanelLoading) and app.screen.mode == "permissions"
        assert sum(isinstance(s, PanelLoading) for s in app.screen_stack) == 1
        await pilot.press("1")
        await pilot.pause(0.3)
        assert app.current_mode == "servers" and app.screen_stack == [app.screen]
        assert not isinstance(app.screen, PanelLoading)
        ready.set()
        await pilot.pause(0.5)
        assert app.current_mode == "servers" and app.screen_stack == [app.screen]


async def test_a_panel_that_cannot_load_says_so_and_leaves_the_operator_where_they_were(monkeypatch):
    from screens.panel_loading import PanelLoading

    ready = _blocked_panel_imports(monkeypatch, fail=True)
    app = offline_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.1)
        await pilot.press("2")
        await pilot.pause(0.1)
        assert isinstance(app.screen, PanelLoading)
        ready.set()
        for _ in range(40):
            await pilot.pause(0.05)
            if not isinstance(app.screen, PanelLoading):
                break
        assert app.current_mode == "servers" and app.screen_stack == [app.screen]
        toasts = [n.message for n in app._notifications]
        assert any("could not be opened" in t and "ImportError" in t for t in toasts), toasts


async def test_panels_2_and_5_draw_their_frame_first_and_their_data_in_the_next(monkeypatch):
    """The frame a user sees first on `5` and `2` is the panel with "loading…", not a wait for the findings
    table or the advisory matching; the data is there a frame later."""
    from test_snapshots import FixedApp

    cfg = cm.load()
    cfg.add(Profile("demo", "http://127.0.0.1:9", tags=["development"]), replace=True)
    app = FixedApp(config=cfg)
    frames: list[tuple[str, str]] = []
    display = app._display

    def watched(screen, renderable) -> None:  # each frame as the terminal gets it, with its screen
        display(screen, renderable)
        lines = getattr(renderable, "strips", None)
        if lines is not None:
            frames.append((type(screen).__name__, "\n".join("".join(s.text for s in line) for line in lines)))

    app._display = watched
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        for key, screen, data in (("5", "HeadersPanel", "HDR-CORS"), ("2", "VersionsPanel", "4.25.0")):
            frames.clear()
            await pilot.press(key)
            await pilot.pause(0.3)
            shown = [text for name, text in frames if name == screen]
            assert "loading…" in shown[0] and data not in shown[0]
            assert any(data in text for text in shown[1:])
