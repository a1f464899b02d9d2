"""SVG snapshots of the server list at 80×24 (SSH reality) and 120×40, on deterministic profiles.

Update deliberately with `pytest tests/test_snapshots.py --snapshot-update` and review the SVG diff.
"""

from __future__ import annotations

import pytest

from screens.app import StrapiConsoleApp
from strapi_console import config as cm
from strapi_console.config import Profile


def app_with_fixed_profiles() -> StrapiConsoleApp:
    cfg = cm.load()
    # Nothing listens on the discard port: every row settles on the same, reproducible state.
    cfg.add(Profile("prod-eu", "http://127.0.0.1:9", tags=["production"]))
    cfg.add(Profile("staging", "http://127.0.0.1:9", email="ops@example.com"))
    cfg.add(Profile("blog", "http://localhost:9", read_only=True))
    return StrapiConsoleApp(config=cfg)


async def wait_refreshed(pilot) -> None:
    app = pilot.app
    for _ in range(200):
        await pilot.pause(0.05)
        if app.states and all(s.result is not None and not s.refreshing for s in app.states.values()):
            break
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_server_list_snapshot(snap_compare, size):
    assert snap_compare(app_with_fixed_profiles(), terminal_size=size, run_before=wait_refreshed)


def test_help_snapshot(snap_compare):
    async def open_help(pilot):
        await wait_refreshed(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.2)

    assert snap_compare(app_with_fixed_profiles(), terminal_size=(80, 24), run_before=open_help)


@pytest.mark.e2e
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_permission_matrix_snapshot(snap_compare, strapi5, size):
    """The Public role of a pristine Strapi 5.54 (only the default auth actions are public)."""
    import asyncio

    from strapi_console.client import StrapiClient
    from strapi_console.secrets import SecretStore

    email, password = strapi5.new_admin()
    store = SecretStore()
    profile = strapi5.profile("cms", email=email)

    async def login():
        async with StrapiClient(profile, on_credentials=lambda c: store.set("cms", c)) as client:
            await client.login(email, password)

    asyncio.run(login())
    cfg = cm.load()
    cfg.add(profile)
    app = StrapiConsoleApp(config=cfg, store=store)

    async def open_matrix(pilot):
        await wait_refreshed(pilot)
        await pilot.press("3")
        for _ in range(200):
            await pilot.pause(0.05)
            if getattr(pilot.app.screen, "role", None) is not None:
                break
        pilot.app.screen.query_one("#matrix").focus()
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=size, run_before=open_matrix)
