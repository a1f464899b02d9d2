"""The Strapi admin API client: sign-in for every auth generation, silent refresh, typed calls.

Auth generations (admin API reference §4):
- v4 and 5.0–5.23: ``POST /admin/login`` gives a 30-day JWT, renewed with ``POST /admin/renew-token``;
- 5.24+: a 30-minute access JWT plus the ``strapi_admin_refresh`` cookie pair, renewed with
  ``POST /admin/access-token``, which rotates the cookie (single use: it is stored at once);
- admin tokens (5.45+): a static Bearer key, no refresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, AsyncContextManager, Protocol
from urllib.parse import urlsplit

import httpx

from . import jwt, loopback, paths
from .config import Profile
from .errors import (BadRequest, ConsoleError, FeatureAbsent, NotFound, NotJSON, RateLimited, ReadOnlyError,
                     SignedOut, StrapiError, UnexpectedShape, WrongCredentials)
from .http import IDEMPOTENT, HttpSession, Response, check_path, map_status, parse_json
from .redact import register_secret
from .secrets import Credentials

REFRESH_COOKIE = "strapi_admin_refresh"
REFRESH_MARGIN = 60  # seconds before expiry at which a token is renewed ahead of use

CredentialsSaver = Callable[[Credentials], Awaitable[None] | None]

# What a read-only profile may still send besides GET: signing in and out and renewing the session (the
# failed sign-ins of the --aggressive rate-limit probes are sign-ins too).
AUTH_PATHS = frozenset({"/admin/login", "/admin/access-token", "/admin/renew-token", "/admin/logout",
                        "/api/auth/local", "/documentation/login"})


class CredentialKeeper(Protocol):
    """Where a client's credentials persist, shared with other processes (see ``session.StoreKeeper``)."""

    async def load(self) -> Credentials | None: ...

    async def save(self, creds: Credentials) -> None: ...

    def exclusive(self) -> AsyncContextManager[None]: ...


def allowed_when_read_only(method: str, path: str, json_body: Any = None) -> bool:
    """Whether a read-only profile may send this request: reads, sign-in/refresh/sign-out, and one exception,
    the GraphQL probes (introspection, query depth), which POST a query; a mutation is never allowed."""
    method = method.upper()
    if method in IDEMPOTENT:
        return True
    route = urlsplit(path).path.rstrip("/") or "/"
    if method == "POST" and route in AUTH_PATHS:
        return True
    if method == "POST" and route == "/graphql" and isinstance(json_body, dict):
        query = json_body.get("query")
        return isinstance(query, str) and "mutation" not in query.lower() and "subscription" not in query.lower()
    return False


def needs_renewal(creds: Credentials) -> bool:
    """True when the access token expires soon: a minute ahead for normal tokens, a quarter of the life of
    short ones (8-second test tokens included)."""
    if creds.kind not in ("jwt", "session"):
        return False
    exp, margin = renewal_window(creds.access_token)
    return exp is not None and exp - time.time() < margin


def renewal_window(token: str) -> tuple[float | None, float]:
    """(expiry, how long before it to renew) of an access token; expiry None when the token says none (or
    not a finite time in range: checked in jwt)."""
    decoded = jwt.decode(token)
    exp = decoded.exp if decoded else None
    margin = min(REFRESH_MARGIN, (decoded.lifetime or REFRESH_MARGIN * 4) / 4) if decoded else 0
    return exp, margin


def device_id() -> str:
    """One UUID per console installation, used for login and logout so a logout ends only this device."""
    path = paths.data_dir() / "device-id"
    try:
        value = path.read_text().strip()
        uuid.UUID(value)
        return value
    except (OSError, ValueError):
        value = str(uuid.uuid4())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value + "\n")
        return value


@dataclass
class ServerInfo:
    """What the console knows about a server: from anonymous probes, then from /admin/information."""

    reachable: bool = False
    error: str | None = None
    has_admin: bool | None = None
    project_type: dict = field(default_factory=dict)
    information: dict = field(default_factory=dict)
    session_auth: bool | None = None  # True: 5.24+ sessions; False: long-lived JWT generation
    health_header: str | None = None
    powered_by: str | None = None
    anonymous_version: str | None = None
    failure: StrapiError | None = None  # why the anonymous probes failed, when they did

    @property
    def strapi_version(self) -> str | None:
        return self.information.get("strapiVersion") or self.anonymous_version

    @property
    def version_hint(self) -> str | None:
        """The exact version when known, else the bracket the anonymous probes allow (reference §17)."""
        if self.strapi_version:
            return self.strapi_version
        if self.session_auth:
            return "≥5.40" if "ai" in self.project_type else "≥5.24"
        if self.session_auth is False:
            return "v4–5.23"
        return None

    @property
    def version_hint_basis(self) -> dict | None:
        """What a bracketed ``version_hint`` rests on, when the exact version is unknown (reference §17, §21):
        ``floor``, the lowest version the probes leave possible, ``basis`` in words, and ``guess``, true when
        the hint claims more than the probes prove. The 'ai' key of /admin/project-type is present in 5.40.0
        and absent in 5.24.1, and its first release is not known: '≥5.40' is a guess, 5.24.2 the floor."""
        if self.strapi_version or not self.session_auth:
            return None
        if "ai" in self.project_type:
            return {"floor": "5.24.2", "guess": True,
                    "basis": "a guess: /admin/project-type has the 'ai' key, present in 5.40.0 and absent in 5.24.1 "
                             "(its first release is not known); the server is at least 5.24.2"}
        return {"floor": "5.24.0", "guess": False,
                "basis": "inferred: /admin/access-token answers as session auth does (5.24 and later)"}

    @property
    def node_version(self) -> str | None:
        return self.information.get("nodeVersion")

    @property
    def environment(self) -> str | None:
        return self.information.get("currentEnvironment")

    @property
    def edition(self) -> str | None:
        if self.project_type:
            return "enterprise" if self.project_type.get("isEE") else "community"
        if "communityEdition" in self.information:
            return "community" if self.information["communityEdition"] else "enterprise"
        return None

    @property
    def major(self) -> int | None:
        version = self.strapi_version
        if version:
            try:
                return int(version.split(".")[0])
            except ValueError:
                return None
        if self.session_auth:
            return 5
        return None

    @property
    def features(self) -> list[str]:
        out = []
        for feature in self.project_type.get("features") or []:
            if isinstance(feature, dict) and isinstance(feature.get("name"), str):
                out.append(feature["name"])
            elif isinstance(feature, str):
                out.append(feature)
        return out


def _data(payload: Any, what: str) -> Any:
    if not isinstance(payload, dict) or "data" not in payload:
        raise UnexpectedShape(f"{what} answered JSON without the expected 'data' field.")
    return payload["data"]


class StrapiClient:
    """Admin API access for one profile. Create, use, then ``await aclose()`` (or ``async with``)."""

    def __init__(self, profile: Profile, credentials: Credentials | None = None, *,
                 on_credentials: CredentialsSaver | None = None, transport: httpx.AsyncBaseTransport | None = None,
                 deadline: float = 45.0, keeper: CredentialKeeper | None = None,
                 read_only: Callable[[], bool] | None = None) -> None:
        self.profile = profile
        self.credentials = credentials
        self.on_credentials = on_credentials
        self.keeper = keeper
        # Without a policy, a profile's configured default decides (production: read-only).
        self.read_only = read_only or (lambda: self.profile.default_read_only)
        # plain HTTP goes only to addresses checked to be loopback at connection time (see loopback.py)
        transport = loopback.guard(profile, transport)
        self.http = HttpSession(profile.url, ca_bundle=profile.ca_bundle, transport=transport, deadline=deadline)
        self.refresh_lock = asyncio.Lock()  # one refresh or sign-in at a time on this client
        self._kept = False  # the credentials held came from, or went to, the keeper
        self._refused: tuple[str, SignedOut] | None = None  # the token whose renewal the server refused
        self._window: tuple[str, float | None, float] | None = None  # a token's renewal window, once decoded

    async def __aenter__(self) -> "StrapiClient":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    @property
    def request_count(self) -> int:
        return self.http.request_count

    # --- raw access --------------------------------------------------------------------------

    async def probe(self, method: str, path: str, **kw) -> Response:
        """An anonymous request whose answer is returned as is (status mapping is the caller's)."""
        return await self._send(method, path, **kw)

    async def _send(self, method: str, path: str, **kw) -> Response:
        """Every request of this client goes out here, past the read-only policy (beneath the write path's own
        check: a change that reaches this point on a read-only profile is refused before it is sent)."""
        check_path(path)
        if not allowed_when_read_only(method, path, kw.get("json_body")) and self.read_only():
            raise ReadOnlyError(f"Profile '{self.profile.name}' is read-only: {method.upper()} "
                                f"{urlsplit(path).path} was not sent.",
                                hint="Unlock it for this session: w in the TUI, --allow-write in the CLI.")
        return await self.http.send(method, path, **kw)

    async def call(self, method: str, path: str, *, json_body: Any = None, params: dict | None = None,
                   auth: bool = True) -> Any:
        """A JSON request with status mapping and, when signed in, silent refresh and one retry on 401."""
        headers: dict[str, str] = {}
        if auth:
            await self._refresh_if_expiring()
            headers["Authorization"] = f"Bearer {self._token()}"
        resp = await self._send(method, path, json_body=json_body, params=params, headers=headers)
        if resp.status == 401 and auth and self._refreshable():
            token_before = headers["Authorization"]
            await self.refresh(stale=token_before)  # re-reads the stored session first: it may be newer
            headers["Authorization"] = f"Bearer {self._token()}"
            resp = await self._send(method, path, json_body=json_body, params=params, headers=headers)
        error = map_status(resp)
        if error is not None:
            if isinstance(error, SignedOut) and auth:
                error.hint = f"Sign in again: strapi-console login {self.profile.name}"
            raise error
        return parse_json(resp)

    async def get(self, path: str, **kw) -> Any:
        return await self.call("GET", path, **kw)

    def _token(self) -> str:
        if not self.credentials:
            raise SignedOut(f"Profile '{self.profile.name}' is not signed in.",
                            hint=f"Sign in: strapi-console login {self.profile.name}")
        return self.credentials.access_token

    def _refreshable(self) -> bool:
        return bool(self.credentials and self.credentials.kind in ("jwt", "session"))

    async def _refresh_if_expiring(self) -> None:
        if not self._refreshable():
            return
        token = self.credentials.access_token
        if self._window is None or self._window[0] != token:  # decoded once per token, not per request
            self._window = (token, *renewal_window(token))
        _, exp, margin = self._window
        if exp is not None and exp - time.time() < margin:
            await self.refresh(stale=f"Bearer {token}")

    async def _save(self, creds: Credentials) -> None:
        self.credentials = creds
        if self.keeper is not None:
            # A rotated 5.24+ refresh cookie is single-use: stored before anything else happens.
            await self.keeper.save(creds)
            self._kept = True
        if self.on_credentials:
            result = self.on_credentials(creds)
            if asyncio.iscoroutine(result):
                await result

    # --- sign-in -----------------------------------------------------------------------------

    async def login(self, email: str, password: str, *, remember_password: bool = False) -> Credentials:
        register_secret(password)
        dev = device_id()
        body = {"email": email, "password": password, "deviceId": dev, "rememberMe": True}
        resp = await self._send("POST", "/admin/login", json_body=body, retries=0)
        name, message = resp.error_fields()
        if resp.status == 400 and message in ("Invalid credentials", "Missing credentials"):
            raise WrongCredentials(f"{self.profile.url} refused the e-mail or password for {email}.",
                                   hint="Check both; after 5 failures in 5 minutes the server blocks sign-in.")
        if resp.status == 400 and "not active" in message.lower():
            raise WrongCredentials(f"The admin account {email} is deactivated on {self.profile.url}.",
                                   hint="A Super Admin must reactivate it (Settings → Users).")
        if resp.status == 429:
            err = map_status(resp)
            raise RateLimited(f"Too many sign-in attempts for {email} from this address. "
                              f"{err.message.split('; ', 1)[-1].capitalize()}", reset_at=getattr(err, "reset_at", None),
                              status=429)
        if resp.status == 405:
            raise FeatureAbsent(f"{self.profile.url} has no /admin/login endpoint: is this a Strapi server, "
                                "and is the URL its root (not /admin)?")
        error = map_status(resp)
        if error is not None:
            raise error
        data = _data(parse_json(resp), "POST /admin/login")
        token = data.get("token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise UnexpectedShape("POST /admin/login answered without a token.")
        cookies = resp.set_cookies()
        creds = Credentials(kind="session" if REFRESH_COOKIE in cookies else "jwt", access_token=token, email=email,
                            refresh_cookie=cookies.get(REFRESH_COOKIE), refresh_sig=cookies.get(REFRESH_COOKIE + ".sig"),
                            device_id=dev, password=password if remember_password else None)
        await self._save(creds)
        return creds

    async def end_user_login(self, identifier: str, password: str) -> Credentials:
        """Sign a test end user in on the Content API; only the JWT is kept (for offline checks)."""
        register_secret(password)
        resp = await self._send("POST", "/api/auth/local", json_body={"identifier": identifier,
                                                                         "password": password}, retries=0)
        if resp.status in (400, 401):
            raise WrongCredentials(f"{self.profile.url} refused the end-user sign-in for {identifier}.",
                                   hint="Check the identifier and password of the test user.")
        if resp.status == 429:
            raise RateLimited("Too many end-user sign-in attempts from this address; wait a minute.")
        error = map_status(resp)
        if error is not None:
            raise error
        data = parse_json(resp)
        token = data.get("jwt") if isinstance(data, dict) else None
        if not isinstance(token, str):
            raise UnexpectedShape("POST /api/auth/local answered without a 'jwt'.")
        refresh = isinstance(data.get("refreshToken"), str)
        if refresh:
            register_secret(data["refreshToken"])
        return Credentials(kind="jwt", access_token=token, email=identifier, extra={"refresh": True} if refresh else {})

    async def use_admin_token(self, token: str) -> Credentials:
        """Check an admin token (5.45+) against the server and keep it."""
        register_secret(token)
        previous, self.credentials = self.credentials, Credentials(kind="admin-token", access_token=token)
        try:
            await self.information()  # needs authentication only, whatever the token's permissions
        except SignedOut:
            self.credentials = previous
            raise WrongCredentials(f"{self.profile.url} does not accept this admin token (revoked, expired, or its "
                                   "owner deactivated).") from None
        except BaseException:
            self.credentials = previous
            raise
        try:
            me = _data(await self.get("/admin/users/me"), "GET /admin/users/me")
            self.credentials.email = me.get("email") if isinstance(me, dict) else None
        except StrapiError:
            pass  # a narrowly scoped token may not read its owner; the e-mail is only for display
        await self._save(self.credentials)
        return self.credentials

    async def refresh(self, *, stale: str | None = None) -> Credentials:
        """Renew the access token: one refresh at a time in this process, and across processes one at a time
        per profile (the keeper's lock), each first re-reading the stored session. A 5.24+ refresh cookie is
        single-use, so when another process (or window) renewed meanwhile, its newer token is adopted instead
        of spending the stale cookie held here, which would sign this session out."""
        async with self.refresh_lock:
            creds = self.credentials
            if creds is None:
                raise SignedOut(f"Profile '{self.profile.name}' is not signed in.",
                                hint=f"Sign in: strapi-console login {self.profile.name}")
            if stale is not None and f"Bearer {creds.access_token}" != stale:
                return creds  # another task refreshed while this one waited
            async with self._across_processes():
                known, stored = await self._read_stored()
                if known and stored is None and self._kept:
                    self.forget()
                    raise SignedOut(f"Profile '{self.profile.name}' was signed out by another strapi-console (its "
                                    "keyring entry is gone).",
                                    hint=f"Sign in again: strapi-console login {self.profile.name}")
                if stored is not None and stored.access_token != creds.access_token:
                    self.credentials = creds = stored
                    if not needs_renewal(stored):
                        return stored
                if self._refused is not None and self._refused[0] == creds.access_token:
                    raise self._refused[1]  # another task's renewal of this token was just refused: not sent again
                try:
                    new = await self._renew(creds)
                except SignedOut as exc:
                    if creds.password and creds.email:
                        return await self.login(creds.email, creds.password, remember_password=True)
                    self._refused = (creds.access_token, exc)
                    raise
                await self._save(new)
                return new

    async def _renew(self, creds: Credentials) -> Credentials:
        if creds.kind == "session":
            return await self._refresh_session(creds)
        if creds.kind == "jwt":
            return await self._renew_jwt(creds)
        raise SignedOut("The admin token was refused: it was revoked, expired, or its owner deactivated.")

    def _across_processes(self) -> AsyncContextManager[None]:
        return self.keeper.exclusive() if self.keeper is not None else contextlib.nullcontext()

    async def _read_stored(self, strict: bool = False) -> tuple[bool, Credentials | None]:
        """(known, stored credentials); not known when there is no keeper or the store could not be read
        (``strict``: the store's error is raised instead)."""
        if self.keeper is None:
            return False, None
        try:
            return True, await self.keeper.load()
        except ConsoleError:
            if strict:
                raise
            return False, None

    def forget(self) -> None:
        """Drop the credentials held (signed out): every user of this client is signed out with it."""
        self.credentials, self._kept = None, False

    async def adopt_stored(self, *, strict: bool = False) -> Credentials | None:
        """Take the stored session when it differs from the one held: signed in, renewed or signed out by
        another process since. Never interleaves with a refresh of this client."""
        async with self.refresh_lock:
            known, stored = await self._read_stored(strict)
            held = self.credentials
            if not known:
                pass
            elif stored is None:
                if held is not None and self._kept:
                    self.forget()
            elif held is None or stored.access_token != held.access_token:
                self.credentials, self._kept = stored, True
            return self.credentials

    async def _refresh_session(self, creds: Credentials) -> Credentials:
        cookie = f"{REFRESH_COOKIE}={creds.refresh_cookie}"
        if creds.refresh_sig:
            cookie += f"; {REFRESH_COOKIE}.sig={creds.refresh_sig}"
        resp = await self._send("POST", "/admin/access-token", json_body={}, headers={"Cookie": cookie}, retries=0)
        if resp.status in (400, 401):
            raise SignedOut(f"The server ended this device's session on {self.profile.url} (idle too long, signed "
                            "out elsewhere, or password changed).",
                            hint=f"Sign in again: strapi-console login {self.profile.name}")
        error = map_status(resp)
        if error is not None:
            raise error
        data = _data(parse_json(resp), "POST /admin/access-token")
        token = data.get("token") if isinstance(data, dict) else None
        if not isinstance(token, str):
            raise UnexpectedShape("POST /admin/access-token answered without a token.")
        cookies = resp.set_cookies()
        return Credentials(kind="session", access_token=token, email=creds.email,
                           refresh_cookie=cookies.get(REFRESH_COOKIE, creds.refresh_cookie),
                           refresh_sig=cookies.get(REFRESH_COOKIE + ".sig", creds.refresh_sig),
                           device_id=creds.device_id, password=creds.password)

    async def _renew_jwt(self, creds: Credentials) -> Credentials:
        resp = await self._send("POST", "/admin/renew-token", json_body={"token": creds.access_token}, retries=0)
        if resp.status in (400, 401):
            raise SignedOut(f"The 30-day admin token for {self.profile.url} expired or was refused.",
                            hint=f"Sign in again: strapi-console login {self.profile.name}")
        error = map_status(resp)
        if error is not None:
            raise error
        data = _data(parse_json(resp), "POST /admin/renew-token")
        token = data.get("token") if isinstance(data, dict) else None
        if not isinstance(token, str):
            raise UnexpectedShape("POST /admin/renew-token answered without a token.")
        return Credentials(kind="jwt", access_token=token, email=creds.email, device_id=creds.device_id,
                           password=creds.password)

    async def logout(self) -> str:
        """End this device's server session. Returns a sentence saying what the server did."""
        creds = self.credentials
        if creds is None:
            return "Not signed in."
        if creds.kind == "admin-token":
            return "Admin tokens have no session; the token stays valid until revoked in Strapi's settings."
        headers = {"Authorization": f"Bearer {creds.access_token}"}
        if creds.refresh_cookie:
            headers["Cookie"] = f"{REFRESH_COOKIE}={creds.refresh_cookie}"
        # Always name the device: a logout without deviceId ends the admin's sessions on every browser.
        body = {"deviceId": creds.device_id or device_id()}
        resp = await self._send("POST", "/admin/logout", json_body=body, headers=headers, retries=0)
        if resp.status == 401:
            return "The server session had already ended."
        error = map_status(resp)
        if error is not None:
            raise error
        if creds.kind == "jwt":
            return ("Signed out. This server uses long-lived admin JWTs (v4 / 5.0–5.23): Strapi does not revoke "
                    "them on logout, so the forgotten token stays valid until it expires.")
        return "Signed out: the server ended this device's session (other devices stay signed in)."

    # --- information -------------------------------------------------------------------------

    async def anonymous_info(self) -> ServerInfo:
        """Unauthenticated probes, run concurrently: health, init, project type, auth generation."""
        info = ServerInfo()

        async def health():
            resp = await self.probe("GET", "/_health")
            info.health_header = resp.headers.get("strapi")
            info.powered_by = resp.headers.get("x-powered-by")

        async def init():
            resp = await self.probe("GET", "/admin/init")
            error = map_status(resp)
            if error:
                raise error
            data = _data(parse_json(resp), "GET /admin/init")
            if isinstance(data, dict):
                info.has_admin = data.get("hasAdmin") if isinstance(data.get("hasAdmin"), bool) else None
                if isinstance(data.get("strapiVersion"), str):
                    info.anonymous_version = data["strapiVersion"]

        async def project_type():
            resp = await self.probe("GET", "/admin/project-type")
            if resp.status == 200 and resp.is_json:
                data = _data(parse_json(resp), "GET /admin/project-type")
                if isinstance(data, dict):
                    info.project_type = data

        async def generation():
            resp = await self.probe("POST", "/admin/access-token", json_body={}, retries=0)
            if resp.status == 401 and resp.is_json:
                info.session_auth = True
            elif resp.status in (404, 405):
                info.session_auth = False

        results = await asyncio.gather(init(), health(), project_type(), generation(), return_exceptions=True)
        first = results[0]
        if isinstance(first, NotJSON):
            info.error = (f"{self.profile.url} answered, but not like a Strapi server: /admin/init is not JSON. "
                          "Check the URL (it must be the server root, not /admin).")
            info.reachable = True
            return info
        if isinstance(first, (StrapiError,)):
            info.failure = first
            info.reachable = first.status is not None  # an HTTP answer, even an error, means it is reachable
            info.error = (f"{self.profile.url} has no /admin/init: not a Strapi server, or its admin is elsewhere."
                          if isinstance(first, NotFound) else str(first))
            return info
        if isinstance(first, BaseException):
            raise first
        info.reachable = True
        return info

    async def information(self) -> dict:
        data = _data(await self.get("/admin/information"), "GET /admin/information")
        if not isinstance(data, dict):
            raise UnexpectedShape("GET /admin/information answered an unexpected shape.")
        return data

    async def me(self) -> dict:
        data = _data(await self.get("/admin/users/me"), "GET /admin/users/me")
        if not isinstance(data, dict):
            raise UnexpectedShape("GET /admin/users/me answered an unexpected shape.")
        return data

    async def server_info(self) -> ServerInfo:
        """Anonymous probes plus, when signed in, /admin/information."""
        info = await self.anonymous_info()
        if info.reachable and info.error is None and self.credentials:
            info.information = await self.information()
        return info


async def register_first_admin(client: StrapiClient, email: str, password: str, firstname: str = "Console",
                               lastname: str = "Admin") -> Credentials:
    """Create the first Super Admin on a fresh server (demo and tests; works only while none exists)."""
    register_secret(password)
    body = {"email": email, "password": password, "firstname": firstname, "lastname": lastname}
    resp = await client.http.send("POST", "/admin/register-admin", json_body=body, retries=0)
    error = map_status(resp)
    if error is not None:
        if isinstance(error, BadRequest):
            raise BadRequest("The server refused to create a first admin (one already exists, or the password is "
                             "too weak: 8+ characters with upper and lower case and a digit).", status=resp.status)
        raise error
    return await client.login(email, password)
