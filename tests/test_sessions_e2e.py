"""One session per profile, against a real Strapi 5 issuing 8-second access tokens (so a refresh cookie is
rotated every few seconds): concurrent users of one process, and two processes, never sign each other out."""

from __future__ import annotations

import asyncio
import time

import pytest

from conftest import _install, _start, stop_task
from sessions_soak import soak
from tui_soak import tui_soak
from strapi_console import admin_roles, permissions
from strapi_console.audit.tail import Tail
from strapi_console.errors import SignedOut
from strapi_console.scan import scan_profile
from strapi_console.secrets import SecretStore
from strapi_console.session import Sessions, client_for
from strapi_console.strapi_server import demo_project_dir

pytestmark = pytest.mark.e2e
LIFETIME = 8  # seconds an access token lives on this server


@pytest.fixture(scope="module")
def short_tokens(tmp_path_factory):
    """Its own server: the concurrency here must not disturb, or be disturbed by, other tests' sessions."""
    target = _start(_install(demo_project_dir()), 5, secrets="random", workdir=tmp_path_factory.mktemp("short"),
                    env={"ADMIN_ACCESS_TOKEN_LIFESPAN": str(LIFETIME)})
    yield target
    target.server.stop()


async def test_two_clients_of_one_profile_refreshing_together(short_tokens):
    """The measurement the issue starts from: two clients of one profile, each with its own pool and its own
    copy of the session (as two processes have), renew at the same moment. Before: ['ok', 'SignedOut']."""
    email, password = await asyncio.to_thread(short_tokens.new_admin)
    store, profile = SecretStore(), short_tokens.profile("pair", email=email)
    async with Sessions(store) as sessions:
        creds = await sessions.get(profile).sign_in(email, password)
    a, b = client_for(profile, store, creds), client_for(profile, store, creds)
    async with a, b:
        stale = f"Bearer {creds.access_token}"
        outcomes = await asyncio.gather(a.refresh(stale=stale), b.refresh(stale=stale), return_exceptions=True)
        assert ["ok" if not isinstance(o, BaseException) else type(o).__name__ for o in outcomes] == ["ok", "ok"]
        for client in (a, b):
            assert (await client.me())["email"] == email


async def test_scan_tail_and_panels_of_one_process_across_token_expiries(short_tokens):
    """A rescan loop, the audit tail and two panel-like readers share the profile's session for four token
    lifetimes: every renewal happens once, the others wait for it, and nobody is ever signed out."""
    email, password = await asyncio.to_thread(short_tokens.new_admin)
    store, profile = SecretStore(), short_tokens.profile("busy", email=email)
    problems: list[str] = []
    tokens: set[str] = set()
    counts = {"scans": 0, "reads": 0, "polls": 0}
    async with Sessions(store) as sessions:
        session = sessions.get(profile)
        await session.sign_in(email, password)
        end = time.monotonic() + 4 * LIFETIME

        async def rescans():
            while time.monotonic() < end:
                result = await scan_profile(profile, store, sessions=sessions,
                                            check_ids=["AUTH-ADMIN-SESSION", "TOK-FULL-ACCESS", "AUTH-PUBLIC-WRITE"])
                if result.auth_error or result.session_ended or not result.reachable:
                    problems.append(f"scan: {result.auth_error or result.error}")
                counts["scans"] += 1

        async def panel(read):
            while time.monotonic() < end:
                client = await session.ready()
                try:
                    await read(client)
                except SignedOut as exc:
                    problems.append(f"panel: {exc}")
                counts["reads"] += 1
                tokens.add(client.credentials.access_token)
                await asyncio.sleep(0.4)

        def on_status(status) -> None:
            if status.mode == "signed out" or (status.error and "Sign" in status.error):
                problems.append(f"tail: {status.error}")
            counts["polls"] = status.polls

        tail = Tail([profile], store, sessions=sessions, on_status=on_status, fast=0.5, slow=1.0)
        tail_task = asyncio.create_task(tail.run())
        try:
            await asyncio.gather(rescans(), panel(permissions.list_roles), panel(admin_roles.list_roles))
        finally:
            await stop_task(tail_task)
    assert problems == []
    assert len(tokens) >= 4, "the test must span several token lifetimes"
    assert counts["scans"] >= 2 and counts["polls"] >= 4 and counts["reads"] >= 20


async def test_cli_processes_and_this_one_share_the_session(short_tokens, tmp_path):
    """`scan` and `tail --once` subprocesses in a loop, while this process reads through the same profile:
    across ~5 token lifetimes, renewals happen in both, and neither side is signed out or asked to sign in."""
    email, password = await asyncio.to_thread(short_tokens.new_admin)
    result = await soak(tmp_path, short_tokens.url, email, password, seconds=40, lifetime=LIFETIME)
    assert "keyrings.alt.file.PlaintextKeyring" in result.login and "in clear" in result.login  # named, every login
    assert result.cli_signed_out == [] and result.signed_out == []
    assert result.asks_to_sign_in == 0
    assert len(result.cli) >= 4 and result.requests >= 8
    assert result.renewed_here >= 1 and result.renewed_elsewhere >= 1, "renewals must happen on both sides"


async def test_the_real_tui_and_cli_processes_share_the_session(short_tokens, tmp_path):
    """The issue's proof, bounded: the real TUI (panel 4's tail live, panel 3 on the Public role reloaded with
    r, the fleet rescanned with R) while `scan` and `tail --once` subprocesses loop on the same profile and
    keyring file, across ~6 token lifetimes: no sign-out anywhere, no password prompt, and renewals happen
    in both processes (each has the session to itself for a spell first, so neither can win every race)."""
    email, password = await asyncio.to_thread(short_tokens.new_admin)
    result = await tui_soak(tmp_path, short_tokens.url, email, password, seconds=6 * LIFETIME,
                             lifetime=LIFETIME)
    print(result.numbers(LIFETIME))  # shown with -s, and on failure
    assert result.signed_out == [] and result.cli_signed_out == []
    assert result.prompts == []
    assert result.errors == []
    assert result.renewed_here >= 1 and result.renewed_elsewhere >= 1, "renewals must happen on both sides"
    assert result.scans >= 3 and result.reloads >= 3 and result.polls >= 4 and len(result.cli) >= 4
