"""A panel's first frame while its module still loads: its title, the key bar and "loading…".

The panels' modules load in a thread after the app's first frame (``StrapiConsoleApp._preload_panels``).
A panel key pressed before that is done would import the module on the UI thread, and in the first second
that import waits for the first scan's own imports (the checks, httpx) to release the import lock: 150-450
ms with nothing drawn. This screen is drawn at once from widgets the server list already loaded, over the
current one; the module loads in a thread, then this screen goes and the panel opens. Keys typed meanwhile
are held and go to the panel (``App.hold_keys``)."""

from __future__ import annotations

import asyncio
import importlib

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header, Static

from .key_bar import KeyBar


class PanelLoading(Screen):
    def __init__(self, mode: str, module: str, title: str, release=lambda: None) -> None:
        """``release`` ends the key hold the app started when the panel key was handled (before this screen
        mounts, so nothing typed right after the key reaches a screen without the panel's bindings)."""
        super().__init__()
        self.mode, self.module, self.title_text = mode, module, title
        self.loaded = False
        self.left = False
        self._gone = False
        self._release = release

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield Static(" loading…", id="panel-loading")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = self.title_text
        # on the app, not this screen: the screen goes away before the panel opens, the load must not
        self.app.run_worker(self._load(), name=f"loading panel {self.title_text}", group=f"panel:{self.mode}",
                            exit_on_error=False)

    async def _load(self) -> None:
        try:
            await asyncio.to_thread(importlib.import_module, self.module)
            self.loaded = True
            opened = self._give_way()
            if opened is not None:
                await opened  # the panel is mounted: the held keys go to it
        except Exception as exc:  # noqa: BLE001 - a panel that cannot load must not leave this screen stuck
            self.leave()
            self.app.notify(f"{self.title_text} could not be opened: {type(exc).__name__}: {exc}",
                            title="Panel", severity="error")
        finally:
            self._release()

    def leave(self) -> None:
        """This screen goes without opening its panel (another panel was asked for, or the load failed); with
        something else on top (a form a worker opened), once that is gone."""
        self.left = True
        if not self._gone and self.app.screen is self:
            self._gone = True
            self.app.pop_screen()

    def on_screen_resume(self) -> None:
        if self.left:  # left while something else was on top
            self.leave()
        else:
            self._give_way()  # loaded while something else was on top (a form a worker opened)

    def _give_way(self):
        """Once loaded and on top: this screen goes, the panel opens (a resume and the load can both ask)."""
        if not (self.loaded and self.is_current) or self._gone or self.left:
            return None
        self._gone = True
        self.app.pop_screen()
        return self.app.switch_mode(self.mode)
