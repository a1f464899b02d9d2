"""The secret store: what keeps a profile signed in lives in the keyring, or in memory for the session.

One keyring entry per profile (service ``strapi-console``, username = profile name) holds a small JSON
document: the kind of credential, the access token, the refresh cookie pair and device id of a 5.24+
session, and the password only if the operator asked for it to be remembered.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field
from typing import Literal

from .errors import NoKeyringError, SecretStoreError
from .redact import register_secret

SERVICE = "strapi-console"
CredentialKind = Literal["jwt", "session", "admin-token"]

NO_KEYRING_HELP = (
    "No keyring backend can store secrets here (normal over SSH without a desktop session/D-Bus). "
    "Choices: (1) keep the token in memory for this session only: the TUI does this and asks you to "
    "sign in again next time; set `secret_store = \"memory\"` under [settings] to make that the "
    "default; (2) configure a file backend: `pip install keyrings.alt` then "
    "`export PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring` (asks for a keyring password), "
    "or `pip install keyrings.cryptfile` and "
    "`export PYTHON_KEYRING_BACKEND=keyrings.cryptfile.cryptfile.CryptFileKeyring`."
)


def end_user_key(profile: str) -> str:
    """Where a profile's test end-user JWT is kept, beside the admin credentials (never the password)."""
    return f"{profile}#end-user"


@dataclass
class Credentials:
    kind: CredentialKind
    access_token: str
    email: str | None = None
    refresh_cookie: str | None = None
    refresh_sig: str | None = None
    device_id: str | None = None
    password: str | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        for value in (self.access_token, self.refresh_cookie, self.refresh_sig, self.password):
            register_secret(value)

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v not in (None, {}, "")})

    @classmethod
    def from_json(cls, text: str) -> "Credentials":
        raw = json.loads(text)
        if not isinstance(raw, dict) or raw.get("kind") not in ("jwt", "session", "admin-token") \
                or not isinstance(raw.get("access_token"), str):
            raise ValueError("not a strapi-console credential")
        allowed = cls.__dataclass_fields__
        return cls(**{k: v for k, v in raw.items() if k in allowed})

    def __repr__(self) -> str:  # never print a token through repr()
        return f"Credentials(kind={self.kind!r}, email={self.email!r}, device_id={self.device_id!r})"


def _keyring():
    """The keyring package, imported on first use: it takes ~20 ms to load (its backends), and the first
    frame of the TUI needs no secret."""
    import keyring
    import keyring.errors

    return keyring


def keyring_usable() -> tuple[bool, str]:
    """Whether the configured keyring backend can store secrets, and its name."""
    keyring = _keyring()
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken backend configuration
        return False, f"unusable ({type(exc).__name__})"
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    module = type(backend).__module__
    if module.startswith("keyring.backends.fail") or module.startswith("keyring.backends.null"):
        return False, name
    if module.startswith("keyring.backends.chainer"):
        backends = getattr(backend, "backends", [])
        if not backends:
            return False, name
    return True, name


class SecretStore:
    """Keyring-backed credential store with a memory-only mode for sessions without a keyring."""

    def __init__(self, mode: str = "keyring") -> None:
        self._memory: dict[str, Credentials] = {}
        self._lock = threading.Lock()
        self.memory_only = mode == "memory"

    @property
    def backend_name(self) -> str:
        return "memory (this session only)" if self.memory_only else keyring_usable()[1]

    def check_keyring(self) -> None:
        if self.memory_only:
            return
        ok, _ = keyring_usable()
        if not ok:
            raise NoKeyringError(NO_KEYRING_HELP)

    def use_memory(self) -> None:
        self.memory_only = True

    def get(self, profile: str) -> Credentials | None:
        with self._lock:
            if profile in self._memory:
                return self._memory[profile]
        if self.memory_only or not keyring_usable()[0]:
            return None
        keyring = _keyring()
        try:
            raw = keyring.get_password(SERVICE, profile)
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(f"The keyring could not be read for profile '{profile}': {type(exc).__name__}.") from None
        if not raw:
            return None
        try:
            return Credentials.from_json(raw)
        except (ValueError, TypeError):
            raise SecretStoreError(
                f"The keyring entry for profile '{profile}' is not one strapi-console wrote.",
                hint=f"Sign in again: strapi-console login {profile}") from None

    def set(self, profile: str, creds: Credentials) -> str:
        """Store credentials; returns where they went ("keyring" or "memory")."""
        with self._lock:
            if self.memory_only:
                self._memory[profile] = creds
                return "memory"
        self.check_keyring()
        keyring = _keyring()
        try:
            keyring.set_password(SERVICE, profile, creds.to_json())
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(f"The keyring refused to store the token for '{profile}': {type(exc).__name__}.",
                                   hint=NO_KEYRING_HELP) from None
        with self._lock:
            self._memory.pop(profile, None)
        return "keyring"

    def delete(self, profile: str) -> bool:
        with self._lock:
            had = self._memory.pop(profile, None) is not None
        if self.memory_only or not keyring_usable()[0]:
            return had
        keyring = _keyring()
        try:
            keyring.delete_password(SERVICE, profile)
            return True
        except keyring.errors.PasswordDeleteError:
            return had
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(f"The keyring entry for '{profile}' could not be deleted: {type(exc).__name__}.") from None
