"""HDR checks: security headers and HTTP behaviour, each mapped to its MDN Observatory result so the
Web grade can be computed exactly like the Observatory does.

Surfaces are fetched anonymously once per scan: ``GET /admin/`` (the admin HTML, or Strapi's answer
when the panel is not served), ``GET /_health``, a CORS probe with a foreign Origin, and for HTTPS
profiles the plain-HTTP entry point on port 80 (first hop only, never followed).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx

from .. import bounds
from ..http import Response
from .registry import ScanContext, check, spec

PROBE_ORIGIN = "https://cors-probe.invalid"
OBS = "https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring"
MIDDLEWARES = "config/middlewares.js"
SAFE_REFERRER = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
UNSAFE_REFERRER = {"origin", "origin-when-cross-origin", "unsafe-url"}
ALL_REFERRER = SAFE_REFERRER | UNSAFE_REFERRER | {"no-referrer-when-downgrade"}


def hsts_age(digits: str) -> int:
    """An HSTS max-age in seconds; absurdly long digit strings count as the longest age (never int() them)."""
    longest = int(bounds.MAX_DURATION)
    return bounds.integer(digits, 0, longest, default=longest, clamp=True)


def _https(ctx: ScanContext) -> bool:
    return ctx.client.profile.url.startswith("https://")


async def surfaces(ctx: ScanContext) -> dict[str, Response]:
    async def fetch():
        admin = await ctx.client.probe("GET", "/admin/", headers={"Accept": "text/html"})
        health = await ctx.client.probe("GET", "/_health", headers={"Origin": PROBE_ORIGIN})
        preflight = await ctx.client.probe("OPTIONS", "/_health", headers={
            "Origin": PROBE_ORIGIN, "Access-Control-Request-Method": "GET"}, retries=0)
        return {"admin": admin, "health": health, "preflight": preflight}

    return await ctx.memo("hdr-surfaces", fetch)


def _obs(test: str, result: str) -> dict:
    return {"observatory": {"test": test, "result": result}}


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


def parse_csp(value: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        tokens = part.strip().split()
        if tokens:
            name = tokens[0].lower()
            if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
                raise ValueError(f"'{tokens[0][:20]}' is not a directive name")
            if name in directives:
                raise ValueError(f"directive {name} repeated")
            directives[name] = tokens[1:]
    return directives


def csp_result(values: list[str]) -> tuple[str, str, str]:
    """(status, observatory result, explanation) for the Content-Security-Policy header values."""
    if not values:
        return "fail", "csp-not-implemented", "no Content-Security-Policy header"
    try:
        policy = parse_csp(";".join(values))
    except ValueError as exc:
        return "fail", "csp-header-invalid", f"unparseable policy ({exc})"
    script = policy.get("script-src", policy.get("default-src", []))
    obj = policy.get("object-src", policy.get("default-src", []))
    has_nonce = any(t.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) for t in script)
    if "'unsafe-inline'" in script and not has_nonce:
        return "fail", "csp-implemented-with-unsafe-inline", "script-src allows 'unsafe-inline'"
    if "'unsafe-eval'" in script:
        return "fail", "csp-implemented-with-unsafe-eval", "script-src allows 'unsafe-eval'"
    broad = {"*", "http:", "https:", "data:", "ws:"}
    if broad & set(script) or broad & set(obj) or not script:
        return "fail", "csp-implemented-with-insecure-scheme", "script-src or object-src allows a broad source"
    passive = policy.get("img-src", []) + policy.get("media-src", [])
    if "http:" in passive:
        return "warn", "csp-implemented-with-insecure-scheme-in-passive-content-only", "images or media over http:"
    if "'unsafe-inline'" in policy.get("style-src", []):
        return "pass", "csp-implemented-with-unsafe-inline-in-style-src-only", "only styles may be inline"
    if policy.get("default-src") == ["'none'"]:
        return "pass", "csp-implemented-with-no-unsafe-default-src-none", "default-src 'none' and nothing unsafe"
    return "pass", "csp-implemented-with-no-unsafe", "nothing unsafe"


@check("HDR-HSTS", "Strict-Transport-Security present and long enough", "high", references=(OBS,))
async def hsts(ctx: ScanContext):
    me = spec("HDR-HSTS")
    if not _https(ctx):
        f = me.not_applicable("the profile URL is plain HTTP: HSTS is only honoured over HTTPS")
        f.evidence.update(_obs("hsts", "hsts-not-implemented-no-https"))
        return f
    admin = (await surfaces(ctx))["admin"]
    values = admin.headers.get_list("strict-transport-security")
    evidence = {"request": "GET /admin/", "strict-transport-security": values}
    fix = _cfg("Send one HSTS header of at least a year (Strapi's default), from Strapi or the proxy, not both",
               SECURITY_SNIPPET % "hsts: { maxAge: 31536000, includeSubDomains: true },")
    if not values:
        return me.finding("fail", "No Strict-Transport-Security header", evidence={**evidence, **_obs(
            "hsts", "hsts-not-implemented")}, fix=fix)
    if len(values) > 1:
        return me.finding("fail", "Strict-Transport-Security is sent twice (browsers may ignore it)",
                          evidence={**evidence, **_obs("hsts", "hsts-header-invalid")}, fix=fix)
    m = re.search(r"max-age\s*=\s*\"?(\d+)", values[0], re.I)
    if not m:
        return me.finding("fail", "Strict-Transport-Security has no valid max-age",
                          evidence={**evidence, **_obs("hsts", "hsts-header-invalid")}, fix=fix)
    age = hsts_age(m.group(1))
    if age == 0:
        return me.finding("fail", "HSTS max-age=0 switches HSTS off", evidence={**evidence, **_obs(
            "hsts", "hsts-header-invalid")}, fix=fix)
    if age < 15552000:
        return me.finding("warn", f"HSTS max-age is {age // 86400} days (under six months)",
                          evidence={**evidence, **_obs("hsts", "hsts-implemented-max-age-less-than-six-months")},
                          fix=fix)
    return me.finding("pass", f"HSTS for {age // 86400} days", evidence={**evidence, **_obs(
        "hsts", "hsts-implemented-max-age-at-least-six-months")})


@check("HDR-CSP", "Content-Security-Policy present and without unsafe script sources", "medium", references=(OBS,))
async def csp(ctx: ScanContext):
    me = spec("HDR-CSP")
    admin = (await surfaces(ctx))["admin"]
    values = admin.headers.get_list("content-security-policy")
    status, result, why = csp_result(values)
    evidence = {"request": "GET /admin/", "content-security-policy": values, **_obs("csp", result)}
    if status == "fail" and not values and admin.headers.get("content-security-policy-report-only"):
        status, why = "warn", "only Content-Security-Policy-Report-Only is sent (nothing is enforced)"
    fix = None if status == "pass" else _cfg(
        "Keep Strapi's CSP defaults and add only the hosts you need; no 'unsafe-inline' or 'unsafe-eval' in "
        "script-src", SECURITY_SNIPPET % "contentSecurityPolicy: {\n        useDirectives: true,\n"
        "        directives: { 'script-src': [\"'self'\"], 'img-src': [\"'self'\", 'data:', 'blob:'] },\n      },")
    return me.finding(status, f"Content-Security-Policy: {why}", evidence=evidence, fix=fix)


@check("HDR-FRAMING", "Clickjacking protection", "medium", references=(OBS,))
async def framing(ctx: ScanContext):
    me = spec("HDR-FRAMING")
    admin = (await surfaces(ctx))["admin"]
    xfo = admin.headers.get_list("x-frame-options")
    try:
        ancestors = parse_csp(";".join(admin.headers.get_list("content-security-policy"))).get("frame-ancestors")
    except ValueError:
        ancestors = None
    evidence = {"request": "GET /admin/", "x-frame-options": xfo, "frame-ancestors": ancestors}
    if ancestors:
        return me.finding("pass", "Framing restricted by CSP frame-ancestors",
                          evidence={**evidence, **_obs("xfo", "x-frame-options-implemented-via-csp")})
    if len(xfo) == 1 and xfo[0].strip().upper() in ("DENY", "SAMEORIGIN"):
        return me.finding("pass", f"X-Frame-Options {xfo[0].strip().upper()}",
                          evidence={**evidence, **_obs("xfo", "x-frame-options-sameorigin-or-deny")})
    result = "x-frame-options-header-invalid" if xfo else "x-frame-options-not-implemented"
    return me.finding("fail", "The admin can be framed by any site (clickjacking)" if not xfo else
                      f"Invalid X-Frame-Options: {xfo}", evidence={**evidence, **_obs("xfo", result)},
                      fix=_cfg("Keep helmet's frameguard (Strapi's default) or set CSP frame-ancestors",
                               SECURITY_SNIPPET % "frameguard: { action: 'sameorigin' },"))


@check("HDR-XCTO", "X-Content-Type-Options: nosniff", "low", references=(OBS,))
async def xcto(ctx: ScanContext):
    me = spec("HDR-XCTO")
    got = {name: r.headers.get_list("x-content-type-options") for name, r in (await surfaces(ctx)).items()
           if name != "preflight"}
    evidence = {"x-content-type-options": got}
    if all(len(v) == 1 and v[0].strip().lower() == "nosniff" for v in got.values()):
        return me.finding("pass", "nosniff on every surface", evidence={**evidence, **_obs(
            "xcto", "x-content-type-options-nosniff")})
    invalid = any(v and v[0].strip().lower() != "nosniff" for v in got.values())
    return me.finding("fail", "X-Content-Type-Options: nosniff is missing or invalid on " + ", ".join(
        n for n, v in got.items() if v != ["nosniff"]), evidence={**evidence, **_obs(
            "xcto", "x-content-type-options-header-invalid" if invalid else "x-content-type-options-not-implemented")},
        fix=_cfg("Keep helmet's noSniff (Strapi's default); make sure the proxy or CDN keeps it",
                 "add_header X-Content-Type-Options nosniff always;", file="nginx server block"))


@check("HDR-REFERRER", "Referrer-Policy", "low", references=(OBS,))
async def referrer(ctx: ScanContext):
    me = spec("HDR-REFERRER")
    values = (await surfaces(ctx))["admin"].headers.get_list("referrer-policy")
    tokens = [t.strip().lower() for v in values for t in v.split(",") if t.strip()]
    evidence = {"request": "GET /admin/", "referrer-policy": values}
    fix = _cfg("Send a private Referrer-Policy", SECURITY_SNIPPET % "referrerPolicy: { policy: 'no-referrer' },")
    if not tokens:
        return me.finding("warn", "No Referrer-Policy header", evidence={**evidence, **_obs(
            "referrer", "referrer-policy-not-implemented")}, fix=fix)
    if any(t not in ALL_REFERRER for t in tokens):
        return me.finding("fail", f"Invalid Referrer-Policy {values}", evidence={**evidence, **_obs(
            "referrer", "referrer-policy-header-invalid")}, fix=fix)
    effective = tokens[-1]  # the last value a browser supports wins
    if effective in SAFE_REFERRER:
        return me.finding("pass", f"Referrer-Policy {effective}", evidence={**evidence, **_obs(
            "referrer", "referrer-policy-private")})
    if effective == "no-referrer-when-downgrade":
        return me.finding("warn", "Referrer-Policy no-referrer-when-downgrade leaks full URLs cross-origin",
                          evidence={**evidence, **_obs("referrer", "referrer-policy-no-referrer-when-downgrade")},
                          fix=fix)
    return me.finding("fail", f"Unsafe Referrer-Policy {effective}", evidence={**evidence, **_obs(
        "referrer", "referrer-policy-unsafe")}, fix=fix)


@check("HDR-CORS", "CORS does not reflect arbitrary origins with credentials", "high", references=(OBS,))
async def cors(ctx: ScanContext):
    me = spec("HDR-CORS")
    s = await surfaces(ctx)
    seen = {}
    for name in ("preflight", "health"):
        h = s[name].headers
        seen[name] = {"access-control-allow-origin": h.get("access-control-allow-origin"),
                      "access-control-allow-credentials": h.get("access-control-allow-credentials")}
    evidence = {"request": f"OPTIONS and GET /_health with Origin: {PROBE_ORIGIN}", **seen}
    reflected = any(v["access-control-allow-origin"] == PROBE_ORIGIN and
                    str(v["access-control-allow-credentials"]).lower() == "true" for v in seen.values())
    if reflected:
        return me.finding("fail", "CORS reflects any origin with credentials: any site can read authenticated "
                          "answers", evidence={**evidence, **_obs(
                              "cors", "cross-origin-resource-sharing-implemented-with-universal-access")},
                          fix=_cfg("Allow only your front-end origins", "module.exports = [\n  // ...\n  {\n    name: "
                                   "'strapi::cors',\n    config: { origin: ['https://www.example.com'], credentials: true },"
                                   "\n  },\n  // ...\n];"))
    public = any(v["access-control-allow-origin"] == "*" for v in seen.values())
    result = "cross-origin-resource-sharing-implemented-with-public-access" if public else (
        "cross-origin-resource-sharing-implemented-with-restricted-access"
        if any(v["access-control-allow-origin"] for v in seen.values())
        else "cross-origin-resource-sharing-not-implemented")
    return me.finding("pass", "CORS does not grant arbitrary origins credentialed access",
                      evidence={**evidence, **_obs("cors", result)})


def _policy_check(check_id: str, header: str, test: str, good: dict[str, str], fix_line: str, *, missing: str):
    async def run(ctx: ScanContext):
        me = spec(check_id)
        values = (await surfaces(ctx))["admin"].headers.get_list(header)
        evidence = {"request": "GET /admin/", header: values}
        fix = _cfg(f"Set {header}", SECURITY_SNIPPET % fix_line)
        if not values:
            return me.finding(missing, f"No {header} header", evidence={**evidence, **_obs(test, f"{test}-not-implemented")},
                              fix=fix if missing != "pass" else None)
        value = values[-1].split(";")[0].strip().lower()
        if value in good:
            return me.finding("pass", f"{header}: {value}", evidence={**evidence, **_obs(test, good[value])})
        if value in ("cross-origin", "unsafe-none"):
            return me.finding("info" if value == "cross-origin" else "warn", f"{header}: {value}",
                              evidence={**evidence, **_obs(test, f"{test}-implemented-with-{value}")}, fix=fix)
        return me.finding("fail", f"Invalid {header}: {values}", evidence={**evidence, **_obs(
            test, f"{test}-header-invalid")}, fix=fix)

    return run


check("HDR-CORP", "Cross-Origin-Resource-Policy", "low", references=(OBS,))(_policy_check(
    "HDR-CORP", "cross-origin-resource-policy", "corp",
    {"same-origin": "corp-implemented-with-same-origin", "same-site": "corp-implemented-with-same-site"},
    "crossOriginResourcePolicy: { policy: 'same-site' },", missing="warn"))
check("HDR-COOP", "Cross-Origin-Opener-Policy on admin HTML", "low", references=(OBS,))(_policy_check(
    "HDR-COOP", "cross-origin-opener-policy", "coop",
    {"same-origin": "coop-implemented-with-same-origin",
     "same-origin-allow-popups": "coop-implemented-with-same-origin-allow-popups"},
    "crossOriginOpenerPolicy: { policy: 'same-origin' },", missing="warn"))
check("HDR-COEP", "Cross-Origin-Embedder-Policy", "info", references=(OBS,))(_policy_check(
    "HDR-COEP", "cross-origin-embedder-policy", "coep",
    {"require-corp": "coep-implemented-with-require-corp", "credentialless": "coep-implemented-with-credentialless"},
    "crossOriginEmbedderPolicy: false,", missing="pass"))


@check("HDR-PERMISSIONS", "Permissions-Policy", "low")
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


@check("HDR-POWERED-BY", "No X-Powered-By", "low")
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


@check("HDR-SERVER-BANNER", "Server and proxy headers do not leak versions", "low")
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


@check("HDR-XXP", "X-XSS-Protection is absent or 0", "info")
async def xxp(ctx: ScanContext):
    me = spec("HDR-XXP")
    value = (await surfaces(ctx))["admin"].headers.get("x-xss-protection")
    evidence = {"x-xss-protection": value}
    if value is None or value.strip() == "0":
        return me.finding("pass", "X-XSS-Protection absent or 0", evidence=evidence)
    if value.strip().startswith("1"):
        return me.finding("warn", f"X-XSS-Protection: {value} (deprecated; can introduce leaks)", evidence=evidence)
    return me.finding("fail", f"Invalid X-XSS-Protection: {value}", evidence=evidence)


@check("HDR-COOKIES", "Cookies carry Secure, HttpOnly and SameSite", "high", references=(OBS,))
async def cookies(ctx: ScanContext):
    me = spec("HDR-COOKIES")
    set_cookies = [c for r in (await surfaces(ctx)).values() for c in r.headers.get_list("set-cookie")]
    if not set_cookies:
        return me.finding("pass", "No cookie is set on anonymous requests", evidence={**_obs(
            "cookies", "cookies-not-found"), "surfaces": ["GET /admin/", "GET /_health"]})
    names = [c.split("=", 1)[0] for c in set_cookies]
    insecure = [c.split("=", 1)[0] for c in set_cookies if "secure" not in c.lower()]
    no_http_only = [c.split("=", 1)[0] for c in set_cookies if "httponly" not in c.lower()]
    evidence = {"cookies": names, "without_secure": insecure, "without_httponly": no_http_only}
    if insecure:
        return me.finding("fail", f"Cookies without Secure: {', '.join(insecure)}", evidence={**evidence, **_obs(
            "cookies", "cookies-session-without-secure-flag")})
    if no_http_only:
        return me.finding("fail", f"Cookies without HttpOnly: {', '.join(no_http_only)}", evidence={**evidence, **_obs(
            "cookies", "cookies-session-without-httponly-flag")})
    return me.finding("pass", "Cookies are Secure and HttpOnly", evidence={**evidence, **_obs(
        "cookies", "cookies-secure-with-httponly-sessions")})


@check("HDR-SRI", "External scripts on admin HTML use SRI", "low", references=(OBS,))
async def sri(ctx: ScanContext):
    me = spec("HDR-SRI")
    admin = (await surfaces(ctx))["admin"]
    if "html" not in admin.content_type:
        return me.finding("pass", "The admin panel is not served here (no HTML to load scripts)",
                          evidence={"request": "GET /admin/", "status": admin.status, **_obs(
                              "sri", "sri-not-implemented-response-not-html")})
    html = admin.body[:500_000].decode("utf-8", "replace")
    scripts = re.findall(r"<script[^>]*\ssrc=[\"']([^\"']+)[\"'][^>]*>", html, re.I)
    external = [s for s in scripts if s.startswith(("http://", "https://", "//"))
                and urlsplit(s if not s.startswith("//") else "https:" + s).hostname
                != urlsplit(ctx.client.profile.url).hostname]
    evidence = {"request": "GET /admin/", "scripts": len(scripts), "external": external}
    if any(s.startswith(("http://", "//")) for s in external):
        return me.finding("fail", "External scripts over plain HTTP", evidence={**evidence, **_obs(
            "sri", "sri-not-implemented-and-external-scripts-not-loaded-securely")})
    if external:
        return me.finding("warn", "External scripts without integrity", evidence={**evidence, **_obs(
            "sri", "sri-not-implemented-but-all-scripts-loaded-from-secure-origin")})
    return me.finding("pass", "All admin scripts are same-origin", evidence={**evidence, **_obs(
        "sri", "sri-not-implemented-but-all-scripts-loaded-from-secure-origin" if scripts
        else "sri-not-implemented-but-no-scripts-loaded")})


@check("HDR-HTTPS-REDIRECT", "HTTP redirects to HTTPS on the same host first", "high", references=(OBS,))
async def https_redirect(ctx: ScanContext):
    me = spec("HDR-HTTPS-REDIRECT")
    parts = urlsplit(ctx.client.profile.url)
    if parts.scheme != "https":
        return me.not_applicable("the profile URL is plain HTTP")
    url = f"http://{parts.hostname}/admin/"
    try:
        async with httpx.AsyncClient(timeout=5, follow_redirects=False, trust_env=False) as plain:
            resp = await plain.get(url)
    except httpx.ConnectError:
        return me.finding("pass", "Port 80 is closed: nothing to redirect", evidence={"request": f"GET {url}", **_obs(
            "redirection", "redirection-not-needed-no-http")})
    except httpx.HTTPError as exc:
        return me.finding("error", reason=f"GET {url} failed: {type(exc).__name__}")
    location = resp.headers.get("location", "")
    evidence = {"request": f"GET {url}", "status": resp.status_code, "location": location}
    fix = _cfg("Redirect port 80 to HTTPS on the same host", "return 301 https://$host$request_uri;",
               file="nginx :80 server block")
    if resp.status_code in (301, 302, 307, 308) and location.startswith("https://"):
        if urlsplit(location).hostname == parts.hostname:
            return me.finding("pass", "HTTP redirects to HTTPS on the same host", evidence={**evidence, **_obs(
                "redirection", "redirection-to-https")})
        return me.finding("warn", "The first redirect goes to another host", evidence={**evidence, **_obs(
            "redirection", "redirection-off-host-from-http")}, fix=fix)
    if resp.status_code in (301, 302, 307, 308):
        return me.finding("fail", "HTTP redirects, but not to HTTPS", evidence={**evidence, **_obs(
            "redirection", "redirection-not-to-https")}, fix=fix)
    return me.finding("fail", "HTTP answers without redirecting to HTTPS", evidence={**evidence, **_obs(
        "redirection", "redirection-missing")}, fix=fix)
