"""Shown once when the keyring cannot hold secrets (none over SSH, one that failed to load, one that keeps
them in clear): what is wrong and the choices, said plainly."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from strapi_console.display import safe
from strapi_console.errors import ConsoleError, NoKeyringError


CHOICES = Text.assemble(
    "\n\n", ("Keep in memory", "bold"), ": the token lives only in this process; quitting forgets it and you sign "
    "in again next time.\n\n", ("Or configure an encrypted file keyring", "bold"), " (then restart the console):\n"
    "  pip install keyrings.alt pycryptodome\n"
    "  export PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring\n"
    "or, with keyrings.cryptfile:\n"
    "  export PYTHON_KEYRING_BACKEND=keyrings.cryptfile.cryptfile.CryptFileKeyring")


class KeyringChoiceScreen(ModalScreen[str]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="keyring.cancel"),
                Binding("m", "memory", "Keep in memory", id="keyring.memory")]

    def __init__(self, problem: ConsoleError) -> None:
        super().__init__()
        self.problem = problem  # why the keyring cannot be used: none, one that failed to load, one in clear

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            text = self.problem.message + (f" {self.problem.hint}" if self.problem.hint else "")
            if isinstance(self.problem, NoKeyringError) and type(self.problem) is NoKeyringError:
                text = self.problem.message.split(" Choices:")[0]  # the choices follow, said once
            yield Static(Text.assemble((safe(self.problem.title, 120), "bold"), "\n", safe(text, 1000, multiline=True),
                                       CHOICES), markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Keep in memory (m)", variant="primary", id="memory")
                yield Button("Cancel", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "cancel")

    def action_memory(self) -> None:
        self.dismiss("memory")

    def action_cancel(self) -> None:
        self.dismiss("cancel")
