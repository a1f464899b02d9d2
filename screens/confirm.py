"""A confirmation modal; with ``confirm_text`` the operator must type it (production, deletions)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="confirm.cancel")]

    def __init__(self, question: str, *, confirm_text: str | None = None) -> None:
        super().__init__()
        self.question = question
        self.confirm_text = confirm_text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="question")
            if self.confirm_text:
                yield Label(f"Type [b]{self.confirm_text}[/b] to confirm:")
                yield Input(id="typed")
            with Horizontal(classes="buttons"):
                yield Button("Confirm", variant="error", id="yes", disabled=bool(self.confirm_text))
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        self.query_one("#typed" if self.confirm_text else "#no").focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#yes", Button).disabled = event.value != self.confirm_text

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value == self.confirm_text:
            self.dismiss(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_cancel(self) -> None:
        self.dismiss(False)
