"""A confirmation modal; with texts to type the operator must type each (production, deletions).

``ConfirmScreen.asking`` shows a core :class:`~strapi_console.confirmation.Confirmation`, so the TUI asks
exactly what the CLI asks."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="confirm.cancel")]

    def __init__(self, question: str, *, confirm_text: str | None = None,
                 typed: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.question = question
        # (prompt, text) pairs, each typed in its own field; confirm_text is the one-field form
        self.typed = list(typed or ([(f"Type [b]{escape(confirm_text)}[/b] to confirm:", confirm_text)]
                                    if confirm_text else []))

    @classmethod
    def asking(cls, confirmation) -> "ConfirmScreen":
        return cls(confirmation.question(),
                   typed=[(f"{escape(t.prompt)}:", t.text) for t in confirmation.typed])

    @property
    def confirm_text(self) -> str | None:
        """The last text to type (an object's name when there is one), for callers and tests."""
        return self.typed[-1][1] if self.typed else None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="question")
            for index, (prompt, _) in enumerate(self.typed):
                yield Label(prompt)
                yield Input(id="typed" if index == 0 else f"typed-{index}")
            with Horizontal(classes="buttons"):
                yield Button("Confirm", variant="error", id="yes", disabled=bool(self.typed))
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        self.query_one("#typed" if self.typed else "#no").focus()

    def _all_typed(self) -> bool:
        fields = list(self.query(Input))
        return len(fields) == len(self.typed) and all(f.value == text for f, (_, text) in zip(fields, self.typed))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#yes", Button).disabled = not self._all_typed()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self._all_typed():
            self.dismiss(True)
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_cancel(self) -> None:
        self.dismiss(False)
