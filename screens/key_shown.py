"""Shows a regenerated key once: copy it (OSC 52) or close. It is never logged nor kept."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from strapi_console.display import safe


class KeyShownScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "close", "Close", id="key.close"), Binding("c", "copy", "Copy", id="key.copy")]

    def __init__(self, name: str, key: str) -> None:
        super().__init__()
        self.token_name = name
        self.key = key

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text.assemble((f"New {safe(self.token_name, 120)}", "bold"),
                                      ": shown once. Copy it now (c), then hand it to whoever needs it."), markup=False)
            yield Static(safe(self.key, None), id="new-key", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Copy", variant="primary", id="copy")
                yield Button("Close", id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "copy":
            self.action_copy()
        else:
            self.action_close()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.key)
        self.notify("Copied (OSC 52, where the terminal supports it).")

    def action_close(self) -> None:
        self.key = ""
        self.dismiss(None)
