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
