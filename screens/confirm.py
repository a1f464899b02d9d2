"""A confirmation modal; with ``confirm_text`` the operator must type it (production, deletions)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from strapi_console.display import safe


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="confirm.cancel"),
                Binding("left", "move(-1)", "Previous button", key_display="←", id="confirm.left"),
                Binding("right", "move(1)", "Next button", key_display="→", id="confirm.right")]

    def __init__(self, question: str | Text, *, confirm_text: str | None = None) -> None:
        """``question`` is shown as text, never as markup (it names roles, tokens and servers); a plain
        string passes through the safe-display function, a ``Text`` is taken as built by the caller.
        The operator types ``confirm_text`` as it is shown (control characters as visible escapes)."""
        super().__init__()
        self.question = question if isinstance(question, Text) else Text(safe(question, 4000, multiline=True))
        self.confirm_text = safe(confirm_text, 200) if confirm_text else None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="question", markup=False)
            if self.confirm_text:
                yield Label(Text.assemble("Type ", (self.confirm_text, "bold"), " to confirm:"), markup=False)
                yield Input(id="typed")
            with Horizontal(classes="buttons"):
                yield Button("Confirm", variant="error", id="yes", disabled=bool(self.confirm_text))
                yield Button("Cancel", id="no")
            yield Label(self._keys(), id="confirm-keys", markup=False)

    def _keys(self) -> Text:
        """The dialog's keys, on the dialog: nothing here is guesswork over a slow link."""
        if self.confirm_text:
            return Text("type it, then enter confirms · tab reaches the buttons, ←/→ move between them · esc cancels", style="dim")
        return Text("←/→ move between the buttons · enter presses the highlighted one · esc cancels", style="dim")

    def on_mount(self) -> None:
        self.query_one("#typed" if self.confirm_text else "#no").focus()

    def action_move(self, step: int) -> None:
        buttons = [b for b in self.query(Button) if not b.disabled]
        if not buttons:
            return
        at = buttons.index(self.focused) if self.focused in buttons else (0 if step > 0 else len(buttons))
        buttons[(at + step) % len(buttons)].focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#yes", Button).disabled = event.value != self.confirm_text

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value == self.confirm_text:
            self.dismiss(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_cancel(self) -> None:
        self.dismiss(False)
