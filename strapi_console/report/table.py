"""The human-readable scan report: one block per server, one line per finding, worst first."""

from __future__ import annotations

from ..checks.registry import SEVERITIES
from ..display import safe
from ..redact import redact_text
from ..scan import ServerResult

MARK = {"fail": "FAIL", "warn": "WARN", "pass": "pass", "skip": "skip", "info": "info", "error": "ERR "}
ORDER = {"fail": 0, "warn": 1, "error": 2, "skip": 3, "info": 4, "pass": 5}


def table_text(results: list[ServerResult]) -> str:
    lines: list[str] = []
    for r in results:
        info = r.info
        head = f"{safe(r.profile.name, 60)}  {safe(r.profile.url, 200)}"
        if not r.reachable:
            lines += [head, f"  unreachable: {safe(redact_text(r.error or ''), 600)}", ""]
            continue
        facts = []
        if info and info.strapi_version:
            facts.append(f"Strapi {info.strapi_version}")
        if info and info.edition:
            facts.append(info.edition)
        if info and info.environment:
            facts.append(info.environment)
        posture = r.posture
        if posture:
            grade = posture.grade or f"n/a (coverage {round(posture.coverage * 100)}%)"
            cap = f", cap {posture.cap}: {posture.cap_reason}" if posture.cap else ""
            facts.append(f"posture {grade} {posture.score}{cap}")
        lines.append(head + ("  ·  " + safe(" · ".join(facts), 400) if facts else ""))
        if r.error:
            lines.append(f"  error: {safe(redact_text(r.error), 600)}")
        if r.auth_error:
            lines.append(f"  not signed in: {safe(redact_text(r.auth_error), 600)}")
        if r.cut:
            lines.append(f"  incomplete: {safe(redact_text(r.cut), 600)}")
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        for f in sorted(r.findings, key=lambda f: (ORDER[f.status], rank[f.severity], f.check_id)):
            detail = f" — {safe(redact_text(f.reason), 600)}" if f.reason else ""
            lines.append(f"  {MARK[f.status]}  {f.severity:<8} {f.check_id:<24} {safe(redact_text(f.title), 300)}{detail}")
        lines.append("")
    return "\n".join(lines)
