"""How states, grades and ages look on screen: symbols as well as colours (NO_COLOR, 16 colours)."""

from __future__ import annotations

from datetime import datetime, timezone

from rich.text import Text

from strapi_console.display import DEFAULT_LIMIT, safe

def plain(value: object, style: str = "", limit: int | None = DEFAULT_LIMIT, *, multiline: bool = False) -> Text:
    """Server text for a widget: through the one safe-display function, as a ``Text`` (never markup).

    Every DataTable cell, ``Static`` and ``Label`` that shows something a server sent is built with this
    (or ``Text.assemble`` over ``safe()`` parts): a plain ``str`` given to those widgets is read as markup."""
    return Text(safe(value, limit, multiline=multiline), style=style)


def markup_literal(value: object, limit: int | None = 120) -> str:
    """For the one API that insists on markup (the command palette's prompts and help): the safe text
    with every ``[`` escaped, so Textual's markup reads it back as exactly that text, never as a tag."""
    return safe(value, limit).replace("[", "\\[")


def lines(parts: list[Text]) -> Text:
    """Several lines of ``Text`` as one (for a ``Static``), still without markup."""
    return Text("\n").join(parts)


STATUS_STYLE = {"fail": ("✗ FAIL", "bold red"), "warn": ("! WARN", "yellow"), "pass": ("✓ pass", "green"),
                "skip": ("- skip", "dim"), "info": ("i info", "cyan"), "error": ("? ERR", "magenta")}


def age(when: datetime | None) -> str:
    if when is None:
        return ""
    seconds = int((datetime.now(timezone.utc) - when).total_seconds())
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def state_text(state, profile) -> Text:
    """The server's scan state; while a scan runs, for how long (a slow server shows)."""
    if state.refreshing:
        started = getattr(state, "started_at", None)
        running = f" {(datetime.now(timezone.utc) - started).total_seconds():.0f} s" if started else ""
        if state.result is None:
            return Text("… checking" + running, style="dim")
        return Text("↻ rescanning" + running, style="cyan")  # the row's other cells are the last scan's
    result = state.result
    if result is None:
        return Text("")
    if result.unexpected:
        return Text("✗ error", style="bold red")
    if not result.reachable:
        return Text("✗ unreachable", style="bold red")
    if result.error:
        return Text("✗ not Strapi?", style="bold red")
    if state.session_ended:
        return Text("! session ended", style="yellow")
    if result.auth_error:
        return Text("! auth error", style="yellow")
    if result.cut:
        return Text("! scan cut", style="yellow")
    if state.signed_in:
        return Text("● signed in", style="green")
    return Text("○ signed out", style="dim")


def grade_text(result) -> Text:
    """The overall grade (worst of posture, Web and TLS), as the fleet view ranks servers."""
    if result is None or not result.reachable or not result.findings:
        return Text("")
    posture = result.posture
    if posture is None:
        return Text("")
    grade = result.overall
    if grade is None:
        return Text("n/a", style="dim")
    style = "bold green" if grade.startswith("A") else "yellow" if grade[0] in "BC" else "bold red"
    return Text(grade, style=style)


SEVERITY_LETTER = {"critical": "C", "high": "H", "medium": "M", "low": "L"}


def counts_text(result) -> Text:
    """Failed checks by severity: '1C 2H 3M' (critical in red)."""
    if result is None or not result.findings:
        return Text("")
    out = Text()
    for severity, n in result.counts().items():
        if n and severity in SEVERITY_LETTER:
            if out:
                out.append(" ")
            out.append(f"{n}{SEVERITY_LETTER[severity]}", style="bold red" if severity in ("critical", "high")
                       else "yellow" if severity == "medium" else "")
    return out or Text("✓", style="green")


def tail_text(status) -> Text:
    if status is None:
        return Text("")
    if status.live:
        return Text("● live", style="green")
    if status.error:
        return Text("✗ tail", style="red")
    return Text("… tail", style="dim")


def status_text(status: str) -> Text:
    label, style = STATUS_STYLE.get(status, (status, ""))
    return Text(label, style=style)


def subject_label(subject: str, width: int = 24) -> str:
    """'api::article.article' → 'article'; plugin controllers keep their plugin's name."""
    type_key, _, controller = subject.rpartition(".")
    kind, _, name = type_key.partition("::")
    if not (type_key and name):  # a server may send any subject: show it as it is
        text = subject
    else:
        text = controller if kind == "api" and name == controller else f"{name}.{controller}"
    text = safe(text, None if len(text) <= width else width + 8)
    return text if len(text) <= width else text[:width - 1] + "…"
