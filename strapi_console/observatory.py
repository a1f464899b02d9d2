"""The Web grade: the MDN HTTP Observatory's scoring, applied to what the header checks saw.

Each Observatory test yields one named result with a modifier; the score starts at 100, bonuses count
only when the score before them is at least 90, the score never goes below 0, and the grade comes from
the Observatory's chart (the same chart the posture score uses).
"""

from __future__ import annotations

from dataclasses import dataclass

from .scoring import grade_for

MODIFIERS: dict[str, int] = {
    # content-security-policy
    "csp-implemented-with-no-unsafe-default-src-none": 10, "csp-implemented-with-no-unsafe": 5,
    "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
    "csp-implemented-with-insecure-scheme-in-passive-content-only": -10, "csp-implemented-with-unsafe-eval": -10,
    "csp-implemented-with-unsafe-inline": -20, "csp-implemented-with-insecure-scheme": -20,
    "csp-header-invalid": -25, "csp-not-implemented": -25,
    # cookies
    "cookies-not-found": 0, "cookies-secure-with-httponly-sessions-and-samesite": 5,
    "cookies-secure-with-httponly-sessions": 0, "cookies-without-secure-flag-but-protected-by-hsts": -5,
    "cookies-session-without-secure-flag-but-protected-by-hsts": -10, "cookies-without-secure-flag": -20,
    "cookies-samesite-flag-invalid": -20, "cookies-session-without-httponly-flag": -30,
    "cookies-session-without-secure-flag": -40,
    # cross-origin resource sharing
    "cross-origin-resource-sharing-not-implemented": 0,
    "cross-origin-resource-sharing-implemented-with-public-access": 0,
    "cross-origin-resource-sharing-implemented-with-restricted-access": 0,
    "cross-origin-resource-sharing-implemented-with-universal-access": -50,
    # redirection
    "redirection-to-https": 0, "redirection-not-needed-no-http": 0, "redirection-off-host-from-http": -5,
    "redirection-not-to-https-on-initial-redirection": -10, "redirection-not-to-https": -20,
    "redirection-missing": -20, "redirection-invalid-cert": -20,
    # referrer policy
    "referrer-policy-private": 5, "referrer-policy-no-referrer-when-downgrade": 0,
    "referrer-policy-not-implemented": 0, "referrer-policy-unsafe": -5, "referrer-policy-header-invalid": -5,
    # strict transport security
    "hsts-preloaded": 5, "hsts-implemented-max-age-at-least-six-months": 0,
    "hsts-implemented-max-age-less-than-six-months": -10, "hsts-not-implemented": -20, "hsts-header-invalid": -20,
    "hsts-not-implemented-no-https": -20, "hsts-invalid-cert": -20,
    # subresource integrity
    "sri-implemented-and-all-scripts-loaded-securely": 5, "sri-not-implemented-response-not-html": 0,
    "sri-not-implemented-but-no-scripts-loaded": 0, "sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
    "sri-implemented-but-external-scripts-not-loaded-securely": -20,
    "sri-not-implemented-and-external-scripts-not-loaded-securely": -50,
    # x-content-type-options
    "x-content-type-options-nosniff": 0, "x-content-type-options-not-implemented": -5,
    "x-content-type-options-header-invalid": -5,
    # x-frame-options
    "x-frame-options-implemented-via-csp": 5, "x-frame-options-sameorigin-or-deny": 0,
    "x-frame-options-allow-from-origin": 0, "x-frame-options-not-implemented": -20,
    "x-frame-options-header-invalid": -20,
    # cross-origin resource / opener / embedder policy (algorithm with 12 tests)
    "corp-implemented-with-same-origin": 10, "corp-implemented-with-same-site": 10,
    "corp-implemented-with-cross-origin": 0, "corp-not-implemented": 0, "corp-header-invalid": -5,
    "coop-implemented-with-same-origin": 10, "coop-implemented-with-same-origin-allow-popups": 5,
    "coop-implemented-with-unsafe-none": 0, "coop-not-implemented": 0, "coop-header-invalid": -5,
    "coep-implemented-with-require-corp": 0, "coep-implemented-with-credentialless": 0,
    "coep-not-implemented": 0, "coep-header-invalid": -5,
}


@dataclass
class WebGrade:
    score: int
    grade: str
    results: dict[str, str]  # test → result name

    def to_dict(self) -> dict:
        return {"score": self.score, "grade": self.grade}


def grade(results: dict[str, str], *, corp_coop_coep: bool = True) -> WebGrade:
    """Score a set of Observatory results ({"csp": "csp-implemented-with-no-unsafe", ...}).

    ``corp_coop_coep=False`` reproduces the older 10-test algorithm for comparison with published scans.
    """
    chosen = {t: r for t, r in results.items() if corp_coop_coep or t not in ("corp", "coop", "coep")}
    penalties = sum(MODIFIERS[r] for r in chosen.values() if MODIFIERS[r] < 0)
    bonuses = sum(MODIFIERS[r] for r in chosen.values() if MODIFIERS[r] > 0)
    score = 100 + penalties
    if score >= 90:  # extra credit only for sites that are already doing well
        score += bonuses
    score = max(0, score)
    return WebGrade(score, grade_for(score), chosen)
