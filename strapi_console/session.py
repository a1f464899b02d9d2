"""Opening a signed-in client for a profile: credentials from the secret store, rotations saved back.

Shared by the CLI and the TUI so both sign in, refresh and store the same way. Keyring calls can
block (D-Bus, a locked keychain), so they run in a thread.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the TUI's first frame needs none of these (httpx alone takes ~30 ms to import)
    import httpx

    from .client import StrapiClient
    from .config import Profile
    from .secrets import Credentials, SecretStore


async def load_credentials(store: SecretStore, profile: Profile) -> Credentials | None:
    return await asyncio.to_thread(store.get, profile.name)


def client_for(profile: Profile, store: SecretStore, credentials: Credentials | None, *,
               transport: httpx.AsyncBaseTransport | None = None) -> StrapiClient:
    from .client import StrapiClient

    async def save(creds: Credentials) -> None:
        # A rotated 5.24+ refresh cookie is single-use: store the new one before anything else happens.
        await asyncio.to_thread(store.set, profile.name, creds)

    return StrapiClient(profile, credentials, on_credentials=save, transport=transport)


async def open_client(profile: Profile, store: SecretStore, *,
                      transport: httpx.AsyncBaseTransport | None = None) -> StrapiClient:
    return client_for(profile, store, await load_credentials(store, profile), transport=transport)


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
