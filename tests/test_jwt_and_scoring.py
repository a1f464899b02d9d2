"""Offline JWT checks and the posture score: parsing, HMAC matching, severities, caps, coverage."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from strapi_console import jwt, scoring
from strapi_console.checks.registry import Finding


def make_jwt(payload: dict, secret: str, alg: str = "HS256") -> str:
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    head = enc({"alg": alg, "typ": "JWT"})
    body = enc(payload)
    sig = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode()


def test_default_secret_found_and_random_not():
    assert jwt.find_default_secret(make_jwt({"id": 1}, "tobemodified")) == "tobemodified"
    assert jwt.find_default_secret(make_jwt({"id": 1}, "k8J2-random-real-secret")) is None
    assert "someSecretKey" in jwt.known_default_secrets()


def test_opaque_and_garbage_tokens_are_not_jwts():
    assert jwt.decode("0123456789abcdef" * 4) is None
    assert jwt.decode("a.b.c") is None
    assert jwt.decode("eyJhbGciOiJub25lIn0.eyJpZCI6MX0.").alg == "none"


def f(check_id, status, severity):
    return Finding(check_id, status, severity, check_id)


def test_posture_modifiers_and_grade():
    p = scoring.posture([f("A", "fail", "high"), f("B", "warn", "medium"), f("C", "pass", "critical")])
    assert p.score == 100 - 25 - 5 and p.grade == "B"


def test_cap_overrides_a_good_score():
    p = scoring.posture([f("SEC-ADMIN-JWT-DEFAULT", "fail", "critical"), f("X", "pass", "critical"),
                         f("Y", "pass", "critical"), f("Z", "pass", "critical")])
    assert p.score == 50 and p.grade == "F" and p.cap == "F" and p.cap_reason == "SEC-ADMIN-JWT-DEFAULT"


def test_coverage_gate_hides_grade():
    p = scoring.posture([f("A", "skip", "critical"), f("B", "pass", "low")])
    assert p.grade is None and p.coverage < 0.8 and "n/a" in p.to_dict()["note"]


def test_grade_chart():
    assert [scoring.grade_for(s) for s in (110, 100, 90, 50, 35, 0)] == ["A+", "A+", "A", "C", "D", "F"]


def test_not_applicable_checks_do_not_lower_coverage():
    na = Finding("TLS-AVAILABLE", "skip", "critical", "x", not_applicable=True)
    p = scoring.posture([na, f("B", "pass", "high")])
    assert p.coverage == 1.0 and p.grade == "A+"
