"""The HTTP layer under the Strapi client: one pooled httpx client per profile, bounded in time and
size, with transport failures and HTTP statuses mapped to typed, operator-readable errors.

Rules it keeps (see the admin API reference, §18): explicit timeouts and an overall deadline; TLS
verification against the system store or the profile's CA bundle; no cookie jar (the console carries
the one cookie it needs by hand); redirects followed only on the same origin so an Authorization
header never reaches another host; retries with backoff only for idempotent requests.
"""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import functools
import importlib.util
import json
import os
import re
import socket
import ssl
import sys
import time
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

import httpx

from . import __version__, bounds, wire
from .errors import (BadRequest, BudgetExhausted, ConfigError, FeatureAbsent, Forbidden, NotFound, NotJSON,
                     RateLimited, ServerFailure, SignedOut, StrapiError, TimedOut, TLSFailure, TooDeep, TooLarge,
                     UnexpectedShape, Unreachable)
from .redact import redact_text

USER_AGENT = f"strapi-console/{__version__}"
# Sent with every request. Accept-Encoding names only what _decode reads.
BASE_HEADERS = {"User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Encoding": "gzip, deflate"}
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_BODY = 8 * 1024 * 1024
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=15.0, pool=10.0)
HTTP2_CONCURRENCY = 32  # requests at a time to one server once it answers over HTTP/2 (one connection)


def _absent_once(module: str) -> None:
    """Make importing an absent optional module fail at once instead of searching every path again.

    httpcore asks which async library runs on every lock it creates (several per request) by importing
    sniffio; where sniffio is not installed, each of those failing imports walks the whole import path
    (about a millisecond a request, most of a fleet scan's CPU). ``None`` in ``sys.modules`` is the
    import system's own "known absent" entry: the import raises ImportError as before, without a search.
    """
    if module not in sys.modules and importlib.util.find_spec(module) is None:
        sys.modules[module] = None  # type: ignore[assignment]


_absent_once("sniffio")
HTTP2 = importlib.util.find_spec("h2") is not None  # httpx's http2 extra: used when the server offers it

TLS_VERIFY_CODES = {
    10: "the certificate has expired",
    9: "the certificate is not yet valid",
    18: "the certificate is self-signed and not trusted",
    19: "the chain ends in a self-signed root that is not trusted",
    20: "the certificate's issuer is not trusted (unknown CA or missing intermediate)",
    21: "the chain is incomplete (intermediate certificate missing)",
    62: "the certificate does not match the host name",
    64: "the certificate does not match the IP address",
}


def segment(value: Any) -> str:
    """An id a server sent, as exactly one segment of a request path: every ``/``, ``?``, ``#``, ``%`` and
    ``\\`` percent-encoded, so an id such as ``1/../../users/1`` or ``1#`` can never change which endpoint a
    request (a write above all) reaches. ``.``, ``..`` and the empty id name no object: refused."""
    text = quote(str(value), safe="")
    if text in ("", ".", ".."):
        raise UnexpectedShape(f"The server named an object {text!r}, which is no id: nothing was sent for it.")
    return text


def check_path(path: str) -> str:
    """A request path of this server, as the console means it: one that starts with ``/`` (never ``//``, nor
    an absolute URL that would reach another host), holds no ``.`` or ``..`` segment (encoded or not, which
    the HTTP stack or the server would resolve to another endpoint), no ``#`` and no backslash. Paths built
    from server text (an upload's URL, an id) that are not are refused before anything is sent."""
    route = path.split("?", 1)[0]
    if (not route.startswith("/") or route.startswith("//") or "#" in path or "\\" in route
            or any(unquote(part) in (".", "..") for part in route.split("/"))):
        raise UnexpectedShape(f"Not sent: {redact_text(path[:200])!r} is not a path on this server (it came from "
                              "the server's own answer and would reach another endpoint or host).")
    return path


@dataclass
class Response:
    method: str
    url: str
    status: int
    headers: httpx.Headers
    body: bytes
    elapsed: float
    _json: Any = field(default=None, repr=False)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def is_json(self) -> bool:
        ct = self.content_type
        return ct == "application/json" or ct.endswith("+json")

    def json(self) -> Any:
        """The parsed body; ValueError when it is not JSON or nested deeper than the console reads."""
        if self._json is None:
            self._json = bounds.loads(self.body.decode("utf-8"))
        return self._json

    def error_fields(self) -> tuple[str, str]:
        """Strapi's error name and message, when the body is a Strapi error envelope."""
        try:
            err = self.json().get("error") if self.is_json else None
        except (ValueError, UnicodeDecodeError, AttributeError):
            err = None
        if not isinstance(err, dict):
            return "", ""
        name = err.get("name") if isinstance(err.get("name"), str) else ""
        message = err.get("message") if isinstance(err.get("message"), str) else ""
        fields = _validation_errors(err.get("details"))
        if fields:  # "2 errors occurred" alone tells the operator nothing: name each field and its rule
            message = (message.rstrip(".") + ": " if message else "") + fields
        return name[:80], redact_text(message[:600])

    def set_cookies(self) -> dict[str, str]:
        """Name → value of each Set-Cookie header (attributes dropped)."""
        out: dict[str, str] = {}
        for header in self.headers.get_list("set-cookie"):
            pair = header.split(";", 1)[0]
            if "=" in pair:
                name, value = pair.split("=", 1)
                out[name.strip()] = value.strip()
        return out


_ECHOED_VALUE = re.compile(r"(?i),?\s*but the final value was:.*$", re.S)


def _validation_errors(details: Any, limit: int = 5) -> str:
    """'email: email must be a valid email; password: …' from Strapi's ValidationError details.

    Strapi echoes each rejected value (a password too, in clear) in ``value`` and sometimes inside the
    message ("but the final value was: …"); neither is ever shown."""
    errors = details.get("errors") if isinstance(details, dict) else None
    if not isinstance(errors, list):
        return ""
    parts: list[str] = []
    for item in errors:
        if not isinstance(item, dict) or not isinstance(item.get("message"), str):
            continue
        path = item.get("path")
        where = ".".join(str(p) for p in path) if isinstance(path, list) else ""
        text = _ECHOED_VALUE.sub("", item["message"]).strip()
        part = f"{where}: {text}" if where and not text.startswith(where) else text
        if part not in parts:
            parts.append(part)
    more = f"; and {len(parts) - limit} more" if len(parts) > limit else ""
    return "; ".join(parts[:limit]) + more


def ssl_context(ca_bundle: str | None) -> ssl.SSLContext:
    """The verifying context for a profile: built once per process and CA bundle (loading one costs tens
    of milliseconds; a fleet of a thousand profiles shares it), again only when the file changes."""
    if ca_bundle:
        path = os.path.expanduser(ca_bundle)
        try:
            stat = os.stat(path)
        except OSError:
            stat = None
        if stat is None or not os.path.isfile(path):
            raise ConfigError(f"The CA bundle '{ca_bundle}' does not exist or is not a file.",
                              hint="Fix ca_bundle in the profile, or remove it to use the system trust store.")
        return _bundle_context(path, stat.st_mtime_ns, stat.st_size, ca_bundle)
    return _system_context()


@functools.lru_cache(maxsize=16)
def _bundle_context(path: str, mtime_ns: int, size: int, shown: str) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=path)
    except ssl.SSLError as exc:
        raise ConfigError(f"The CA bundle '{shown}' is not a readable PEM file ({exc.reason}).") from None


@functools.lru_cache(maxsize=1)
def _system_context() -> ssl.SSLContext:
    """Loading the system trust store takes ~50 ms: done once per process, shared by every client."""
    return ssl.create_default_context()


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def map_transport_error(exc: Exception, url: str) -> StrapiError:
    parts = urlsplit(url)
    where = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    for inner in _chain(exc):
        if isinstance(inner, ssl.SSLCertVerificationError):
            why = TLS_VERIFY_CODES.get(inner.verify_code, inner.verify_message or "verification failed")
            hint = {10: "Renew the certificate.", 9: "Check the server's clock and certificate dates.",
                    62: "Use the host name the certificate names, or reissue it.",
                    64: "Use the host name the certificate names, or reissue it."}.get(
                inner.verify_code, "If the server uses a private CA, name its bundle with --ca-bundle PATH.")
            return TLSFailure(f"{where}: {why}.", hint=hint)
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)) and any(
            isinstance(e, ssl.SSLError) for e in _chain(exc)):
        # an SSLWantReadError inside a timeout: the handshake started and never finished
        return TimedOut(f"{where} accepted the connection but did not complete the TLS handshake in time.",
                        hint="A stalled TLS terminator, or a port that is not HTTPS; check the proxy in front of "
                             "Strapi.")
    for inner in _chain(exc):
        if isinstance(inner, ssl.SSLError) and not isinstance(inner, (ssl.SSLWantReadError,
                                                                      ssl.SSLWantWriteError)):
            return TLSFailure(f"{where}: the TLS handshake failed ({inner.reason or 'unknown reason'}). "
                              "Is this port serving HTTPS, with a protocol this machine's OpenSSL accepts?")
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout):
        return TimedOut(f"{where} did not accept a connection within {DEFAULT_TIMEOUT.connect:.0f} s.",
                        hint="Check the host, the port and any firewall in between.")
    if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout, TimeoutError)):
        return TimedOut(f"{where} accepted the connection but did not answer in time.",
                        hint="The server may be overloaded or stuck; try again, or check its logs.")
    if isinstance(exc, httpx.ConnectError):
        chain = list(_chain(exc))
        if any(isinstance(e, socket.gaierror) for e in chain):
            return Unreachable(f"The host name '{parts.hostname}' could not be resolved (DNS).",
                               hint="Check the spelling of the URL in the profile.")
        if any(isinstance(e, ConnectionRefusedError) for e in chain):
            return Unreachable(f"Connection refused by {where}: nothing listens there.",
                               hint="Is Strapi running, and is the port in the profile URL right?")
        if any(isinstance(e, OSError) and e.errno in (101, 113) for e in chain):
            return Unreachable(f"No route to {where} (network unreachable).",
                               hint="Check VPN, firewall or the host address.")
        lowered = text.lower()
        if "name or service not known" in lowered or "nodename nor servname" in lowered \
                or "temporary failure in name resolution" in lowered or "no address associated" in lowered \
                or "name resolution" in lowered or "getaddrinfo" in lowered:
            return Unreachable(f"The host name '{parts.hostname}' could not be resolved (DNS).",
                               hint="Check the spelling of the URL in the profile.")
        if "refused" in lowered:
            return Unreachable(f"Connection refused by {where}: nothing listens there.",
                               hint="Is Strapi running, and is the port in the profile URL right?")
        return Unreachable(f"Could not connect to {where}: {redact_text(text)}.")
    if isinstance(exc, httpx.RemoteProtocolError):
        return Unreachable(f"{where} closed the connection in the middle of the answer, or spoke something "
                           "that is not HTTP.", hint="Is the URL's scheme (http/https) and port right?")
    if isinstance(exc, httpx.TooManyRedirects):
        return UnexpectedShape(f"{where} redirected too many times.")
    return Unreachable(f"Request to {where} failed: {type(exc).__name__}: {redact_text(text)}.")


def reset_at(headers: httpx.Headers) -> float | None:
    """When a rate limit ends (a Unix time), from X-RateLimit-Reset or Retry-After; None when the server
    does not say, or says something that is not a time (1e999, NaN, a negative or absurd value)."""
    reset = bounds.timestamp(headers.get("x-ratelimit-reset"))
    if reset is not None:
        return reset
    after = headers.get("retry-after")
    seconds = bounds.number(after, 0.0, bounds.MAX_DURATION)
    if seconds is not None:
        return bounds.timestamp(time.time() + seconds)
    try:  # Retry-After may also be an HTTP date
        return bounds.timestamp(email.utils.parsedate_to_datetime(after).timestamp()) if after else None
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


def _reset_text(reset_at: float | None) -> str:
    if not reset_at:
        return "later (the server did not say when)"
    wait = max(0, int(reset_at - time.time()))
    when = datetime.fromtimestamp(reset_at).strftime("%H:%M:%S")
    return f"after {when} (in {wait // 60} min {wait % 60} s)"


def map_status(resp: Response) -> StrapiError | None:
    """A typed error for a non-success answer, or None when the status is a success."""
    status = resp.status
    if 200 <= status < 300:
        return None
    name, message = resp.error_fields()
    what = f"{resp.method} {urlsplit(resp.url).path}"
    said = f" (Strapi says: {name}: {message})" if message else ""
    if status == 401:
        return SignedOut(f"{what} needs a valid sign-in: the token is missing, expired, revoked, or the "
                         f"account was deactivated{said}.", status=status)
    if status == 403 and not name:
        # not Strapi's error envelope: a WAF, a proxy rule or an IP allow-list in front of it said no
        return Forbidden(f"{what} was refused with 403 by something in front of Strapi (a firewall, a proxy rule or "
                         f"an IP allow-list), not by Strapi itself.",
                         hint="Allow the console's address (or its User-Agent, strapi-console/...) through, or run "
                              "it from an allowed network.", status=status)
    if status == 403:
        missing = f" Strapi says: {message}." if message and message != "Policy Failed" else ""
        return Forbidden(f"Your admin role lacks the permission for {what}.{missing}",
                         hint="Ask a Super Admin to grant it, or use an account whose role has it.",
                         status=status)
    if status == 404:
        return NotFound(f"{what} does not exist on this server{said}.", status=status)
    if status == 405:
        return FeatureAbsent(f"{what} is not an endpoint of this server (405 Method Not Allowed): "
                             "this Strapi version or edition lacks it.", status=status)
    if status == 429:
        until = reset_at(resp.headers)
        return RateLimited(f"{what} was rate limited by the server; retry {_reset_text(until)}.",
                           reset_at=until, status=status)
    if status in (502, 503, 504):
        return ServerFailure(f"{what}: a proxy in front of Strapi answered {status} (Strapi down, restarting "
                             "or too slow).", hint="Check that Strapi runs behind the proxy.", status=status)
    if status >= 500:
        return ServerFailure(f"{what} failed on the server with {status}{said}.",
                             hint="The Strapi logs have the cause.", status=status)
    if 300 <= status < 400:
        target = resp.headers.get("location", "?")
        return UnexpectedShape(f"{what} was redirected to {redact_text(target)}.",
                               hint="Point the profile URL at the final address.", status=status)
    if status == 400 and b"plain HTTP request was sent to HTTPS port" in resp.body[:2048]:
        return BadRequest(f"{what}: this port speaks HTTPS, but the profile URL says http://.",
                          hint="Use https:// in the profile URL.", status=status)
    if status == 413:
        return BadRequest(f"{what} was refused as too large (413).", status=status)
    if 400 <= status < 500:
        return BadRequest(f"{what} was refused ({status}){said}.", status=status)
    return UnexpectedShape(f"{what} answered with an unexpected status {status}.", status=status)


def parse_json(resp: Response) -> Any:
    """The JSON body of a success answer, or a clear error when it is HTML, truncated or odd."""
    what = f"{resp.method} {urlsplit(resp.url).path}"
    if resp.status == 204 or not resp.body:
        return None
    if not resp.is_json:
        sniff = resp.body[:512].lstrip().lower()
        if resp.content_type == "text/html" or sniff.startswith((b"<!doctype", b"<html")):
            raise NotJSON(f"{what} answered an HTML page where JSON was expected: the endpoint does not "
                          "exist on this server (Strapi serves its admin page for unknown paths), or the "
                          "URL points at something that is not Strapi.", status=resp.status)
        raise NotJSON(f"{what} answered '{resp.content_type or 'no content type'}' where JSON was expected.",
                      status=resp.status)
    try:
        return resp.json()
    except bounds.JSONTooDeep:
        raise TooDeep(f"{what} answered JSON nested more than {bounds.MAX_JSON_DEPTH} levels deep; the console "
                      "does not read it.", hint="No Strapi answer is that deep: is something in front of the "
                                                "server rewriting answers?", status=resp.status) from None
    except (ValueError, UnicodeDecodeError):
        raise NotJSON(f"{what} answered truncated or invalid JSON ({len(resp.body)} bytes).",
                      status=resp.status) from None


class HostSlots:
    """The requests one server may have in flight: 6 over HTTP/1.1 (one per connection, as browsers do);
    once the server has answered over HTTP/2, where requests share one connection as streams, more."""

    def __init__(self, concurrency: int) -> None:
        self.semaphore = asyncio.Semaphore(concurrency)
        self.limit = concurrency

    def widen(self, limit: int) -> None:
        while self.limit < limit:  # each release adds a place; the places in use are returned as usual
            self.limit += 1
            self.semaphore.release()


_HOST_SLOTS: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple, HostSlots]]" = \
    weakref.WeakKeyDictionary()
_last_slots: "tuple[weakref.ref, dict[tuple, HostSlots]] | None" = None


def host_slots(origin: tuple, concurrency: int) -> HostSlots:
    """The one set of places every session of this event loop shares for a server (scheme, host and port):
    two profiles of the same server (an admin and a read-only one, a fleet listing it twice) together
    send at most ``concurrency`` requests at a time, so a fleet scan never floods one server."""
    global _last_slots
    loop = asyncio.get_running_loop()
    last = _last_slots
    if last is not None and last[0]() is loop:  # the same loop as the last request (a weak reference's
        slots = last[1]                         # lookup: WeakKeyDictionary makes a new one every call)
    else:
        slots = _HOST_SLOTS.setdefault(loop, {})
        _last_slots = (weakref.ref(loop), slots)
    if origin not in slots:
        slots[origin] = HostSlots(concurrency)
    return slots[origin]


# The check a request is sent for (set by the check runner), so a cut scan can name the checks it cut.
current_check: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_check", default=None)
# The request budget of the scan running in this task (and the tasks it starts). A context variable, not an
# attribute of the client: a profile's session is shared by its scan, its panels and its audit tail, and
# only the scan's own requests count against the scan's budget.
current_budget: contextvars.ContextVar["RequestBudget | None"] = contextvars.ContextVar("current_budget",
                                                                                        default=None)


class RequestBudget:
    """What one scan may spend on one server: at most ``requests`` requests within ``seconds``.

    A server listing 3,000 roles must not turn one scan into 3,000 requests and minutes of waiting for
    the whole fleet. The defaults are far above what a normal server needs; once either runs out, every
    further request of the scan fails at once with BudgetExhausted, in-flight ones are stopped at the
    deadline, and ``cut`` says why (the scan reports it, and the checks that were refused, as incomplete).
    """

    def __init__(self, requests: int, seconds: float) -> None:
        self.requests, self.seconds = requests, seconds
        self.deadline = time.monotonic() + seconds
        self.sent = 0
        self.cut: str | None = None
        self.refused: set[str] = set()  # checks that were refused a request

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def spend(self) -> None:
        """Count one request, or raise BudgetExhausted when the scan may send no more."""
        if self.sent < self.requests and self.remaining() > 0:
            self.sent += 1
            return
        raise self.exhausted()

    def exhausted(self) -> BudgetExhausted:
        if self.cut is None:
            self.cut = (f"the scan's budget of {self.requests} requests for this server ran out"
                        if self.sent >= self.requests else
                        f"the scan's deadline of {self.seconds:g} s for this server passed")
        check = current_check.get()
        if check:
            self.refused.add(check)
        return BudgetExhausted(f"Not sent: {self.cut}.", hint="A normal server never reaches it; raise it with "
                               "--max-requests / --max-seconds if this server really is that large or slow.")


class HttpSession:
    """One pooled connection set per profile; requests to one server share a per-host concurrency cap."""

    def __init__(self, base_url: str, *, ca_bundle: str | None = None, transport: httpx.AsyncBaseTransport | None = None,
                 timeout: httpx.Timeout = DEFAULT_TIMEOUT, deadline: float = 45.0, max_body: int = MAX_BODY,
                 concurrency: int = 6) -> None:
        self.base_url = base_url.rstrip("/")
        self.deadline = deadline
        self.max_body = max_body
        # Requests go straight to the transport (one connection pool per session, HTTP/2 where the server
        # offers it): httpx's client layer around it (cookie extraction into a jar that keeps nothing, URL
        # and header merging, auth and redirect machinery the console does not use) cost as much CPU as the
        # rest of a request. Cookies are carried by hand; redirects are followed below.
        verify = ssl_context(ca_bundle) if base_url.startswith("https") else None  # plain HTTP needs no trust store
        self._transport = transport or wire.transport(verify=verify, http2=HTTP2)
        # the console's own connections take a request as its parts (no httpx objects to build)
        self._direct = self._transport if isinstance(self._transport, wire.Direct) else None
        self._timeout = timeout.as_dict()
        self._other: httpx.AsyncClient | None = None
        self._concurrency = concurrency
        self.request_count = 0
        self.clock_skew: float | None = None  # server Date minus local time, seconds (from the last answer)

    @property
    def _client(self) -> httpx.AsyncClient:
        """An httpx client on the same connections, for the odd request ``send`` does not make (a multipart
        upload in a test); made on first use."""
        if self._other is None:
            self._other = httpx.AsyncClient(transport=_Unclosed(self._transport), timeout=httpx.Timeout(**self._timeout),
                                            follow_redirects=False, trust_env=False, headers=BASE_HEADERS)
            # httpx keeps cookies in a jar of its own with the default policy: refuse them all there
            self._other.cookies.jar.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        return self._other

    async def aclose(self) -> None:
        if self._other is not None:
            await self._other.aclose()
        await self._transport.aclose()

    def _note_clock(self, date: str | None) -> None:
        if not date:
            return
        stamp = _date_stamp(date[:64])
        if stamp is None:
            return
        self.clock_skew = bounds.number(stamp - time.time(), -bounds.MAX_DURATION, bounds.MAX_DURATION,
                                        default=self.clock_skew)

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    async def send(self, method: str, path: str, *, json_body: Any = None, headers: dict[str, str] | None = None,
                   params: dict[str, Any] | None = None, retries: int | None = None, follow: int = 3) -> Response:
        """Send one request (with same-origin redirects and idempotent retries); map transport failures."""
        method = method.upper()
        attempts = (2 if method in IDEMPOTENT else 0) if retries is None else retries
        url = self.url(path)
        delay = 0.5
        broke_off = False
        for attempt in range(attempts + 1):
            try:
                resp = await self._send_following(method, url, json_body, headers, params, follow)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if attempt < attempts and not _is_tls(exc):
                    await asyncio.sleep(delay)
                    delay *= 2
                    continue
                raise map_transport_error(exc, url) from None
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                # the answer broke off (Strapi's documentation plugin cuts answers to requests that arrive
                # together): a read is asked again, once, shortly after; a write never, the server may have done it
                if attempt < attempts and method in IDEMPOTENT and not broke_off:
                    broke_off = True
                    await asyncio.sleep(0.2)
                    continue
                raise map_transport_error(exc, url) from None
            except (httpx.HTTPError, TimeoutError, ssl.SSLError) as exc:
                raise map_transport_error(exc, url) from None
            if resp.status in RETRY_STATUSES and attempt < attempts:
                wait = delay
                if resp.status == 429:
                    until = reset_at(resp.headers)
                    wait = until - time.time() if until is not None else delay
                    if wait > 10:  # a long window: tell the operator instead of hanging
                        return resp
                await asyncio.sleep(max(0.1, wait))
                delay *= 2
                continue
            return resp
        raise AssertionError("unreachable")

    async def _send_following(self, method, url, json_body, headers, params, follow) -> Response:
        origin = _origin(url)
        for _ in range(follow + 1):
            resp = await self._send_once(method, url, json_body, headers, params)
            location = resp.headers.get("location")
            if resp.status in (301, 302, 303, 307, 308) and location:
                target = _same_origin(url, location, origin)
                if target is None:
                    return resp  # never carry the Authorization header to another host or scheme
                url, params = target, None
                if resp.status == 303:
                    method, json_body = "GET", None
                continue
            return resp
        return resp

    async def _send_once(self, method, url, json_body, headers, params) -> Response:
        started = time.monotonic()
        budget = current_budget.get()
        slots = host_slots(_origin(url), self._concurrency)
        async with slots.semaphore:
            deadline = self.deadline
            if budget is not None:
                budget.spend()
                deadline = min(deadline, budget.remaining())
            self.request_count += 1
            try:
                async with asyncio.timeout(deadline):
                    return await self._exchange(method, url, json_body, headers, params, started, slots)
            except TimeoutError:
                if budget is not None and budget.remaining() <= 0:
                    raise budget.exhausted() from None
                raise

    async def _exchange(self, method, url, json_body, headers, params, started, slots: HostSlots) -> Response:
        """One request and its whole (size-bounded) answer."""
        content, headers = request_body(json_body, headers)
        if self._direct is not None:
            if params:
                url = str(httpx.URL(url, params=params))
            where, target = wire.split(url)
            answer = await self._direct.exchange(method.encode("ascii"), where, target,
                                                 _raw_headers(where.host_header, headers, content), content or b"",
                                                 self._timeout, self.max_body)
            status, chunks, version = answer.status, answer.chunks, answer.http_version
            got = httpx.Headers(answer.headers)
        else:
            request = httpx.Request(method, url, params=params, content=content, headers=_headers(headers),
                                    extensions={"timeout": self._timeout, "max_body": self.max_body})
            url = str(request.url)
            r = await self._transport.handle_async_request(request)
            chunks, size = [], 0
            try:
                async for chunk in r.stream:  # the transport's stream: the body as sent (not decoded)
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > self.max_body:
                        break
            finally:
                await r.aclose()
            status, got, version = r.status_code, r.headers, r.extensions.get("http_version")
        if version == b"HTTP/2":
            slots.widen(HTTP2_CONCURRENCY)
        self._note_clock(got.get("date"))
        if sum(len(chunk) for chunk in chunks) > self.max_body:
            raise TooLarge(
                f"{method} {urlsplit(url).path} answered more than {self.max_body // (1024 * 1024)} MB; "
                "the console stopped reading.", hint="Is the URL pointing at a Strapi admin API?")
        body = b"".join(chunks)
        encoding = got.get("content-encoding", "")
        if encoding and encoding != "identity":
            body = _decode(body, encoding, self.max_body)
        return Response(method, url, status, got, body, time.monotonic() - started)


@functools.lru_cache(maxsize=8)
def _date_stamp(date: str) -> float | None:
    """A Date header as a POSIX time, None when unreadable. Cached: a server's Date changes once a second
    while a scan reads dozens of answers a second from it (parsing each was a visible part of a request)."""
    try:
        return email.utils.parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


_BASE_HEADERS = httpx.Headers(BASE_HEADERS)  # normalised once; each request takes a copy (a list copy)
_BASE_RAW = [(name.encode("ascii"), value.encode("ascii")) for name, value in BASE_HEADERS.items()]


def _raw_headers(host: bytes, extra: dict[str, str] | None, content: bytes | None) -> list[tuple[bytes, bytes]]:
    """A request's header lines for the console's own transport, as httpx would send them: Host first, the
    base headers with any a request gives itself replacing them whatever their case, Content-Length for a
    body. Values are encoded as httpx encodes them (ASCII, else UTF-8); h11 refuses any with CR or LF."""
    out = [(b"Host", host)]
    if not extra:
        out += _BASE_RAW
    else:
        given = {name.lower() for name in extra}
        out += [pair for pair in _BASE_RAW if pair[0].decode().lower() not in given]
        out += [(name.encode("ascii"), _header_value(value)) for name, value in extra.items()]
    if content is not None:
        out.append((b"Content-Length", str(len(content)).encode("ascii")))
    return out


def _header_value(value: str) -> bytes:
    try:
        return value.encode("ascii")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _headers(extra: dict[str, str] | None) -> httpx.Headers:
    """BASE_HEADERS with a request's own headers replacing any of the same name, whatever its case."""
    headers = _BASE_HEADERS.copy()
    if extra:
        headers.update(extra)
    return headers


class _Unclosed(httpx.AsyncBaseTransport):
    """A transport lent to a second client: closing that client leaves the session's connections open."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.inner.handle_async_request(request)


def request_body(json_body: Any, headers: dict[str, str] | None) -> tuple[bytes | None, dict[str, str] | None]:
    """A JSON request body written with ASCII escapes: a string the server sent with a lone surrogate
    (``\\ud800``, which JavaScript keeps and writes) goes back exactly as it came, where UTF-8 cannot encode
    it (httpx's own encoder raised UnicodeEncodeError in the middle of a write)."""
    if json_body is None:
        return None, headers
    content = json.dumps(json_body, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")
    return content, {"Content-Type": "application/json", **(headers or {})}


def _decode(body: bytes, encoding: str, limit: int) -> bytes:
    import zlib

    if encoding in ("gzip", "deflate"):
        d = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
        try:
            out = d.decompress(body, limit + 1)
        except zlib.error:
            raise NotJSON("The answer's compressed body is corrupt.") from None
        if len(out) > limit:
            raise TooLarge("The answer decompresses to more than the console will read.")
        return out
    return body


def _same_origin(url: str, location: str, origin: tuple) -> str | None:
    """Where a redirect points, when that is on ``origin``; None when it is elsewhere or is no URL at all (a port
    out of range, an open bracket: the server's text, which the URL parser refuses with a ValueError)."""
    try:
        target = urljoin(url, location)
        return target if _origin(target) == origin else None
    except ValueError:
        return None


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL: the per-host cap's key. Read once per origin (a fleet scan asks it for
    every request), from the part before the path."""
    cut = url.find("/", url.find("//") + 2)
    return _origin_of(url if cut < 0 else url[:cut])


@functools.lru_cache(maxsize=4096)
def _origin_of(prefix: str) -> tuple[str, str, int | None]:
    p = urlsplit(prefix)
    return p.scheme, (p.hostname or "").lower(), p.port or (443 if p.scheme == "https" else 80)


def _is_tls(exc: BaseException) -> bool:
    return any(isinstance(e, ssl.SSLError) for e in _chain(exc))
