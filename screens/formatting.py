"""How states, grades and ages look on screen: symbols as well as colours (NO_COLOR, 16 colours)."""

from __future__ import annotations

from datetime import datetime, timezone

from rich.text import Text

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
    if state.refreshing and state.result is None:
        return Text("… checking", style="dim")
    result = state.result
    if result is None:
        return Text("")
    if not result.reachable:
        return Text("✗ unreachable", style="bold red")
    if result.error:
        return Text("✗ not Strapi?", style="bold red")
    if state.session_ended:
        return Text("! session ended", style="yellow")
    if result.auth_error:
        return Text("! auth error", style="yellow")
    if state.signed_in:
        return Text("● signed in", style="green")
    return Text("○ signed out", style="dim")


def grade_text(result) -> Text:
    if result is None or not result.reachable or not result.findings:
        return Text("")
    posture = result.posture
    if posture is None:
        return Text("")
    if posture.grade is None:
        return Text("n/a", style="dim")
    style = "bold green" if posture.grade.startswith("A") else "yellow" if posture.grade[0] in "BC" else "bold red"
    return Text(posture.grade, style=style)


def status_text(status: str) -> Text:
    label, style = STATUS_STYLE.get(status, (status, ""))
    return Text(label, style=style)
