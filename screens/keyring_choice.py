"""Shown once when no keyring can store secrets (normal over SSH): the choices, said plainly."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from strapi_console.display import safe

TEXT = """[b]No keyring can store secrets here[/b]  (backend: {backend})

This is normal over SSH without a desktop session (no D-Bus secret service).

[b]Keep in memory[/b]: the token lives only in this process; quitting forgets it and you sign in again next time.

[b]Configure a file keyring[/b] instead (then restart the console):
  pip install keyrings.alt
  export PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring
or, with keyrings.cryptfile:
  export PYTHON_KEYRING_BACKEND=keyrings.cryptfile.cryptfile.CryptFileKeyring"""


class KeyringChoiceScreen(ModalScreen[str]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="keyring.cancel"),
                Binding("m", "memory", "Keep in memory", id="keyring.memory")]

    def __init__(self, backend: str) -> None:
        super().__init__()
        self.backend = backend

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(TEXT.format(backend=escape(safe(self.backend, 120))))
            with Horizontal(classes="buttons"):
                yield Button("Keep in memory (m)", variant="primary", id="memory")
                yield Button("Cancel", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "cancel")

    def action_memory(self) -> None:
        self.dismiss("memory")

    def action_cancel(self) -> None:
        self.dismiss("cancel")
