"""The console's Observatory rules and Web grade against the MDN HTTP Observatory's own test cases.

The cases are read at run time from ../shared/external-suites (observatory-cases.json: the inputs and
results of the Observatory's analyzer unit tests; observatory-scoring.json: its modifiers, grade chart,
scored combinations and whole scans). Each section records how many cases agree and lists every case
that does not.
"""

from __future__ import annotations

import httpx
import pytest

from external_suites import load, record
from strapi_console import observatory_rules as rules
from strapi_console.observatory import MODIFIERS, PREFIXES, family_of, grade, graded
from strapi_console.scoring import grade_for

# The Observatory consults its copy of Chromium's HSTS preload list; the console ships none (its Web grade
# never awards hsts-preloaded). These are that list's answers for the hosts the cases name, given to the
# rules as the input they are: bugzilla.mozilla.org and facebook.com are preloaded in force-https mode,
# cloudflare.com with its subdomains; dropboxusercontent.com is listed, but not in force-https mode.
PRELOADED = {"bugzilla.mozilla.org", "facebook.com", "cloudflare.com"}


def preloaded(host: str) -> bool:
    return host in PRELOADED or host.endswith(".cloudflare.com")


def _seen(response: dict | None, case: dict) -> rules.Seen | None:
    if response is None:
        return None
    headers: dict[str, list[str]] = {}
    for name, value in response.get("headers", {}).items():  # a list: the header sent on several lines
        headers.setdefault(name.lower(), []).extend(value if isinstance(value, list) else [value])
    meta = {k.lower(): list(v) for k, v in (response.get("http_equiv") or {}).items()}
    return rules.Seen(headers, verified=response.get("verified", False), html=case.get("html", ""), meta=meta)


def site_of(case: dict) -> rules.Site:
    """A case's recorded responses as what the console would have observed of that site."""
    r = case["responses"]
    http = r.get("http")
    cors = r.get("cors")
    return rules.Site(
        host=case["site"], page=_seen(r.get("auto"), case), https=True,  # the cases' pages came over HTTPS
        https_page=_seen(r.get("https", r.get("auto")), case),
        http_route=None if http is None else [(hop["url"], hop["status"]) for hop in case.get("http_redirects", [])],
        http_verified=bool(http and http.get("verified")),
        cors=_seen(cors, case),
        cors_origin={k.lower(): v for k, v in (cors or {}).get("request_headers", {}).items()}.get("origin"),
        preloaded=preloaded)


def _report(suite: str, disagreements: list[str], total: int) -> None:
    record(suite, total - len(disagreements), total)
    assert not disagreements, f"{len(disagreements)} of {total} disagree:\n" + "\n".join(disagreements[:60])


def test_results_of_the_observatory_unit_tests():
    cases = load("observatory-cases.json")["cases"]
    wrong, wrong_modifier = [], []
    for case in cases:
        got = rules.analyze(site_of(case))[case["family"]]
        if got != case["expected"]:
            wrong.append(f"#{case['i']} {case['family']} {case['source'].rsplit(':', 2)[0].rsplit('/', 1)[-1]}: "
                         f"expected {case['expected']}, got {got}")
        if MODIFIERS.get(got) != MODIFIERS.get(case["expected"]):
            wrong_modifier.append(f"#{case['i']} {case['expected']}: {MODIFIERS.get(got)}")
    record("observatory results (modifier)", len(cases) - len(wrong_modifier), len(cases))
    _report("observatory results", wrong, len(cases))


def test_modifiers_and_families():
    scoring = load("observatory-scoring.json")
    wrong = [f"{name}: Observatory {mod}, console {MODIFIERS.get(name)}" for name, mod in scoring["modifiers"].items()
             if MODIFIERS.get(name) != mod]
    wrong += [f"{name}: not an Observatory result" for name in MODIFIERS if name not in scoring["modifiers"]]
    for family, names in scoring["families"].items():
        wrong += [f"{name}: family {family}, console {family_of(name)}" for name in names if family_of(name) != family]
    assert set(PREFIXES) == set(scoring["families"])
    total = len(scoring["modifiers"]) + sum(map(len, scoring["families"].values()))
    _report("observatory modifiers", wrong, total)


def test_grade_chart():
    scoring = load("observatory-scoring.json")
    wrong = [f"{floor}: Observatory {g}, console {grade_for(floor)}" for floor, g in scoring["grade_chart"]
             if grade_for(floor) != g]
    for entry in scoring["grades"]:
        expected = (entry["expected"]["score"], entry["expected"]["grade"])
        if graded(entry["score"]) != expected:
            wrong.append(f"score {entry['score']}: Observatory {expected}, console {graded(entry['score'])}")
    assert scoring["min_score_for_extra_credit"] == 90
    _report("observatory grade chart", wrong, len(scoring["grade_chart"]) + len(scoring["grades"]))


def test_scored_combinations():
    combos = load("observatory-scoring.json")["combos"]
    wrong = []
    for combo in combos:
        g = grade(combo["results"])
        if (g.score, g.grade) != (combo["expected_score"], combo["expected_grade"]):
            wrong.append(f"#{combo['i']}: Observatory {combo['expected_score']} {combo['expected_grade']}, "
                         f"console {g.score} {g.grade}")
    _report("observatory combinations", wrong, len(combos))


def test_whole_scans():
    """Two real sites and six Strapi-shaped header sets: every result, then the score and grade."""
    scans = load("observatory-scoring.json")["scans"]
    wrong = []
    for scan in scans:
        name = scan.get("scenario", scan["site"])
        results = {}
        for case in scan["cases"]:
            results[case["family"]] = rules.analyze(site_of(case))[case["family"]]
            if results[case["family"]] != case["expected"]:
                wrong.append(f"{name} {case['family']}: expected {case['expected']}, got {results[case['family']]}")
        g = grade(results)
        if (g.score, g.grade) != (scan["expected_score"], scan["expected_grade"]):
            wrong.append(f"{name}: Observatory {scan['expected_score']} {scan['expected_grade']}, "
                         f"console {g.score} {g.grade}")
    _report("observatory scans", wrong, len(scans) * 13)


def _strapi_transport(scan: dict) -> httpx.MockTransport:
    """A server answering as the scan recorded: the page (with its HTML) over HTTPS, the CORS answer to
    requests with an Origin (echoing it where the recorded answer echoed the Observatory's), and the
    recorded redirects on plain HTTP."""
    by_family = {c["family"]: c for c in scan["cases"]}
    page = by_family["csp"]["responses"]["auto"]
    cors = by_family["cors"]["responses"]["cors"]
    html = by_family["sri"].get("html", "").encode()
    hops = [hop["url"] for hop in by_family["redirection"].get("http_redirects", [])]

    def pairs(headers: dict) -> list[tuple[str, str]]:
        return [(k, v) for k, vs in headers.items() for v in (vs if isinstance(vs, list) else [vs])]

    def answer(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if request.url.scheme == "http":
            if url not in hops[:-1]:
                raise httpx.ConnectError("connection refused", request=request)
            return httpx.Response(301, headers={"location": hops[hops.index(url) + 1]}, stream=httpx.ByteStream(b""))
        if "origin" not in request.headers or cors is None:
            return httpx.Response(page["status"], headers=pairs(page["headers"]), stream=httpx.ByteStream(html))
        recorded = cors.get("request_headers", {}).get("Origin")
        headers = [(k, request.headers["origin"] if k.lower() == "access-control-allow-origin" and v == recorded
                    else v) for k, v in pairs(cors["headers"])]
        named = {k.lower() for k, _ in headers}
        headers += [(k, v) for k, v in pairs(page["headers"]) if k.lower() not in named | {"content-security-policy"}]
        return httpx.Response(cors["status"], headers=headers, stream=httpx.ByteStream(b"{}"))

    return httpx.MockTransport(answer)


CONSOLE_PATH: dict[str, bool] = {}
STRAPI_SCANS = ["strapi-default-https", "strapi-cors-restricted", "strapi-plus-proxy-csp", "strapi-hardened",
                "strapi-security-middleware-removed", "strapi-proxy-lowercase-values"]


@pytest.mark.parametrize("scenario", STRAPI_SCANS)
async def test_console_web_grade_on_strapi_scans(scenario):
    """The whole console path (HDR checks on real responses, then the Web grade) on the Strapi-shaped
    scans gives the Observatory's results and grade: none of the console's stricter rules applies there."""
    from strapi_console.checks import REGISTRY, ScanContext, run_checks
    from strapi_console.client import ServerInfo, StrapiClient
    from strapi_console.config import Profile
    from strapi_console.scan import ServerResult

    scan = next(s for s in load("observatory-scoring.json")["scans"] if s.get("scenario") == scenario)
    profile = Profile(name="conformance", url=f"https://{scan['site']}")
    async with StrapiClient(profile, transport=_strapi_transport(scan)) as client:
        ctx = ScanContext(client=client, info=ServerInfo(), credentials=None)
        findings = await run_checks(ctx, [c for c in REGISTRY if c.startswith("HDR-")])
    web = ServerResult(profile, True, findings=findings).finish().web
    agreed = (web.results, web.score, web.grade) == (scan["results"], scan["expected_score"], scan["expected_grade"])
    CONSOLE_PATH[scenario] = agreed
    record("observatory scans through the console's checks", sum(CONSOLE_PATH.values()), len(STRAPI_SCANS))
    assert web.results == scan["results"]
    assert web.to_dict() == {"score": scan["expected_score"], "grade": scan["expected_grade"]}
