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
    "csp-implemented-with-unsafe-inline-in-style-src-only": 0, "csp-implemented-but-duplicate-directives": 0,
    "csp-implemented-with-insecure-scheme-in-passive-content-only": -10, "csp-implemented-with-unsafe-eval": -10,
    "csp-implemented-with-unsafe-inline": -20, "csp-implemented-with-insecure-scheme": -20,
    "csp-header-invalid": -25, "csp-not-implemented": -25, "csp-not-implemented-but-reporting-enabled": -25,
    # cookies
    "cookies-not-found": 0, "cookies-secure-with-httponly-sessions-and-samesite": 5,
    "cookies-secure-with-httponly-sessions": 0, "cookies-without-secure-flag-but-protected-by-hsts": -5,
    "cookies-session-without-secure-flag-but-protected-by-hsts": -10, "cookies-without-secure-flag": -20,
    "cookies-samesite-flag-invalid": -20, "cookies-anticsrf-without-samesite-flag": -20,
    "cookies-session-without-httponly-flag": -30, "cookies-session-without-secure-flag": -40,
    # cross-origin resource sharing
    "cross-origin-resource-sharing-not-implemented": 0,
    "cross-origin-resource-sharing-implemented-with-public-access": 0,
    "cross-origin-resource-sharing-implemented-with-restricted-access": 0,
    "cross-origin-resource-sharing-implemented-with-universal-access": -50,
    # redirection
    "redirection-all-redirects-preloaded": 0, "redirection-to-https": 0, "redirection-not-needed-no-http": 0,
    "redirection-off-host-from-http": -5, "redirection-not-to-https-on-initial-redirection": -10,
    "redirection-not-to-https": -20, "redirection-missing": -20, "redirection-invalid-cert": -20,
    # referrer policy
    "referrer-policy-private": 5, "referrer-policy-not-implemented": 0, "referrer-policy-unsafe": -5,
    "referrer-policy-header-invalid": -5,
    # strict transport security
    "hsts-preloaded": 5, "hsts-implemented-max-age-at-least-six-months": 0,
    "hsts-implemented-max-age-less-than-six-months": -10, "hsts-not-implemented": -20, "hsts-header-invalid": -20,
    "hsts-not-implemented-no-https": -20, "hsts-invalid-cert": -20,
    # subresource integrity
    "sri-implemented-and-all-scripts-loaded-securely": 5, "sri-implemented-and-external-scripts-loaded-securely": 5,
    "sri-not-implemented-response-not-html": 0, "sri-not-implemented-but-no-scripts-loaded": 0,
    "sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
    "sri-not-implemented-but-external-scripts-loaded-securely": -5,
    "sri-implemented-but-external-scripts-not-loaded-securely": -20,
    "sri-not-implemented-and-external-scripts-not-loaded-securely": -50, "html-not-parseable": -20,
    # x-content-type-options
    "x-content-type-options-nosniff": 0, "x-content-type-options-not-implemented": -5,
    "x-content-type-options-header-invalid": -5,
    # x-frame-options
    "x-frame-options-implemented-via-csp": 5, "x-frame-options-sameorigin-or-deny": 5,
    "x-frame-options-allow-from-origin": 0, "x-frame-options-not-implemented": -20,
    "x-frame-options-header-invalid": -20,
    # cross-origin resource / opener / embedder policy (the algorithm with 12 tests)
    "corp-implemented-with-same-origin": 10, "corp-implemented-with-same-site": 10,
    "corp-implemented-with-cross-origin": 0, "corp-not-implemented": 0, "corp-header-invalid": -5,
    "coop-implemented-with-same-origin": 10, "coop-implemented-with-same-origin-allow-popups": 10,
    "coop-implemented-with-noopener-allow-popups": 10, "coop-implemented-with-unsafe-none": 0,
    "coop-not-implemented": 0, "coop-header-invalid": -5,
    "coep-implemented-with-require-corp": 10, "coep-implemented-with-credentialless": 10,
    "coep-implemented-with-unsafe-none": 0, "coep-not-implemented": 0, "coep-header-invalid": -5,
}

# test → how its result names begin (html-not-parseable, the SRI test's parser failure, has no prefix)
PREFIXES: dict[str, str] = {
    "csp": "csp-", "cookies": "cookies-", "cors": "cross-origin-resource-sharing-", "redirection": "redirection-",
    "referrer": "referrer-policy-", "hsts": "hsts-", "sri": "sri-", "xcto": "x-content-type-options-",
    "xfo": "x-frame-options-", "corp": "corp-", "coop": "coop-", "coep": "coep-",
}
EXTRA_CREDIT_FLOOR = 90


def family_of(result: str) -> str | None:
    """Which of the twelve tests yields ``result`` (None for a name the Observatory does not have)."""
    return next((t for t, p in PREFIXES.items() if result.startswith(p) and result in MODIFIERS), None)


def score_of(results: dict[str, str]) -> int:
    """100, plus every penalty, plus the bonuses only if that is still at least 90; never below 0."""
    penalties = sum(MODIFIERS[r] for r in results.values() if MODIFIERS[r] < 0)
    bonuses = sum(MODIFIERS[r] for r in results.values() if MODIFIERS[r] > 0)
    score = 100 + penalties
    if score >= EXTRA_CREDIT_FLOOR:  # extra credit only for sites that are already doing well
        score += bonuses
    return max(0, score)


def graded(score: int) -> tuple[int, str]:
    """(score, grade) as the Observatory reports a raw score: floored at 0, A+ from 100 up."""
    score = max(0, score)
    return score, grade_for(score)


@dataclass
class WebGrade:
    """The console's Web grade; where the console judged a test more strictly than the Observatory,
    ``observatory`` holds the Observatory's own results and the departures say which tests differ."""
    score: int
    grade: str
    results: dict[str, str]  # test → result name the console scored
    observatory: dict[str, str] | None = None  # test → the Observatory's result, when any differs

    @property
    def departures(self) -> dict[str, dict[str, str]]:
        obs = self.observatory or {}
        return {t: {"console": r, "observatory": obs[t]} for t, r in sorted(self.results.items())
                if t in obs and obs[t] != r}

    def to_dict(self) -> dict:
        out: dict = {"score": self.score, "grade": self.grade}
        if self.departures:
            score, grade_ = graded(score_of(self.observatory or {}))
            out["observatory"] = {"score": score, "grade": grade_, "differs_on": self.departures}
        return out


def grade(results: dict[str, str], *, corp_coop_coep: bool = True,
          observatory: dict[str, str] | None = None) -> WebGrade:
    """Score a set of Observatory results ({"csp": "csp-implemented-with-no-unsafe", ...}).

    ``corp_coop_coep=False`` reproduces the older 10-test algorithm for comparison with published scans.
    ``observatory``: the Observatory's own results where the console's differ (shown beside the grade).
    """
    keep = lambda t: corp_coop_coep or t not in ("corp", "coop", "coep")  # noqa: E731
    chosen = {t: r for t, r in results.items() if keep(t)}
    theirs = {t: r for t, r in (observatory or results).items() if keep(t)}
    score, grade_ = graded(score_of(chosen))
    return WebGrade(score, grade_, chosen, theirs if theirs != chosen else None)
