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
        # Group keys by (node, action) so "q" and "ctrl+q" for Quit show on one line.
        entries: dict[tuple[int, str], dict] = {}
        own = {b.action for b in getattr(self.under, "BINDINGS", []) if isinstance(b, Binding)}
        for active in self.under.active_bindings.values():
            binding = active.binding
            if not binding.description:
                continue
            node = active.node
            where = "screen" if node is self.under else "app" if node is self.app else "widget"
            entry = entries.setdefault((id(node), binding.action), {
                "where": where, "keys": [], "text": binding.description, "enabled": active.enabled,
                "own": binding.action in own})
            label = _key_label(self.app, binding)
            if label not in entry["keys"]:
                entry["keys"].append(label)
        sections: dict[str, list[str]] = {"screen": [], "app": [], "widget": []}
        for entry in sorted(entries.values(), key=lambda e: not e["own"]):
            mark = "" if entry["enabled"] else " [dim](not available now)[/dim]"
            keys = "/".join(entry["keys"])
            sections[entry["where"]].append(f"  [b]{keys:>10}[/b]  {entry['text']}{mark}")
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
