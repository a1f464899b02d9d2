"""The human-readable scan report: one block per server, failures first, a summary line per server and
one last line saying what the exit code means.

On a terminal the report fits its width: a finding's text wraps under its title column (a few lines
for a failure or warning, one line for the rest, cut with ``…``; the whole text is in ``--format
json``). Written to a file it is not wrapped. Every value from a server goes through
:func:`strapi_console.display.safe` before it is laid out, so widths are measured on what is shown.
"""

from __future__ import annotations

import unicodedata

from .. import scoring
from ..checks.registry import SEVERITIES
from ..display import ELLIPSIS, safe
from ..redact import redact_text
from ..scan import ServerResult

MARK = {"fail": "FAIL", "warn": "WARN", "pass": "pass", "skip": "skip", "info": "info", "error": "ERR "}
ORDER = {"fail": 0, "warn": 1, "error": 2, "skip": 3, "info": 4, "pass": 5}
LINES_PER_STATUS = {"fail": 3, "warn": 3, "error": 2}  # the rest: one line each
MIN_TEXT_COLUMNS = 24  # narrower than this beside the ID columns: the text goes on its own lines
EXIT_CODES_LINE = "codes: 0 nothing at or above it, 4 incomplete, 5 findings"


def table_text(results: list[ServerResult], *, width: int | None = None, fail_on: str = "high",
               include_warn: bool = False, code: int | None = None) -> str:
    """The report; ``width`` is the terminal's (None: no wrapping); ``code`` the exit code to explain."""
    lines: list[str] = []
    for r in results:
        lines += _server_block(r, width)
        lines.append("")
    if code is not None:
        lines += _wrap(exit_meaning(results, code, fail_on, include_warn), width, 3)
    return "\n".join(lines) + ("\n" if code is not None else "")


def _server_block(r: ServerResult, width: int | None) -> list[str]:
    head = f"{safe(r.profile.name, 60)}  {safe(r.profile.url, 200)}"
    if not r.reachable:
        return _wrap(head, width, 2) + _wrap(f"  unreachable: {safe(redact_text(r.error or ''), 600)}", width, 4,
                                             indent=4)
    info = r.info
    facts = []
    if info and info.strapi_version:
        facts.append(f"Strapi {info.strapi_version}")
    if info and info.edition:
        facts.append(info.edition)
    if info and info.environment:
        facts.append(info.environment)
    if r.grades and r.grades.posture:  # the grades stored at the end of the scan, as the JSON and the TUI show
        facts.append(r.grades.summary(plain_http=r.profile.url.startswith("http://"))
                     + (f" → {r.grades.overall}" if r.grades.overall else ""))
    out = _wrap(head + ("  ·  " + safe(" · ".join(facts), 400) if facts else ""), width, 3)
    if r.error:
        out += _wrap(f"  error: {safe(redact_text(r.error), 600)}", width, 4, indent=4)
    if r.auth_error:
        out += _wrap(f"  not signed in: {safe(redact_text(r.auth_error), 600)}", width, 4, indent=4)
    if r.cut:
        out += _wrap(f"  incomplete: {safe(redact_text(r.cut), 600)}", width, 4, indent=4)
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    id_width = max((len(f.check_id) for f in r.findings), default=0)
    for f in sorted(r.findings, key=lambda f: (ORDER[f.status], rank[f.severity], f.check_id)):
        prefix = f"  {MARK[f.status]}  {f.severity:<8} {f.check_id:<{id_width}} "
        text = safe(redact_text(f.title), 300) + (f" — {safe(redact_text(f.reason), 600)}" if f.reason else "")
        out += _row(prefix, text, width, LINES_PER_STATUS.get(f.status, 1))
    if r.findings:
        out += _wrap("  " + summary_line(r), width, 3, indent=4)
    return out


def _grade_text(r: ServerResult) -> str:
    posture = r.posture
    if posture is None:
        return "n/a"
    return posture.grade or f"n/a (coverage {round(posture.coverage * 100)}%)"


def summary_line(r: ServerResult) -> str:
    """'Grade F. 84 checks: 12 fail (2 critical, 3 high, ...), 5 warn, 30 skip, 3 info, 34 pass.'"""
    by_status = {s: 0 for s in ORDER}
    for f in r.findings:
        by_status[f.status] += 1
    failed = r.counts()
    severities = ", ".join(f"{n} {s}" for s, n in failed.items() if n)
    parts = [f"{by_status['fail']} fail" + (f" ({severities})" if severities else "")]
    parts += [f"{by_status[s]} {s}" for s in ("warn", "error", "skip", "info", "pass") if by_status[s]]
    grade = r.overall or _grade_text(r)
    return f"Grade {grade}. {len(r.findings)} checks: {', '.join(parts)}."


def exit_meaning(results: list[ServerResult], code: int, fail_on: str, include_warn: bool) -> str:
    """What the exit code says, in words, with what caused it."""
    threshold = SEVERITIES.index(fail_on)
    statuses = ("fail", "warn") if include_warn else ("fail",)
    over = sum(1 for r in results for f in r.findings
               if f.status in statuses and SEVERITIES.index(f.severity) <= threshold)
    what = "failed checks" + (" or warnings" if include_warn else "")
    if code == 5:
        counted = ("failed check" if over == 1 else "failed checks") + (" or warnings" if include_warn else "")
        return f"Exit 5: {over} {counted} at or above --fail-on {fail_on} ({EXIT_CODES_LINE})."
    if code == 4:
        why = "; ".join(f"{safe(r.profile.name, 60)} {_incomplete_reason(r)}" for r in results if r.incomplete)
        return (f"Exit 4: incomplete ({why}); no {what} at or above --fail-on {fail_on} elsewhere "
                f"({EXIT_CODES_LINE}).")
    return f"Exit {code}: no {what} at or above --fail-on {fail_on} ({EXIT_CODES_LINE})."


def _incomplete_reason(r: ServerResult) -> str:
    if not r.reachable:
        return "unreachable"
    if r.error:
        return "not scanned"
    if r.auth_error is not None:
        return "sign-in failed"
    posture = r.posture
    coverage = f"coverage {round(posture.coverage * 100)}%" if posture else "no findings"
    return (f"{coverage}, a grade needs {round(scoring.COVERAGE_GATE * 100)}%"
            + ("" if r.had_credentials else ": not signed in"))


# --- layout by terminal cells -----------------------------------------------------------------------


def _cells(text: str) -> int:
    """Terminal columns ``text`` takes: wide (East Asian) characters two, combining marks none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def _cut(text: str, width: int) -> str:
    """The longest start of ``text`` that fits in ``width`` columns."""
    used = 0
    for i, ch in enumerate(text):
        used += _cells(ch)
        if used > width:
            return text[:i]
    return text


def _wrap(text: str, width: int | None, max_lines: int, *, indent: int = 0) -> list[str]:
    """``text`` in lines of at most ``width`` columns (continuations indented), at most ``max_lines``."""
    if width is None:
        return [text]
    lead = len(text) - len(text.lstrip(" "))
    lines = _lines(text[lead:], max(width - lead, 1), max_lines, rest_width=max(width - indent, 1))
    return [" " * lead + lines[0]] + [" " * indent + line for line in lines[1:]]


def _row(prefix: str, text: str, width: int | None, max_lines: int) -> list[str]:
    if width is None:
        return [prefix + text]
    room = width - _cells(prefix)
    if room >= MIN_TEXT_COLUMNS:
        body = _lines(text, room, max_lines)
        return [prefix + body[0]] + [" " * _cells(prefix) + line for line in body[1:]]
    # a narrow terminal: the ID columns on one line, the text under them
    return [_cut(prefix.rstrip(), width)] + ["      " + line for line in _lines(text, max(width - 6, 8), max_lines)]


def _lines(text: str, width: int, max_lines: int, *, rest_width: int | None = None) -> list[str]:
    """Greedy word wrap by terminal cells; a word longer than a line is split; the last line kept ends in
    ``…`` when text was left out. Linear in the text's length (the text is already bounded by safe())."""
    rest_width = rest_width or width
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        room = width if not lines else rest_width
        candidate = f"{current} {word}" if current else word
        if _cells(candidate) <= room:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while _cells(current) > (width if not lines else rest_width):
            head = _cut(current, width if not lines else rest_width) or current[:1]
            lines.append(head)
            current = current[len(head):]
        if len(lines) > max_lines:
            break
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        room = width if max_lines == 1 else rest_width
        lines[-1] = _cut(lines[-1], room - 1).rstrip() + ELLIPSIS
    return lines or [""]
