"""`?`: the keys of the screen you are on, built from its active bindings, plus the global grammar."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

GRAMMAR = ("[b]:[/b] jump to a panel or server   [b]/[/b] filter   [b]esc[/b] back / clear   "
           "[b]1–5[/b] panels   [b]q[/b] quit")


def _key_label(app, binding: Binding) -> str:
    return binding.key_display or app.get_key_display(binding)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help.close")]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        rows: list[str] = []
        seen: set[str] = set()
        for key, active in self.under.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            label = _key_label(self.app, binding)
            mark = "" if active.enabled else " [dim](not available here)[/dim]"
            rows.append(f"  [b]{label:>8}[/b]  {binding.description}{mark}")
        title = getattr(self.under, "BINDING_GROUP_TITLE", None) or self.under.__class__.__name__
        with VerticalScroll(classes="dialog help"):
            yield Static(f"[b]Keys — {title}[/b]\n\n" + "\n".join(rows) + f"\n\n{GRAMMAR}\n\n[dim]esc closes[/dim]")

    def action_close(self) -> None:
        self.dismiss(None)
