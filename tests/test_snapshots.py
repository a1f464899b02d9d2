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


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_audit_panel_snapshot(snap_compare, size):
    """Panel 4 with a fixed stream: an Enterprise server and a Community one (derived feed), an alert."""
    from datetime import datetime, timezone

    from strapi_console.audit.events import AuditEvent
    from strapi_console.audit.tail import ServerStatus

    app = StrapiConsoleApp(config=cm.load())
    t = lambda h, m, s: datetime(2026, 1, 2, h, m, s, tzinfo=timezone.utc)  # noqa: E731
    events = [
        AuditEvent("prod-eu", "41", t(9, 15, 0), "editor@example.com", "entry.update", "article #5",
                   "update api::article.article", derived=False, payload={"uid": "api::article.article"}),
        AuditEvent("blog", "a:1", t(9, 15, 30), "API (token or end user)", "entry.create", "article #x9",
                   "create article 'Hello'", derived=True),
        AuditEvent("prod-eu", "42", t(9, 16, 0), "root@example.com", "role.update", "Editor", "role.update",
                   derived=False, payload={"role": {"id": 2, "name": "Editor"}}, alert="role or permission change"),
        AuditEvent("blog", "t:1", t(9, 16, 5), "unknown (not recorded by Strapi)", "api-token.create", "ci",
                   "api-tokens: ci created", derived=True, alert="full-access or never-expiring token created"),
    ]

    async def open_panel(pilot):
        await pilot.press("4")
        await pilot.pause(0.2)
        panel = pilot.app.screen
        for status in (ServerStatus("prod-eu", mode="audit-log", live=True, interval=2, polls=3),
                       ServerStatus("blog", mode="derived", live=True, interval=5, polls=3)):
            panel._on_status(status)
        panel._on_events([e for e in events if not e.alert])
        panel._append([e for e in events if e.alert])
        panel.buffer.extend(e for e in events if e.alert)
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=size, run_before=open_panel)
