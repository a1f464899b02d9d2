"""The Observatory scoring against worked examples from its published scoring rules."""

from __future__ import annotations

from strapi_console.observatory import grade

DEFAULT_STRAPI = {  # security-checks.md C5: a default Strapi 5 behind correct TLS
    "csp": "csp-implemented-with-unsafe-inline-in-style-src-only",
    "cookies": "cookies-not-found",
    "cors": "cross-origin-resource-sharing-implemented-with-universal-access",
    "redirection": "redirection-to-https",
    "referrer": "referrer-policy-private",
    "hsts": "hsts-implemented-max-age-at-least-six-months",
    "sri": "sri-not-implemented-but-all-scripts-loaded-from-secure-origin",
    "xcto": "x-content-type-options-nosniff",
    "xfo": "x-frame-options-implemented-via-csp",
    "corp": "corp-not-implemented", "coop": "coop-not-implemented", "coep": "coep-not-implemented",
}


def test_default_strapi_is_c_50_because_of_cors():
    g = grade(DEFAULT_STRAPI)
    assert (g.score, g.grade) == (50, "C")  # bonuses do not count below 90


def test_allow_listed_cors_reaches_a_plus_110():
    g = grade({**DEFAULT_STRAPI, "cors": "cross-origin-resource-sharing-implemented-with-restricted-access"})
    assert (g.score, g.grade) == (110, "A+")


def test_no_headers_at_all():
    g = grade({"csp": "csp-not-implemented", "cookies": "cookies-not-found",
               "cors": "cross-origin-resource-sharing-not-implemented", "redirection": "redirection-missing",
               "referrer": "referrer-policy-not-implemented", "hsts": "hsts-not-implemented",
               "sri": "sri-not-implemented-response-not-html", "xcto": "x-content-type-options-not-implemented",
               "xfo": "x-frame-options-not-implemented"})
    assert g.score == 100 - 25 - 20 - 20 - 5 - 20 and g.grade == "F"


def test_floor_at_zero_and_ten_test_algorithm():
    worst = {"csp": "csp-not-implemented", "cookies": "cookies-session-without-secure-flag",
             "cors": "cross-origin-resource-sharing-implemented-with-universal-access",
             "redirection": "redirection-missing", "hsts": "hsts-not-implemented"}
    assert grade(worst).score == 0
    g = grade({**DEFAULT_STRAPI, "cors": "cross-origin-resource-sharing-not-implemented",
               "coop": "coop-implemented-with-same-origin"}, corp_coop_coep=False)
    assert "coop" not in g.results and g.score == 110
