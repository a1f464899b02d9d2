"""The key hints at the bottom of every screen: one line, one widget.

Textual's Footer builds a widget per key and recomposes them all whenever the bindings change (focus
moves, a profile turns read-only); on the server list that was ~150 ms of the first frame, more than
the rest of the screen. This draws the same hints as one line of text, from the same active bindings:
enabled keys bright, keys that exist but cannot act now dimmed, the command palette on the right.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content
from textual.events import Click
from textual.widget import Widget


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, Binding]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:
        self.refresh()

    def _shown(self) -> tuple[list[tuple[Binding, bool]], list[tuple[Binding, bool]]]:
        """(the screen's keys in order, the keys kept at the right end: help, then the palette)."""
        seen: set[str] = set()
        shown: list[tuple[Binding, bool]] = []
        right: dict[str, tuple[Binding, bool]] = {}
        for key, (_node, binding, enabled, _tooltip) in self.screen.active_bindings.items():
            if self.app.ENABLE_COMMAND_PALETTE and key == self.app.COMMAND_PALETTE_BINDING:
                right["palette"] = (binding, enabled)
            elif binding.action == "help":
                right["help"] = (binding, enabled)
            elif binding.show and binding.action not in seen:
                seen.add(binding.action)
                shown.append((binding, enabled))
        return shown, [right[k] for k in ("help", "palette") if k in right]

    def _piece(self, binding: Binding, enabled: bool) -> Content:
        key = self.app.get_key_display(binding)
        return Content.assemble((f" {key} ", "bold $footer-key-foreground" if enabled else "dim"),
                                (binding.description, "" if enabled else "dim"), " ")

    def render(self) -> Content:
        """The screen's keys from the left, as many as fit; `?` (every key of the screen) always shows."""
        width = self.size.width
        shown, right = self._shown()
        tail: list[tuple[Content, Binding]] = []
        if width < 100:  # at 80 columns the palette key gives its room to the screen's keys (? lists it)
            right = [(b, e) for b, e in right if b.action == "help"]
        for binding, enabled in right:
            piece = self._piece(binding, enabled)
            if sum(p.cell_length for p, _ in tail) + piece.cell_length <= width // 3:
                tail.append((piece, binding))
        room = width - sum(p.cell_length for p, _ in tail)
        parts: list[Content] = []
        self._spans = []
        x = 0
        for i, (binding, enabled) in enumerate(shown):
            piece = self._piece(binding, enabled)
            last = i == len(shown) - 1
            if x + piece.cell_length > room - (0 if last else 2):
                parts.append(Content.styled("… ", "dim"))  # a space before the keys kept at the right
                x += 2
                break
            self._spans.append((x, x + piece.cell_length, binding))
            parts.append(piece)
            x += piece.cell_length
        parts.append(Content(" " * max(0, room - x)))
        x = max(x, room)
        for piece, binding in tail:
            self._spans.append((x, x + piece.cell_length, binding))
            parts.append(piece)
            x += piece.cell_length
        return Content("").join(parts)

    def on_click(self, event: Click) -> None:
        for start, end, binding in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(binding.key.split(",")[0])
                return
