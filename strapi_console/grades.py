"""A scanned server's grades (security-checks.md Part C): posture, Web, TLS and overall, computed once
when the server's findings are final (:meth:`strapi_console.scan.ServerResult.finish`) and stored on
its result, so the JSON report, the table and the TUI show the same grades without recomputing them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import scoring
from .observatory import WebGrade, grade as web_grade_of

if TYPE_CHECKING:  # importing the registry would load every check module: only the type is needed here
    from .checks.registry import Finding


@dataclass(frozen=True)
class TLSGrade:
    """SSL Labs-style lightweight grade, with the check that capped it."""

    grade: str
    cap_reason: str | None = None

    def to_dict(self) -> dict:
        return {"grade": self.grade, **({"cap_reason": self.cap_reason} if self.cap_reason else {})}


@dataclass(frozen=True)
class Grades:
    posture: scoring.Posture | None  # None: unreachable, or nothing was checked
    web: WebGrade | None  # None: plain HTTP, or no header check ran
    tls: TLSGrade | None  # None: no TLS listener seen
    overall: str | None  # the worst of the three after caps; None when the posture has no grade

    def to_dict(self) -> dict:
        """The ``grades`` object of the scan JSON (security-checks.md §3)."""
        return {"web": self.web.to_dict() if self.web else None, "tls": self.tls.to_dict() if self.tls else None,
                "posture": self.posture.to_dict() if self.posture else None, "overall": self.overall}

    def summary(self, *, plain_http: bool = False) -> str:
        """The grades for people, overall aside: 'Web C 50 (Observatory A+ 110) · TLS A · posture F 35 (cap F:
        SEC-ADMIN-JWT-DEFAULT)'; the table and the TUI show the same line."""
        parts = []
        if self.web:
            theirs = self.web.to_dict().get("observatory")
            parts.append(f"Web {self.web.grade} {self.web.score}"
                         + (f" (Observatory {theirs['grade']} {theirs['score']})" if theirs else ""))
        elif plain_http:
            parts.append("Web n/a (plain HTTP)")
        if self.tls:
            parts.append(f"TLS {self.tls.grade}")
        p = self.posture
        if p:
            parts.append(f"posture {p.grade or f'n/a (coverage {round(p.coverage * 100)}%)'} {p.score}"
                         + (f" (cap {p.cap}: {p.cap_reason})" if p.cap else ""))
        return " · ".join(parts)


def grade(findings: list[Finding], *, reachable: bool, https: bool) -> Grades:
    """Every grade of one server from its final findings."""
    posture = scoring.posture(findings) if reachable and findings else None
    web = web_grade(findings) if reachable and https else None
    tls = tls_grade(findings)
    overall = None
    if posture is not None and posture.grade:
        overall = scoring.worse(scoring.worse(posture.grade, web.grade if web else None), tls.grade if tls else None)
    return Grades(posture=posture, web=web, tls=tls, overall=overall)


def web_grade(findings: list[Finding]) -> WebGrade | None:
    """The Observatory Web grade of the header checks: the console's results (stricter where a check says
    why), with the Observatory's own results beside them when they differ."""
    theirs, ours = {}, {}
    for f in findings:
        obs = f.evidence.get("observatory")
        if isinstance(obs, dict):
            theirs[obs["test"]] = obs["result"]
            own = f.evidence.get("console")
            ours[obs["test"]] = own["result"] if isinstance(own, dict) else obs["result"]
    return web_grade_of(ours, observatory=theirs) if ours else None


def tls_grade(findings: list[Finding]) -> TLSGrade | None:
    """SSL Labs-style lightweight grade: caps F (weak cipher), T (untrusted or expired), M (wrong host),
    B (legacy protocols, CBC or no forward secrecy); A- without TLS 1.3 or long HSTS; else A+."""
    by = {f.check_id: f for f in findings}
    avail = by.get("TLS-AVAILABLE")
    if avail is None or avail.status != "pass":
        return None
    status = lambda cid: by[cid].status if cid in by else None  # noqa: E731
    if status("TLS-CIPHER") == "fail":
        return TLSGrade("F", "TLS-CIPHER")
    if status("TLS-CERT-TRUST") == "fail" or (status("TLS-CERT-EXPIRY") == "fail" and
                                               "expired" in by["TLS-CERT-EXPIRY"].title):
        return TLSGrade("T", "TLS-CERT-TRUST" if status("TLS-CERT-TRUST") == "fail" else "TLS-CERT-EXPIRY")
    if status("TLS-CERT-HOSTNAME") == "fail":
        return TLSGrade("M", "TLS-CERT-HOSTNAME")
    if status("TLS-PROTO-LEGACY") == "fail" or status("TLS-CIPHER") == "warn":
        return TLSGrade("B", "TLS-PROTO-LEGACY" if status("TLS-PROTO-LEGACY") == "fail" else "TLS-CIPHER")
    hsts = by.get("HDR-HSTS")
    if status("TLS-PROTO-13") == "warn" or (hsts is not None and hsts.status != "pass"):
        return TLSGrade("A-")
    return TLSGrade("A+")
