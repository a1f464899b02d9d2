"""HDR checks: security headers and HTTP behaviour, each mapped to its MDN Observatory result so the
Web grade can be computed exactly like the Observatory does.

Surfaces are fetched anonymously once per scan: ``GET /admin/`` (the admin HTML, or Strapi's answer
when the panel is not served), ``GET /_health``, a CORS probe with a foreign Origin, and for HTTPS
profiles the plain-HTTP entry point on port 80 (first hop only, never followed).
"""

from __future__ import annotations

import asyncio

import re
from urllib.parse import urlsplit

from .. import bounds
from .. import observatory_rules as rules
from ..errors import StrapiError, TLSFailure, Unreachable
from ..http import Response
from ..observatory import MODIFIERS
from ..redact import redact_url
from .registry import SURFACE, ScanContext, check, spec

PROBE_ORIGIN = "https://cors-probe.invalid"
OBS = "https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring"
MIDDLEWARES = "config/middlewares.js"
# Strapi's own session cookies, which the Observatory's name test ('login', 'sess') misses: the admin's
# jwtToken and refresh cookie, the Users & Permissions refresh cookie (security-checks.md HDR-COOKIES)
STRAPI_SESSION_MARKERS = ("jwt", "token", "refresh")


def hsts_age(digits: str) -> int:
    """An HSTS max-age in seconds; absurdly long digit strings count as the longest age (never int() them)."""
    longest = int(bounds.MAX_DURATION)
    return bounds.integer(digits, 0, longest, default=longest, clamp=True)


def _https(ctx: ScanContext) -> bool:
    return ctx.client.profile.url.startswith("https://")


async def surfaces(ctx: ScanContext) -> dict[str, Response]:
    async def fetch():  # three independent answers: asked at once, not one after another
        admin, health, preflight = await asyncio.gather(
            ctx.client.probe("GET", "/admin/", headers={"Accept": "text/html"}),
            ctx.client.probe("GET", "/_health", headers={"Origin": PROBE_ORIGIN}),
            ctx.client.probe("OPTIONS", "/_health", headers={
                "Origin": PROBE_ORIGIN, "Access-Control-Request-Method": "GET"}, retries=0))
        return {"admin": admin, "health": health, "preflight": preflight}

    return await ctx.memo("hdr-surfaces", fetch)


def _obs(test: str, result: str, own: str | None = None, why: str | None = None) -> dict:
    """The Observatory's result (and modifier) for ``test``; where the console judges more strictly,
    its own result beside it, with the reason. The Web grade scores the console's, shows both."""
    out: dict = {"observatory": {"test": test, "result": result, "modifier": MODIFIERS[result]}}
    if own is not None and own != result:
        out["console"] = {"result": own, "modifier": MODIFIERS[own], "why": why}
    return out


def _headers(resp: Response) -> dict[str, list[str]]:
    """Lower-case name → every header line's value, in order (what the Observatory rules read)."""
    return {name: resp.headers.get_list(name) for name in {k.lower() for k in resp.headers.keys()}}


async def _page(ctx: ScanContext) -> rules.Page:
    """The admin page's scripts and <meta http-equiv> headers, parsed once per scan."""
    async def parse():
        admin = (await surfaces(ctx))["admin"]
        html = admin.body[:rules.MAX_HTML].decode("utf-8", "replace") if "html" in admin.content_type else ""
        return rules.Page.parse(html)

    return await ctx.memo("hdr-page", parse)


async def _csp(ctx: ScanContext) -> rules.CspVerdict:
    admin = (await surfaces(ctx))["admin"]
    return rules.csp(admin.headers.get_list("content-security-policy"),
                     (await _page(ctx)).meta.get("content-security-policy", []),
                     report_only=bool(admin.headers.get_list("content-security-policy-report-only")),
                     https=_https(ctx))


def _cfg(summary: str, snippet: str, file: str = MIDDLEWARES) -> dict:
    return {"kind": "config", "summary": summary, "file": file, "snippet": snippet}


SECURITY_SNIPPET = """module.exports = [
  'strapi::logger',
  'strapi::errors',
  {
    name: 'strapi::security',
    config: {
      %s
    },
  },
  // ... the rest of your middlewares, unchanged
];"""


def _hsts_own(values: list[str]) -> tuple[str | None, str | None]:
    """Where the console is stricter on HSTS: max-age=0 switches HSTS off (the Observatory scores it as a
    short max-age), and a max-age that is not a number makes browsers drop the header (the Observatory's
    parser lets it through)."""
    if len(values) != 1:
        return None, None
    m = re.search(r"max-age\s*=\s*\"?(\d+)\"?\s*(;|$)", values[0], re.I)
    if m is None:
        return "hsts-header-invalid", "browsers ignore an HSTS header without a numeric max-age"
    if int(m.group(1)) == 0:
        return "hsts-not-implemented", "max-age=0 tells browsers to forget HSTS for this host"
    return None, None


@check("HDR-HSTS", "Strict-Transport-Security present and long enough", "high", panel="headers", settings=SURFACE,
       references=(OBS,))
async def hsts(ctx: ScanContext):
    me = spec("HDR-HSTS")
    if not _https(ctx):
        f = me.not_applicable("the profile URL is plain HTTP: HSTS is only honoured over HTTPS")
        f.evidence.update(_obs("hsts", "hsts-not-implemented-no-https"))
        return f
    admin = (await surfaces(ctx))["admin"]
    values = admin.headers.get_list("strict-transport-security")
    verdict = rules.hsts(rules.folded(_headers(admin), "strict-transport-security"), https=True)
    own, why = _hsts_own(values)
    result = own or verdict.result
    evidence = {"request": "GET /admin/", "strict-transport-security": values,
                **_obs("hsts", verdict.result, own, why)}
    fix = _cfg("Send one HSTS header of at least a year (Strapi's default), from Strapi or the proxy, not both",
               SECURITY_SNIPPET % "hsts: { maxAge: 31536000, includeSubDomains: true },")
    if result == "hsts-not-implemented" and not values:
        return me.finding("fail", "No Strict-Transport-Security header", evidence=evidence, fix=fix)
    if len(values) > 1:
        return me.finding("fail", "Strict-Transport-Security is sent twice (browsers may ignore it)",
                          evidence=evidence, fix=fix)
    if result == "hsts-not-implemented":
        return me.finding("fail", "HSTS max-age=0 switches HSTS off", evidence=evidence, fix=fix)
    if result == "hsts-header-invalid":
        return me.finding("fail", "Strict-Transport-Security has no valid max-age", evidence=evidence, fix=fix)
    m = re.search(r"max-age\s*=\s*\"?(\d+)", values[0], re.I)
    days = f"{hsts_age(m.group(1)) // 86400} days" if m else "an unreadable max-age"
    if result == "hsts-implemented-max-age-less-than-six-months":
        return me.finding("warn", f"HSTS max-age is {days} (under six months)", evidence=evidence, fix=fix)
    return me.finding("pass", f"HSTS for {days}", evidence=evidence)


CSP_STATUS = {
    "csp-implemented-with-no-unsafe-default-src-none": ("pass", "default-src 'none' and nothing unsafe"),
    "csp-implemented-with-no-unsafe": ("pass", "nothing unsafe"),
    "csp-implemented-with-unsafe-inline-in-style-src-only": ("pass", "only styles may be inline or broad"),
    "csp-implemented-but-duplicate-directives": ("pass", "nothing unsafe, but report-uri or report-to repeated"),
    "csp-implemented-with-insecure-scheme-in-passive-content-only": ("warn", "images or media over http:"),
    "csp-implemented-with-unsafe-eval": ("fail", "script-src or style-src allows 'unsafe-eval'"),
    "csp-implemented-with-unsafe-inline": ("fail", "scripts or plugins may be inline, data: or from any host "
                                           "(script-src, object-src or their default-src)"),
    "csp-implemented-with-insecure-scheme": ("fail", "an http: or ftp: source for active content"),
    "csp-header-invalid": ("fail", "unparseable policy (empty, a directive repeated, or 'strict-dynamic' without "
                           "a nonce or hash)"),
    "csp-not-implemented": ("fail", "no Content-Security-Policy header"),
    "csp-not-implemented-but-reporting-enabled": ("warn", "only Content-Security-Policy-Report-Only is sent "
                                                  "(nothing is enforced)"),
}


@check("HDR-CSP", "Content-Security-Policy present and without unsafe script sources", "medium", panel="headers",
       settings=SURFACE, references=(OBS,))
async def csp(ctx: ScanContext):
    me = spec("HDR-CSP")
    admin = (await surfaces(ctx))["admin"]
    values = admin.headers.get_list("content-security-policy")
    verdict = await _csp(ctx)
    status, why = CSP_STATUS[verdict.result]
    evidence = {"request": "GET /admin/", "content-security-policy": values, **_obs("csp", verdict.result)}
    meta = (await _page(ctx)).meta.get("content-security-policy", [])
    if meta:
        evidence["meta_content_security_policy"] = meta[:10]
    policies = len(rules.split_policies(values + meta))
    if policies > 1 and verdict.policy is not None:
        why += f" ({policies} policies, all enforced: e.g. Strapi's and the proxy's)"
    fix = None if status == "pass" else _cfg(
        "Keep Strapi's CSP defaults and add only the hosts you need; no 'unsafe-inline' or 'unsafe-eval' in "
        "script-src", SECURITY_SNIPPET % "contentSecurityPolicy: {\n        useDirectives: true,\n"
        "        directives: { 'script-src': [\"'self'\"], 'img-src': [\"'self'\", 'data:', 'blob:'] },\n      },")
    return me.finding(status, f"Content-Security-Policy: {why}", evidence=evidence, fix=fix)


def _framing_own(xfo: str | None, header_policy: dict[str, set[str]]) -> tuple[str | None, str | None]:
    """Where the console is stricter on framing: a frame-ancestors that lets any site frame the admin
    protects nothing (and makes browsers ignore X-Frame-Options), and ALLOW-FROM is ignored by current
    browsers. Only a header CSP counts: browsers ignore frame-ancestors in <meta>."""
    ancestors = header_policy.get("frame-ancestors")
    if ancestors is not None:
        if ancestors & rules.BROAD:
            return "x-frame-options-not-implemented", "frame-ancestors lets any site frame the page"
        return "x-frame-options-implemented-via-csp", None
    value = (xfo or "").strip().lower()
    if value.startswith("allow-from"):
        return "x-frame-options-not-implemented", "browsers ignore X-Frame-Options ALLOW-FROM"
    return rules.x_frame_options(xfo, None), None


@check("HDR-FRAMING", "Clickjacking protection", "medium", panel="headers", settings=SURFACE, references=(OBS,))
async def framing(ctx: ScanContext):
    me = spec("HDR-FRAMING")
    admin = (await surfaces(ctx))["admin"]
    xfo_lines = admin.headers.get_list("x-frame-options")
    xfo = rules.folded(_headers(admin), "x-frame-options")
    try:
        header_policy = rules.parse_policies(rules.split_policies(admin.headers.get_list("content-security-policy")))[0]
    except rules.CspInvalid:
        header_policy = {}
    result = rules.x_frame_options(xfo, (await _csp(ctx)).policy)
    own, why = _framing_own(xfo, header_policy)
    evidence = {"request": "GET /admin/", "x-frame-options": xfo_lines,
                "frame-ancestors": sorted(header_policy.get("frame-ancestors", []))[:20] or None,
                **_obs("xfo", result, own, why)}
    if own == "x-frame-options-implemented-via-csp":
        return me.finding("pass", "Framing restricted by CSP frame-ancestors", evidence=evidence)
    if own == "x-frame-options-sameorigin-or-deny":
        return me.finding("pass", f"X-Frame-Options {xfo.strip().upper()}", evidence=evidence)
    title = ("The admin can be framed by any site (clickjacking)" if not xfo_lines or why
             else f"Invalid X-Frame-Options: {xfo_lines}")
    return me.finding("fail", f"{title}{f' ({why})' if why else ''}", evidence=evidence,
                      fix=_cfg("Keep helmet's frameguard (Strapi's default) or set CSP frame-ancestors",
                               SECURITY_SNIPPET % "frameguard: { action: 'sameorigin' },"))


@check("HDR-XCTO", "X-Content-Type-Options: nosniff", "low", panel="headers", settings=SURFACE, references=(OBS,))
async def xcto(ctx: ScanContext):
    """Stricter than the Observatory, which reads only the page: every surface the console fetched must
    say nosniff (an API answer sniffed as HTML is as bad as the admin page)."""
    me = spec("HDR-XCTO")
    got = {name: r for name, r in (await surfaces(ctx)).items() if name != "preflight"}
    seen = {name: rules.x_content_type_options(rules.folded(_headers(r), "x-content-type-options"))
            for name, r in got.items()}
    bad = [name for name, result in seen.items() if result != "x-content-type-options-nosniff"]
    own = seen[bad[0]] if bad else seen["admin"]
    evidence = {"x-content-type-options": {n: r.headers.get_list("x-content-type-options") for n, r in got.items()},
                **_obs("xcto", seen["admin"], own, f"not nosniff on {', '.join(bad)}" if bad else None)}
    if not bad:
        return me.finding("pass", "nosniff on every surface", evidence=evidence)
    return me.finding("fail", "X-Content-Type-Options: nosniff is missing or invalid on " + ", ".join(bad),
                      evidence=evidence,
                      fix=_cfg("Keep helmet's noSniff (Strapi's default); make sure the proxy or CDN keeps it",
                               "add_header X-Content-Type-Options nosniff always;", file="nginx server block"))


@check("HDR-REFERRER", "Referrer-Policy", "low", panel="headers", settings=SURFACE, references=(OBS,))
async def referrer(ctx: ScanContext):
    me = spec("HDR-REFERRER")
    values = (await surfaces(ctx))["admin"].headers.get_list("referrer-policy")
    meta = (await _page(ctx)).meta.get("referrer-policy", [])
    result = rules.referrer_policy(values, meta)
    known = [t.strip().lower() for t in ", ".join(values + meta).split(",")
             if t.strip().lower() in rules.REFERRER_PRIVATE + rules.REFERRER_UNSAFE]
    evidence = {"request": "GET /admin/", "referrer-policy": values, **_obs("referrer", result)}
    if meta:
        evidence["meta_referrer"] = meta[:10]
    fix = _cfg("Send a private Referrer-Policy", SECURITY_SNIPPET % "referrerPolicy: { policy: 'no-referrer' },")
    if result == "referrer-policy-not-implemented":
        return me.finding("warn", "No Referrer-Policy header", evidence=evidence, fix=fix)
    if result == "referrer-policy-header-invalid":
        return me.finding("fail", f"Invalid Referrer-Policy {values or meta}", evidence=evidence, fix=fix)
    if result == "referrer-policy-private":  # the last value a browser supports wins
        return me.finding("pass", f"Referrer-Policy {known[-1]}", evidence=evidence)
    return me.finding("fail", f"Unsafe Referrer-Policy {known[-1]} (full URLs leak to other sites)",
                      evidence=evidence, fix=fix)


@check("HDR-CORS", "CORS does not reflect arbitrary origins with credentials", "high", panel="headers",
       settings=SURFACE, references=(OBS,))
async def cors(ctx: ScanContext):
    """The Observatory reads one GET sent with a foreign Origin; the console also sends a preflight, and
    a preflight that grants the foreign origin credentials counts as much as the GET."""
    me = spec("HDR-CORS")
    s = await surfaces(ctx)
    seen, results = {}, {}
    for name in ("preflight", "health"):
        h = s[name].headers
        seen[name] = {"access-control-allow-origin": h.get("access-control-allow-origin"),
                      "access-control-allow-credentials": h.get("access-control-allow-credentials")}
        results[name] = rules.cors(rules.folded(_headers(s[name]), "access-control-allow-origin"),
                                   rules.folded(_headers(s[name]), "access-control-allow-credentials"), PROBE_ORIGIN)
    universal = "cross-origin-resource-sharing-implemented-with-universal-access"
    own = universal if universal in results.values() else results["health"]
    evidence = {"request": f"OPTIONS and GET /_health with Origin: {PROBE_ORIGIN}", **seen,
                **_obs("cors", results["health"], own, "the preflight grants the foreign origin credentials")}
    if own == universal:
        return me.finding("fail", "CORS reflects any origin with credentials: any site can read authenticated "
                          "answers", evidence=evidence,
                          fix=_cfg("Allow only your front-end origins", "module.exports = [\n  // ...\n  {\n    name: "
                                   "'strapi::cors',\n    config: { origin: ['https://www.example.com'], credentials: true },"
                                   "\n  },\n  // ...\n];"))
    return me.finding("pass", "CORS does not grant arbitrary origins credentialed access", evidence=evidence)


def _policy_check(check_id: str, header: str, test: str, read, statuses: dict[str, str], fix_line: str):
    """CORP, COOP and COEP: the Observatory's reading of the header (``read``), and the console's status
    for each result suffix (the rest, an invalid header, fails)."""
    async def run(ctx: ScanContext):
        me = spec(check_id)
        admin = (await surfaces(ctx))["admin"]
        values = admin.headers.get_list(header)
        result = read(rules.folded(_headers(admin), header))
        suffix = result.removeprefix(f"{test}-").removeprefix("implemented-with-")
        status = statuses.get(suffix, "fail")
        evidence = {"request": "GET /admin/", header: values, **_obs(test, result)}
        fix = None if status == "pass" else _cfg(f"Set {header}", SECURITY_SNIPPET % fix_line)
        title = {"not-implemented": f"No {header} header", "header-invalid": f"Invalid {header}: {values}"}.get(
            suffix, f"{header}: {suffix}")
        return me.finding(status, title, evidence=evidence, fix=fix)

    return run


check("HDR-CORP", "Cross-Origin-Resource-Policy", "low", panel="headers", settings=SURFACE,
      references=(OBS,))(_policy_check(
    "HDR-CORP", "cross-origin-resource-policy", "corp", rules.corp,
    {"same-origin": "pass", "same-site": "pass", "cross-origin": "info", "not-implemented": "warn"},
    "crossOriginResourcePolicy: { policy: 'same-site' },"))
check("HDR-COOP", "Cross-Origin-Opener-Policy on admin HTML", "low", panel="headers", settings=SURFACE,
      references=(OBS,))(_policy_check(
    "HDR-COOP", "cross-origin-opener-policy", "coop", rules.coop,
    {"same-origin": "pass", "same-origin-allow-popups": "pass", "noopener-allow-popups": "pass",
     "unsafe-none": "warn", "not-implemented": "warn"},
    "crossOriginOpenerPolicy: { policy: 'same-origin' },"))
check("HDR-COEP", "Cross-Origin-Embedder-Policy", "info", panel="headers", settings=SURFACE,
      references=(OBS,))(_policy_check(
    "HDR-COEP", "cross-origin-embedder-policy", "coep", rules.coep,
    {"require-corp": "pass", "credentialless": "pass", "unsafe-none": "pass", "not-implemented": "pass"},
    "crossOriginEmbedderPolicy: false,"))


@check("HDR-PERMISSIONS", "Permissions-Policy", "low", panel="headers", settings=SURFACE)
async def permissions_policy(ctx: ScanContext):
    me = spec("HDR-PERMISSIONS")
    headers = (await surfaces(ctx))["admin"].headers
    value = headers.get("permissions-policy")
    evidence = {"request": "GET /admin/", "permissions-policy": value, "feature-policy": headers.get("feature-policy")}
    if value:
        return me.finding("pass", "Permissions-Policy is set", evidence=evidence)
    return me.finding("warn", "No Permissions-Policy header", evidence=evidence, fix=_cfg(
        "Send a Permissions-Policy from the proxy", 'add_header Permissions-Policy "camera=(), microphone=(), '
        'geolocation=(), payment=()" always;', file="nginx server block"))


@check("HDR-POWERED-BY", "No X-Powered-By", "low", panel="headers", settings=SURFACE)
async def powered_by(ctx: ScanContext):
    me = spec("HDR-POWERED-BY")
    value = (await surfaces(ctx))["health"].headers.get("x-powered-by")
    evidence = {"request": "GET /_health", "x-powered-by": value}
    if not value:
        return me.finding("pass", "No X-Powered-By header", evidence=evidence)
    return me.finding("fail", f"X-Powered-By announces {value}", evidence=evidence, fix=_cfg(
        "Remove 'strapi::poweredBy' from the middleware list (or hide it at the proxy)",
        "module.exports = [\n  'strapi::logger',\n  'strapi::errors',\n  'strapi::security',\n  'strapi::cors',\n"
        "  // 'strapi::poweredBy',  ← removed\n  'strapi::query',\n  'strapi::body',\n  'strapi::session',\n"
        "  'strapi::favicon',\n  'strapi::public',\n];"))


@check("HDR-SERVER-BANNER", "Server and proxy headers do not leak versions", "low", panel="headers", settings=SURFACE)
async def server_banner(ctx: ScanContext):
    me = spec("HDR-SERVER-BANNER")
    banners = {n: r.headers.get("server") for n, r in (await surfaces(ctx)).items() if r.headers.get("server")}
    evidence = {"server": banners}
    if any(re.search(r"\d", v) for v in banners.values()):
        return me.finding("fail", f"The Server header names a version: {sorted(set(banners.values()))}",
                          evidence=evidence, fix=_cfg("Hide versions at the proxy", "server_tokens off;",
                                                      file="nginx http block"))
    if banners:
        return me.finding("warn", f"The Server header names the product: {sorted(set(banners.values()))}",
                          evidence=evidence)
    return me.finding("pass", "No Server banner", evidence=evidence)


@check("HDR-XXP", "X-XSS-Protection is absent or 0", "info", panel="headers", settings=SURFACE)
async def xxp(ctx: ScanContext):
    me = spec("HDR-XXP")
    value = (await surfaces(ctx))["admin"].headers.get("x-xss-protection")
    evidence = {"x-xss-protection": value}
    if value is None or value.strip() == "0":
        return me.finding("pass", "X-XSS-Protection absent or 0", evidence=evidence)
    if value.strip().startswith("1"):
        return me.finding("warn", f"X-XSS-Protection: {value} (deprecated; can introduce leaks)", evidence=evidence)
    return me.finding("fail", f"Invalid X-XSS-Protection: {value}", evidence=evidence)


COOKIE_STATUS = {  # the console's status for its own cookies result (security-checks.md HDR-COOKIES)
    "cookies-not-found": "pass", "cookies-secure-with-httponly-sessions-and-samesite": "pass",
    "cookies-secure-with-httponly-sessions": "warn", "cookies-without-secure-flag-but-protected-by-hsts": "warn",
    "cookies-without-secure-flag": "warn", "cookies-anticsrf-without-samesite-flag": "warn",
}


@check("HDR-COOKIES", "Cookies carry Secure, HttpOnly and SameSite", "high", panel="headers", settings=SURFACE,
       references=(OBS,))
async def cookies(ctx: ScanContext):
    """The Observatory's cookie rules; the console also counts Strapi's own session cookies (jwtToken and the
    refresh cookies, whose names the Observatory's 'login'/'sess' test misses) as session cookies."""
    me = spec("HDR-COOKIES")
    found = await surfaces(ctx)
    set_cookies = [c for r in found.values() for c in r.headers.get_list("set-cookie")]
    hsts_passes = _https(ctx) and rules.hsts(rules.folded(_headers(found["admin"]), "strict-transport-security"),
                                             https=True).passes
    result, jar = rules.cookies(set_cookies, hsts_passes=hsts_passes)
    own, _ = rules.cookies(set_cookies, hsts_passes=hsts_passes,
                           session_markers=rules.OBSERVATORY_SESSION_MARKERS + STRAPI_SESSION_MARKERS)
    obs = _obs("cookies", result, own, "Strapi's jwtToken and refresh cookies are session cookies")
    if not jar:
        return me.finding("pass", "No cookie is set on anonymous requests", evidence={
            **obs, "surfaces": ["GET /admin/", "GET /_health"]})
    names = lambda pick: [c.name[:60] for c in jar if pick(c)][:20]  # noqa: E731
    evidence = {"cookies": names(lambda c: True), "without_secure": names(lambda c: not c.secure),
                "without_httponly": names(lambda c: not c.http_only),
                "without_samesite": names(lambda c: not c.same_site),
                "samesite_none": names(lambda c: c.same_site == "none"), **obs}
    status = COOKIE_STATUS.get(own, "fail")
    if status == "pass" and evidence["samesite_none"]:
        status = "warn"  # SameSite=None: sent on cross-site requests (the Observatory accepts it with Secure)
    titles = {
        "cookies-secure-with-httponly-sessions": f"Cookies without SameSite: {', '.join(evidence['without_samesite'])}",
        "cookies-samesite-flag-invalid": "A SameSite attribute is invalid, or SameSite=None without Secure",
        "cookies-anticsrf-without-samesite-flag": "An anti-CSRF cookie has no SameSite",
        "cookies-session-without-httponly-flag": "Session cookies without HttpOnly: "
                                                 f"{', '.join(evidence['without_httponly'])}",
    }
    if "without-secure" in own:
        title = f"Cookies without Secure: {', '.join(evidence['without_secure'])}"
    else:
        title = titles.get(own, "Cookies are Secure and HttpOnly" + (
            " (SameSite=None on " + ", ".join(evidence["samesite_none"]) + ")" if evidence["samesite_none"] else ""))
    return me.finding(status, title, evidence=evidence)


SRI_STATUS = {
    "sri-implemented-and-all-scripts-loaded-securely": ("pass", "All admin scripts are same-origin, with integrity"),
    "sri-implemented-and-external-scripts-loaded-securely": ("pass", "External scripts carry integrity"),
    "sri-not-implemented-response-not-html": ("pass", "The admin panel is not served here (no HTML to load scripts)"),
    "sri-not-implemented-but-no-scripts-loaded": ("pass", "The admin page loads no script"),
    "sri-not-implemented-but-all-scripts-loaded-from-secure-origin": ("pass", "All admin scripts are same-origin"),
    "sri-not-implemented-but-external-scripts-loaded-securely": ("warn", "External scripts without integrity"),
    "sri-implemented-but-external-scripts-not-loaded-securely": ("fail", "External scripts over plain HTTP"),
    "sri-not-implemented-and-external-scripts-not-loaded-securely": ("fail", "External scripts over plain HTTP, "
                                                                     "without integrity"),
}


@check("HDR-SRI", "External scripts on admin HTML use SRI", "low", panel="headers", settings=SURFACE, references=(OBS,))
async def sri(ctx: ScanContext):
    me = spec("HDR-SRI")
    admin = (await surfaces(ctx))["admin"]
    page = await _page(ctx)
    result, external = rules.sri(admin.headers.get("content-type"), page,
                                 host=urlsplit(ctx.client.profile.url).hostname or "", https=_https(ctx))
    status, title = SRI_STATUS[result]
    evidence = {"request": "GET /admin/", "status": admin.status, "scripts": len(page.scripts),
                "external": [redact_url(u) for u in external[:20]], **_obs("sri", result)}
    return me.finding(status, title, evidence=evidence)


async def _http_route(ctx: ScanContext, url: str) -> tuple[list[tuple[str, int]] | None, bool]:
    """Each hop from ``url`` (plain HTTP), following redirects ourselves (bounded): (route, TLS verified).
    None when nothing answers on plain HTTP. Never sends credentials: these are anonymous probes."""
    route: list[tuple[str, int]] = []
    for _ in range(rules.MAX_ROUTE + 1):
        try:
            resp = await ctx.client.http.send("GET", url, headers={"Accept": "text/html"}, retries=0, follow=0)
        except TLSFailure:
            return route + [(url, 0)], False
        except Unreachable:
            if not route:
                return None, True
            break  # a later hop is down: the route ends where it could be followed
        route.append((url, resp.status))
        location = resp.headers.get("location")
        if resp.status not in (301, 302, 303, 307, 308) or not location:
            break
        url = rules.next_hop(url, location)
        if not url.startswith(("http://", "https://")):
            break
    return route, True


REDIRECT_STATUS = {
    "redirection-to-https": ("pass", "HTTP redirects to HTTPS on the same host"),
    "redirection-not-needed-no-http": ("pass", "Nothing answers on plain HTTP: nothing to redirect"),
    "redirection-all-redirects-preloaded": ("pass", "Every hop is on the HSTS preload list"),
    "redirection-off-host-from-http": ("warn", "The first redirect goes to another host"),
    "redirection-not-to-https-on-initial-redirection": ("fail", "The first redirect stays on plain HTTP"),
    "redirection-not-to-https": ("fail", "HTTP redirects, but does not end on HTTPS"),
    "redirection-missing": ("fail", "HTTP answers without redirecting to HTTPS"),
    "redirection-invalid-cert": ("fail", "The redirect leads to HTTPS with a certificate that does not verify"),
}


@check("HDR-HTTPS-REDIRECT", "HTTP redirects to HTTPS on the same host first", "high", panel="headers",
       settings=SURFACE, references=(OBS,))
async def https_redirect(ctx: ScanContext):
    me = spec("HDR-HTTPS-REDIRECT")
    parts = urlsplit(ctx.client.profile.url)
    if parts.scheme != "https":
        return me.not_applicable("the profile URL is plain HTTP")
    url = f"http://{parts.hostname}/admin/"
    try:
        route, verified = await _http_route(ctx, url)
    except StrapiError as exc:
        return me.finding("error", reason=f"GET {url} failed: {type(exc).__name__}")
    result = rules.redirection(route, verified=verified)
    status, title = REDIRECT_STATUS[result]
    evidence = {"request": f"GET {url}", "route": [f"{code} {redact_url(u)}" for u, code in route or []],
                **_obs("redirection", result)}
    fix = None if status == "pass" else _cfg("Redirect port 80 to HTTPS on the same host",
                                             "return 301 https://$host$request_uri;", file="nginx :80 server block")
    return me.finding(status, title, evidence=evidence, fix=fix)
