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

from . import locks
from .errors import KeyringLoadError, KeyringLocked, NoKeyringError, PlaintextKeyringError, SecretStoreError
from .redact import register_secret

SERVICE = "strapi-console"
CredentialKind = Literal["jwt", "session", "admin-token"]

NO_KEYRING_HELP = (
    "No keyring backend can store secrets here (normal over SSH without a desktop session/D-Bus). "
    "Choices: (1) keep the token in memory for this session only: the TUI does this and asks you to "
    "sign in again next time; set `secret_store = \"memory\"` under [settings] to make that the "
    "default; (2) configure an encrypted file backend: `pip install keyrings.alt pycryptodome` then "
    "`export PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring` (asks for a keyring password on a "
    "terminal), or `pip install keyrings.cryptfile` and "
    "`export PYTHON_KEYRING_BACKEND=keyrings.cryptfile.cryptfile.CryptFileKeyring` (unattended runs: set "
    "KEYRING_CRYPTFILE_PASSWORD in their environment)."
)
PLAINTEXT_HELP = (
    "Choose an encrypting backend (a desktop keyring, or `pip install keyrings.alt pycryptodome` and "
    "`export PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring`), keep tokens in memory "
    "(`secret_store = \"memory\"` under [settings]), or, accepting that anyone who can read your files can "
    "use the session, set `allow_plaintext_keyring = true` under [settings]."
)
UNATTENDED_HELP = (
    "Unattended runs (cron, CI) need a keyring that opens without typing: keyrings.cryptfile with "
    "KEYRING_CRYPTFILE_PASSWORD in the job's environment, or a desktop keyring unlocked for that user. "
    "Run the command on a terminal to type the keyring password."
)
# What each backend that fails to load needs, when it is known (its import error alone says too little).
BACKEND_NEEDS = {
    "keyrings.alt.file.EncryptedKeyring": "pip install pycryptodome",
    "keyrings.cryptfile.cryptfile.CryptFileKeyring": "pip install keyrings.cryptfile",
}
# Backends that ask for their own password when the process first opens them (unless told otherwise).
PROMPTING = {"keyrings.alt.file.EncryptedKeyring": None,
             "keyrings.cryptfile.cryptfile.CryptFileKeyring": "KEYRING_CRYPTFILE_PASSWORD"}


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


@dataclass(frozen=True)
class KeyringStatus:
    """What the configured keyring backend is, and whether it may hold the console's secrets."""

    name: str
    usable: bool
    plaintext: bool = False  # keeps secrets readable in a file (base64 is not encryption)
    load_error: str | None = None  # the backend chosen could not be loaded
    prompts: bool = False  # asks for its own password when opened


def _class_name(obj) -> str:
    return f"{type(obj).__module__}.{type(obj).__name__}"


def _is_plaintext(backend) -> bool:
    scheme = getattr(type(backend), "scheme", "")
    return type(backend).__name__ == "PlaintextKeyring" or (isinstance(scheme, str)
                                                           and scheme.lower().startswith("no enc"))


def _chosen_name() -> str:
    import os

    return os.environ.get("PYTHON_KEYRING_BACKEND") or "the backend named in keyringrc.cfg"


def keyring_status() -> KeyringStatus:
    keyring = _keyring()
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a backend named in the environment or keyringrc.cfg that cannot load
        return KeyringStatus(_chosen_name(), False, load_error=f"{type(exc).__name__}: {exc}"[:300])
    name = _class_name(backend)
    module = type(backend).__module__
    if module.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return KeyringStatus(name, False)
    if module.startswith("keyring.backends.chainer"):
        backends = list(getattr(backend, "backends", []) or [])
        if not backends:
            return KeyringStatus(name, False)
        backend = backends[0]  # the chainer writes to its first (highest-priority) backend
        name = f"{name} → {_class_name(backend)}"
    import os

    env = PROMPTING.get(_class_name(backend), "")
    prompts = _class_name(backend) in PROMPTING and not (env and os.environ.get(env))
    return KeyringStatus(name, True, plaintext=_is_plaintext(backend), prompts=prompts)


def keyring_usable() -> tuple[bool, str]:
    """Whether the configured keyring backend can store secrets at all, and its name."""
    status = keyring_status()
    return status.usable, status.name


def _no_terminal() -> bool:
    """True when no terminal can be asked for a password (cron, CI, a detached service)."""
    import os

    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
        return False
    except OSError:
        return True


class SecretStore:
    """Keyring-backed credential store with a memory-only mode for sessions without a keyring.

    Keyring I/O holds a file lock shared by every strapi-console process of this user (shared for reads,
    exclusive for writes): file backends rewrite their whole file in place, and a read during another
    process's write would see no session at all."""

    def __init__(self, mode: str = "keyring", *, allow_plaintext: bool = False) -> None:
        self._memory: dict[str, Credentials] = {}
        self._lock = threading.Lock()
        self.memory_only = mode == "memory"
        self.allow_plaintext = allow_plaintext

    @classmethod
    def for_config(cls, cfg) -> "SecretStore":
        return cls(cfg.secret_store, allow_plaintext=getattr(cfg, "allow_plaintext_keyring", False))

    def status(self) -> KeyringStatus:
        return keyring_status()

    @property
    def backend_name(self) -> str:
        if self.memory_only:
            return "memory (this session only)"
        status = self.status()
        return status.name + (" — stores secrets in clear, allowed by allow_plaintext_keyring" if status.plaintext
                              else "")

    def keyring_problem(self, status: KeyringStatus | None = None) -> SecretStoreError | None:
        """Why the keyring may not hold secrets, or None when it may (always None in memory mode)."""
        if self.memory_only:
            return None
        status = status or self.status()
        if status.load_error:
            need = BACKEND_NEEDS.get(status.name)
            return KeyringLoadError(
                f"The keyring backend chosen here ({status.name}) failed to load: {status.load_error}.",
                hint=(f"It needs: {need}. " if need else "Check its name and that its package is installed. ")
                + "Or unset PYTHON_KEYRING_BACKEND to use the default backend, or set `secret_store = \"memory\"` "
                  "under [settings].")
        if not status.usable:
            return NoKeyringError(NO_KEYRING_HELP)
        if status.plaintext and not self.allow_plaintext:
            return PlaintextKeyringError(
                f"The keyring backend {status.name} keeps secrets in clear (base64 in a file): the session, the "
                "refresh cookie and a remembered password would be readable by anything that reads your files.",
                hint=PLAINTEXT_HELP)
        if status.prompts and _no_terminal():
            return KeyringLocked(f"The keyring backend {status.name} asks for its own password, and there is no "
                                 "terminal to ask on.", hint=UNATTENDED_HELP)
        return None

    def check_keyring(self) -> None:
        problem = self.keyring_problem()
        if problem is not None:
            raise problem

    def use_memory(self) -> None:
        self.memory_only = True

    def _call(self, what: str, profile: str, fn, *args, exclusive: bool):
        """One keyring call under the cross-process lock, its failures turned into messages."""
        keyring = _keyring()
        with locks.held("keyring", exclusive=exclusive):
            try:
                return fn(SERVICE, profile, *args)
            except EOFError:
                # the backend asked for its password with getpass, and nothing could answer
                raise KeyringLocked(f"The keyring asked for its password to {what} for '{profile}', and no terminal "
                                    "could answer.", hint=UNATTENDED_HELP) from None
            except keyring.errors.PasswordDeleteError:
                raise
            except keyring.errors.KeyringError as exc:
                raise SecretStoreError(f"The keyring could not {what} for '{profile}': {type(exc).__name__}.",
                                       hint=NO_KEYRING_HELP if what == "store the token" else None) from None

    def holds_in_memory(self, profile: str) -> bool:
        """Whether this process alone holds the profile's credentials (another process cannot read them)."""
        with self._lock:
            return profile in self._memory

    def get(self, profile: str) -> Credentials | None:
        with self._lock:
            if profile in self._memory:
                return self._memory[profile]
        if self.memory_only:
            return None
        problem = self.keyring_problem()
        if problem is not None:
            if type(problem) is NoKeyringError:
                return None  # no keyring at all: nothing was ever stored here
            raise problem
        raw = self._call("read the session", profile, _keyring().get_password, exclusive=False)
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
        self._call("store the token", profile, _keyring().set_password, creds.to_json(), exclusive=True)
        with self._lock:
            self._memory.pop(profile, None)
        return "keyring"

    def delete(self, profile: str) -> bool:
        with self._lock:
            had = self._memory.pop(profile, None) is not None
        if self.memory_only:
            return had
        problem = self.keyring_problem()
        # a backend that keeps secrets in clear may still (and should) forget them
        if problem is not None and not isinstance(problem, PlaintextKeyringError):
            return had
        keyring = _keyring()
        try:
            self._call("delete the entry", profile, keyring.delete_password, exclusive=True)
            return True
        except keyring.errors.PasswordDeleteError:
            return had
