"""Opening a panel costs only the panel: no stylesheet re-parsed, no app restyled, nothing imported on the key,
and what a user sees first is the panel itself with its data filling in after. What these guard is speed (a
panel's first frame within 100 ms, measured by benchmarks/fleet_scan.py --panels-only); the tests assert the
work that is not done, never a time."""

from __future__ import annotations

import asyncio

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
