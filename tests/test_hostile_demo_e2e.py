"""The real demo Strapi, written to by anonymous visitors only (open sign-up, a Public role that may
create articles): usernames and article titles carry the hostile corpus. Then the operator opens every
panel and runs `tail`: nothing breaks, no action runs, no terminal control reaches the screen or stdout.
This is how the markup-injection crash was first found (six sign-ups named `[/]x` ended panel 4)."""

from __future__ import annotations

import asyncio
import secrets

import httpx
import pytest

from conftest import cli_env, cli_runner
from hostile_corpus import PAYLOADS, payload_for
from strapi_console import config as cm
from strapi_console.client import StrapiClient
from strapi_console.secrets import SecretStore
from tui_walk import RAW_UNSAFE, SentinelApp, until, walk_every_screen

pytestmark = pytest.mark.e2e

# one-line payloads that Strapi stores as they are (the 20,000-character one is longer than a username
# may be; it goes into an article title instead)
SIGNUP_PAYLOADS = [p for p in PAYLOADS if p.id not in ("huge",)][:12]


def _anonymous_writes(url: str, trap_dir) -> tuple[list[str], list[str]]:
    """Sign up users whose usernames are payloads and create articles whose titles are payloads, as an
    anonymous visitor would; returns what Strapi accepted."""
    users, titles = [], []
    with httpx.Client(base_url=url, timeout=20) as http:
        for p in SIGNUP_PAYLOADS:
            name = payload_for(p, trap_dir) + secrets.token_hex(2)
            resp = http.post("/api/auth/local/register", json={
                "username": name, "email": f"h{secrets.token_hex(5)}@example.test",
                "password": "Pw-" + secrets.token_hex(8)})
            if resp.status_code == 200:
                users.append(name)
        for p in PAYLOADS:
            title = payload_for(p, trap_dir)
            resp = http.post("/api/articles", json={"data": {"title": title}})
            if resp.status_code in (200, 201):
                titles.append(title)
    return users, titles


async def test_anonymous_payloads_on_the_real_demo_break_no_panel(strapi5_perm, tmp_path):
    trap = tmp_path / "trap"
    trap.mkdir()
    email, password = await asyncio.to_thread(strapi5_perm.new_admin)
    store = SecretStore("memory")
    profile = strapi5_perm.profile("demo-hostile", email=email)
    async with StrapiClient(profile, on_credentials=lambda c: store.set(profile.name, c)) as client:
        await client.login(email, password)
    cfg = cm.load()
    cfg.add(profile, replace=True)
    cm.save(cfg)

    app = SentinelApp(config=cfg, store=store, tail_fast=0.5)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")  # the tail must be running when the visitors arrive (the derived feed diffs)
        assert await until(pilot, lambda: any(s.polls for s in getattr(app.screen, "statuses", {}).values()), 60)
        users, titles = await asyncio.to_thread(_anonymous_writes, strapi5_perm.url, trap)
        assert len(users) >= 6, f"Strapi accepted only {len(users)} sign-ups: the burst alert needs six"
        assert titles, "Strapi accepted no article from the Public role (the demo grants it create)"
        # the sign-ups and entries show up in panel 4, with the sign-up-burst alert (a toast)
        seen = lambda: sum(e.action == "end-user.create" for e in app.screen.buffer) >= 6  # noqa: E731
        assert await until(pilot, seen, 60), "the derived feed did not show the sign-ups"
        assert any(e.alert for e in app.screen.buffer), "no sign-up-burst alert"
        await pilot.press("1")
        steps = await walk_every_screen(app, pilot, trap, server=profile.name,
                                        audit_ready=lambda screen: len(getattr(screen, "buffer", [])) > 0)
        assert "back to servers" in steps
        app.exit()

    # `tail --once` and the scan table print the same strings: no escape, no forged line
    env = cli_env(tmp_path, PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring")
    run = cli_runner(env)
    assert run("profile", "add", "hd", "--url", strapi5_perm.url, "--email", email).returncode == 0
    assert run("login", "hd", "--password-stdin", stdin=password).returncode == 0
    tailed = run("tail", "hd", "--once", "--since", "1h", "--format", "text")
    assert tailed.returncode == 0, tailed.stderr[-2000:]
    for stream in (tailed.stdout, tailed.stderr):
        assert not RAW_UNSAFE.search(stream), repr(RAW_UNSAFE.search(stream))
        assert not any(line.startswith("::error::") for line in stream.splitlines())
    assert not any(trap.iterdir())
