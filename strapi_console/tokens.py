"""API, admin and transfer tokens as the admin API lists them, normalised for the checks and fixes.

The lists never hold a secret (Strapi stores only hashes); create and regenerate answers do, and the
console registers those for redaction the moment it sees them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import bounds
from .client import StrapiClient
from .errors import NotFound
from .redact import register_secret
from .times import parse_time

KINDS = {
    "api": ("/admin/api-tokens", "API token"),
    "admin": ("/admin/admin-tokens", "admin token"),
    "transfer": ("/admin/transfer/tokens", "transfer token"),
}
# Fields that change when someone edits the token; lastUsedAt moves on every use and is left out.
_FINGERPRINT_FIELDS = ("name", "description", "type", "permissions", "lifespan", "expiresAt", "updatedAt",
                       "adminPermissions")


@dataclass
class Token:
    kind: str  # "api", "admin" or "transfer"
    id: int | str
    name: str
    type: str | None  # "read-only", "full-access", "custom" (API tokens); None for transfer tokens
    permissions: list[str]
    lifespan: int | None
    expires_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime | None
    raw: dict[str, Any] = field(repr=False)

    @property
    def path(self) -> str:
        return f"{KINDS[self.kind][0]}/{self.id}"

    @property
    def label(self) -> str:
        return f"{KINDS[self.kind][1]} '{self.name}'"

    @property
    def unlimited(self) -> bool:
        return self.expires_at is None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at < now

    @property
    def can_write(self) -> bool:
        """Whether the token can change content: full access, a custom write action, or push."""
        if self.kind == "transfer":
            return "push" in self.permissions
        if self.kind == "admin":
            return True  # admin tokens act on the admin API with their owner's permissions as a ceiling
        if self.type == "full-access":
            return True
        return self.type == "custom" and any(not p.endswith((".find", ".findOne")) for p in self.permissions)

    def fingerprint(self) -> str:
        subset = {k: self.raw.get(k) for k in _FINGERPRINT_FIELDS}
        return hashlib.sha256(json.dumps(subset, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def summary(self) -> dict[str, Any]:
        """What the evidence shows about a token: never its key, which the lists do not carry anyway."""
        out: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.type:
            out["type"] = self.type
        if self.kind == "transfer" or self.type == "custom":
            out["permissions"] = list(self.permissions)
        out["expiresAt"] = self.raw.get("expiresAt")
        out["lastUsedAt"] = self.raw.get("lastUsedAt")
        out["createdAt"] = self.raw.get("createdAt")
        owner = self.raw.get("adminUserOwner")
        if isinstance(owner, dict):
            out["owner"] = owner.get("email")
        return out


def _lifespan(value: Any) -> int | None:
    """Milliseconds, or None: a biginteger column (some drivers send it as text) that may hold anything."""
    return bounds.integer(value, 0, int(bounds.MAX_DURATION * 1000))


def from_raw(kind: str, raw: dict[str, Any]) -> Token:
    perms = raw.get("permissions") if isinstance(raw.get("permissions"), list) else []
    if raw.get("accessKey"):
        register_secret(str(raw["accessKey"]))
    return Token(kind=kind, id=raw.get("id"), name=str(raw.get("name") or f"#{raw.get('id')}"),
                 type=raw.get("type") if kind != "transfer" else None,
                 permissions=[str(p) for p in perms], lifespan=_lifespan(raw.get("lifespan")),
                 expires_at=parse_time(raw.get("expiresAt")), last_used_at=parse_time(raw.get("lastUsedAt")),
                 created_at=parse_time(raw.get("createdAt")), raw=raw)


async def list_tokens(client: StrapiClient, kind: str) -> list[Token] | None:
    """The tokens of one kind, or None when the server has no such route (older version, transfer off)."""
    try:
        answer = await client.get(KINDS[kind][0])
    except NotFound:
        return None
    data = answer.get("data") if isinstance(answer, dict) else None
    return [from_raw(kind, t) for t in data or [] if isinstance(t, dict)]


async def read_token(client: StrapiClient, kind: str, token_id: int | str) -> Token | None:
    """One token as it is now, or None when it no longer exists."""
    try:
        answer = await client.get(f"{KINDS[kind][0]}/{token_id}")
    except NotFound:
        return None
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict):
        return None
    data = {k: v for k, v in data.items() if k != "accessKey"}  # 5.x with an encryption key re-shows the key
    return from_raw(kind, data)
