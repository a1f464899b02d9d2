"""`?`: the keys of the screen you are on, built from its active bindings, plus the global grammar."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from strapi_console.display import safe

GRAMMAR = Text.assemble((":", "bold"), " jump to a panel or server   ", ("/", "bold"), " filter   ",
                        ("esc", "bold"), " back / clear   ", ("1–5", "bold"), " panels   ", ("q", "bold"), " quit")


KEYMAP_NOTE = Text.assemble(("Keys are yours: ", "dim"), ("[keymap]", "bold"),
                            (" in the config, binding id = \"keys\" (the dim names above), e.g. ", "dim"),
                            ('"detail.refresh" = "f5,r"', "bold"))


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
                "own": binding.action in own, "id": binding.id})
            label = _key_label(self.app, binding)
            if label not in entry["keys"]:
                entry["keys"].append(label)
        # Text, never markup: key labels come from the user's keymap ("[" is a key too)
        sections: dict[str, list[Text]] = {"screen": [], "app": [], "widget": []}
        for entry in sorted(entries.values(), key=lambda e: not e["own"]):
            keys = safe("/".join(entry["keys"]), 40)
            line = Text.assemble("  ", (f"{keys:>10}", "bold"), "  ", safe(entry["text"], 200))
            if not entry["enabled"]:
                line.append(" (not available now)", style="dim")
            if entry["id"]:
                line.append(f"  {safe(entry['id'], 40)}", style="dim")  # the name [keymap] in the config uses
            sections[entry["where"]].append(line)
        title = getattr(self.under, "BINDING_GROUP_TITLE", None) or self.under.__class__.__name__
        parts = [Text(f"Keys — {safe(title, 80)}", style="bold")]
        for key, heading in (("screen", "This screen"), ("app", "Everywhere"), ("widget", "In the focused list")):
            if sections[key]:
                parts.append(Text.assemble("\n", (heading, "bold")))
                parts.extend(sections[key])
        for extra in self._focused_help():
            parts += [Text(""), extra]
        parts += [Text(""), GRAMMAR, Text(""), KEYMAP_NOTE, Text("esc closes", style="dim")]
        with VerticalScroll(classes="dialog help"):
            yield Static(Text("\n").join(parts), markup=False)

    def _focused_help(self) -> list[Text]:
        """What the focused widget and the screen say about themselves (a ``help_text()`` method returning
        ``Text``), innermost first: the matrix explains its symbols, as Posting's widgets add their help."""
        out: list[Text] = []
        node = self.under.focused or self.under
        while node is not None:
            helper = getattr(node, "help_text", None)
            if callable(helper):
                text = helper()
                if text is not None and all(text.plain != t.plain for t in out):
                    out.append(text)
            if node is self.under:
                break
            node = node.parent
        return out

    def action_close(self) -> None:
        self.dismiss(None)
