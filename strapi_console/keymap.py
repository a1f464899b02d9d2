"""The TUI's remappable keys, by binding id: what the config's ``[keymap]`` table may name.

The core validates the table (a typo gets the closest id, like any other config key) without importing
the TUI; a TUI test checks that this list and the screens' bindings stay the same set.
"""

from __future__ import annotations

import re

# binding id → what it does (where)
BINDINGS: dict[str, str] = {
    "quit": "quit (everywhere)",
    "help": "the keys of this screen (everywhere)",
    "jump": "jump to a panel or server (everywhere)",
    "panel-1": "panel 1, servers",
    "panel-2": "panel 2, versions & advisories",
    "panel-3": "panel 3, permissions",
    "panel-4": "panel 4, audit tail",
    "panel-5": "panel 5, HTTPS & headers",
    "servers.open": "open the server in the last panel",
    "servers.findings": "the server's findings",
    "servers.sort": "sort worst first / by name",
    "servers.refresh": "rescan the server",
    "servers.refresh-all": "rescan every server",
    "servers.sign-in": "sign in",
    "servers.sign-out": "sign out",
    "servers.add": "add a profile",
    "servers.edit": "edit the profile",
    "servers.remove": "remove the profile",
    "servers.lock": "lock / unlock a production profile",
    "servers.filter": "filter the server list",
    "servers.escape": "clear the server filter",
    "detail.apply": "apply the finding's fix (findings, panel 5)",
    "detail.refresh": "rescan (findings, panel 5)",
    "detail.zoom": "the detail pane takes the screen (findings, panel 5)",
    "detail.copy": "copy the fix's snippet (findings, panel 5)",
    "detail.regenerate": "regenerate the finding's tokens (findings, panel 5)",
    "detail.aggressive": "aggressive probes on / off (findings, panel 5)",
    "detail.save": "save the fix's snippet to a file (findings, panel 5)",
    "detail.back": "back (findings, panel 5)",
    "versions.filter": "filter advisories (panel 2)",
    "versions.escape": "clear the advisory filter (panel 2)",
    "versions.pivot": "which servers does an advisory affect (panel 2)",
    "versions.sort": "sort advisories (panel 2)",
    "versions.refresh": "rescan every server (panel 2)",
    "versions.update": "update the advisory data (panel 2)",
    "perm.toggle": "stage a change of the cell (panel 3)",
    "perm.apply": "apply the staged changes (panel 3)",
    "perm.undo": "undo the last change (panel 3)",
    "perm.discard": "discard the staged changes (panel 3)",
    "perm.tab": "roles / matrix (panel 3)",
    "perm.filter": "filter rows (panel 3)",
    "perm.escape": "clear the filter (panel 3)",
    "perm.reload": "read the role again (panel 3)",
    "perm.kind": "end-user / admin roles (panel 3)",
    "perm.detail": "the cell's detail (panel 3)",
    "perm.compare": "compare roles (panel 3)",
    "perm.export": "export the role as a baseline (panel 3)",
    "perm.baseline": "stage a baseline on the role (panel 3)",
    "cmp.back": "back (compare)",
    "cmp.only": "only the differences (compare)",
    "cmp.next": "next difference (compare)",
    "cmp.filter": "filter rows (compare)",
    "audit.filter": "filter events (panel 4)",
    "audit.escape": "clear the filter / back (panel 4)",
    "audit.pause": "pause / resume the tail (panel 4)",
    "audit.follow": "follow new events (panel 4)",
    "audit.export": "export the events shown (panel 4)",
    "confirm.cancel": "cancel (confirmation)",
    "confirm.left": "previous button (confirmation)",
    "confirm.right": "next button (confirmation)",
    "help.close": "close the key list",
    "key.close": "close (new key shown once)",
    "key.copy": "copy the new key",
    "keyring.cancel": "cancel (no keyring)",
    "keyring.memory": "keep tokens in memory (no keyring)",
    "login.cancel": "cancel (sign-in)",
    "login.token": "use an admin token (sign-in)",
    "profile.cancel": "cancel (profile form)",
}

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
# a key as Textual names it ("r", "R", "f5", "ctrl+r", "question_mark", "?"), modifiers first
_KEY = re.compile(r"^(?:(?:%s)\+)*(?:[a-z][a-z0-9_]*|[0-9]|[A-Z]|[^\sA-Za-z0-9,+])$" % "|".join(MODIFIERS))
MAX_KEYS = 4  # keys per binding


def key_problem(keys: object) -> str | None:
    """Why ``keys`` (one binding's keys, comma separated) is not usable, or None."""
    if not isinstance(keys, str):
        return f"must be a string of keys such as \"ctrl+r\" or \"f5,ctrl+r\", not {keys!r}"
    parts = [k.strip() for k in keys.split(",")]
    if not keys.strip() or any(not k for k in parts):
        return f"must name at least one key, comma separated (\"f5,ctrl+r\"), not {keys!r}"
    if len(parts) > MAX_KEYS:
        return f"names {len(parts)} keys; at most {MAX_KEYS}"
    bad = next((k for k in parts if len(k) > 40 or not _KEY.match(k)), None)
    if bad is not None:
        return (f"holds {bad!r}, which is not a key name: use names such as r, R, f5, enter, ctrl+r, "
                "question_mark (modifiers ctrl, shift, alt first)")
    return None
