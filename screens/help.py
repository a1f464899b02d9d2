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
        sections: dict[str, list[str]] = {"screen": [], "app": [], "widget": []}
        seen: set[str] = set()
        for active in self.under.active_bindings.values():
            binding = active.binding
            if not binding.description or (id(active.node), binding.action) in seen:
                continue
            seen.add((id(active.node), binding.action))
            where = "screen" if active.node is self.under else "app" if active.node is self.app else "widget"
            mark = "" if active.enabled else " [dim](not available now)[/dim]"
            sections[where].append(f"  [b]{_key_label(self.app, binding):>8}[/b]  {binding.description}{mark}")
        title = getattr(self.under, "BINDING_GROUP_TITLE", None) or self.under.__class__.__name__
        parts = [f"[b]Keys — {title}[/b]"]
        for key, heading in (("screen", "This screen"), ("app", "Everywhere"), ("widget", "In the focused list")):
            if sections[key]:
                parts.append(f"\n[b]{heading}[/b]\n" + "\n".join(sections[key]))
        parts.append(f"\n{GRAMMAR}\n\n[dim]esc closes[/dim]")
        with VerticalScroll(classes="dialog help"):
            yield Static("\n".join(parts))

    def action_close(self) -> None:
        self.dismiss(None)
