"""Two processes, one profile: a loop of CLI ``scan`` and ``tail --once`` subprocesses while this process
uses the same session, against a Strapi whose access tokens live a few seconds. Shared by the bounded
test (test_sessions_e2e.py) and the longer benchmark (benchmarks/session_sharing.py)."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import keyring

from conftest import cli_env, cli_runner

PROFILE = "shared"
SCAN = ("scan", PROFILE, "--format", "json", "--fail-on", "critical", "--check", "AUTH-ADMIN-SESSION",
        "--check", "TOK-FULL-ACCESS", "--check", "AUTH-PUBLIC-WRITE", "--check", "SEC-ADMIN-JWT-DEFAULT")
TAIL = ("tail", PROFILE, "--once", "--since", "5m")


@dataclass
class SoakResult:
    login: str = ""
    cli: list[tuple[str, bool, str]] = field(default_factory=list)  # (command, signed in throughout, detail)
    requests: int = 0  # this process's signed-in reads
    signed_out: list[str] = field(default_factory=list)  # this process's sign-outs
    renewed_here: int = 0
    renewed_elsewhere: int = 0  # tokens the subprocesses stored (seen in the keyring, not written here)

    @property
    def cli_signed_out(self) -> list[tuple[str, bool, str]]:
        return [c for c in self.cli if not c[1]]

    @property
    def asks_to_sign_in(self) -> int:
        """What would open the TUI's password prompt: a session the console could not keep."""
        return len(self.signed_out) + len(self.cli_signed_out)


def _signed_in_throughout(command: tuple[str, ...], done) -> tuple[bool, str]:
    text = done.stdout + done.stderr
    if command[0] == "scan":  # exit 4: incomplete (sign-in failed); an auth_error names a lost session
        ok = done.returncode in (0, 5) and '"auth_error"' not in done.stdout and "Sign in again" not in text
    else:  # a tail that polled says which feed it read; a lost session says why instead
        ok = done.returncode == 0 and " feed" in done.stderr and "Sign in again" not in text
    return ok, "" if ok else f"exit {done.returncode}: {done.stderr.strip()[-300:]}"


def signed_in_with_cli(home: Path, url: str, email: str, password: str):
    """The profile added and signed in by the real CLI, and this process set to the CLI's keyring file (the
    subprocesses' ``XDG_DATA_HOME`` is this process's), so both sides share the stored session. Returns the
    CLI runner and what ``login`` printed."""
    from keyrings.alt.file import PlaintextKeyring

    run = cli_runner(cli_env(home), timeout=120)
    assert run("profile", "add", PROFILE, "--url", url, "--email", email).returncode == 0
    login = run("login", PROFILE, "--password-stdin", stdin=password + "\n")
    assert login.returncode == 0, login.stderr
    keyring.set_keyring(PlaintextKeyring())
    return run, login.stdout


def cli_loop(run, end: float, cli: list[tuple[str, bool, str]], rest: tuple[float, float] | None = None) -> None:
    """``scan`` and ``tail --once`` in turn until ``end``, each noted as (command, signed in throughout, detail).
    During ``rest`` (monotonic start, end) no command starts: the other process has the session to itself."""
    turn = 0
    while time.monotonic() < end:
        if rest is not None and rest[0] <= time.monotonic() < rest[1]:
            time.sleep(min(0.1, rest[1] - time.monotonic()))
            continue
        command = SCAN if turn % 2 == 0 else TAIL
        done = run(*command)
        cli.append((command[0], *_signed_in_throughout(command, done)))
        turn += 1


def turns(start: float, lifetime: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """Two spells, each longer than a token lives plus a slow command: first this process alone (the CLI
    rests, so this process must renew), then the CLI alone (this process only watches the keyring, so a CLI
    process must renew, from the session this process stored). After them both sides run at once and
    either may renew first. Without the spells, who renews is a race that one side can win every time."""
    spell = lifetime + 4
    return (start, start + spell), (start + spell, start + 2 * spell)


async def soak(home: Path, url: str, email: str, password: str, seconds: float, lifetime: float,
               poll: tuple[float, float] = (0.2, 1.5)) -> SoakResult:
    """``home`` holds the XDG dirs this process already uses (the subprocesses get the same ones). This
    process reads every ``poll`` seconds (drawn at random in the range). ``seconds`` includes the two
    ``turns`` (each side alone for a token's ``lifetime`` and more), so both sides are seen renewing."""
    from strapi_console.config import Profile
    from strapi_console.errors import SignedOut
    from strapi_console.secrets import SecretStore
    from strapi_console.session import Sessions

    result = SoakResult()
    run, result.login = signed_in_with_cli(home, url, email, password)
    store = SecretStore(allow_plaintext=True)
    first = store.get(PROFILE).access_token
    seen, mine = {first}, set()
    async with Sessions(store) as sessions:
        session = sessions.get(Profile(PROFILE, url, email=email))
        client = await session.ready()
        save = session.keeper.save

        async def counting_save(creds) -> None:
            mine.add(creds.access_token)
            await save(creds)

        session.keeper.save = counting_save
        start = time.monotonic()
        end = start + seconds
        alone, resting = turns(start, lifetime)
        others = asyncio.create_task(asyncio.to_thread(cli_loop, run, end, result.cli, alone))
        while time.monotonic() < end:
            if not resting[0] <= time.monotonic() < resting[1]:
                try:
                    await client.get("/admin/users/me")
                    result.requests += 1
                except SignedOut as exc:
                    result.signed_out.append(exc.message)
                    await session.ready()  # as the TUI would after signing in again: pick up what is stored
            stored = await asyncio.to_thread(store.get, PROFILE)
            if stored is not None:
                seen.add(stored.access_token)
            await asyncio.sleep(random.uniform(*poll))
        await others
    result.renewed_here = len(mine)
    result.renewed_elsewhere = len(seen - mine - {first})
    return result
