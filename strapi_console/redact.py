"""Redaction of secret material from text, headers and JSON-like data.

Two mechanisms work together: every secret the console handles is registered here at the moment it
is obtained (so it is scrubbed verbatim wherever it shows up), and pattern rules catch what was never
registered (JWTs, bearer headers, cookie values, key-like fields, the parts of a URL that may be a
credential: :func:`redact_url`).
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Mapping
from typing import Any

REDACTED = "<redacted>"

_lock = threading.Lock()
_known: set[str] = set()
# _known longest first (a secret inside another is replaced after it), with -len of each (ascending: where
# the secrets that fit a text begin); one tuple, replaced whole, so a reader sees both of one moment
_longest_first: tuple[tuple[int, ...], tuple[str, ...]] = ((), ())

_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_BEARER_RE = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")
_COOKIE_RE = re.compile(r"(?i)(strapi_admin_refresh(?:\.sig)?|jwtToken|koa\.sess(?:\.sig)?|strapi_up_refresh)=([^;\s,]+)")
_KV_RE = re.compile(
    r"(?i)((?:password|passwd|secret|token|accesskey|access_key|api[_-]?key|authorization|cookie)"
    r"[\"']?\s*[:=]\s*[\"']?)([^\"'\s,;}]{4,})"
)

SECRET_KEYS = re.compile(
    r"(?i)^(password|passwd|secret|token|accesstoken|access_token|accesskey|access_key|refresh|"
    r"refresh_cookie|refresh_sig|authorization|cookie|set-cookie|jwt|apikey|api_key|"
    r"registrationtoken|resetpasswordtoken|confirmationtoken|key|salt|privatekey)$"
)


# Text in which none of these occurs cannot match the JWT, bearer or cookie rules: one search instead of
# three substitutions for most strings (a fleet worker redacts every string of every result it sends).
_HINT_RE = re.compile(r"eyJ|(?i:bearer|strapi_admin_refresh|jwttoken|koa\.sess|strapi_up_refresh)")
# The same marks, and those of the key=value rule, searched in the lowercased text: a case-blind search is
# several times slower. Only for ASCII text: under re.IGNORECASE some other letters match ASCII ones
# ('ſ' an s, 'ı' and 'İ' an i, the Kelvin sign a k), and lower() does not map all of them so.
_HINT_MARKS = re.compile(r"eyj|bearer|strapi_admin_refresh|jwttoken|koa\.sess|strapi_up_refresh")
_KV_MARKS = re.compile(r"passw|secret|token|access_?key|api[_-]?key|authorization|cookie")


def register_secret(value: str | None) -> None:
    """Remember a secret so it is scrubbed verbatim from anything the console prints."""
    global _longest_first
    if value and len(value) >= 6:
        with _lock:
            if value not in _known:
                _known.add(value)
                ordered = tuple(sorted(_known, key=len, reverse=True))
                _longest_first = (tuple(-len(secret) for secret in ordered), ordered)


def redact_text(text: str, *, key_values: bool = True) -> str:
    if not text:
        return text
    lengths, known = _longest_first
    # only the secrets no longer than the text can be in it (most texts are far shorter than a token)
    for secret in known[bisect.bisect_left(lengths, -len(text)):]:
        if secret in text:
            text = text.replace(secret, REDACTED)
    if text.isascii():
        lower = text.lower()
        hint, pairs = _HINT_MARKS.search(lower), not key_values or _KV_MARKS.search(lower)
    else:
        hint, pairs = _HINT_RE.search(text), True
    if hint:
        text = _JWT_RE.sub(REDACTED, text)
        text = _BEARER_RE.sub(lambda m: m.group(1) + REDACTED, text)
        text = _COOKIE_RE.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    if key_values:  # free text such as exception messages: also scrub 'password=...'-style pairs and URLs
        text = redact_urls_in_text(text)
        if pairs:  # (what the rules above put in holds no mark of this one that was not there before)
            text = _KV_RE.sub(lambda m: m.group(1) + REDACTED, text)
    return text


_PLAIN = (int, float, bool, type(None))


def redact_data(value: Any) -> Any:
    """Deep copy of JSON-like data with secret-named fields and secret-looking strings redacted."""
    kind = type(value)  # the exact JSON types first: an ABC's isinstance is slow, and this runs per value
    if kind is str:
        return redact_text(value, key_values=False)
    if kind in _PLAIN:
        return value
    if kind is dict or isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if isinstance(k, str) and SECRET_KEYS.match(k.replace("-", "_")) and v not in (None, "", False, True):
                out[k] = REDACTED
            else:
                out[k] = redact_data(v)
        return out
    if isinstance(value, (list, tuple)):
        return [redact_data(v) for v in value]
    if isinstance(value, str):
        return redact_text(value, key_values=False)
    return value


# A path segment that may be a credential: long (16+) and made of token characters (Slack's
# /services/T0…/B0…/XXXX, Discord's /api/webhooks/ID/TOKEN, Teams' GUID@GUID, a UUID, a bare API key),
# unless every piece between '-', '_', '.' and '~' reads as a word or a number ("strapi-content-updated-v2",
# "release-2024-05-notes"; a piece of 32+ characters is never a word), so an operator still reads where
# a webhook posts. Each pattern below is unambiguous (no nested quantifier can match the same text two
# ways): matching stays linear in the length of the segment.
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_\-.~%+=@:]{16,}")
_PIECE_SPLIT = re.compile(r"[-_.~]")
_WORD_PIECE = re.compile(r"[A-Z]?[a-z]+(?:[A-Z][a-z]+)*[0-9]{0,2}|[0-9]+|[A-Za-z0-9]{1,3}")


def _tokenish(segment: str) -> bool:
    return bool(_TOKEN_CHARS.fullmatch(segment)) and not all(
        len(piece) < 32 and _WORD_PIECE.fullmatch(piece) for piece in _PIECE_SPLIT.split(segment) if piece)


def _redact_segment(segment: str) -> str:
    """One path segment: hidden when token-shaped; its matrix parameters (``;jsessionid=…``) keep their names."""
    head, sep, params = segment.partition(";")
    head = REDACTED if _tokenish(head) else head
    return head + sep + (_redact_pairs(params, ";") if sep else "")


def _redact_pairs(text: str, separator: str) -> str:
    """``a=1&b&c=`` → ``a=<redacted>&<redacted>&c=``: names stay, every value (or bare item) is hidden;
    an empty one stays empty (nothing to hide, and redacting twice does not stack)."""
    def one(pair: str) -> str:
        name, eq, value = pair.partition("=")
        return (name + eq + REDACTED if value else pair) if eq else (REDACTED if pair else pair)

    return separator.join(one(pair) for pair in text.split(separator))


def redact_url(url: str) -> str:
    """The URL with what may be a credential replaced by ``<redacted>``: the user-info part
    (``user:password@``, or a "port" that is not a number), every query value (``?token=…``), matrix parameter values (``;sid=…``), the
    fragment, and token-shaped path segments. Scheme, host, port, the other path segments and query
    names stay readable, so an operator still sees where a webhook posts. Text without ``://`` is
    returned as it is. Linear in the length of the URL (a server may send megabytes)."""
    if not isinstance(url, str) or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    if "@" in authority:
        authority = REDACTED + "@" + authority.rsplit("@", 1)[1]
    host, colon, port = authority.rpartition(":")
    if colon and port and not port.isdigit() and "]" not in port:  # 'user:password' with the '@' forgotten
        authority = host + ":" + REDACTED
    tail, _, fragment = tail.partition("#")
    path, sep, query = tail.partition("?")
    path = "/".join(_redact_segment(seg) for seg in path.split("/"))
    if sep:
        query = _redact_pairs(query, "&")
    out = f"{scheme}://{authority}{path}{sep}{query}"
    return out + ("#" + REDACTED if fragment else "")


# A URL inside free text: a scheme of at most 32 characters (so a failed start costs a bounded number
# of steps: linear overall), '://', then everything up to white space, a quote or an angle bracket.
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{0,31}://[^\s\"'<>`]*")


def redact_urls_in_text(text: str) -> str:
    """Free text with :func:`redact_url` applied to every URL in it (messages, summaries, titles)."""
    if not isinstance(text, str) or "://" not in text:
        return text
    return _URL_IN_TEXT.sub(_redact_url_match, text)


def _redact_url_match(m: re.Match[str]) -> str:
    """Sentence punctuation after a URL ('(on https://host:8443)', 'see https://x.test/a.') is not part of it."""
    url = m.group(0)
    core = url.rstrip(").,;:!?]}")
    return redact_url(core) + url[len(core):]


def redact_urls(value: Any) -> Any:
    """Deep copy of JSON-like data with :func:`redact_urls_in_text` applied to every string, for what is
    only shown (scan evidence, audit event payloads). Not for what is written back to a server or kept
    to undo a change: there the exact URL is needed, and it stays in memory."""
    if isinstance(value, Mapping):
        return {k: redact_urls(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_urls(v) for v in value]
    return redact_urls_in_text(value) if isinstance(value, str) else value
