"""The MDN HTTP Observatory's twelve tests, as pure functions of what was observed.

Each function takes header values as the console received them (one string per header line, in order)
and returns the Observatory's result name. No I/O here: the HDR checks feed these from real responses,
and the conformance tests feed them the Observatory's own unit-test inputs, so both paths run the same
rules. Where the console is deliberately stricter, the HDR check says so next to these results; the
rules here stay the Observatory's, quirks included (they are what the public Observatory shows).

How values arrive matters. The Observatory runs on Node, whose HTTP client folds repeated header lines
into one value joined with ", " (Set-Cookie excepted); ``folded`` does the same, so two HSTS headers or
two X-Frame-Options headers read as one invalid value there and here, and two CSP headers become two
policies.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit

MAX_VALUE = 1024  # the Observatory reads at most this much of a header value
MAX_HTML = 500_000  # and we parse at most this much of a page
MAX_ROUTE = 10  # redirect hops followed (and accepted from callers)

Headers = Mapping[str, list[str]]  # lower-case header name → each header line's value, in order


def values(headers: Headers, name: str) -> list[str]:
    return list(headers.get(name.lower(), []))


def folded(headers: Headers, name: str) -> str | None:
    """The value Node hands the Observatory: repeated lines joined with ', ' (None when absent)."""
    got = values(headers, name)
    return ", ".join(got) if got else None


def never_preloaded(host: str) -> bool:  # the console ships no copy of Chromium's preload list
    return False


# ---------------------------------------------------------------- content-security-policy

BROAD = frozenset({"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"})
INLINE = frozenset({"'unsafe-inline'", "data:"})
PASSIVE = ("img-src", "media-src")
NONCE_HASH = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")
META_FORBIDDEN = ("frame-ancestors", "report-uri", "sandbox")  # ignored by browsers in <meta>
DUPLICATES_ALLOWED = ("report-uri", "report-to")
SHORTEST_POLICY = len("img-src") - 1


class CspInvalid(ValueError):
    pass


def split_policies(raw: Iterable[str]) -> list[str]:
    """Header values → policies: a comma separates policies (CSP3 §2.2), whichever header they came in."""
    return [p.strip() for value in raw for p in value.split(",")]


def _path_match(a: str, b: str) -> bool:
    """Does source ``a`` cover source ``b`` (same path segments, or ``a`` a folder of ``b``)?"""
    if not a or (a == "/" and not b):
        return True
    folder = a.endswith("/")
    pa, pb = a.split("/"), b.split("/")
    if len(pa) > len(pb) or (not folder and len(pa) != len(pb)):
        return False
    if folder:
        pa = pa[:-1]
    return all(unquote(x) == unquote(y) for x, y in zip(pa, pb))


@dataclass
class _Source:
    text: str
    policy: int
    keep: bool


def parse_policies(policies: list[str]) -> tuple[dict[str, set[str]], bool]:
    """Several policies folded into one directive → sources map, as the Observatory folds them.

    A directive of the first policy keeps its sources; a later policy keeps a source only where an
    earlier one names it too (an approximation of "every policy must allow it"). A source list left empty
    reads as 'none'. Raises CspInvalid for an empty or too-short policy or a directive repeated within
    one policy (report-uri/report-to excepted: the second flag is True then).
    """
    cleaned = [re.sub(r"[\r\n]", "", p).strip() for p in policies]
    for p in cleaned:
        if len(p) < SHORTEST_POLICY:
            raise CspInvalid(f"policy '{p[:20]}' is empty or too short")
    table: dict[str, list[_Source]] = {}
    duplicates = False
    for index, policy in enumerate(cleaned[:50]):
        seen: set[str] = set()
        for entry in policy.split(";")[:200]:
            tokens = entry.split()
            if not tokens:
                continue
            name = tokens[0].lower()
            if name in seen:
                if name not in DUPLICATES_ALLOWED:
                    raise CspInvalid(f"directive {name[:40]} repeated")
                duplicates = True
            seen.add(name)
            keep = index == 0
            new = [_Source(t.lower(), index, keep) for t in tokens[1:200]]
            if not new and name.endswith("-src"):
                new = [_Source("'none'", index, keep)]
            combined = sorted(new if index == 0 else table.get(name, []) + new, key=lambda s: s.text)
            for prev, cur in zip(combined, combined[1:]):
                if cur.policy == prev.policy and cur.text.startswith(prev.text):
                    cur.keep = False  # superfluous: a shorter source of the same policy covers it
                if cur.policy != prev.policy and _path_match(prev.text, cur.text):
                    cur.keep = True  # named by two policies: it survives the fold
            table[name] = [s for s in combined if s.keep]
            if index == 0 and len(cleaned) > 1:
                for s in table[name]:
                    s.keep = False  # from here on, a source must be named again to survive
    return {name: ({s.text for s in sources} or {"'none'"}) for name, sources in table.items()}, duplicates


@dataclass
class CspVerdict:
    result: str
    policy: dict[str, set[str]] | None = None  # the folded policy (None when absent or invalid)


def csp(headers: list[str], meta: list[str], *, report_only: bool = False, https: bool = True) -> CspVerdict:
    """The Observatory's content-security-policy test on the page's CSP headers and <meta> policies."""
    header_policies, meta_policies = split_policies(headers), split_policies(meta)
    try:
        policy, duplicates = parse_policies(header_policies + meta_policies)
    except CspInvalid:
        return CspVerdict("csp-header-invalid")
    try:
        header_only = parse_policies(header_policies)[0]
    except CspInvalid:
        header_only = {}
    try:
        meta_only = {k: v for k, v in parse_policies(meta_policies)[0].items() if k not in META_FORBIDDEN}
    except CspInvalid:
        meta_only = {}
    if not header_only and not meta_only:
        return CspVerdict("csp-not-implemented-but-reporting-enabled" if report_only else "csp-not-implemented")

    # The fallbacks are the same set objects as the directives they fall back to, on purpose: removing
    # 'unsafe-inline' from a default-src that serves as script-src removes it for every fallback, as in
    # the Observatory.
    default = policy.get("default-src")
    script = policy.get("script-src") or default or {"*"}
    style = policy.get("style-src") or default or {"*"}
    objects = policy.get("object-src") or default or {"*"}
    for sources in (script, style):
        if any(s.startswith(NONCE_HASH) for s in sources):
            sources.discard("'unsafe-inline'")  # a nonce or hash makes browsers ignore 'unsafe-inline'
    result = None
    if "'strict-dynamic'" in script:
        if any(s.startswith(NONCE_HASH) for s in script):
            for s in list(script):  # 'strict-dynamic' makes browsers ignore host and scheme sources
                if s.startswith(tuple(BROAD)) or s in ("'self'", "'unsafe-inline'"):
                    script.discard(s)
        else:
            result = "csp-header-invalid"  # 'strict-dynamic' with nothing to propagate trust from
    active = [s for name, sources in policy.items() if name not in PASSIVE and name != "script-src" for s in sources]
    active += list(script)
    passive = [s for name in PASSIVE for s in (policy.get(name) or default or set())]
    insecure = lambda sources: https and any(s.startswith(("http:", "ftp:")) for s in sources)  # noqa: E731
    for bad, name in (
        (bool(script & (BROAD | INLINE)) or bool(objects & BROAD), "csp-implemented-with-unsafe-inline"),
        (insecure(active), "csp-implemented-with-insecure-scheme"),
        ("'unsafe-eval'" in script | style, "csp-implemented-with-unsafe-eval"),
        (insecure(passive), "csp-implemented-with-insecure-scheme-in-passive-content-only"),
        (bool(style & (BROAD | INLINE)), "csp-implemented-with-unsafe-inline-in-style-src-only"),
        (default == {"'none'"}, "csp-implemented-with-no-unsafe-default-src-none"),
        (True, "csp-implemented-with-no-unsafe"),
    ):
        if result is None and bad:
            result = name
    passing = ("csp-implemented-with-no-unsafe", "csp-implemented-with-no-unsafe-default-src-none",
               "csp-implemented-with-unsafe-inline-in-style-src-only",
               "csp-implemented-with-insecure-scheme-in-passive-content-only")
    if duplicates and result in passing:
        result = "csp-implemented-but-duplicate-directives"
    return CspVerdict(result, policy)


# ---------------------------------------------------------------- framing, sniffing, referrer

def x_frame_options(xfo: str | None, csp_policy: dict[str, set[str]] | None) -> str:
    if csp_policy and "frame-ancestors" in csp_policy:
        return "x-frame-options-implemented-via-csp"
    if not xfo:
        return "x-frame-options-not-implemented"
    value = xfo[:MAX_VALUE].strip().lower()
    if value in ("deny", "sameorigin"):
        return "x-frame-options-sameorigin-or-deny"
    if value.startswith("allow-from"):
        return "x-frame-options-allow-from-origin"
    return "x-frame-options-header-invalid"


def x_content_type_options(value: str | None) -> str:
    if not value:
        return "x-content-type-options-not-implemented"
    if value[:256].strip().lower() == "nosniff":
        return "x-content-type-options-nosniff"
    return "x-content-type-options-header-invalid"


REFERRER_PRIVATE = ("no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin")
REFERRER_UNSAFE = ("origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade")


def referrer_policy(headers: list[str], meta: list[str]) -> str:
    """The last policy a browser knows wins; a <meta> policy comes after the headers."""
    if not headers and not meta:
        return "referrer-policy-not-implemented"
    known = [t.strip().lower() for t in ", ".join(headers + meta).split(",")
             if t.strip().lower() in REFERRER_PRIVATE + REFERRER_UNSAFE]
    effective = known[-1] if known else ""
    if effective in REFERRER_PRIVATE:
        return "referrer-policy-private"
    if effective in REFERRER_UNSAFE:
        return "referrer-policy-unsafe"
    return "referrer-policy-header-invalid"


# ---------------------------------------------------------------- cross-origin policies

_KEY = r"[a-z*][a-z0-9_\-.*]*"
_TOKEN = r"[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*"
_BARE = rf"(?:{_TOKEN}|\"(?:[^\"\\\x00-\x1f\x7f]|\\[\"\\])*\"|-?\d{{1,15}}(?:\.\d{{1,3}})?|\?[01]|:[A-Za-z0-9+/=]*:)"
_ITEM = re.compile(rf"({_TOKEN})((?:;[ ]*{_KEY}(?:={_BARE})?)*)")


def structured_token(value: str) -> str | None:
    """The token of an RFC 8941 structured-field item (parameters allowed), None if not exactly that.

    This is how browsers read COOP and COEP: a quoted string, a list, or anything unparseable is ignored.
    """
    m = _ITEM.fullmatch(value.strip(" "))
    return m.group(1) if m else None


def _embedder_or_opener(value: str | None, test: str, known: tuple[str, ...]) -> str:
    if not value:
        return f"{test}-not-implemented"
    token = structured_token(value[:MAX_VALUE].strip())
    return f"{test}-implemented-with-{token}" if token in known else f"{test}-header-invalid"


def coep(value: str | None) -> str:
    return _embedder_or_opener(value, "coep", ("require-corp", "credentialless", "unsafe-none"))


def coop(value: str | None) -> str:
    return _embedder_or_opener(value, "coop", ("same-origin", "same-origin-allow-popups", "noopener-allow-popups",
                                               "unsafe-none"))


def corp(value: str | None, meta: list[str] = ()) -> str:
    chosen = value if value else (meta[-1] if meta else None)
    if not chosen:
        return "corp-not-implemented"
    v = chosen[:256].strip().lower()
    return f"corp-implemented-with-{v}" if v in ("same-origin", "same-site", "cross-origin") else "corp-header-invalid"


def cors(acao: str | None, acac: str | None, origin_sent: str | None) -> str:
    """Universal access: the probe's own Origin echoed back with credentials allowed."""
    if not acao:
        return "cross-origin-resource-sharing-not-implemented"
    if acao[:256].strip().lower() == "*":
        return "cross-origin-resource-sharing-implemented-with-public-access"
    if origin_sent and acao == origin_sent and (acac or "").strip().lower() == "true":
        return "cross-origin-resource-sharing-implemented-with-universal-access"
    return "cross-origin-resource-sharing-implemented-with-restricted-access"


# ---------------------------------------------------------------- transport

SIX_MONTHS = 15_552_000  # the Observatory's "six months" (a little under 15 768 000, as many sites use)


@dataclass
class HstsVerdict:
    result: str
    max_age: int | None = None

    @property
    def passes(self) -> bool:
        return self.result in ("hsts-implemented-max-age-at-least-six-months", "hsts-preloaded")


def hsts(value: str | None, *, https: bool, verified: bool = True, host: str = "",
         preloaded: Callable[[str], bool] = never_preloaded) -> HstsVerdict:
    """``value`` as folded: a second header shows up as a comma and makes the header invalid."""
    if not https:
        return HstsVerdict("hsts-not-implemented-no-https")
    verdict = HstsVerdict("hsts-not-implemented")
    if not verified:
        verdict = HstsVerdict("hsts-invalid-cert")
    elif value is not None:
        data = value[:MAX_VALUE]
        ages = [p.strip().lower()[8:128] for p in data.split(";") if p.strip().lower().startswith("max-age=")]
        if "," in data or not ages:
            verdict = HstsVerdict("hsts-header-invalid")
        else:
            # parsed like JavaScript's parseInt: a max-age that is not a number (even a quoted one) is NaN,
            # which the Observatory's "less than six months" comparison lets through
            m = re.match(r"\s*[+-]?\d+", ages[-1])
            age = int(m.group()) if m else None
            verdict = HstsVerdict("hsts-implemented-max-age-less-than-six-months" if age is not None and
                                  age < SIX_MONTHS else "hsts-implemented-max-age-at-least-six-months", age)
    if host and preloaded(host):
        verdict = HstsVerdict("hsts-preloaded", verdict.max_age)
    return verdict


def redirection(route: list[tuple[str, int]] | None, *, verified: bool = True,
                preloaded: Callable[[str], bool] = never_preloaded) -> str:
    """``route``: every hop from ``http://host/`` (URL, status), the first request included; None when
    nothing answers on plain HTTP."""
    if route is None:
        return "redirection-not-needed-no-http"
    if not verified:
        return "redirection-invalid-cert"
    route = route[:MAX_ROUTE + 1]
    urls = [urlsplit(u) for u, _ in route]
    if urls and all(preloaded(u.hostname or "") for u in urls):
        return "redirection-all-redirects-preloaded"
    if len(route) <= 1:
        return "redirection-missing"
    if urls[-1].scheme != "https":
        return "redirection-not-to-https"
    if urls[1].scheme == "http":
        return "redirection-not-to-https-on-initial-redirection"
    if urls[0].scheme == "http" and urls[1].hostname != urls[0].hostname:
        return "redirection-off-host-from-http"
    return "redirection-to-https"


# ---------------------------------------------------------------- cookies

OBSERVATORY_SESSION_MARKERS = ("login", "sess")
IGNORED_COOKIES = ("heroku-session-affinity",)
COOKIE_ORDER = (  # best to worst: a cookie only ever makes the result worse
    "cookies-without-secure-flag-but-protected-by-hsts", "cookies-without-secure-flag",
    "cookies-session-without-secure-flag-but-protected-by-hsts", "cookies-samesite-flag-invalid",
    "cookies-anticsrf-without-samesite-flag", "cookies-session-without-httponly-flag",
    "cookies-session-without-secure-flag")


@dataclass
class Cookie:
    name: str
    secure: bool = False
    http_only: bool = False
    same_site: str | None = None  # lax / strict / none, or None when absent or not one of those
    same_site_invalid: bool = False  # a SameSite attribute with no value or an unknown one

    @classmethod
    def parse(cls, raw: str) -> "Cookie | None":
        parts = raw[:4096].split(";")
        name = parts[0].split("=", 1)[0].strip()
        if not name or "=" not in parts[0]:
            return None
        c = cls(name)
        for attr in parts[1:50]:
            key, _, val = attr.strip().partition("=")
            key, val = key.strip().lower(), val.strip().lower()
            if key == "secure":
                c.secure = True
            elif key == "httponly":
                c.http_only = True
            elif key == "samesite":
                if val in ("lax", "strict", "none"):
                    c.same_site = val
                else:
                    c.same_site_invalid = True
        return c


def cookies(set_cookies: list[str], *, hsts_passes: bool,
            session_markers: tuple[str, ...] = OBSERVATORY_SESSION_MARKERS) -> tuple[str, list[Cookie]]:
    """The Observatory's cookies test. A session cookie is one whose name contains a marker ('login' or
    'sess' for the Observatory; the console adds Strapi's own names, see checks.headers)."""
    jar = [c for c in (Cookie.parse(raw) for raw in set_cookies[:100]) if c and c.name not in IGNORED_COOKIES]
    result: str | None = None

    def worse(candidate: str) -> None:
        nonlocal result
        if result is None or COOKIE_ORDER.index(candidate) > COOKIE_ORDER.index(result):
            result = candidate

    if not jar:
        return "cookies-not-found", jar
    for c in jar:
        lower = c.name.lower()
        session = any(m in lower for m in session_markers)
        if c.same_site_invalid or (not c.secure and c.same_site == "none"):
            worse("cookies-samesite-flag-invalid")
        if not c.secure:
            worse("cookies-without-secure-flag-but-protected-by-hsts" if hsts_passes else "cookies-without-secure-flag")
        if "csrf" in lower and not c.same_site:
            worse("cookies-anticsrf-without-samesite-flag")
        if session and not c.secure:
            worse("cookies-session-without-secure-flag-but-protected-by-hsts" if hsts_passes
                  else "cookies-session-without-secure-flag")
        if session and not c.http_only:
            worse("cookies-session-without-httponly-flag")
    if result is None:
        result = ("cookies-secure-with-httponly-sessions" if any(not c.same_site for c in jar)
                  else "cookies-secure-with-httponly-sessions-and-samesite")
    return result, jar


# ---------------------------------------------------------------- the page's HTML

HTML_TYPES = ("text/html", "application/xhtml+xml")


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict[str, str | None]] = []
        self.meta: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): v for k, v in attrs}
        if tag == "script" and len(self.scripts) < 1000:
            self.scripts.append(a)
        elif tag == "meta" and sum(map(len, self.meta.values())) < 100:
            name = (a.get("http-equiv") or "").strip().lower()
            if not name and (a.get("name") or "").strip().lower() == "referrer":
                name = "referrer-policy"
            if name and a.get("content") is not None:
                self.meta.setdefault(name, []).append(str(a["content"]))


@dataclass
class Page:
    """What the Observatory reads in the page's HTML: its scripts and its <meta http-equiv> headers."""
    scripts: list[dict[str, str | None]] = field(default_factory=list)
    meta: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, html: str) -> "Page":
        p = _PageParser()
        try:
            p.feed(html[:MAX_HTML])
            p.close()
        except Exception:  # noqa: BLE001 - a broken page still yields what was parsed before the break
            pass
        return cls(p.scripts, p.meta)


_SECOND_LEVEL = {"co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go"}


def site_of(host: str) -> str:
    """The registrable domain, approximated without the public-suffix list: the last two labels, three
    under a country code's usual second level (example.co.uk)."""
    labels = host.lower().rstrip(".").split(".")
    n = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 2
    return ".".join(labels[-n:])


SRI_ORDER = (
    "sri-implemented-and-all-scripts-loaded-securely", "sri-implemented-and-external-scripts-loaded-securely",
    "sri-implemented-but-external-scripts-not-loaded-securely",
    "sri-not-implemented-but-external-scripts-loaded-securely",
    "sri-not-implemented-and-external-scripts-not-loaded-securely", "sri-not-implemented-response-not-html")


def sri(content_type: str | None, page: Page, *, host: str, https: bool) -> tuple[str, list[str]]:
    """(result, external script URLs). Scripts from the page's own site are not 'external'."""
    mime = (content_type or "").split(";")[0]
    if mime and mime not in HTML_TYPES:
        return "sri-not-implemented-response-not-html", []
    result: str | None = None
    external: list[str] = []
    foreign = False

    def worse(candidate: str) -> None:
        nonlocal result
        if result is None or SRI_ORDER.index(candidate) > SRI_ORDER.index(result):
            result = candidate

    for script in page.scripts:
        src = (script.get("src") or "").strip()
        if not src:
            continue
        integrity = script.get("integrity")
        scheme_relative = re.match(r"//[^/]", src) is not None
        absolute = re.match(r"https?://", src, re.I) is not None
        relative = not scheme_relative and not absolute
        same_site = scheme_relative or relative or site_of(urlsplit(src).hostname or "") == site_of(host)
        secure_origin = relative or (same_site and not scheme_relative)
        secure_scheme = (absolute and urlsplit(src).scheme.lower() == "https") or (relative and https)
        if not secure_origin:
            foreign = True
            external.append(src[:200])
            if integrity and not secure_scheme:
                worse("sri-implemented-but-external-scripts-not-loaded-securely")
            elif not integrity and secure_scheme:
                worse("sri-not-implemented-but-external-scripts-loaded-securely")
            elif not integrity:
                worse("sri-not-implemented-and-external-scripts-not-loaded-securely")
        elif integrity and secure_scheme and result is None:
            result = "sri-implemented-and-all-scripts-loaded-securely"
    if not page.scripts:
        return "sri-not-implemented-but-no-scripts-loaded", external
    if result is None:
        result = ("sri-implemented-and-external-scripts-loaded-securely" if foreign
                  else "sri-not-implemented-but-all-scripts-loaded-from-secure-origin")
    return result, external


def next_hop(url: str, location: str) -> str:
    """Where a redirect points, resolved against the URL that sent it."""
    return urljoin(url, location.strip())


# ---------------------------------------------------------------- a whole site

@dataclass
class Seen:
    """One response as the Observatory reads it."""
    headers: Headers
    verified: bool = True
    html: str = ""
    meta: dict[str, list[str]] | None = None  # <meta http-equiv> values; parsed from ``html`` when None

    @property
    def page(self) -> Page:
        parsed = Page.parse(self.html) if self.html else Page()
        return Page(parsed.scripts, self.meta if self.meta is not None else parsed.meta)


@dataclass
class Site:
    """Everything the twelve tests look at: the page (over HTTPS when the site has it), the same page over
    HTTPS for HSTS, the redirect route from plain HTTP, and the answer to a request sent with an Origin."""
    host: str
    page: Seen | None
    https: bool = True
    https_page: Seen | None = None
    http_route: list[tuple[str, int]] | None = None
    http_verified: bool = True
    cors: Seen | None = None
    cors_origin: str | None = None
    preloaded: Callable[[str], bool] = never_preloaded


def analyze(site: Site) -> dict[str, str]:
    """The twelve results for a site, keyed by the Observatory's short test names."""
    page = site.page or Seen({})
    html = page.page
    seen_csp = csp(values(page.headers, "content-security-policy"), html.meta.get("content-security-policy", []),
                   report_only=bool(folded(page.headers, "content-security-policy-report-only")), https=site.https)
    https_page = site.https_page
    strict = hsts(folded(https_page.headers, "strict-transport-security") if https_page else None,
                  https=https_page is not None, verified=https_page.verified if https_page else True,
                  host=site.host, preloaded=site.preloaded)
    jar = [c for s in (site.page, site.https_page) if s for c in values(s.headers, "set-cookie")]
    cors_seen = site.cors or Seen({})
    content_type = values(page.headers, "content-type")
    return {
        "csp": seen_csp.result,
        "cookies": cookies(jar, hsts_passes=strict.passes)[0],
        "cors": cors(folded(cors_seen.headers, "access-control-allow-origin"),
                     folded(cors_seen.headers, "access-control-allow-credentials"), site.cors_origin),
        "redirection": redirection(site.http_route, verified=site.http_verified, preloaded=site.preloaded),
        "referrer": referrer_policy(values(page.headers, "referrer-policy"), html.meta.get("referrer-policy", [])),
        "hsts": strict.result,
        "sri": sri(content_type[0] if content_type else None, html, host=site.host, https=site.https)[0],
        "xcto": x_content_type_options(folded(page.headers, "x-content-type-options")),
        "xfo": x_frame_options(folded(page.headers, "x-frame-options"), seen_csp.policy),
        "corp": corp(folded(page.headers, "cross-origin-resource-policy"),
                     html.meta.get("cross-origin-resource-policy", [])),
        "coop": coop(folded(page.headers, "cross-origin-opener-policy")),
        "coep": coep(folded(page.headers, "cross-origin-embedder-policy")),
    }
