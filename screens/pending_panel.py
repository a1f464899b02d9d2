"""Panels 2–5 until their features land: say so plainly, keep the global keys working."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class PendingPanel(Screen):
    def __init__(self, mode: str, title: str, purpose: str) -> None:
        super().__init__(name=mode)
        self.panel_title = title
        self.purpose = purpose

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Middle():
            with Center():
                yield Static(f"[b]{self.panel_title}[/b]\n\n{self.purpose}\n\nThis panel is not built yet. "
                             "The server list (press [b]1[/b]) and `strapi-console scan` work today.",
                             classes="pending")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.panel_title
