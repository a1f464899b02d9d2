"""Shared fixtures: isolated dirs and keyring for every test, and real Strapi servers for the suite.

The Strapi projects are installed once per lockfile into the user cache dir (reused across runs) and
started on free loopback ports with throwaway SQLite databases. Missing Node or npm is a failure with
a message, never a silent skip.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.backend
import pytest

from strapi_console.client import StrapiClient
from strapi_console.config import Profile
from strapi_console.strapi_server import StrapiServer, demo_project_dir, install

ROOT = Path(__file__).resolve().parent.parent
V4_PROJECT = ROOT / "tests" / "strapi4_project"
# The npm install cache must survive the per-test isolation below: read the real cache dir now.
REAL_CACHE = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
OFFLINE_URL = "http://127.0.0.1:9"  # nothing listens on the discard port: a prompt "connection refused"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend that keeps entries in a dict (installed with keyring.set_keyring)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        if (service, username) not in self.entries:
            import keyring.errors

            raise keyring.errors.PasswordDeleteError(username)
        del self.entries[(service, username)]


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Every test gets its own config, data, cache and state dirs and an empty in-memory keyring."""
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"),
                     ("XDG_STATE_HOME", "state")):
        (tmp_path / sub).mkdir()
        monkeypatch.setenv(var, str(tmp_path / sub))
    monkeypatch.delenv("STRAPI_CONSOLE_CONFIG", raising=False)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    # Never reach the internet from a test: public services are faked where a test needs them.
    monkeypatch.setenv("STRAPI_CONSOLE_GITHUB_API", OFFLINE_URL)
    monkeypatch.setenv("STRAPI_CONSOLE_OSV_API", OFFLINE_URL)
    from strapi_console import advisories

    advisories.reset_cache()
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def fake_strapi():
    """A fake Strapi 5.54 on loopback (tests/hostile_strapi.py) whose every string the test can set, with a
    saved profile "fake" signed in through the console's real sign-in and keyring API. Gives a
    SignedInFake: ``.fake`` (state, fill_strings, override, requests), ``.profile``, ``.store``, ``scan()``."""
    from hostile_strapi import start_signed_in

    signed = start_signed_in()
    yield signed
    signed.fake.close()


async def wait_until(condition, timeout: float = 20.0) -> None:
    """Poll ``condition`` every 50 ms; fail the test if it does not hold within ``timeout`` (a hang guard)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def stop_task(task: asyncio.Future) -> None:
    """Cancel a background loop (a tail) and wait until it has really stopped."""
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


class Session:
    """One sign-in reused by every client of a test (admin sign-in is limited to 5 per 5 minutes)."""

    def __init__(self, target, email, password):
        self.target, self.email, self.password, self.creds = target, email, password, None

    def client(self, name: str = "s", **kw) -> StrapiClient:
        def keep(creds):
            self.creds = creds

        return StrapiClient(Profile(name, self.target.url, **kw), self.creds, on_credentials=keep)

    async def signed_in(self, name: str = "s", **kw) -> StrapiClient:
        c = self.client(name, **kw)
        if c.credentials is None:
            await c.login(self.email, self.password)
        return c


class Killed(BaseException):
    """Stands for a console killed at a chosen moment of a write (not an Exception: nothing catches it)."""


async def apply_then_die(client, plan) -> str:
    """Apply ``plan``'s single step but die right after the write was sent, before it is read back and the
    journal entry finished: the entry is left open, as a killed console leaves it. Returns its id."""
    from strapi_console import engine, journal

    step = plan.steps[0]
    real_send = step.target.send

    async def send_then_die(c, body):
        await real_send(c, body)
        raise Killed

    step.target.send = send_then_die
    try:
        await engine.apply(client, plan, read_only=False, source="test (killed)")
    except Killed:
        return journal.entries(client.profile.name)[-1].id
    raise AssertionError("the write was not sent")


PLAINTEXT_OPT_IN = "[settings]\nallow_plaintext_keyring = true\n"


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Environment for a `strapi-console` subprocess: isolated dirs and a real file keyring backend.

    The backend is keyrings.alt's PlaintextKeyring, which the console refuses unless the config opts in:
    the config file starts with that opt-in (tests of the refusal write their own config)."""
    config = tmp_path / "config" / "strapi-console" / "config.toml"
    if not config.exists():
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(PLAINTEXT_OPT_IN)
    elif "allow_plaintext_keyring" not in (text := config.read_text()):  # a profile saved first (a fixture)
        config.write_text(text.replace("[settings]\n", PLAINTEXT_OPT_IN) if "[settings]\n" in text
                          else text + "\n" + PLAINTEXT_OPT_IN)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRAPI_CONSOLE", "PYTHON_KEYRING"))}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_STATE_HOME=str(tmp_path / "state"),
               PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring", PYTHONUNBUFFERED="1",
               STRAPI_CONSOLE_GITHUB_API=OFFLINE_URL, STRAPI_CONSOLE_OSV_API=OFFLINE_URL)
    env.update(extra)
    return env


def console_cmd() -> list[str]:
    exe = shutil.which("strapi-console")
    return [exe] if exe else [sys.executable, "-m", "screens.entry"]


def cli_runner(env: dict[str, str], timeout: float = 180):
    """``run(*args, stdin=None)``: the strapi-console CLI as a subprocess with ``env``, output captured."""
    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([*console_cmd(), *args], input=stdin, capture_output=True, text=True, env=env,
                              timeout=timeout)

    return run


# --- real Strapi servers ---------------------------------------------------------------------


def _require_node() -> None:
    missing = [t for t in ("node", "npm") if shutil.which(t) is None]
    if missing:
        pytest.fail(f"{' and '.join(missing)} not found: the end-to-end tests need Node.js (22 LTS) and npm to run the "
                    "real Strapi servers (.ci/run installs everything else).", pytrace=False)


def _install(project: Path) -> Path:
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = REAL_CACHE
    try:
        return install(project, log=lambda m: print(m, file=sys.stderr))
    finally:
        if saved is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = saved


@dataclass
class StrapiTarget:
    """A running server with its first Super Admin."""

    server: StrapiServer
    email: str
    password: str
    major: int
    root_credentials: object = None  # the root admin's session, reused: logins are rate limited

    @property
    def url(self) -> str:
        return self.server.url

    def profile(self, name: str = "t", **kw) -> Profile:
        return Profile(name=name, url=self.url, **kw)

    def new_admin(self, *, active: bool = True) -> tuple[str, str]:
        """Create another Super Admin (each test signs in as its own, away from the login rate limit)."""
        return asyncio.run(_new_admin(self, active))


async def _new_admin(target: StrapiTarget, active: bool) -> tuple[str, str]:
    email = f"admin-{secrets.token_hex(4)}@example.test"
    password = f"Pw-{secrets.token_urlsafe(12)}-9a"
    def keep(creds):
        target.root_credentials = creds

    async with StrapiClient(target.profile("setup"), target.root_credentials, on_credentials=keep) as client:
        if client.credentials is None:
            await client.login(target.email, target.password)
        roles = (await client.get("/admin/roles"))["data"]
        super_id = next(r["id"] for r in roles if r.get("code") == "strapi-super-admin")
        created = (await client.call("POST", "/admin/users", json_body={
            "firstname": "Test", "lastname": "Admin", "email": email, "roles": [super_id]}))["data"]
        await client.call("POST", "/admin/register", auth=False, json_body={
            "registrationToken": created["registrationToken"],
            "userInfo": {"firstname": "Test", "lastname": "Admin", "password": password}})
        if not active:
            await client.call("PUT", f"/admin/users/{created['id']}", json_body={"isActive": False})
    return email, password


async def _register(server: StrapiServer) -> tuple[str, str]:
    email, password = "root@example.test", f"Root-{secrets.token_urlsafe(12)}-7b"
    async with StrapiClient(Profile("setup", server.url)) as client:
        resp = await client.http.send("POST", "/admin/register-admin", json_body={
            "email": email, "password": password, "firstname": "Root", "lastname": "Admin"})
        assert resp.status == 200, resp.body[:300]
    return email, password


def _start(app_dir: Path, major: int, **kw) -> StrapiTarget:
    try:
        server = StrapiServer.start(app_dir, **kw)
    except Exception as first:  # e.g. the free port was taken between choosing and binding: once more
        print(f"Strapi start failed, retrying once: {first}", file=sys.stderr)
        server = StrapiServer.start(app_dir, **kw)
    try:
        email, password = asyncio.run(_register(server))
    except BaseException:
        server.stop()
        raise
    return StrapiTarget(server, email, password, major)


@pytest.fixture(scope="session")
def strapi_servers(tmp_path_factory):
    """Start every real server the suite needs at once (they boot in parallel)."""
    _require_node()
    with ThreadPoolExecutor(2) as pool:
        v5_dir, v4_dir = pool.map(_install, [demo_project_dir(), V4_PROJECT])
    specs = {
        # Random secrets, as create-strapi-app generates them.
        "v5": dict(app_dir=v5_dir, major=5, secrets="random", env={"DEMO_INSECURE": "0"}),
        # The template's placeholder secrets and 8-second access tokens (silent refresh is exercised).
        "v5_default": dict(app_dir=v5_dir, major=5, secrets="default", env={"ADMIN_ACCESS_TOKEN_LIFESPAN": "8"}),
        "v4": dict(app_dir=v4_dir, major=4, secrets="random"),
        # The demo's deliberate weaknesses (Public can create articles and list users), for write tests.
        "v5_perm": dict(app_dir=v5_dir, major=5, secrets="random"),
    }
    started: dict[str, StrapiTarget] = {}
    errors = []
    workdirs = {key: tmp_path_factory.mktemp(f"srv-{key}") for key in specs}  # mktemp is not thread-safe

    def boot(item):
        key, spec = item
        spec = dict(spec)
        try:
            started[key] = _start(spec.pop("app_dir"), spec.pop("major"),
                                  workdir=workdirs[key], **spec)
        except BaseException as exc:  # reported below, after the others are stopped
            errors.append((key, exc))

    with ThreadPoolExecutor(len(specs)) as pool:
        list(pool.map(boot, specs.items()))
    if errors:
        for target in started.values():
            target.server.stop()
        key, exc = errors[0]
        pytest.fail(f"could not start the {key} Strapi server: {exc}", pytrace=False)
    yield started
    for target in started.values():
        target.server.stop()


@pytest.fixture(scope="session")
def strapi5(strapi_servers) -> StrapiTarget:
    return strapi_servers["v5"]


@pytest.fixture(scope="session")
def strapi5_default(strapi_servers) -> StrapiTarget:
    return strapi_servers["v5_default"]


@pytest.fixture(scope="session")
def strapi5_perm(strapi_servers) -> StrapiTarget:
    return strapi_servers["v5_perm"]


@pytest.fixture(scope="session")
def strapi4(strapi_servers) -> StrapiTarget:
    return strapi_servers["v4"]


def pytest_terminal_summary(terminalreporter):
    """Per-suite agreement with the reference implementations' own test cases (tests/external_suites.py)."""
    from external_suites import RESULTS, available, summary_lines
    if RESULTS or not available():
        terminalreporter.section("conformance with the reference implementations")
        for line in summary_lines():
            terminalreporter.write_line(line)
