"""A confirmation modal; with texts to type the operator must type each (production, deletions).

``ConfirmScreen.asking`` shows a core :class:`~strapi_console.confirmation.Confirmation`, so the TUI asks
exactly what the CLI asks."""

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

    def __init__(self, question: str | Text, *, confirm_text: str | None = None,
                 typed: list[tuple[str, str]] | None = None) -> None:
        """``question`` is shown as text, never as markup (it names roles, tokens and servers): a plain
        string passes through the safe-display function, a ``Text`` is taken as built by the caller.
        Each ``(prompt, text)`` of ``typed`` is typed in its own field (``confirm_text`` is the one-field
        form); the operator types each text as it is shown (control characters as visible escapes)."""
        super().__init__()
        self.question = question if isinstance(question, Text) else Text(safe(question, 4000, multiline=True))
        pairs = typed or ([("Type {} to confirm:", confirm_text)] if confirm_text else [])
        self.typed = [(prompt, safe(text, 200)) for prompt, text in pairs]

    @classmethod
    def asking(cls, confirmation) -> "ConfirmScreen":
        return cls(confirmation.question(), typed=[(f"{safe(t.prompt, 300)}:", t.text) for t in confirmation.typed])

    @property
    def confirm_text(self) -> str | None:
        """The last text to type (an object's name when there is one), for callers and tests."""
        return self.typed[-1][1] if self.typed else None

    @staticmethod
    def _prompt(prompt: str, text: str) -> Text:
        if "{}" not in prompt:
            return Text(prompt)
        before, _, after = prompt.partition("{}")
        return Text.assemble(before, (text, "bold"), after)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="question", markup=False)
            for index, (prompt, text) in enumerate(self.typed):
                yield Label(self._prompt(prompt, text), markup=False)
                yield Input(id="typed" if index == 0 else f"typed-{index}")
            with Horizontal(classes="buttons"):
                yield Button("Confirm", variant="error", id="yes", disabled=bool(self.typed))
                yield Button("Cancel", id="no")
            yield Label(self._keys(), id="confirm-keys", markup=False)

    def _keys(self) -> Text:
        """The dialog's keys, on the dialog: nothing here is guesswork over a slow link."""
        if self.confirm_text:
            return Text("type it, then enter confirms · tab reaches the buttons, ←/→ move between them · esc cancels", style="dim")
        return Text("←/→ move between the buttons · enter presses the highlighted one · esc cancels", style="dim")

    def on_mount(self) -> None:
        self.query_one("#typed" if self.typed else "#no").focus()

    def _all_typed(self) -> bool:
        fields = list(self.query(Input))
        return len(fields) == len(self.typed) and all(f.value == text for f, (_, text) in zip(fields, self.typed))

    def action_move(self, step: int) -> None:
        buttons = [b for b in self.query(Button) if not b.disabled]
        if not buttons:
            return
        at = buttons.index(self.focused) if self.focused in buttons else (0 if step > 0 else len(buttons))
        buttons[(at + step) % len(buttons)].focus()

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
