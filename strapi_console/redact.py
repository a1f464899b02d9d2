"""Redaction of secret material from text, headers and JSON-like data.

Two mechanisms work together: every secret the console handles is registered here at the moment it
is obtained (so it is scrubbed verbatim wherever it shows up), and pattern rules catch what was never
registered (JWTs, bearer headers, cookie values, key-like fields).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

REDACTED = "<redacted>"

_lock = threading.Lock()
_known: set[str] = set()

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


def register_secret(value: str | None) -> None:
    """Remember a secret so it is scrubbed verbatim from anything the console prints."""
    if value and len(value) >= 6:
        with _lock:
            _known.add(value)


def redact_text(text: str, *, key_values: bool = True) -> str:
    if not text:
        return text
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _JWT_RE.sub(REDACTED, text)
    text = _BEARER_RE.sub(lambda m: m.group(1) + REDACTED, text)
    text = _COOKIE_RE.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    if key_values:  # free text such as exception messages: also scrub 'password=...'-style pairs
        text = _KV_RE.sub(lambda m: m.group(1) + REDACTED, text)
    return text


def redact_data(value: Any) -> Any:
    """Deep copy of JSON-like data with secret-named fields and secret-looking strings redacted."""
    if isinstance(value, Mapping):
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


# A path segment that looks like a credential: long, and mixing letters with digits (Slack's
# /services/T0…/B0…/XXXX, Discord's /api/webhooks/ID/TOKEN, a bare API key). Words and ids stay.
_TOKENISH_SEGMENT = re.compile(r"^(?:(?=[A-Za-z0-9_\-.~]*\d)(?=[A-Za-z0-9_\-.~]*[A-Za-z])[A-Za-z0-9_\-.~]{16,}"
                               r"|[A-Za-z0-9]{24,})$")


def redact_url(url: str) -> str:
    """The URL with what may be a credential replaced by ``<redacted>``: the user-info part
    (``user:password@``), every query value (``?token=…``), the fragment, and token-shaped path
    segments. Scheme, host, port, the other path segments and query names stay readable, so an
    operator still sees where a webhook posts. Text that is not a URL is returned as it is."""
    if not isinstance(url, str) or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    if "@" in authority:
        authority = REDACTED + "@" + authority.rsplit("@", 1)[1]
    tail, _, fragment = tail.partition("#")
    path, sep, query = tail.partition("?")
    path = "/".join(REDACTED if _TOKENISH_SEGMENT.match(seg) else seg for seg in path.split("/"))
    if sep:
        query = "&".join(
            (pair.split("=", 1)[0] + "=" + REDACTED) if "=" in pair else (REDACTED if pair else pair)
            for pair in query.split("&"))
    out = f"{scheme}://{authority}{path}{sep}{query}"
    return out + ("#" + REDACTED if fragment else "")
