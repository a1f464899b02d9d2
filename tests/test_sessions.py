"""Sessions without a real Strapi: single-use refresh cookies (a fake 5.24+ admin API), the read-only
policy in the session, and keyrings that must not be used as if they were safe.

The real-Strapi proofs (8-second tokens, one process and two) are in test_sessions_e2e.py."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx
import keyring
import pytest

from conftest import OFFLINE_URL, cli_env, cli_runner
from strapi_console.client import StrapiClient
from strapi_console.config import Profile
from strapi_console.errors import KeyringLoadError, PlaintextKeyringError, ReadOnlyError, SignedOut
from strapi_console.secrets import SERVICE, Credentials, SecretStore
from strapi_console.session import Sessions, WritePolicy, client_for

ROOT = Path(__file__).resolve().parent.parent
COOKIE = "strapi_admin_refresh"


def _json(status: int, data: dict, headers: list | None = None) -> httpx.Response:
    """A response still to be streamed, as a real transport returns it (the HTTP layer reads it in chunks)."""
    return httpx.Response(status, headers=[("content-type", "application/json"), *(headers or [])],
                          stream=httpx.ByteStream(json.dumps(data).encode()))


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


class RotatingServer:
    """A fake Strapi 5.24+ admin API with the behaviour that matters here: every refresh rotates the
    cookie and the previous one is refused (single use); access tokens live ``lifetime`` seconds."""

    def __init__(self, lifetime: int = 8) -> None:
        self.lifetime = lifetime
        self.cookie: str | None = None
        self.revoked: set[str] = set()
        self.refreshes = 0
        self.refused = 0
        self.writes: list[str] = []
        self.replayed: list[str] = []  # requests that carried a cookie the console did not put there itself

    def _token(self, left: int | None = None) -> str:
        """An access token of ``lifetime`` seconds with ``left`` of them still to run (all by default)."""
        now = int(time.time())
        exp = now + (self.lifetime if left is None else left)
        payload = {"userId": "1", "sessionId": secrets.token_hex(8), "type": "access", "iat": exp - self.lifetime,
                   "exp": exp}
        return f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(payload)}.{secrets.token_urlsafe(16)}"

    def _issue(self) -> httpx.Response:
        self.cookie = secrets.token_urlsafe(24)
        return _json(200, {"data": {"token": self._token()}},
                     [("set-cookie", f"{COOKIE}={self.cookie}; path=/admin; httponly")])

    async def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if "cookie" in request.headers and (path != "/admin/access-token" or "authorization" in request.headers):
            self.replayed.append(f"{request.method} {path}")
        if path == "/admin/login":
            return self._issue()
        if path == "/admin/access-token":
            await asyncio.sleep(0.05)  # a real round trip: long enough for two refreshes to overlap
            sent = dict(p.strip().split("=", 1) for p in request.headers.get("cookie", "").split(";") if "=" in p)
            if sent.get(COOKIE) != self.cookie:
                self.refused += 1
                return _json(401, {"error": {"name": "UnauthorizedError", "message": "Invalid refresh token"}})
            self.refreshes += 1
            return self._issue()
        if request.method != "GET":
            self.writes.append(f"{request.method} {path}")
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        parts = token.split(".")
        try:
            payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=="))
        except (IndexError, ValueError):
            payload = {}
        if token in self.revoked or payload.get("exp", 0) <= time.time():
            return _json(401, {"error": {"name": "UnauthorizedError", "message": "Missing or invalid credentials"}})
        return _json(200, {"data": {"strapiVersion": "5.54.0"}})

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


PROFILE = Profile(name="p", url="http://127.0.0.1:1337")


async def _signed_in(server: RotatingServer, store: SecretStore, left: int | None = None) -> Credentials:
    async with client_for(PROFILE, store, None, transport=server.transport()) as client:
        await client.login("a@example.test", "pw")
        if left is not None:  # a token about to expire, so the next use renews it
            client.credentials.access_token = server._token(left)
            store.set(PROFILE.name, client.credentials)
        return client.credentials


async def test_two_clients_refreshing_together_both_stay_signed_in():
    """Two clients of one profile, each with its own pool and keeper as two processes would have, renew at
    the same moment: one renews, the other waits on the lock, re-reads the store and adopts the new token.
    Without the lock or without the re-read, the second spends the rotated cookie and is signed out."""
    server, store = RotatingServer(), SecretStore()
    creds = await _signed_in(server, store)
    a = client_for(PROFILE, store, creds, transport=server.transport())
    b = client_for(PROFILE, store, creds, transport=server.transport())
    async with a, b:
        stale = f"Bearer {creds.access_token}"
        outcomes = await asyncio.gather(a.refresh(stale=stale), b.refresh(stale=stale), return_exceptions=True)
        assert [type(o).__name__ for o in outcomes] == ["Credentials", "Credentials"]
        assert server.refused == 0 and server.refreshes == 1
        assert a.credentials.access_token == b.credentials.access_token == store.get("p").access_token


async def test_a_401_adopts_the_newer_stored_token_instead_of_spending_the_cookie():
    server, store = RotatingServer(), SecretStore()
    creds = await _signed_in(server, store)
    other = client_for(PROFILE, store, creds, transport=server.transport())
    mine = client_for(PROFILE, store, creds, transport=server.transport())
    async with other, mine:
        await other.refresh()  # another process renewed: the cookie `mine` holds is spent
        server.revoked.add(creds.access_token)  # and the token `mine` holds no longer works
        assert (await mine.get("/admin/information"))["data"]["strapiVersion"] == "5.54.0"
        assert server.refused == 0 and server.refreshes == 1  # adopted, not renewed again


async def test_one_session_per_profile_many_users_one_refresh():
    """Scans, panels and the tail of one process share the profile's session: an expiring token is renewed
    once, and every concurrent user waits for that renewal."""
    server, store = RotatingServer(), SecretStore()
    await _signed_in(server, store, left=1)  # expires within the renewal margin
    async with Sessions(store, transport=server.transport()) as sessions:
        assert sessions.get(PROFILE) is sessions.get(PROFILE)
        clients = [await sessions.get(PROFILE).ready() for _ in range(6)]
        answers = await asyncio.gather(*(c.get("/admin/information") for c in clients), return_exceptions=True)
    assert all(isinstance(a, dict) for a in answers), answers
    assert server.refreshes == 1 and server.refused == 0


async def test_signed_out_in_another_process_is_not_resurrected():
    server, store = RotatingServer(), SecretStore()
    await _signed_in(server, store, left=1)
    async with Sessions(store, transport=server.transport()) as sessions:
        client = await sessions.get(PROFILE).ready()
        store.delete("p")  # `strapi-console logout p` in another terminal
        with pytest.raises(SignedOut, match="another strapi-console"):
            await client.get("/admin/information")
    assert server.refreshes == 0 and store.get("p") is None


async def test_sign_out_forgets_session_and_end_user_jwt_alike():
    """One sign-out for the CLI and the TUI: the admin session and the test end user's JWT both go."""
    server, store = RotatingServer(), SecretStore()
    await _signed_in(server, store)
    store.set("p#end-user", Credentials(kind="jwt", access_token="e.n.d"))
    async with Sessions(store, transport=server.transport()) as sessions:
        session = sessions.get(PROFILE)
        client = await session.ready()
        message = await session.sign_out()
        assert client.credentials is None
    assert store.get("p") is None and store.get("p#end-user") is None
    assert "the session and the test end user's JWT" in message


async def test_a_signed_in_client_never_replays_the_refresh_cookie():
    """No cookie jar: a client that signed in does not send the refresh cookie with its other requests
    (the anonymous access-token probe of every scan would otherwise spend it and sign the session out)."""
    server, store = RotatingServer(), SecretStore()
    async with Sessions(store, transport=server.transport()) as sessions:
        session = sessions.get(PROFILE)
        await session.sign_in("a@example.test", "pw")
        client = await session.ready()
        await client.probe("POST", "/admin/access-token", json_body={})  # as anonymous_info() does
        await client.get("/admin/information")
    assert server.replayed == []


# --- the read-only policy, in the session --------------------------------------------------------


async def test_read_only_profile_sends_no_change_even_past_the_write_path():
    server, store = RotatingServer(), SecretStore()
    await _signed_in(server, store)
    prod = Profile(name="p", url=PROFILE.url, tags=["production"])
    policy = WritePolicy()
    async with Sessions(store, policy=policy, transport=server.transport()) as sessions:
        client = await sessions.get(prod).ready()
        for method in ("PUT", "POST", "DELETE"):
            with pytest.raises(ReadOnlyError, match=f"{method} /admin/roles/1 was not sent"):
                await client.call(method, "/admin/roles/1", json_body={})
        with pytest.raises(ReadOnlyError):
            await client.probe("POST", "/graphql", json_body={"query": "mutation { deleteArticle(id: 1) { id } }"})
        await client.probe("POST", "/graphql", json_body={"query": "{__schema{queryType{name}}}"})  # the exception
        await client.get("/admin/information")
        assert server.writes == ["POST /graphql"]
        policy.unlock(prod)  # `w` in the TUI, --allow-write in the CLI
        await client.call("PUT", "/admin/roles/1", json_body={})
    assert server.writes == ["POST /graphql", "PUT /admin/roles/1"]


def test_a_bare_client_of_a_production_profile_is_read_only_too():
    async def go():
        server = RotatingServer()
        async with StrapiClient(Profile("x", PROFILE.url, tags=["production"]), transport=server.transport()) as c:
            with pytest.raises(ReadOnlyError):
                await c.probe("DELETE", "/admin/webhooks/1")
            await c.probe("POST", "/admin/login", json_body={})  # signing in is no change
        return server.writes

    assert asyncio.run(go()) == []


# --- keyrings that are not safe to use as if they were ------------------------------------------


@pytest.fixture
def plaintext_keyring(tmp_path):
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring_pass.cfg")
    keyring.set_keyring(backend)
    return Path(backend.file_path)


def test_plaintext_keyring_is_refused_unless_the_config_opts_in(plaintext_keyring):
    creds = Credentials(kind="session", access_token="a.b.c", refresh_cookie="cookie-" + "r" * 20)
    with pytest.raises(PlaintextKeyringError) as info:
        SecretStore().set("prod", creds)
    assert "in clear" in str(info.value) and "allow_plaintext_keyring" in str(info.value)
    assert not plaintext_keyring.exists()
    allowed = SecretStore(allow_plaintext=True)
    assert allowed.set("prod", creds) == "keyring" and allowed.get("prod").refresh_cookie == creds.refresh_cookie
    assert "PlaintextKeyring" in allowed.backend_name and "in clear" in allowed.backend_name
    with pytest.raises(PlaintextKeyringError):  # what an earlier run left there is not used silently either
        SecretStore().get("prod")
    assert SecretStore().delete("prod") and SERVICE not in plaintext_keyring.read_text()  # but may be forgotten


def test_cli_login_refuses_a_plaintext_keyring_before_asking(tmp_path):
    """keyrings.alt installed and nothing chosen: the console used to say "Stored in the keyring" while the
    session sat base64-encoded in a file. Now it refuses, names the backend and the opt-in, sends nothing."""
    env = cli_env(tmp_path)
    (tmp_path / "config" / "strapi-console" / "config.toml").write_text("")  # no opt-in
    run = cli_runner(env, timeout=60)
    assert run("profile", "add", "p", "--url", OFFLINE_URL, "--email", "a@example.test").returncode == 0
    login = run("login", "p", "--password-stdin", stdin="Secret-pw-1\n")
    assert login.returncode == 1
    assert "keeps secrets in clear" in login.stderr and "keyrings.alt.file.PlaintextKeyring" in login.stderr
    assert "allow_plaintext_keyring = true" in login.stderr and "Traceback" not in login.stderr
    assert not list(tmp_path.rglob("keyring_pass.cfg"))


@pytest.mark.skipif(__import__("importlib").util.find_spec("Crypto") is not None,
                    reason="pycryptodome is installed: EncryptedKeyring loads here")
def test_a_backend_that_fails_to_load_is_reported_as_such(tmp_path):
    env = cli_env(tmp_path, PYTHON_KEYRING_BACKEND="keyrings.alt.file.EncryptedKeyring")
    run = cli_runner(env, timeout=60)
    assert run("profile", "add", "p", "--url", OFFLINE_URL, "--email", "a@example.test").returncode == 0
    login = run("login", "p", "--password-stdin", stdin="Secret-pw-1\n")
    assert login.returncode == 1 and "Keyring backend failed to load" in login.stderr
    assert "keyrings.alt.file.EncryptedKeyring" in login.stderr and "pip install pycryptodome" in login.stderr
    # not the same advice again: the backend it names is the one that just failed
    assert "export PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring" not in login.stderr


def test_load_error_in_process(monkeypatch):
    from strapi_console import secrets as secrets_mod

    monkeypatch.setattr(secrets_mod, "keyring_status", lambda: secrets_mod.KeyringStatus(
        "keyrings.alt.file.EncryptedKeyring", False, load_error="RuntimeError: pycryptodome/x required"))
    with pytest.raises(KeyringLoadError, match="pycryptodome"):
        SecretStore().check_keyring()


def test_unattended_run_with_a_keyring_that_asks_says_what_is_needed(tmp_path):
    """A keyring that asks for its own password, run where nothing can answer (cron: no terminal, stdin
    closed): a sentence saying what unattended runs need, not "Unexpected internal error: EOFError"."""
    env = cli_env(tmp_path, PYTHON_KEYRING_BACKEND="prompting_keyring.PromptingKeyring",
                  PYTHONPATH=os.pathsep.join([str(Path(__file__).parent / "support"), str(ROOT)]))
    run = cli_runner(env, timeout=60)
    assert run("profile", "add", "p", "--url", OFFLINE_URL).returncode == 0
    cron = subprocess.run([sys.executable, "-m", "screens.entry", "tail", "p", "--once"], env=env, cwd=ROOT,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
                          start_new_session=True)  # no controlling terminal, as under cron
    assert "EOFError" not in cron.stderr and "Unexpected internal error" not in cron.stderr
    assert "asked for its password" in cron.stderr and "KEYRING_CRYPTFILE_PASSWORD" in cron.stderr
