"""The check catalog rendered from the registry: the README's table of checks is this module's output,
never hand-written, so it cannot drift from what the scan runs (a test compares them).

``python -m strapi_console.checks.catalog README.md`` rewrites the section between the markers;
``--check`` only says whether it is current (exit 1 and the fresh table when it is not).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from . import REGISTRY
from .registry import FAMILIES, CheckSpec

BEGIN = "<!-- check-table: generated from the check registry by scripts/check-table; do not edit by hand -->"
END = "<!-- /check-table -->"
# The TUI panel keys (screens.app.PANELS; a test keeps them equal): the core never imports the screens.
PANEL_KEYS = {"versions": "2", "permissions": "3", "audit": "4", "headers": "5"}
NEED_TEXT = {"sign-in": "sign-in", "aggressive": "`--aggressive`", "end-user": "`login --end-user`"}


def ordered() -> list[CheckSpec]:
    """Every check, by family in the catalog's order, then by ID."""
    return sorted(REGISTRY.values(), key=lambda s: (FAMILIES.index(s.family), s.id))


def _row(s: CheckSpec) -> str:
    needs = ", ".join(NEED_TEXT[n] for n in sorted(s.needs)) or "—"
    reads = ", ".join(f"`{name}`" for name in s.settings) or "—"
    cells = [f"`{s.id}`", s.title.replace("|", "\\|"), s.severity, needs, reads, PANEL_KEYS[s.panel]]
    return "| " + " | ".join(cells) + " |"


def markdown_table() -> str:
    """The README's check table: one row per check with what the registry declares about it."""
    per_family = Counter(s.family for s in REGISTRY.values())
    scored = sum(1 for s in REGISTRY.values() if s.severity != "info")
    head = (f"{len(REGISTRY)} checks ({', '.join(f'{per_family[f]} {f}' for f in FAMILIES if per_family[f])}), "
            f"{scored} of them scored (the Info ones are reported, not scored). *Needs*: what a check needs to run, "
            "else it is skipped with the reason; *reads*: the profile settings that change its result; *panel*: "
            "where the TUI lists it (every finding is also one key away from the server list, `d`).")
    lines = [head, "", "| check | what it checks | severity | needs | reads | panel |", "|---|---|---|---|---|---|"]
    return "\n".join(lines + [_row(s) for s in ordered()])


def replace_section(text: str, table: str) -> str:
    """``text`` with the generated section replaced by ``table``; the markers must be there once each."""
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise ValueError(f"the README needs the markers {BEGIN} and {END}, once each and in that order")
    before, rest = text.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    return f"{before}{BEGIN}\n{table}\n{END}{after}"


def main(argv: list[str]) -> int:
    check_only = "--check" in argv
    paths = [a for a in argv if a != "--check"]
    if len(paths) != 1:
        print("usage: python -m strapi_console.checks.catalog [--check] README.md", file=sys.stderr)
        return 2
    path = Path(paths[0])
    text = path.read_text(encoding="utf-8")
    try:
        fresh = replace_section(text, markdown_table())
    except ValueError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 2
    if fresh == text:
        return 0
    if check_only:
        print(f"{path}: the check table differs from the registry; run scripts/check-table", file=sys.stderr)
        return 1
    path.write_text(fresh, encoding="utf-8")
    print(f"{path}: check table rewritten from the registry ({len(REGISTRY)} checks)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
