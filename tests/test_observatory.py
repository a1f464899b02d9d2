"""The Observatory scoring against worked examples, and the checks where the console is stricter (both shown)."""

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


# ---- where the console is stricter than the Observatory: both answers, side by side ----

import httpx  # noqa: E402
import pytest  # noqa: E402

from strapi_console.observatory import MODIFIERS  # noqa: E402

STRAPI_ADMIN = {  # what a default Strapi 5 sends on /admin/ in production, behind TLS
    "content-type": "text/html",
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' https: 'unsafe-inline'; "
                               "object-src 'none'; frame-ancestors 'self'; base-uri 'self'",
    "strict-transport-security": "max-age=31536000; includeSubDomains", "x-content-type-options": "nosniff",
    "x-frame-options": "SAMEORIGIN", "referrer-policy": "no-referrer",
}


async def _hdr_scan(admin: dict, *, health: dict | None = None, preflight: dict | None = None):
    """Run every HDR check against a server answering ``admin`` headers on /admin/ (a list: several lines)."""
    from strapi_console.checks import REGISTRY, ScanContext, run_checks
    from strapi_console.client import ServerInfo, StrapiClient
    from strapi_console.config import Profile
    from strapi_console.scan import ServerResult

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "http":
            raise httpx.ConnectError("connection refused", request=request)
        if request.method == "OPTIONS":
            headers = preflight or {}
        elif request.url.path == "/_health":
            headers = health if health is not None else {k: v for k, v in admin.items()
                                                         if k != "content-security-policy"}
        else:
            headers = admin
        pairs = [(k, v) for k, vs in headers.items() for v in (vs if isinstance(vs, list) else [vs])]
        body = b"<html><head></head><body><script src='/admin/main.js'></script></body></html>"
        return httpx.Response(200 if request.method == "GET" else 204, headers=pairs, stream=httpx.ByteStream(body))

    profile = Profile(name="strict", url="https://cms.example.org")
    async with StrapiClient(profile, transport=httpx.MockTransport(answer)) as client:
        findings = await run_checks(ScanContext(client=client, info=ServerInfo(), credentials=None),
                                    [c for c in REGISTRY if c.startswith("HDR-")])
    return {f.check_id: f for f in findings}, ServerResult(profile, True, findings=findings).finish().web


async def test_a_default_strapi_behind_tls_agrees_with_the_observatory():
    found, web = await _hdr_scan(STRAPI_ADMIN)
    assert web.to_dict() == {"score": 110, "grade": "A+"}  # no departure: nothing shown beside the grade
    assert not any("console" in f.evidence for f in found.values())


@pytest.mark.parametrize("check_id,test,extra,theirs,ours", [
    # Strapi's admin and refresh cookies are session cookies, whatever the Observatory's name test says
    ("HDR-COOKIES", "cookies", {"set-cookie": "jwtToken=x; Path=/; Secure; SameSite=Strict"},
     "cookies-secure-with-httponly-sessions-and-samesite", "cookies-session-without-httponly-flag"),
    # max-age=0 switches HSTS off; the Observatory reads it as a short max-age
    ("HDR-HSTS", "hsts", {"strict-transport-security": "max-age=0"},
     "hsts-implemented-max-age-less-than-six-months", "hsts-not-implemented"),
    # browsers ignore ALLOW-FROM, and a frame-ancestors that allows any site protects nothing
    ("HDR-FRAMING", "xfo", {"x-frame-options": "ALLOW-FROM https://a.example",
                            "content-security-policy": "default-src 'self'; object-src 'none'"},
     "x-frame-options-allow-from-origin", "x-frame-options-not-implemented"),
    ("HDR-FRAMING", "xfo", {"content-security-policy": "default-src 'self'; object-src 'none'; frame-ancestors *"},
     "x-frame-options-implemented-via-csp", "x-frame-options-not-implemented"),
])
async def test_stricter_checks_show_the_observatory_beside_their_own(check_id, test, extra, theirs, ours):
    found, web = await _hdr_scan({**STRAPI_ADMIN, **extra})
    f = found[check_id]
    assert f.status == "fail"
    assert f.evidence["observatory"] == {"test": test, "result": theirs, "modifier": MODIFIERS[theirs]}
    assert f.evidence["console"]["result"] == ours and f.evidence["console"]["why"]
    shown = web.to_dict()
    assert web.results[test] == ours and shown["observatory"]["differs_on"] == {
        test: {"console": ours, "observatory": theirs}}
    assert shown["score"] < shown["observatory"]["score"]  # the console's grade is the stricter one


async def test_nosniff_missing_on_the_api_and_credentials_granted_to_a_preflight():
    found, web = await _hdr_scan(STRAPI_ADMIN, health={"content-type": "application/json"}, preflight={
        "access-control-allow-origin": "https://cors-probe.invalid", "access-control-allow-credentials": "true"})
    assert found["HDR-XCTO"].status == "fail" and "health" in found["HDR-XCTO"].title
    assert found["HDR-XCTO"].evidence["observatory"]["result"] == "x-content-type-options-nosniff"
    assert found["HDR-CORS"].status == "fail"
    assert found["HDR-CORS"].evidence["observatory"]["result"] == "cross-origin-resource-sharing-not-implemented"
    shown = web.to_dict()
    assert (shown["score"], shown["grade"]) == (45, "C-")  # 100 - 50 (CORS) - 5 (nosniff); no extra credit
    assert (shown["observatory"]["score"], shown["observatory"]["grade"]) == (110, "A+")
    assert set(shown["observatory"]["differs_on"]) == {"cors", "xcto"}


async def test_two_policies_from_strapi_and_a_proxy_are_both_read():
    found, web = await _hdr_scan({**STRAPI_ADMIN, "content-security-policy": [
        STRAPI_ADMIN["content-security-policy"], "default-src 'none'; frame-ancestors 'none'"]})
    assert found["HDR-CSP"].status == "pass" and "2 policies" in found["HDR-CSP"].title
    assert web.to_dict() == {"score": 110, "grade": "A+"}
