"""Profiles: which Strapi servers the console knows, stored in a TOML file that never holds a secret.

Read with ``tomllib``, written with ``tomli-w`` through a temporary file and ``os.replace`` so a
crash never leaves half a file. Every problem is reported with the file, the key and what is allowed.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomli_w

from . import paths
from .errors import ConfigError, InsecureURLError, ProfileNotFound
from .redact import redact_url
from .keymap import BINDINGS as KEYMAP_IDS
from .keymap import key_problem

# advisory data older than this cannot vouch for a clean result (settings: advisory_max_age_days). Kept here,
# not in advisories.py, so that reading the config (before the TUI's first frame) never loads the semver engine.
DEFAULT_MAX_AGE_DAYS = 30

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
KNOWN_TAGS = ("production", "staging", "development", "internet-facing")
DEMO_TAG = "demo"  # the profile `strapi-console demo` saves: it cannot be signed in with `login`

PROFILE_KEYS: dict[str, str] = {
    "url": "the server's base URL, e.g. https://cms.example.com",
    "public_url": "the URL end users reach the API through, if different",
    "email": "the admin e-mail used to sign in",
    "ca_bundle": "path to a PEM file of CA certificates to trust for this server",
    "allow_http": "true to allow a plain http:// URL that is not loopback",
    "tags": f"a list of tags, e.g. {list(KNOWN_TAGS)}",
    "read_only": "true or false; defaults to true for a profile tagged production",
    "allowed_full_access_tokens": "names of full-access API tokens that are intended (TOK-FULL-ACCESS)",
    "stale_token_days": "days without use after which a token counts as stale (default 90)",
    "expects_signups": "true if end-user self sign-up is intended (AUTH-REGISTRATION)",
    "declared_providers": "names of the login providers meant to be enabled (AUTH-PROVIDERS), e.g. [\"email\"]",
    "departed_admins": "e-mail addresses of admins who have left (AUTH-ADMIN-USERS fails while they are active)",
    "known_webhook_hosts": "host names your webhooks post to (containment keeps these, disables the others)",
}
LIST_KEYS = ("allowed_full_access_tokens", "declared_providers", "departed_admins", "known_webhook_hosts")
# The profile keys that change what a check concludes (the rest say how to reach and sign in to the
# server). Each check declares which of these it reads; a test makes sure every one is read by some check.
CHECK_SETTINGS = ("public_url", "tags", "allowed_full_access_tokens", "stale_token_days", "expects_signups",
                  "declared_providers", "departed_admins", "known_webhook_hosts")
SETTINGS_KEYS: dict[str, str] = {
    "secret_store": '"keyring" (default) or "memory" (keep tokens only for the session)',
    "rescan_minutes": "rescan every server in the TUI this often, in the background (default 0: off)",
    "advisory_max_age_days": "days after which the advisory data is too old for a clean VER-*-ADVISORIES result "
                             "(default 30)",
    "allow_plaintext_keyring": "true to accept a keyring backend that keeps secrets in clear in a file "
                               "(keyrings.alt PlaintextKeyring); default false: refused",
}
ALLOW_HTTP_HINT = "Use https://, or pass --allow-http (allow_http = true) if you accept the risk."
TOP_KEYS = {"profiles": "a table of profiles", "settings": "console-wide settings",
            "keymap": "the TUI's keys by binding id, e.g. \"detail.refresh\" = \"f5,r\" (? lists the ids)"}


@dataclass
class Profile:
    name: str
    url: str
    email: str | None = None
    ca_bundle: str | None = None
    allow_http: bool = False
    tags: list[str] = field(default_factory=list)
    read_only: bool | None = None
    public_url: str | None = None
    # What the operator declared as intended, so the checks can tell a decision from a mistake.
    allowed_full_access_tokens: list[str] = field(default_factory=list)
    stale_token_days: int = 90
    expects_signups: bool = False
    declared_providers: list[str] = field(default_factory=list)
    departed_admins: list[str] = field(default_factory=list)
    known_webhook_hosts: list[str] = field(default_factory=list)

    @property
    def production(self) -> bool:
        return "production" in self.tags

    @property
    def default_read_only(self) -> bool:
        """Read-only as configured: explicit setting first, otherwise production means read-only."""
        return self.read_only if self.read_only is not None else self.production

    @property
    def is_plain_http(self) -> bool:
        return urlsplit(self.url).scheme == "http"

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(urlsplit(self.url).hostname or "")

    def to_toml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url}
        for key in ("public_url", "email", "ca_bundle"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.allow_http:
            out["allow_http"] = True
        if self.tags:
            out["tags"] = list(self.tags)
        if self.read_only is not None:
            out["read_only"] = self.read_only
        for key in LIST_KEYS:
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        if self.stale_token_days != 90:
            out["stale_token_days"] = self.stale_token_days
        if self.expects_signups:
            out["expects_signups"] = True
        return out

    def check_settings(self) -> dict[str, Any]:
        """The values of :data:`CHECK_SETTINGS`, read-only, as the checks see them."""
        return {"public_url": self.public_url, "tags": tuple(self.tags),
                "allowed_full_access_tokens": tuple(self.allowed_full_access_tokens),
                "stale_token_days": self.stale_token_days, "expects_signups": self.expects_signups,
                "declared_providers": tuple(self.declared_providers), "departed_admins": tuple(self.departed_admins),
                "known_webhook_hosts": tuple(self.known_webhook_hosts)}

    @property
    def surfaces(self) -> list[str]:
        """Each distinct URL the header and TLS checks must look at: the admin URL and the public one."""
        return [self.url] + ([self.public_url] if self.public_url and self.public_url != self.url else [])


@dataclass
class Config:
    path: Path
    profiles: dict[str, Profile] = field(default_factory=dict)
    secret_store: str = "keyring"
    rescan_minutes: int = 0
    advisory_max_age_days: int = DEFAULT_MAX_AGE_DAYS
    allow_plaintext_keyring: bool = False
    keymap: dict[str, str] = field(default_factory=dict)  # binding id → keys ("f5,ctrl+r")

    def get(self, name: str) -> Profile:
        try:
            return self.profiles[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self.profiles), n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            known = ", ".join(sorted(self.profiles)) or "none yet"
            raise ProfileNotFound(
                f"No profile named '{name}' in {self.path} (known: {known}).{hint}",
                hint="Add one with: strapi-console profile add NAME --url URL",
            ) from None

    def add(self, profile: Profile, *, replace: bool = False) -> None:
        if profile.name in self.profiles and not replace:
            raise ConfigError(f"A profile named '{profile.name}' already exists in {self.path}.",
                              hint="Remove it first, or pick another name.")
        self.profiles[profile.name] = profile

    def remove(self, name: str) -> Profile:
        profile = self.get(name)
        del self.profiles[name]
        return profile

    def to_toml(self) -> dict[str, Any]:
        doc: dict[str, Any] = {}
        settings: dict[str, Any] = {}
        if self.secret_store != "keyring":
            settings["secret_store"] = self.secret_store
        if self.rescan_minutes:
            settings["rescan_minutes"] = self.rescan_minutes
        if self.advisory_max_age_days != DEFAULT_MAX_AGE_DAYS:
            settings["advisory_max_age_days"] = self.advisory_max_age_days
        if self.allow_plaintext_keyring:
            settings["allow_plaintext_keyring"] = True
        if settings:
            doc["settings"] = settings
        if self.keymap:
            doc["keymap"] = dict(self.keymap)
        doc["profiles"] = {n: p.to_toml() for n, p in sorted(self.profiles.items())}
        return doc


def is_loopback_host(host: str) -> bool:
    """Loopback by name or address, as far as the URL alone can tell (used when a profile is saved, so a
    config can be written offline). A name is only a claim: the connection-time check that every
    address it resolves to is loopback, with that address pinned, is in :mod:`strapi_console.loopback`."""
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def normalize_url(url: str, *, where: str, allow_http: bool) -> str:
    """Validate a server URL and return it without a trailing slash."""
    url = url.strip()
    # echoed in errors with what may be a credential hidden (a mistyped URL can still hold one)
    shown = redact_url(url) if "://" in url else (url if "@" not in url else "the value given")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise ConfigError(f"{where}: '{shown}' is not a valid URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: '{shown}' is not a server URL. Use https://host[:port] (or http:// on loopback).")
    if parts.query or parts.fragment:
        raise ConfigError(f"{where}: '{shown}' must not have a query or fragment.")
    if parts.username or parts.password:
        raise ConfigError(f"{where}: credentials do not belong in the URL; use `strapi-console login`.")
    if parts.scheme == "http" and not allow_http and not is_loopback_host(parts.hostname):
        raise InsecureURLError(
            f"{where}: '{shown}' is plain HTTP to a host that is not loopback: the password and tokens "
            "would cross the network unencrypted.",
            hint=ALLOW_HTTP_HINT,
        )
    return url.rstrip("/")


def sign_in_hint(profile: "Profile") -> str:
    """How this profile gets an admin session, for a skip reason or a message. The demo's password is random
    and never shown, so `login` cannot work for it: the demo process signs itself in and keeps the session
    in the keyring, or only in its own memory when there is none (then only that process can use it)."""
    if DEMO_TAG in profile.tags:
        return ("the demo signs itself in; without a keyring its session lives only in the demo process: "
                "scan it signed in with `strapi-console demo --no-tui --scan`")
    return f"sign in: strapi-console login {profile.name}"


# Paths Strapi serves under its base URL, which people paste with it: the admin panel, the Content API,
# a sign-in form. A URL ending in one of them is almost always the panel's address, not the base URL.
_NOT_BASE_PATHS = re.compile(r"/(?:admin|api|graphql|documentation)(?:/.*)?$", re.IGNORECASE)


def base_url_suggestion(url: str | None) -> str | None:
    """The base URL to suggest when ``url`` points into the admin panel or an API (``https://host/admin`` →
    ``https://host``), else None. Only a suggestion: Strapi may be served under a sub-path of its own."""
    if not url:
        return None
    parts = urlsplit(url)
    match = _NOT_BASE_PATHS.search(parts.path)
    if not match:
        return None
    return f"{parts.scheme}://{parts.netloc}{parts.path[:match.start()]}".rstrip("/")


def validate_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise ConfigError(
            f"'{name}' is not a valid profile name: use letters, digits, '.', '_' or '-' (at most 63).")
    return name


def _unknown_key(path: Path, where: str, key: str, allowed: dict[str, str]) -> ConfigError:
    close = difflib.get_close_matches(key, list(allowed), n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    listing = "; ".join(f"{k} ({v})" for k, v in allowed.items())
    return ConfigError(f"{path}: unknown key '{key}' in {where}.{hint} Allowed: {listing}.")


def _expect(path: Path, where: str, key: str, value: Any, kind: type | tuple, what: str) -> Any:
    ok = isinstance(value, bool) if kind is bool else isinstance(value, kind) and not isinstance(value, bool)
    if not ok:
        raise ConfigError(f"{path}: {where}.{key} must be {what}, not {value!r}.")
    return value


def _parse_profile(path: Path, name: str, raw: Any) -> Profile:
    where = f"[profiles.{name}]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: {where} must be a table of keys (url = ..., email = ...).")
    try:
        validate_name(name)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc.message}") from None
    for key in raw:
        if key not in PROFILE_KEYS:
            raise _unknown_key(path, where, key, PROFILE_KEYS)
    if "url" not in raw:
        raise ConfigError(f"{path}: {where} has no 'url' (required: {PROFILE_KEYS['url']}).")
    allow_http = _expect(path, where, "allow_http", raw.get("allow_http", False), bool, "true or false")
    url = normalize_url(_expect(path, where, "url", raw["url"], str, "a string"),
                        where=f"{path}: {where}.url", allow_http=allow_http)
    public_url = raw.get("public_url")
    if public_url is not None:
        public_url = normalize_url(_expect(path, where, "public_url", public_url, str, "a string"),
                                   where=f"{path}: {where}.public_url", allow_http=allow_http)
    tags = _expect(path, where, "tags", raw.get("tags", []), list, "a list of strings")
    for tag in tags:
        if not isinstance(tag, str) or not re.match(r"^[a-z0-9][a-z0-9-]*$", tag):
            raise ConfigError(f"{path}: {where}.tags holds {tag!r}; tags are lower-case words such as {list(KNOWN_TAGS)}.")
    read_only = raw.get("read_only")
    if read_only is not None:
        _expect(path, where, "read_only", read_only, bool, "true or false")
    email = raw.get("email")
    if email is not None:
        _expect(path, where, "email", email, str, "a string")
    ca_bundle = raw.get("ca_bundle")
    if ca_bundle is not None:
        _expect(path, where, "ca_bundle", ca_bundle, str, "a file path string")
    declared: dict[str, Any] = {}
    for key in LIST_KEYS:
        values = _expect(path, where, key, raw.get(key, []), list, "a list of strings")
        if not all(isinstance(v, str) for v in values):
            raise ConfigError(f"{path}: {where}.{key} must be a list of strings, not {values!r}.")
        declared[key] = list(values)
    stale_days = _expect(path, where, "stale_token_days", raw.get("stale_token_days", 90), int, "a whole number of days")
    if stale_days < 1:
        raise ConfigError(f"{path}: {where}.stale_token_days must be at least 1, not {stale_days}.")
    expects = _expect(path, where, "expects_signups", raw.get("expects_signups", False), bool, "true or false")
    return Profile(name=name, url=url, email=email, ca_bundle=ca_bundle, allow_http=allow_http,
                   tags=list(tags), read_only=read_only, public_url=public_url, stale_token_days=stale_days,
                   expects_signups=expects, **declared)


def _parse_keymap(path: Path, raw: Any) -> dict[str, str]:
    """[keymap]: binding id = "keys". An unknown id gets the closest one, as any other unknown key."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: [keymap] must be a table: binding id = \"keys\", e.g. \"detail.refresh\" = \"f5\".")
    for binding_id, keys in raw.items():
        if binding_id not in KEYMAP_IDS:
            raise _unknown_key(path, "[keymap]", binding_id, KEYMAP_IDS)
        problem = key_problem(keys)
        if problem:
            raise ConfigError(f"{path}: keymap.{binding_id} {problem}.")
    return {k: ",".join(part.strip() for part in v.split(",")) for k, v in raw.items()}


def load(explicit: str | os.PathLike | None = None) -> Config:
    path = paths.config_path(explicit)
    if not path.exists():
        return Config(path=path)
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}.", hint="Fix the line named, or move the file away.") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read {path}: {exc.strerror}.") from None
    for key in doc:
        if key not in TOP_KEYS:
            raise _unknown_key(path, "the top level", key, TOP_KEYS)
    cfg = Config(path=path)
    settings = doc.get("settings", {})
    if not isinstance(settings, dict):
        raise ConfigError(f"{path}: [settings] must be a table.")
    for key in settings:
        if key not in SETTINGS_KEYS:
            raise _unknown_key(path, "[settings]", key, SETTINGS_KEYS)
    store = settings.get("secret_store", "keyring")
    if store not in ("keyring", "memory"):
        raise ConfigError(f"{path}: settings.secret_store is {store!r}; allowed: {SETTINGS_KEYS['secret_store']}.")
    cfg.secret_store = store
    rescan = _expect(path, "[settings]", "rescan_minutes", settings.get("rescan_minutes", 0), int,
                     "a whole number of minutes (0: off)")
    if rescan < 0:
        raise ConfigError(f"{path}: settings.rescan_minutes must be 0 (off) or more, not {rescan}.")
    cfg.rescan_minutes = rescan
    max_age = _expect(path, "[settings]", "advisory_max_age_days",
                      settings.get("advisory_max_age_days", DEFAULT_MAX_AGE_DAYS), int, "a whole number of days")
    if max_age < 1:
        raise ConfigError(f"{path}: settings.advisory_max_age_days must be at least 1, not {max_age}.")
    cfg.advisory_max_age_days = max_age
    cfg.allow_plaintext_keyring = _expect(path, "[settings]", "allow_plaintext_keyring",
                                          settings.get("allow_plaintext_keyring", False), bool, "true or false")
    cfg.keymap = _parse_keymap(path, doc.get("keymap", {}))
    profiles = doc.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(f"{path}: 'profiles' must be a table: [profiles.NAME] sections.")
    for name, raw in profiles.items():
        cfg.profiles[name] = _parse_profile(path, name, raw)
    return cfg


def save(cfg: Config) -> None:
    """Write the config atomically, readable only by the owner."""
    path = cfg.path
    path.parent.mkdir(parents=True, exist_ok=True)
    data = tomli_w.dumps(cfg.to_toml()).encode()
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
