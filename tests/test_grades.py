"""Grades (posture, Web, TLS, overall) are computed once, when a server's scan ends, stored on its result,
and what the JSON report, the table and the TUI show."""

from __future__ import annotations

import json

from strapi_console import grades, scoring
from strapi_console.checks.registry import Finding
from strapi_console.config import Profile
from strapi_console.grades import Grades, TLSGrade
from strapi_console.report import json_report
from strapi_console.report.table import table_text
from strapi_console.scan import ServerResult


def f(check_id: str, status: str, severity: str, **kw) -> Finding:
    return Finding(check_id=check_id, status=status, severity=severity, title=check_id, **kw)


def counting(monkeypatch) -> list[int]:
    calls = []
    real = scoring.posture

    def posture(findings):
        calls.append(len(findings))
        return real(findings)

    monkeypatch.setattr(scoring, "posture", posture)
    return calls


async def test_a_scan_grades_once_and_every_view_reads_the_stored_grades(fake_strapi, monkeypatch):
    from screens.formatting import grade_text

    calls = counting(monkeypatch)
    result = await fake_strapi.scan()
    assert len(calls) == 1 and result.grades is not None  # graded at the end of the scan, on the final findings
    assert calls[0] == len(result.findings)
    for _ in range(3):  # the views, as often as they like
        doc = json_report.document([result])
        text = table_text([result])
        shown = grade_text(result).plain
        assert result.posture is result.grades.posture and result.overall == result.grades.overall
    assert len(calls) == 1
    server = doc["servers"][0]
    assert server["grades"] == result.grades.to_dict() and server["coverage"] == result.grades.posture.coverage
    assert result.grades.summary(plain_http=True) in text and f"→ {result.overall}" in text
    assert shown == result.overall


def test_the_views_show_what_is_stored_not_a_recomputation():
    """Graded findings changed afterwards do not move the grades; every view shows the stored ones."""
    profile = Profile("p", "https://cms.example.com")
    result = ServerResult(profile, True, findings=[f("HDR-CORS", "pass", "high")]).finish()
    assert result.posture.score == 100
    result.findings.append(f("SEC-ADMIN-JWT-DEFAULT", "fail", "critical"))
    assert result.posture.score == 100 and result.overall == "A+"
    stored = Grades(posture=scoring.Posture(score=55, grade="C+", coverage=0.9, cap="D", cap_reason="AUTH-PUBLIC-WRITE"),
                    web=None, tls=TLSGrade("B", "TLS-PROTO-LEGACY"), overall="D")
    result.grades = stored
    server = json.loads(json.dumps(json_report.server_dict(result)))
    assert server["grades"] == {"web": None, "tls": {"grade": "B", "cap_reason": "TLS-PROTO-LEGACY"},
                                "posture": {"score": 55, "grade": "C+", "cap": "D", "cap_reason": "AUTH-PUBLIC-WRITE"},
                                "overall": "D"}
    assert "TLS B · posture C+ 55 (cap D: AUTH-PUBLIC-WRITE) → D" in table_text([result])


def test_an_unfinished_result_has_no_grades_to_show():
    result = ServerResult(Profile("p", "https://cms.example.com"), True, findings=[f("HDR-CORS", "fail", "high")])
    assert result.grades is None and result.posture is None and result.overall is None
    assert "grades" not in json_report.server_dict(result)


def test_grades_follow_part_c():
    findings = [f("TLS-AVAILABLE", "pass", "critical"), f("TLS-PROTO-13", "warn", "low"),
                f("HDR-HSTS", "pass", "high", evidence={"observatory": {"test": "strict-transport-security",
                                                                        "result": "hsts-implemented-max-age-at-least-six-months"}}),
                f("AUTH-PUBLIC-WRITE", "fail", "critical")]
    g = grades.grade(findings, reachable=True, https=True)
    assert g.tls == TLSGrade("A-") and g.web is not None and g.web.grade == "A+"
    assert g.posture.cap == "D" and g.posture.grade == "D" and g.overall == "D"  # the worst of the three
    plain = grades.grade(findings, reachable=True, https=False)
    assert plain.web is None and "Web n/a (plain HTTP)" in plain.summary(plain_http=True)
    assert grades.grade(findings, reachable=False, https=True).posture is None
