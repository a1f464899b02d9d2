"""Where a [keymap] takes a key from a binding it does not rebind: Textual then drops the other binding's
key silently, so the operator is told at start-up which binding lost which key."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.binding import Binding

from strapi_console.keymap import BINDINGS

APP_WIDE = {"quit", "help", "jump", "panel-1", "panel-2", "panel-3", "panel-4", "panel-5"}


def _normal(key: str) -> str:
    from textual.keys import _character_to_key

    key = key.strip()
    return _character_to_key(key) if len(key) == 1 and not key.isalnum() else key


def binding_groups() -> list[list[Binding]]:
    """The bindings of each screen or widget class of the TUI (each a group whose keys must differ)."""
    import screens

    groups = []
    for info in pkgutil.iter_modules(screens.__path__):
        module = importlib.import_module(f"screens.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__:
                own = [b for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, Binding) and b.id in BINDINGS]
                if own:
                    groups.append(own)
    return groups


def keymap_clashes(keymap: dict[str, str]) -> list[str]:
    """One sentence per binding that lost a key to the keymap (same screen, or an app-wide key)."""
    groups = binding_groups()
    app = next((g for g in groups if any(b.id == "quit" for b in g)), [])
    said = []
    for group in groups:
        scope = group if group is app else group + app
        for b in scope:
            if b.id in keymap:
                continue
            for key in b.key.split(","):
                takers = [o.id for o in scope if o.id in keymap and o.id != b.id
                          and _normal(key) in {_normal(k) for k in keymap[o.id].split(",")}]
                line = f"{key} now runs {', '.join(takers)}; {b.id} ({b.description}) no longer has it."
                if takers and line not in said:
                    said.append(line)
    return said
