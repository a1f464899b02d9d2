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


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_help_snapshot(snap_compare, size):
    async def open_help(pilot):
        await wait_refreshed(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.2)

    assert snap_compare(app_with_fixed_profiles(), terminal_size=size, run_before=open_help)


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


# --- every screen at 80×24 and 120×40, on fixed data -------------------------------------------------
#
# The findings, versions and panel 5 show a fixed scan result (no network, no clock in the picture); the
# permission matrix and the comparison read the fake Strapi through a transport that sends the fixed
# URL http://127.0.0.1:9 to it, so no port number changes the picture.

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
FIXED_DAY = __import__("datetime").date(2026, 6, 1)


def fixed_findings():
    from strapi_console.checks.registry import Finding

    return [
        Finding("VER-STRAPI-ADVISORIES", "fail", "critical", "Strapi 4.25.0 is affected by 5 published advisories "
                "(advisory data of 2026-05-15)", evidence={"strapi_version": "4.25.0"},
                fix={"kind": "manual", "summary": "upgrade to 4.26.1 for the rest; 3 advisories have no fixed 4.x "
                     "release: migrate to 5.x (at least 5.37.0)"}),
        Finding("HDR-CORS", "fail", "high", "CORS reflects any origin with credentials: any site can read "
                "authenticated answers", evidence={"origin": "https://evil.example", "reflected": True},
                fix={"kind": "config", "file": "config/middlewares.js", "summary": "allow only your front-end "
                     "origins", "snippet": "{ name: 'strapi::cors', config: { origin: ['https://www.example.com'] } }"}),
        Finding("AUTH-PUBLIC-WRITE", "fail", "high", "The Public role can create articles: anyone on the "
                "internet can write content", evidence={"role": "public", "actions": ["api::article.article.create"]},
                fix={"kind": "api", "summary": "deny create on article for the Public role (f applies it)"}),
        Finding("HDR-POWERED-BY", "fail", "low", "X-Powered-By announces Strapi <strapi.io>",
                evidence={"header": "X-Powered-By: Strapi <strapi.io>"},
                fix={"kind": "config", "file": "config/middlewares.js", "summary": "turn poweredBy off",
                     "snippet": "{ name: 'strapi::poweredBy', config: { poweredBy: '' } }"}),
        Finding("TOK-UNLIMITED", "warn", "medium", "1 read-only token(s) never expire: 'Read Only'",
                evidence={"tokens": ["Read Only"]}),
        Finding("HDR-COOP", "warn", "low", "No cross-origin-opener-policy header", evidence={}),
        Finding("SEC-ADMIN-JWT-DEFAULT", "pass", "critical", "The admin JWT secret is not a template default"),
        Finding("TLS-PROTO-LEGACY", "skip", "high", "Plain HTTP on loopback: no TLS to check", reason="plain HTTP",
                not_applicable=True),
    ]


def fixed_result(profile):
    from strapi_console.client import ServerInfo
    from strapi_console.scan import ServerResult

    info = ServerInfo(reachable=True, has_admin=True, session_auth=True, information={
        "strapiVersion": "4.25.0", "nodeVersion": "v20.20.2", "currentEnvironment": "production",
        "communityEdition": True, "dependencies": {"@strapi/strapi": "4.25.0",
                                                   "@strapi/plugin-users-permissions": "4.25.0"}})
    return ServerResult(profile, True, info=info, findings=fixed_findings(), request_count=44,
                        had_credentials=True).finish()  # graded once, as a scan does


class FixedApp(StrapiConsoleApp):
    """Scans answer at once with the fixed result (an unreachable one for the profiles on port 10)."""

    def refresh_profile(self, name: str) -> None:
        from strapi_console.scan import ServerResult

        profile = self.config.profiles.get(name)
        if profile is None:
            return
        state = self.state(name)
        if profile.url.endswith(":10"):
            state.result = ServerResult(profile, False, error="Server unreachable: connection refused").finish()
        else:
            state.result, state.signed_in = fixed_result(profile), True
        self.state_signal.publish(name)


class ToFake(__import__("httpx").AsyncBaseTransport):
    """An httpx transport that sends http://127.0.0.1:9 to the fake Strapi's port."""

    def __init__(self, port: int) -> None:
        import httpx

        self.port = port
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request):
        request.url = request.url.copy_with(port=self.port)
        return await self.inner.handle_async_request(request)

    async def aclose(self):
        await self.inner.aclose()


@pytest.fixture
def fixed_app(monkeypatch, fake_strapi):
    """The app on three profiles: demo (fixed findings, its roles from the fake), prod-eu and staging
    (unreachable). The advisory data's age is counted from a fixed day."""
    from screens import versions_panel

    monkeypatch.setattr(versions_panel, "_today", lambda: FIXED_DAY)
    cfg = cm.load()
    cfg.profiles.pop("fake")
    cfg.add(Profile("demo", "http://127.0.0.1:9", email="ops@example.com", tags=["development"]))
    cfg.add(Profile("prod-eu", "http://127.0.0.1:10", tags=["production"]))
    cfg.add(Profile("staging", "http://127.0.0.1:10", email="ops@example.com"))
    fake_strapi.store.set("demo", fake_strapi.store.get("fake"))
    transport = ToFake(fake_strapi.fake.port)
    return FixedApp(config=cfg, store=fake_strapi.store, transport=transport)


async def _settled(pilot, until=lambda: True):
    for _ in range(200):
        await pilot.pause(0.05)
        if until():
            break
    await pilot.pause(0.2)


@SIZES
def test_findings_snapshot(snap_compare, fixed_app, size):
    async def go(pilot):
        await _settled(pilot)
        pilot.app.screen.select("demo")
        await pilot.press("d")
        await _settled(pilot)

    assert snap_compare(fixed_app, terminal_size=size, run_before=go)


@SIZES
def test_findings_zoomed_detail_snapshot(snap_compare, fixed_app, size):
    async def go(pilot):
        await _settled(pilot)
        pilot.app.screen.select("demo")
        await pilot.press("d", "down", "z")
        await _settled(pilot)

    assert snap_compare(fixed_app, terminal_size=size, run_before=go)


@SIZES
def test_versions_panel_snapshot(snap_compare, fixed_app, size):
    async def go(pilot):
        await _settled(pilot)
        pilot.app.screen.select("demo")
        await pilot.press("2")
        await _settled(pilot)

    assert snap_compare(fixed_app, terminal_size=size, run_before=go)


@SIZES
def test_headers_panel_snapshot(snap_compare, fixed_app, size):
    async def go(pilot):
        await _settled(pilot)
        pilot.app.screen.select("demo")
        await pilot.press("5")
        await _settled(pilot)

    assert snap_compare(fixed_app, terminal_size=size, run_before=go)


async def _open_matrix(pilot):
    await _settled(pilot)
    pilot.app.screen.select("demo")
    await pilot.press("3")
    await _settled(pilot, lambda: getattr(pilot.app.screen, "role", None) is not None)
    pilot.app.screen.query_one("#matrix").focus()
    await _settled(pilot)


@SIZES
def test_permissions_panel_snapshot(snap_compare, fixed_app, size):
    async def go(pilot):
        await _open_matrix(pilot)
        await pilot.press("right", "right", "space")  # a staged change shows its mark and the staged line
        await _settled(pilot)

    assert snap_compare(fixed_app, terminal_size=size, run_before=go)


@SIZES
def test_permissions_help_explains_the_symbols_snapshot(snap_compare, fixed_app, size):
    async def go(pilot):
        await _open_matrix(pilot)
        await pilot.press("question_mark", "end")
        await _settled(pilot)

    assert snap_compare(fixed_app, terminal_size=size, run_before=go)


@SIZES
def test_compare_snapshot(snap_compare, fixed_app, size):
    async def go(pilot):
        await _open_matrix(pilot)
        panel = pilot.app.screen
        panel._compare("demo", "Authenticated")
        await _settled(pilot, lambda: pilot.app.screen is not panel)
        await pilot.press("n")
        await _settled(pilot)

    assert snap_compare(fixed_app, terminal_size=size, run_before=go)


@SIZES
def test_fleet_snapshot(snap_compare, fixed_app, size):
    async def go(pilot):
        await _settled(pilot)
        pilot.app.screen.select("demo")
        await _settled(pilot)

    assert snap_compare(fixed_app, terminal_size=size, run_before=go)


@SIZES
def test_sign_in_form_snapshot(snap_compare, fixed_app, size):
    async def go(pilot):
        await _settled(pilot)
        pilot.app.screen.select("staging")
        await pilot.press("l")
        await _settled(pilot, lambda: type(pilot.app.screen).__name__ == "LoginForm")

    assert snap_compare(fixed_app, terminal_size=size, run_before=go)


@SIZES
def test_profile_form_snapshot(snap_compare, fixed_app, size):
    async def go(pilot):
        await _settled(pilot)
        await pilot.press("a")
        await _settled(pilot)

    assert snap_compare(fixed_app, terminal_size=size, run_before=go)


@SIZES
def test_confirm_dialog_snapshot(snap_compare, fixed_app, size):
    async def go(pilot):
        await _settled(pilot)
        pilot.app.screen.select("demo")
        await pilot.press("ctrl+d")
        await _settled(pilot)

    assert snap_compare(fixed_app, terminal_size=size, run_before=go)
