"""One session per profile per process, shared by scans, panels and the audit tail.

Strapi 5.24+ rotates the refresh cookie on every renewal and refuses the old one, so two clients of one
profile renewing on their own sign each other out. Here each profile has one ``Session``: one
connection pool, one credential holder, one refresh at a time (everyone else waits for its result).
Across processes (the TUI in one terminal, ``scan`` or ``tail`` in another) a file lock around the
refresh and a re-read of the stored session before refreshing and after a 401 mean a newer token is
adopted instead of a stale cookie being spent (see ``StrapiClient.refresh``).

Sign-in and sign-out live here too, so the CLI and the TUI do the same thing, and the read-only policy
is enforced on the session's client beneath the write path's own check. Keyring calls can block
(D-Bus, a locked keychain, a file lock), so they run in a thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from . import locks
from .errors import ConsoleError, SessionBusy
from .secrets import end_user_key

if TYPE_CHECKING:  # the TUI's first frame needs none of these (httpx alone takes ~30 ms to import)
    import httpx

    from .client import StrapiClient
    from .config import Profile
    from .secrets import Credentials, SecretStore

REFRESH_WAIT = 30.0  # seconds to wait for another process's refresh of the same profile


class WritePolicy:
    """Which profiles may send changing requests in this session.

    A profile tagged production is read-only unless configured otherwise or unlocked for the session.
    """

    def __init__(self) -> None:
        self._unlocked: set[str] = set()

    def read_only(self, profile: Profile) -> bool:
        return profile.default_read_only and profile.name not in self._unlocked

    def unlock(self, profile: Profile) -> None:
        self._unlocked.add(profile.name)

    def lock(self, profile: Profile) -> None:
        self._unlocked.discard(profile.name)


class StoreKeeper:
    """Where a profile's credentials persist (the secret store), and the lock other processes share."""

    def __init__(self, store: SecretStore, name: str) -> None:
        self.store = store
        self.name = name

    async def load(self) -> Credentials | None:
        return await asyncio.to_thread(self.store.get, self.name)

    async def save(self, creds: Credentials) -> None:
        await asyncio.to_thread(self.store.set, self.name, creds)

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        if self.store.memory_only:  # nothing another process could read: this process's own lock suffices
            yield
            return
        try:
            lock = locks.held_async(f"session:{self.name}", timeout=REFRESH_WAIT)
            await lock.__aenter__()
        except locks.LockTimeout:
            raise SessionBusy(f"Another strapi-console process has been renewing the session of '{self.name}' "
                              f"for over {REFRESH_WAIT:.0f} s.", hint="Try again; if it persists, look for a "
                              "stuck strapi-console process.") from None
        try:
            yield
        finally:
            await lock.__aexit__(None, None, None)


class Session:
    """One profile's signed-in access to its server in this process."""

    def __init__(self, profile: Profile, store: SecretStore, *, policy: WritePolicy | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        from .client import StrapiClient

        self.profile = profile
        self.store = store
        self.keeper = StoreKeeper(store, profile.name)
        read_only = (lambda: policy.read_only(self.profile)) if policy else (lambda: self.profile.default_read_only)
        self.client = StrapiClient(profile, keeper=self.keeper, transport=transport, read_only=read_only)

    def serves(self, profile: Profile) -> bool:
        """Whether this session's connection fits ``profile`` (same server, same trust)."""
        return (profile.url, profile.ca_bundle) == (self.profile.url, self.profile.ca_bundle)

    async def ready(self) -> StrapiClient:
        """The shared client, its credentials in step with the store (signed in or out by another process
        since). A store that cannot be read raises its error, so the caller can say why."""
        await self.client.adopt_stored(strict=True)
        return self.client

    async def end_user(self) -> Credentials | None:
        """The test end user's JWT (``login --end-user``), for offline checks; None when absent or unreadable."""
        try:
            return await asyncio.to_thread(self.store.get, end_user_key(self.profile.name))
        except ConsoleError:
            return None

    @contextlib.asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        """No refresh of this client, in this process or another, while the credentials change hands."""
        async with self.client.refresh_lock, self.keeper.exclusive():
            yield

    async def sign_in(self, email: str, password: str, *, remember: bool = False) -> Credentials:
        """Sign in with e-mail and password; every user of the session has the new credentials at once."""
        await asyncio.to_thread(self.store.check_keyring)  # say it before the password is sent, not after
        async with self._exclusive():
            return await self.client.login(email, password, remember_password=remember)

    async def use_admin_token(self, token: str) -> Credentials:
        await asyncio.to_thread(self.store.check_keyring)
        async with self._exclusive():
            return await self.client.use_admin_token(token)

    async def end_user_sign_in(self, identifier: str, password: str) -> str:
        """Sign a test end user in and keep only its JWT; returns where it is kept."""
        await asyncio.to_thread(self.store.check_keyring)
        creds = await self.client.end_user_login(identifier, password)
        return await asyncio.to_thread(self.store.set, end_user_key(self.profile.name), creds)

    async def sign_out(self) -> str:
        """End this device's server session and forget everything the console keeps for the profile: the
        admin session and the test end user's JWT. Returns what happened, in a sentence or two."""
        name = self.profile.name
        async with self._exclusive():
            try:
                stored = await self.keeper.load()  # the newest: another process may have renewed it
            except ConsoleError:
                stored = None
            creds = stored or self.client.credentials
            if creds is None:
                message = f"Profile '{name}' is not signed in on this device."
            else:
                self.client.credentials = creds
                try:
                    message = await self.client.logout()
                except ConsoleError as exc:
                    message = f"The server could not be told ({exc.title}: {exc.message}); the local token is " \
                              "forgotten anyway."
            self.client.forget()
            had_session = await asyncio.to_thread(self.store.delete, name)
            had_end_user = await asyncio.to_thread(self.store.delete, end_user_key(name))
        forgotten = [what for what, had in (("the session", had_session), ("the test end user's JWT", had_end_user))
                     if had]
        return message + (f" Deleted from {self.store.backend_name}: {' and '.join(forgotten)}." if forgotten else "")

    async def aclose(self) -> None:
        await self.client.aclose()


def sign_in_summary(profile: Profile, creds: Credentials, store: SecretStore) -> str:
    """What a sign-in achieved and where the session is kept, naming the backend on every sign-in."""
    where = f"Stored in {'memory' if store.memory_only else 'the keyring'} ({store.backend_name})."
    if creds.kind == "admin-token":
        return f"Admin token accepted for {creds.email or 'its owner'} on {profile.url}. {where}"
    kind = ("a 5.24+ session (short access token, renewed silently)" if creds.kind == "session"
            else "a long-lived admin JWT (v4 / 5.0-5.23), renewed before it expires")
    return f"Signed in to {profile.url} as {creds.email}: {kind}. {where}"


class Sessions:
    """The registry: ``get(profile)`` gives the profile's one session; ``aclose()`` closes them all (app exit,
    end of a CLI command). Bound to the event loop it is used on."""

    def __init__(self, store: SecretStore, *, policy: WritePolicy | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.store = store
        self.policy = policy
        self.transport = transport
        self._sessions: dict[str, Session] = {}
        self._retired: list[Session] = []

    async def __aenter__(self) -> "Sessions":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    def get(self, profile: Profile) -> Session:
        session = self._sessions.get(profile.name)
        if session is not None and session.serves(profile):
            session.profile = session.client.profile = profile  # an edited profile (tags, e-mail) takes effect
            return session
        if session is not None:  # re-pointed to another server: a new connection; the old one closes at exit
            self._retired.append(session)
        session = self._sessions[profile.name] = Session(profile, self.store, policy=self.policy,
                                                         transport=self.transport)
        return session

    def drop(self, name: str) -> None:
        """Forget a removed profile's session (closed with the others, so a request in flight may finish)."""
        session = self._sessions.pop(name, None)
        if session is not None:
            self._retired.append(session)

    @contextlib.asynccontextmanager
    async def client(self, profile: Profile) -> AsyncIterator[StrapiClient]:
        """``async with sessions.client(profile) as client``: the shared client, which stays open after."""
        yield await self.get(profile).ready()

    async def aclose(self) -> None:
        sessions, self._sessions = [*self._sessions.values(), *self._retired], {}
        self._retired = []
        for session in sessions:
            await session.aclose()


# --- single clients, outside a registry (kept for callers that own one short-lived client) -------------


async def load_credentials(store: SecretStore, profile: Profile) -> Credentials | None:
    return await asyncio.to_thread(store.get, profile.name)


def client_for(profile: Profile, store: SecretStore, credentials: Credentials | None, *,
               transport: httpx.AsyncBaseTransport | None = None) -> StrapiClient:
    """A client of its own, still refreshing through the store and the cross-process lock."""
    from .client import StrapiClient

    return StrapiClient(profile, credentials, keeper=StoreKeeper(store, profile.name), transport=transport)


async def open_client(profile: Profile, store: SecretStore, *,
                      transport: httpx.AsyncBaseTransport | None = None) -> StrapiClient:
    return client_for(profile, store, await load_credentials(store, profile), transport=transport)
