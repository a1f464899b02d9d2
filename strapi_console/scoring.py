"""The Strapi posture score (security-checks.md Part C): modifiers by severity, caps, coverage gate.

The overall grade (scan.ServerResult.overall) is the worst of this, the Web grade and the TLS grade.
"""

from __future__ import annotations

from dataclasses import dataclass

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing the registry would load every check module: only the type is needed here
    from .checks.registry import Finding

FAIL_MODIFIER = {"critical": -50, "high": -25, "medium": -10, "low": -5, "info": 0}
WARN_MODIFIER = {"critical": -25, "high": -10, "medium": -5, "low": 0, "info": 0}
EVALUATED = {"pass", "warn", "fail", "info"}
COVERAGE_GATE = 0.8

# Observatory grade chart, in steps of five.
GRADE_CHART = [(100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"), (60, "C+"), (50, "C"),
               (45, "C-"), (40, "D+"), (30, "D"), (25, "D-"), (0, "F")]
GRADE_ORDER = ["A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "T", "M", "F"]

CAPS: list[tuple[str, str, str]] = [  # (check id, cap grade, short reason)
    ("SEC-ADMIN-JWT-DEFAULT", "F", "default admin JWT secret"),
    ("SEC-UP-JWT-DEFAULT", "F", "default users-permissions JWT secret"),
    ("SEC-JWT-ALG", "F", "unsigned JWT"),
    ("EXP-INSTALLER", "F", "first-admin registration open"),
    ("EXP-ENV-FILES", "F", "secrets served"),
    ("EXP-DB-EXPORT", "F", "database served"),
    ("AUTH-PUBLIC-WRITE", "D", "public write"),
    ("VER-MAJOR-SUPPORT", "C", "unsupported major"),
]


def grade_for(score: int) -> str:
    for floor, grade in GRADE_CHART:
        if score >= floor:
            return grade
    return "F"


def worse(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if GRADE_ORDER.index(a) >= GRADE_ORDER.index(b) else b


@dataclass
class Posture:
    score: int
    grade: str | None
    coverage: float
    cap: str | None = None
    cap_reason: str | None = None

    def to_dict(self) -> dict:
        out: dict = {"score": self.score, "grade": self.grade}
        if self.cap:
            out["cap"] = self.cap
            out["cap_reason"] = self.cap_reason
        if self.grade is None:
            out["note"] = f"n/a (coverage {round(self.coverage * 100)}%)"
        return out


def posture(findings: list[Finding]) -> Posture:
    score, evaluated_weight, total_weight = 100, 0, 0
    for f in findings:
        if f.not_applicable:
            continue
        weight = abs(FAIL_MODIFIER[f.severity])
        total_weight += weight
        if f.status in EVALUATED:
            evaluated_weight += weight
        if f.status == "fail":
            score += FAIL_MODIFIER[f.severity]
        elif f.status == "warn":
            score += WARN_MODIFIER[f.severity]
    score = max(0, score)
    coverage = evaluated_weight / total_weight if total_weight else 0.0
    by_id = {f.check_id: f for f in findings}
    cap = cap_reason = None
    caps = list(CAPS)
    advisories = by_id.get("VER-STRAPI-ADVISORIES")
    if advisories is not None and advisories.severity == "critical":  # a critical advisory caps at F
        caps.insert(0, ("VER-STRAPI-ADVISORIES", "F", "critical advisory"))
    for check_id, cap_grade, _reason in caps:
        f = by_id.get(check_id)
        if f is not None and f.status == "fail" and worse(cap, cap_grade) == cap_grade and cap != cap_grade:
            cap, cap_reason = cap_grade, check_id
    grade = grade_for(score) if coverage >= COVERAGE_GATE else None
    if grade is not None and cap is not None:
        grade = worse(grade, cap)
    return Posture(score=score, grade=grade, coverage=round(coverage, 2), cap=cap, cap_reason=cap_reason)
