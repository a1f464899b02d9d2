"""Offline JWT reading: decode header and payload, verify an HMAC against candidate secrets.

Nothing here talks to the network. Used by the secret and session checks on the tokens the console
already holds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from . import bounds

HMAC_ALGS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


@dataclass(frozen=True)
class DecodedJWT:
    header: dict
    payload: dict
    signing_input: bytes
    signature: bytes

    @property
    def alg(self) -> str:
        return str(self.header.get("alg", ""))

    @property
    def exp(self) -> float | None:
        """The expiry as a Unix time, or None when absent or not a time (the server signs what it likes:
        ``exp: 1e999`` kept in the keyring must not break every later command of the profile)."""
        return bounds.timestamp(self.payload.get("exp"))

    @property
    def iat(self) -> float | None:
        return bounds.timestamp(self.payload.get("iat"))

    @property
    def lifetime(self) -> int | None:
        exp, iat = self.exp, self.iat
        if exp is not None and iat is not None:
            return int(exp - iat)
        return None


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def decode(token: str) -> DecodedJWT | None:
    """Decode a compact JWS without verifying it; None when it is not a JWT (e.g. an opaque admin token)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header = bounds.loads(_b64(parts[0]))
        payload = bounds.loads(_b64(parts[1]))
        signature = _b64(parts[2]) if parts[2] else b""
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return None
    return DecodedJWT(header, payload, f"{parts[0]}.{parts[1]}".encode(), signature)


def verify_hmac(decoded: DecodedJWT, secret: str) -> bool:
    digest = HMAC_ALGS.get(decoded.alg)
    if digest is None:
        return False
    expected = hmac.new(secret.encode(), decoded.signing_input, digest).digest()
    return hmac.compare_digest(expected, decoded.signature)


@lru_cache(maxsize=1)
def known_default_secrets() -> tuple[str, ...]:
    """The shipped list of placeholder and example secrets from templates, docs and public setups."""
    text = resources.files("strapi_console.data").joinpath("default_secrets.txt").read_text()
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def find_default_secret(token: str) -> str | None:
    """Return the known default secret that signed this token, or None."""
    decoded = decode(token)
    if decoded is None or decoded.alg not in HMAC_ALGS:
        return None
    for secret in known_default_secrets():
        if verify_hmac(decoded, secret):
            return secret
    return None
