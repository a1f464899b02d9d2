"""The TUI driven by Pilot: the server list against a real Strapi, sign-in, keys, filter, no keyring,
silent refresh, and an answer that is not Strapi. Network never blocks the UI (all in workers)."""

from __future__ import annotations

import asyncio
import re

import keyring
import pytest
from keyring.backends import fail

from hostile_server import Canned, HostileServer
from screens.app import StrapiConsoleApp
from screens.confirm import ConfirmScreen
from screens.help import HelpScreen
from screens.role_compare import RoleCompareScreen
from screens.keyring_choice import KeyringChoiceScreen
from screens.login_form import LoginForm
from screens.server_list import ServerListScreen
from strapi_console import config as cm
from strapi_console.config import Profile
from strapi_console.errors import ConfigError
from strapi_console.secrets import SERVICE


def make_config(*profiles: Profile):
    cfg = cm.load()
    for p in profiles:
        cfg.add(p, replace=True)
    cm.save(cfg)
    return cfg


async def settle(app, pilot, until=None, timeout=30.0):
    """Let workers finish (the list refreshes in the background), optionally until a condition holds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        await pilot.pause(0.1)
        busy = any(s.refreshing for s in app.states.values())
        if (until is None and not busy) or (until is not None and until()):
            return
    raise AssertionError("the app did not settle in time")


def cell(app, row: str, col: str) -> str:
    table = app.screen.query_one("#servers")
    value = table.get_cell(row, col)
    return getattr(value, "plain", str(value))


async def signed_in(store, target, name: str, **profile_kw) -> Profile:
    """A profile of ``target`` signed in as a fresh admin, its session in ``store``."""
    from strapi_console.client import StrapiClient

    email, password = await asyncio.to_thread(target.new_admin)
    profile = target.profile(name, email=email, **profile_kw)
    async with StrapiClient(profile, on_credentials=lambda c: store.set(name, c)) as client:
        await client.login(email, password)
    return profile


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press(ch)


def password_field_ready(app) -> bool:
    """The sign-in form is up and its password field has the focus (keys typed earlier would be lost)."""
    return isinstance(app.screen, LoginForm) and getattr(app.focused, "id", None) == "password"


async def sign_in_with_form(app, pilot, name: str, password: str) -> None:
    await pilot.press("l")
    await settle(app, pilot, until=lambda: password_field_ready(app))
    await type_text(pilot, password)
    await pilot.press("enter")
    # a hang guard, not a timing assertion: sign-in, then a whole scan of a real server on a shared 2-core
    # machine (the full suite ran this past 30 s once, with other servers busy)
    await settle(app, pilot, until=lambda: app.state(name).signed_in, timeout=120)


@pytest.mark.e2e
async def test_sign_in_from_the_tui_and_see_the_server(strapi5, isolated):
    email, password = await asyncio.to_thread(strapi5.new_admin)
    cfg = make_config(strapi5.profile("local", email=email),
                      Profile("prod", "http://127.0.0.1:9", tags=["production"]))
    app = StrapiConsoleApp(config=cfg)
    async with app.run_test(size=(120, 40)) as pilot:  # wide enough for the version and edition columns
        await settle(app, pilot)
        assert cell(app, "local", "state") == "○ signed out"
        assert cell(app, "local", "version") == "≥5.40"  # bracketed from anonymous probes
        assert cell(app, "prod", "state") == "✗ unreachable"
        assert cell(app, "prod", "lock") == "RO"
        await sign_in_with_form(app, pilot, "local", password)
        await settle(app, pilot)
        assert cell(app, "local", "state") == "● signed in"
        assert cell(app, "local", "version") == "5.54.0"
        assert cell(app, "local", "edition") == "CE"
        assert cell(app, "local", "grade") != ""
        assert (SERVICE, "local") in isolated.entries
        assert password not in isolated.entries[(SERVICE, "local")]
        # enter opens the findings, the same checks as `scan`
        await pilot.press("enter")
        await settle(app, pilot, until=lambda: app.screen.__class__.__name__ == "ServerDetailScreen")
        findings = app.screen.query_one("#findings")
        assert "SEC-ADMIN-JWT-DEFAULT" in [str(k.value) for k in findings.rows]
        assert password not in app.export_screenshot()
        await pilot.press("escape")
        assert isinstance(app.screen, ServerListScreen)
        # sign out ends the session and forgets the token
        await pilot.press("o")
        await settle(app, pilot, until=lambda: (SERVICE, "local") not in isolated.entries)
        await settle(app, pilot)
        assert cell(app, "local", "state") == "○ signed out"


@pytest.mark.e2e
async def test_wrong_password_keeps_the_form_open_with_the_reason(strapi5):
    email, _ = await asyncio.to_thread(strapi5.new_admin)
    app = StrapiConsoleApp(config=make_config(strapi5.profile("local", email=email)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("l")
        await settle(app, pilot, until=lambda: password_field_ready(app))
        await type_text(pilot, "Wrong-pass-42")
        await pilot.press("enter")
        await settle(app, pilot, until=lambda: isinstance(app.screen, LoginForm) and app.screen.message)
        assert "refused the e-mail or password" in app.screen.message
        await pilot.press("escape")
        assert isinstance(app.screen, ServerListScreen)


@pytest.mark.e2e
async def test_no_keyring_offers_memory_and_keeps_working(strapi5):
    keyring.set_keyring(fail.Keyring())
    email, password = await asyncio.to_thread(strapi5.new_admin)
    app = StrapiConsoleApp(config=make_config(strapi5.profile("local", email=email)))
    async with app.run_test(size=(120, 40)) as pilot:  # wide enough for the version column
        await settle(app, pilot)
        await pilot.press("l")
        await settle(app, pilot, until=lambda: isinstance(app.screen, KeyringChoiceScreen))
        assert "SSH" in str(app.screen.query_one("Static").render())
        await pilot.press("m")
        await settle(app, pilot, until=lambda: password_field_ready(app))
        await type_text(pilot, password)
        await pilot.press("enter")
        await settle(app, pilot, until=lambda: app.state("local").signed_in)
        assert app.store.memory_only
        assert cell(app, "local", "version") == "5.54.0"


@pytest.mark.e2e
async def test_silent_refresh_of_short_lived_access_tokens(strapi5_default, isolated):
    """The server issues 8-second access tokens: refreshing keeps the session without asking anything."""
    email, password = await asyncio.to_thread(strapi5_default.new_admin)
    app = StrapiConsoleApp(config=make_config(strapi5_default.profile("short", email=email)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await sign_in_with_form(app, pilot, "short", password)
        first = isolated.entries[(SERVICE, "short")]
        await asyncio.sleep(9)  # the access token has expired
        await pilot.press("r")
        await settle(app, pilot, until=lambda: not app.state("short").refreshing and
                     isolated.entries[(SERVICE, "short")] != first, timeout=120)
        await settle(app, pilot)
        assert app.state("short").signed_in
        assert not isinstance(app.screen, LoginForm)
        assert cell(app, "short", "state") == "● signed in"
        # the SEC-ADMIN-JWT-DEFAULT check sees the template secret through the refreshed token
        result = app.state("short").result
        assert {f.check_id: f.status for f in result.findings}["SEC-ADMIN-JWT-DEFAULT"] == "fail"


RATE_LIMITED = b'{"data":null,"error":{"status":429,"name":"RateLimitError","message":"Too many requests"}}'


@pytest.mark.parametrize("says_when", [True, False], ids=["reset-header", "no-reset-header"])
async def test_a_server_answering_429_to_everything_for_a_minute(says_when):
    """Every request gets 429 for the next minute. The console neither hangs nor hammers: the scan ends
    (the header says a minute: no retry; no header: two short retries), the operator is told when to try
    again, and the TUI answers keys meanwhile."""
    import time as _time

    server = HostileServer()
    try:
        headers = {"Content-Type": "application/json"}
        if says_when:
            headers["X-RateLimit-Reset"] = str(int(_time.time()) + 60)
        server.default = Canned(429, headers, RATE_LIMITED)
        reset_at = int(headers.get("X-RateLimit-Reset", 0))
        app = StrapiConsoleApp(config=make_config(Profile("busy", server.url)))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("question_mark")  # keys answer while the scan meets the 429s
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            await settle(app, pilot)  # the scan ended well before the minute is over (settle gives 30 s)
            assert cell(app, "busy", "state").startswith("✗")
            detail = str(app.screen.query_one("#server-detail").render())
            assert "rate limited" in detail
            if says_when:  # the server's own reset time, and a wait within its minute (however long the scan took)
                from datetime import datetime

                assert f"after {datetime.fromtimestamp(reset_at).strftime('%H:%M:%S')}" in detail
                assert re.search(r"\(in (?:0 min \d{1,2}|1 min 0) s\)", detail), detail
            else:
                assert "did not say when" in detail
        # no retry against a one-minute window; at most two per request otherwise
        assert len(server.requests) <= (8 if says_when else 30), len(server.requests)
    finally:
        server.close()


@pytest.mark.parametrize("kind", ["never-answers", "one-byte-a-second", "20-MB-json"])
async def test_keys_answer_while_a_server_misbehaves(kind):
    """A scan waiting on a server that holds the connection, drips its answer or sends 20 MB never holds
    the UI: the help opens and a panel switch happens while the scan is still out. (How each one ends,
    bounded and with its message, is tested on the client.)"""
    server = HostileServer()
    try:
        canned = {"never-answers": Canned(hang=True),
                  "one-byte-a-second": Canned(body=b'{"data":{}}' + b" " * 200, drip=1.0),
                  "20-MB-json": Canned(body=b'{"data":"' + b"x" * (20 * 1024 * 1024) + b'"}')}[kind]
        server.default = canned
        app = StrapiConsoleApp(config=make_config(Profile("slow", server.url)))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.3)
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape", "2")
            await pilot.pause()
            assert app.current_mode == "versions"
            if kind == "20-MB-json":
                await pilot.press("1")
                await settle(app, pilot)
                assert "more than 8 MB" in str(app.screen.query_one("#server-detail").render())
            else:
                assert app.state("slow").refreshing  # the scan is still waiting, the keys were not
    finally:
        server.close()


async def test_html_answer_is_shown_as_not_strapi_and_app_keeps_running():
    server = HostileServer()
    try:
        server.set("GET", "/admin/init", Canned(200, {"Content-Type": "text/html"}, b"<html>portal</html>"))
        app = StrapiConsoleApp(config=make_config(Profile("odd", server.url)))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            assert cell(app, "odd", "state") == "✗ not Strapi?"
            detail = str(app.screen.query_one("#server-detail").render())
            assert "not like a Strapi server" in detail
            await pilot.press("r")
            await settle(app, pilot)
            assert app.is_running
    finally:
        server.close()


async def test_key_bar_keeps_help_in_reach_at_80_columns_and_its_keys_click():
    """The screen's keys fill the bottom line from the left; `? Help` stays at the right end however
    many keys there are, and a click on a key does what the key does."""
    from screens.key_bar import KeyBar

    app = StrapiConsoleApp(config=make_config(Profile("alpha", "http://127.0.0.1:9")))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        bar = app.screen.query_one(KeyBar)
        line = bar.render().plain
        assert len(line) == 80 and line.startswith(" d Findings ") and "…" in line
        assert line.rstrip().endswith("? Help")  # at 80 columns the palette key gives its room to the screen's
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert bar.render().plain.rstrip().endswith("? Help  ^p palette")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        line = bar.render().plain
        start = line.index(" ? Help")
        await pilot.click(KeyBar, offset=(start + 2, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_keys_help_filter_panels_and_production_lock():
    cfg = make_config(Profile("alpha", "http://127.0.0.1:9"), Profile("beta", "http://127.0.0.1:9"),
                      Profile("prod-eu", "http://127.0.0.1:9", tags=["production"]))
    app = StrapiConsoleApp(config=cfg)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("Static").render())
        assert "Sign in" in text and "Filter" in text and "Quit" in text
        await pilot.press("escape")
        await pilot.press("slash")
        await type_text(pilot, "prod")
        await pilot.pause()
        assert [str(k.value) for k in app.screen.query_one("#servers").rows] == ["prod-eu"]
        await pilot.press("enter", "escape")
        await pilot.pause()
        assert len(app.screen.query_one("#servers").rows) == 3
        # production is read-only until unlocked by typing its name
        app.screen.select("prod-eu")
        await pilot.press("w")
        assert isinstance(app.screen, ConfirmScreen)
        await settle(app, pilot, until=lambda: getattr(app.focused, "id", None) == "typed")
        await type_text(pilot, "prod-eu")
        await pilot.press("enter")
        await pilot.pause()
        assert not app.policy.read_only(cfg.get("prod-eu"))
        assert cell(app, "prod-eu", "lock") == "RW"
        await pilot.press("4")
        await settle(app, pilot, until=lambda: "error" in str(app.screen.query_one("#audit-sources").render()))
        assert app.screen.__class__.__name__ == "AuditPanel"
        assert "Unreachable" in str(app.screen.query_one("#audit-sources").render())
        await pilot.press("5")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HeadersPanel"
        await pilot.press("1")
        assert isinstance(app.screen, ServerListScreen)


async def test_add_and_remove_a_profile_from_the_tui():
    app = StrapiConsoleApp(config=make_config())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await settle(app, pilot, until=lambda: getattr(app.focused, "id", None) == "name")
        await type_text(pilot, "staging")
        await pilot.press("tab")
        await type_text(pilot, "http://cms.example.com")
        await pilot.press("enter")
        await pilot.pause()
        assert "--allow-http" in str(app.screen.query_one("#profile-error").render())  # remote http refused
        app.screen.query_one("#url").value = "https://cms.example.com"
        await pilot.press("enter")
        await pilot.pause()
        assert "staging" in cm.load().profiles
        app.screen.select("staging")

        # a save that fails (a full disk, a read-only config) removes nothing and says why, never "removed"
        def broken_save():
            raise ConfigError("Cannot write the config file: No space left on device.")

        said: list[str] = []
        real_notify = app.notify
        app.notify = lambda message, **kw: (said.append(str(message)), real_notify(message, **kw))[1]
        real_save, app.save_config = app.save_config, broken_save
        await pilot.press("ctrl+d")
        app.screen.dismiss(True)
        await pilot.pause()
        assert any("No space left" in m for m in said) and not any("removed" in m for m in said)
        assert "staging" in app.config.profiles and "staging" in cm.load().profiles
        app.save_config = real_save

        await pilot.press("ctrl+d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("tab", "shift+tab")
        app.screen.dismiss(True)
        await pilot.pause()
        assert "staging" not in cm.load().profiles
        assert any("Profile staging removed" in m for m in said)


async def test_aggressive_probes_on_production_ask_for_the_profile_name():
    """The same confirmation policy as the CLI: failed sign-ins and a deep query on production are typed for."""
    app = StrapiConsoleApp(config=make_config(Profile("prod", "http://127.0.0.1:9", tags=["production"])))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot, until=lambda: app.screen.__class__.__name__ == "ServerDetailScreen")
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and app.screen.confirm_text == "prod"
        assert "Failed sign-ins with made-up identities" in app.screen.question
        app.screen.dismiss(False)
        await pilot.pause()
        assert "prod" not in app.aggressive


@pytest.mark.e2e
async def test_ended_session_asks_for_the_password_in_a_modal(strapi5):
    from strapi_console.client import StrapiClient
    from strapi_console.secrets import SecretStore

    email, password = await asyncio.to_thread(strapi5.new_admin)
    cfg = make_config(strapi5.profile("local", email=email))
    store = SecretStore()

    async def save(creds):
        store.set("local", creds)

    async with StrapiClient(cfg.get("local"), on_credentials=save) as client:
        creds = await client.login(email, password)
        # an incident responder ends every session of this admin (logout without deviceId)
        await client.http.send("POST", "/admin/logout", json_body={},
                               headers={"Authorization": f"Bearer {creds.access_token}"})
    app = StrapiConsoleApp(config=cfg, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot, until=lambda: password_field_ready(app))
        assert "session ended" in app.screen.message
        await type_text(pilot, password)
        await pilot.press("enter")
        await settle(app, pilot, until=lambda: app.state("local").signed_in)
        assert cell(app, "local", "state") == "● signed in"


async def test_crash_report_has_no_locals_and_no_secrets():
    from strapi_console.redact import register_secret

    app = StrapiConsoleApp(config=make_config())
    secret = "Crash-secret-password-123"
    register_secret(secret)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        password = secret  # a local variable that Textual's default report would print  # noqa: F841
        try:
            raise RuntimeError(f"boom with {secret}")
        except RuntimeError:
            app._fatal_error()
        report = "".join(str(r) for r in app._exit_renderables)
        app._exit_renderables.clear()
    assert "boom with <redacted>" in report and secret not in report
    assert "╭" not in report and "│" not in report  # no Rich panels: Textual's own report would print every frame's local variables


async def test_colon_jumps_to_a_panel():
    app = StrapiConsoleApp(config=make_config(Profile("alpha", "http://127.0.0.1:9")))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("colon")
        await pilot.pause(0.3)
        await type_text(pilot, "HTTPS")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.current_mode == "headers"


async def test_versions_panel_shows_the_data_age_and_u_updates_it_in_a_worker(monkeypatch):
    """Panel 2 says how old the advisory data is; `u` runs `advisories update` (a fake OSV) without blocking."""
    from fake_public_apis import FakeAPIs
    from screens.versions_panel import VersionsPanel
    from strapi_console import advisories

    apis = FakeAPIs()
    monkeypatch.setenv("STRAPI_CONSOLE_OSV_API", apis.url)
    advisories.reset_cache()
    app = StrapiConsoleApp(config=make_config(Profile("alpha", "http://127.0.0.1:9")))
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(app, pilot)
            await pilot.press("2")
            await pilot.pause(0.3)
            panel = app.screen
            assert isinstance(panel, VersionsPanel)
            source = lambda: str(panel.query_one("#advisory-source").render())  # noqa: E731
            assert "advisory data of 2026-05-15" in source() and "older than 30 days" in source()
            assert "u updates it" in source()
            await pilot.press("u")
            await settle(app, pilot, until=lambda: not panel.updating and "from today" in source())
            assert "older than" not in source() and "updated" in source()
            assert any("Stored 41 advisories from OSV" in n.message for n in app._notifications)
            assert advisories.load().source == "user"
    finally:
        apis.close()
        advisories.reset_cache()


@pytest.mark.e2e
async def test_versions_panel_shows_the_fleet_and_advisories(strapi5, strapi4):
    """Panel 2 on real servers: 5.54.0 clean, 4.26.2 with the critical GHSA-rjg2 and a migration target."""
    from screens.versions_panel import VersionsPanel
    from strapi_console.secrets import SecretStore

    store = SecretStore()
    profiles = [await signed_in(store, strapi5, "v5"), await signed_in(store, strapi4, "v4")]
    app = StrapiConsoleApp(config=make_config(*profiles, Profile("off", "http://127.0.0.1:9")), store=store)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await pilot.pause(0.3)
        panel = app.screen
        assert isinstance(panel, VersionsPanel)
        fleet = panel.query_one("#fleet-versions")
        text = lambda row, col: getattr(fleet.get_cell(row, col), "plain", str(fleet.get_cell(row, col)))  # noqa
        assert text("v5", "version") == "5.54.0" and text("v5", "advisories") == "✓ none"
        assert text("v5", "node").startswith("v20.20.2 ✗")  # Node 20 is past end of life
        assert text("v4", "version") == "4.26.2" and "1C" in text("v4", "advisories")
        assert text("v4", "major") == "✗ EOL" and text("v4", "target") == "→ 5.x"
        panel.query_one("#fleet-versions").move_cursor(row=1)
        await pilot.pause(0.2)
        rows = [str(k.value) for k in panel.query_one("#server-advisories").rows]
        assert "GHSA-rjg2-95x7-8qmx|@strapi/strapi" in rows
        detail = str(panel.query_one("#advisory-detail").render())
        assert "GHSA-rjg2-95x7-8qmx" in detail and "affected: v4" in detail and "not affected: v5" in detail
        assert "unknown (no exact version): off" in detail
        await pilot.press("slash")
        await type_text(pilot, "sql")
        await pilot.pause(0.2)
        assert [str(k.value) for k in panel.query_one("#server-advisories").rows] == []  # 4.26.2 has the fix
        await pilot.press("escape")
        await pilot.pause(0.2)
        # three core advisories plus the declared users-permissions plugin (GHSA-7mqx, GHSA-hvp3)
        assert sorted(str(k.value) for k in panel.query_one("#server-advisories").rows) == [
            "GHSA-4r8w-3jww-m2rp|@strapi/strapi", "GHSA-7mqx-wwh4-f9fw|@strapi/plugin-users-permissions",
            "GHSA-hvp3-26wx-g2w4|@strapi/admin", "GHSA-hvp3-26wx-g2w4|@strapi/plugin-users-permissions",
            "GHSA-rjg2-95x7-8qmx|@strapi/strapi"]


@pytest.mark.e2e
async def test_permission_matrix_toggle_apply_undo(strapi5_perm):
    """Panel 3 on a real server whose Public role can create articles: stage, apply, verify, undo."""
    from screens.permissions_panel import PermissionsPanel
    from strapi_console import permissions
    from strapi_console.client import StrapiClient
    from strapi_console.secrets import SecretStore

    email, password = await asyncio.to_thread(strapi5_perm.new_admin)
    store = SecretStore()
    profile = strapi5_perm.profile("perm", email=email)
    async with StrapiClient(profile, on_credentials=lambda c: store.set("perm", c)) as client:
        await client.login(email, password)
        original = (await permissions.role_by_type(client, "public")).leaves()

    app = StrapiConsoleApp(config=make_config(profile), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        panel = app.screen
        assert isinstance(panel, PermissionsPanel)
        await settle(app, pilot, until=lambda: panel.role is not None)
        matrix = panel.query_one("#matrix")
        assert matrix.get_cell("api::article.article", "create").plain == "✓!"  # flagged: AUTH-PUBLIC-WRITE
        assert "flagged" in str(panel.query_one("#perm-head").render())
        assert app.focused is panel.query_one("#roles")
        await pilot.press("tab")  # from the role list to the matrix, no mouse
        assert app.focused is matrix
        matrix.move_cursor(row=matrix.get_row_index("api::article.article"),
                           column=matrix.get_column_index("create"))
        await pilot.press("d")
        assert "AUTH-PUBLIC-WRITE" in str(panel.query_one("#pending").render())
        await pilot.press("space")
        assert panel.staged == {"api::article.article.create": False}
        assert "article.create allowed → denied" in str(panel.query_one("#pending").render())
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmScreen)
        app.screen.dismiss(True)
        await settle(app, pilot, until=lambda: panel.role is not None and not panel.staged and
                     not panel.role.leaves()["api::article.article.create"])

        async with StrapiClient(profile) as reader:
            await reader.login(email, password)
            after = (await permissions.role_by_type(reader, "public")).leaves()
        assert after == {**original, "api::article.article.create": False}

        await pilot.press("u")  # undo reads the server first, then asks
        await settle(app, pilot, until=lambda: isinstance(app.screen, ConfirmScreen))
        # the confirmation says what undo will send (now → target), not the journal's old line
        assert "Public: article.create denied → allowed" in app.screen.question
        assert "allowed → denied" not in app.screen.question
        app.screen.dismiss(True)
        await settle(app, pilot, until=lambda: panel.role is not None and
                     panel.role.leaves()["api::article.article.create"])
        async with StrapiClient(profile) as reader:
            await reader.login(email, password)
            assert (await permissions.role_by_type(reader, "public")).leaves() == original


@pytest.mark.e2e
async def test_read_only_profile_offers_no_edit_keys(strapi5_perm):
    from screens.permissions_panel import PermissionsPanel
    from strapi_console.secrets import SecretStore

    store = SecretStore()
    profile = await signed_in(store, strapi5_perm, "prod", tags=["production"])
    app = StrapiConsoleApp(config=make_config(profile), store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        panel = app.screen
        await settle(app, pilot, until=lambda: isinstance(panel, PermissionsPanel) and panel.role is not None)
        offered = {b.binding.action for b in panel.active_bindings.values() if b.enabled}
        assert not offered & {"toggle", "apply", "undo"}
        panel.query_one("#matrix").focus()
        await pilot.press("space", "a")
        assert panel.staged == {} and not isinstance(app.screen, ConfirmScreen)
        assert "read-only" in str(panel.query_one("#perm-head").render())
        await pilot.press("5")
        await pilot.pause(0.2)
        offered = {b.binding.action for b in app.screen.active_bindings.values() if b.enabled}
        assert "copy_fix" in offered and not offered & {"apply_fix", "regenerate"}


async def open_permissions(app, pilot, profile: str | None = None):
    """Panel 3 on ``profile`` (or the first server), its end-user role loaded."""
    from screens.permissions_panel import PermissionsPanel

    await settle(app, pilot)
    if profile:
        app.select_profile(profile)
    await pilot.press("3")
    panel = app.screen
    assert isinstance(panel, PermissionsPanel)
    await settle(app, pilot, until=lambda: panel.role is not None)
    return panel


async def open_admin_roles(app, pilot):
    """Panel 3 switched to the admin roles (t), loaded."""
    panel = await open_permissions(app, pilot)
    await pilot.press("t")
    await settle(app, pilot, until=lambda: panel.admin_role is not None)
    return panel


@pytest.mark.e2e
async def test_admin_roles_matrix_and_super_admin_lock(strapi5_perm):
    from strapi_console.secrets import SecretStore

    store = SecretStore()
    profile = await signed_in(store, strapi5_perm, "perm")
    app = StrapiConsoleApp(config=make_config(profile), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        panel = await open_admin_roles(app, pilot)
        assert panel.admin_role.code == "strapi-editor"
        matrix = panel.query_one("#matrix")
        assert matrix.get_cell("api::article.article", "delete").plain in ("✓", "◐")
        assert matrix.get_cell("@admin::users.read", "allow").plain in ("·", "✓", "◐")
        matrix.focus()
        matrix.move_cursor(row=matrix.get_row_index("api::article.article"), column=matrix.get_column_index("publish"))
        await pilot.press("space")
        assert len(panel.staged) == 1 and "Editor: publish on api::article.article" in str(
            panel.query_one("#pending").render())
        await pilot.press("x")
        roles = panel.query_one("#roles")
        roles.focus()
        roles.move_cursor(row=[r.code for r in panel.admin_roles].index("strapi-super-admin"))
        await pilot.press("enter")
        await settle(app, pilot, until=lambda: panel.admin_role is not None and panel.admin_role.super_admin)
        assert "Super Admin: read-only" in str(panel.query_one("#perm-head").render())
        panel.query_one("#matrix").focus()
        await pilot.press("space")
        assert panel.staged == {}


@pytest.mark.e2e
async def test_baseline_exported_on_one_server_is_staged_and_applied_on_another(strapi5, strapi5_perm):
    """Promotion: the reviewed Public role of the clean server is exported (e), staged on the Public role
    of the server whose Public can write (b + the file), reviewed, applied; undo puts it back."""
    import json as _json

    from strapi_console import paths
    from strapi_console import permissions as perms
    from strapi_console.client import StrapiClient
    from strapi_console.secrets import SecretStore

    store = SecretStore()
    profiles = [await signed_in(store, strapi5, "staging"), await signed_in(store, strapi5_perm, "prod")]
    app = StrapiConsoleApp(config=make_config(*profiles), store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await open_permissions(app, pilot, "staging")
        await pilot.press("e")
        await pilot.pause()
        exported = next((paths.data_dir() / "exports").glob("role-staging-up-public.json"))
        wanted = set(_json.loads(exported.read_text())["enabled"])

        app.select_profile("prod")
        panel.load()
        await settle(app, pilot, until=lambda: panel.profile_name == "prod" and panel.role is not None)
        before = panel.role.enabled()
        assert before != wanted and "api::article.article.create" in before
        await pilot.press("b")
        await type_text(pilot, str(exported))
        await pilot.press("enter")
        await pilot.pause()
        assert panel.staged["api::article.article.create"] is False
        assert panel.query_one("#matrix").get_cell("api::article.article", "create").plain == "✗*"
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmScreen)
        app.screen.dismiss(True)
        await settle(app, pilot, until=lambda: panel.role is not None and not panel.staged
                     and panel.role.enabled() == wanted)
        async with StrapiClient(profiles[1], store.get("prod")) as reader:
            assert (await perms.role_by_type(reader, "public")).enabled() == wanted
        await pilot.press("u")
        await settle(app, pilot, until=lambda: isinstance(app.screen, ConfirmScreen))
        app.screen.dismiss(True)
        await settle(app, pilot, until=lambda: panel.role is not None and panel.role.enabled() == before)


@pytest.mark.e2e
async def test_compare_admin_roles_side_by_side(strapi5_perm):
    """Editor and Author of a real Strapi 5: both may update articles within field and locale limits, but
    the Author only its own (the is-creator condition): partial on both sides, and still a difference."""
    from strapi_console.secrets import SecretStore

    store = SecretStore()
    profile = await signed_in(store, strapi5_perm, "perm")
    app = StrapiConsoleApp(config=make_config(profile), store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await open_admin_roles(app, pilot)
        panel._compare("perm", "Author")
        await settle(app, pilot, until=lambda: app.screen is not panel)
        await pilot.pause(0.1)
        cmp = app.screen.comparison
        assert cmp.left_name == "Editor on perm" and cmp.right_name == "Author on perm"
        assert cmp.state("api::article.article", "update") == ("partial", "partial")
        assert cmp.differs("api::article.article", "update")
        assert app.screen.query_one("#cmp-matrix").get_cell("api::article.article", "update").plain == "◐≠◐"
        await pilot.press("n")
        await pilot.pause(0.1)
        assert "differs" in str(app.screen.query_one("#cmp-detail").render())
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert app.screen is panel and panel.kind == "admin"


@pytest.mark.e2e
async def test_compare_public_across_servers(strapi5, strapi5_perm):
    """The same role on two servers: the demo-insecure one grants article.create, the clean one does not."""
    from strapi_console.secrets import SecretStore

    store = SecretStore()
    profiles = [await signed_in(store, strapi5, "clean"), await signed_in(store, strapi5_perm, "insecure")]
    app = StrapiConsoleApp(config=make_config(*profiles), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        panel = await open_permissions(app, pilot, "clean")
        panel._compare("insecure", "Public")
        await settle(app, pilot, until=lambda: app.screen is not panel)
        await pilot.pause(0.1)
        compare = app.screen
        assert isinstance(compare, RoleCompareScreen)
        cmp = compare.comparison
        assert cmp.state("api::article.article", "create") == ("denied", "allowed")
        assert cmp.differs("api::article.article", "create")
        matrix = compare.query_one("#cmp-matrix")
        assert matrix.get_cell("api::article.article", "create").plain == "·≠✓"
        assert "left Public on clean │ right Public on insecure" in str(compare.query_one("#cmp-head").render())
        await pilot.press("o")  # only the rows that differ remain
        await pilot.pause(0.1)
        assert [k for k, _ in matrix.rows] == cmp.differing_rows() and "api::article.article" in cmp.differing_rows()
        await pilot.press("n")
        await pilot.pause(0.1)
        row, column = matrix.cursor_key()
        assert cmp.differs(row, column)
        assert "differs" in str(compare.query_one("#cmp-detail").render())
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert app.screen is panel


@pytest.mark.e2e
async def test_headers_panel_shows_header_findings_and_copies_a_snippet(strapi5):
    from screens.headers_panel import HeadersPanel

    app = StrapiConsoleApp(config=make_config(strapi5.profile("cms")))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await pilot.pause(0.3)
        panel = app.screen
        assert isinstance(panel, HeadersPanel)
        rows = [str(k.value) for k in panel.query_one("#findings").rows]
        assert "HDR-CORS" in rows and "EXP-INSTALLER" in rows and not [r for r in rows if r.startswith("VER-")]
        assert "Web n/a (plain HTTP)" in str(panel.query_one("#detail-head").render())
        table = panel.query_one("#findings")
        table.move_cursor(row=rows.index("HDR-POWERED-BY"))
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert "strapi::poweredBy" in app.clipboard


@pytest.mark.e2e
async def test_panel_5_regenerates_then_fixes_a_token(strapi5_perm):
    """On TOK-FULL-ACCESS: `g` regenerates the token (key shown once in a modal), `f` makes it read-only."""
    import secrets as _secrets

    from screens.headers_panel import HeadersPanel
    from screens.key_shown import KeyShownScreen
    from strapi_console.checks.registry import FAMILIES
    from strapi_console.client import StrapiClient
    from strapi_console.secrets import SecretStore

    store = SecretStore()
    profile = await signed_in(store, strapi5_perm, "tokens")
    async with StrapiClient(profile, store.get("tokens")) as client:
        made = (await client.call("POST", "/admin/api-tokens", json_body={
            "name": f"tui-{_secrets.token_hex(3)}", "type": "full-access"}))["data"]
        others = [t["name"] for t in (await client.get("/admin/api-tokens"))["data"] if t["id"] != made["id"]]
    profile.allowed_full_access_tokens = others

    def status(check_id):
        result = app.state("tokens").result
        return next(f for f in result.findings if f.check_id == check_id).status if result else None

    app = StrapiConsoleApp(config=make_config(profile), store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        panel = app.screen
        assert isinstance(panel, HeadersPanel)
        table = panel.query_one("#findings")
        await settle(app, pilot, until=lambda: "TOK-FULL-ACCESS" in [str(k.value) for k in table.rows])
        rows = [str(k.value) for k in table.rows]
        families = [r.split("-")[0] for r in rows]
        assert families == sorted(families, key=FAMILIES.index)  # grouped by family, in the catalog's order
        table.focus()
        table.move_cursor(row=rows.index("TOK-FULL-ACCESS"))
        await pilot.pause()

        await pilot.press("g")
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen) and confirm.confirm_text == made["name"]
        assert "old key stops working" in confirm.question
        scanned = app.state("tokens").result  # the scan before the regeneration
        confirm.dismiss(True)
        await settle(app, pilot, until=lambda: isinstance(app.screen, KeyShownScreen))
        key = app.screen.key
        assert len(key) == 256 and key not in str(panel.query_one("#finding-detail").render())
        await pilot.press("c")
        assert app.clipboard == key
        await pilot.press("escape")
        # the rescan after the regeneration (the finding fails before and after it: wait for the new result)
        await settle(app, pilot, until=lambda: app.screen is panel and app.state("tokens").result is not scanned
                     and not app.state("tokens").refreshing)
        assert status("TOK-FULL-ACCESS") == "fail"

        table.move_cursor(row=[str(k.value) for k in table.rows].index("TOK-FULL-ACCESS"))
        await pilot.pause()
        await pilot.press("f")
        assert isinstance(app.screen, ConfirmScreen) and made["name"] in app.screen.question
        app.screen.dismiss(True)
        await settle(app, pilot, until=lambda: status("TOK-FULL-ACCESS") == "pass")
    async with StrapiClient(profile, store.get("tokens")) as client:
        assert (await client.get(f"/admin/api-tokens/{made['id']}"))["data"]["type"] == "read-only"
        used = await client.http.send("GET", "/api/articles", headers={"Authorization": f"Bearer {key}"})
        assert used.status == 200  # the regenerated key works (read-only can read)


async def test_audit_panel_follow_new_count_filter_pause_export(tmp_path):
    """Panel 4 on an Enterprise server (the fake audit-log server): follow, "N new", filter, pause, export."""
    import json as _json
    from datetime import datetime, timedelta, timezone

    from fake_audit_server import FakeAuditServer
    from screens.audit_panel import AuditPanel
    from strapi_console import paths
    from strapi_console.secrets import Credentials, SecretStore

    fake = FakeAuditServer()
    try:
        store = SecretStore("memory")
        store.set("ee", Credentials(kind="admin-token", access_token="fake-token-for-the-tail"))
        fake.add(5, when=datetime.now(timezone.utc) - timedelta(minutes=1))
        app = StrapiConsoleApp(config=make_config(Profile("ee", fake.url)), store=store, tail_fast=0.05)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("4")
            panel = app.screen
            assert isinstance(panel, AuditPanel)
            table = panel.query_one("#events")
            await settle(app, pilot, until=lambda: table.row_count == 5)
            assert "audit logs" in str(panel.query_one("#audit-sources").render())
            assert panel.following and table.cursor_row == 4

            fake.add(3)
            await settle(app, pilot, until=lambda: table.row_count == 8)
            assert table.cursor_row == 7  # follow mode stays at the bottom

            table.focus()
            await pilot.press("up", "up")
            assert not panel.following
            fake.add(4, action="role.update", payload={"role": {"id": 2, "name": "Editor"}})
            await settle(app, pilot, until=lambda: table.row_count == 12)
            assert "4 new — End to follow" in str(panel.query_one("#audit-follow").render())
            assert table.cursor_row == 5
            await pilot.press("end")
            assert panel.following and table.cursor_row == 11
            assert "Editor" in panel.query_one("#event-detail").text

            await pilot.press("slash")
            await type_text(pilot, "action:role")
            await settle(app, pilot, until=lambda: table.row_count == 4)
            await pilot.press("enter")

            await pilot.press("p")
            assert "paused" in str(panel.query_one("#audit-follow").render())
            await pilot.pause(0.3)
            sent = len(fake.requests)
            fake.add(2, action="role.delete")
            await pilot.pause(0.6)
            assert len(fake.requests) == sent and table.row_count == 4
            await pilot.press("p")
            await settle(app, pilot, until=lambda: table.row_count == 6)

            await pilot.press("x")
            await pilot.pause()
            exported = list((paths.data_dir() / "exports").glob("audit-*.jsonl"))
            lines = [_json.loads(line) for line in exported[0].read_text().splitlines()]
            assert [e["action"] for e in lines] == ["role.update"] * 4 + ["role.delete"] * 2
            assert all(e["source"] == "audit-log" and e["server"] == "ee" for e in lines)

            await pilot.press("1")  # hidden: the tail pauses
            await pilot.pause(0.3)
            sent = len(fake.requests)
            await pilot.pause(0.6)
            assert len(fake.requests) == sent
    finally:
        fake.close()


async def test_audit_panel_keeps_a_preview_of_a_huge_payload_and_stays_responsive():
    """A 4 MB payload is kept as a 16 KB preview (tail memory is bounded in bytes); with no server to fetch
    the whole one again (this event came from no tail), the detail shows the preview and says so."""
    from datetime import datetime, timezone

    from screens.audit_panel import AuditPanel
    from strapi_console.audit.events import AuditEvent

    app = StrapiConsoleApp(config=make_config())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        panel = app.screen
        assert isinstance(panel, AuditPanel)
        body = "y" * 4_000_000
        panel._on_events([AuditEvent("big", "1", datetime.now(timezone.utc), "editor@example.com",
                                     "entry.update", "article #1", "update article " + "z" * 500, derived=False,
                                     payload={"entry": {"body": body}, "password": "hunter2-secret"})])
        await pilot.pause(0.3)
        table = panel.query_one("#events")
        assert len(table.cell_text(0, 5)) <= 100  # truncated in the list
        detail = panel.query_one("#event-detail").text
        assert "y" * 1000 in detail and body not in detail and len(detail) < 100_000  # a preview, not 4 MB
        assert "hunter2-secret" not in detail  # secrets redacted in the preview too
        assert "preview" in str(panel.query_one("#event-head").render())
        await pilot.press("up")  # the panel still answers keys
        assert "4 new" not in str(panel.query_one("#audit-follow").render())


@pytest.mark.e2e
async def test_fleet_view_worst_first_and_enter_opens_the_last_panel(strapi5, strapi5_default):
    from strapi_console.secrets import SecretStore

    store = SecretStore()
    rand = await signed_in(store, strapi5, "rand")
    dflt = await signed_in(store, strapi5_default, "dflt")
    app = StrapiConsoleApp(config=make_config(rand, dflt, Profile("down", "http://127.0.0.1:9")), store=store)
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(app, pilot, until=lambda: all(app.state(n).result is not None and not app.state(n).refreshing
                                                   for n in ("rand", "dflt", "down")))
        await pilot.pause(0.3)
        table = app.screen.query_one("#servers")
        order = lambda: [str(r.key.value) for r in table.ordered_rows]  # noqa: E731
        # unreachable first; then the default-secret server (grade F with a critical failure) before the other
        assert order() == ["down", "dflt", "rand"]
        assert cell(app, "dflt", "grade") == "F" and cell(app, "dflt", "fails").startswith(
            f"{app.state('dflt').result.counts()['critical']}C")
        assert cell(app, "dflt", "worst") == app.state("dflt").result.worst().check_id
        await pilot.press("s")
        assert order() == ["dflt", "down", "rand"]
        await pilot.press("s")
        # enter opens the highlighted server in the panel the operator came from
        await pilot.press("3")
        await pilot.pause(0.2)
        await pilot.press("1")
        await pilot.pause(0.2)
        app.screen.select("rand")
        await pilot.pause(0.1)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.current_mode == "permissions" and app.selected_profile() == "rand"


def test_every_key_of_every_screen_has_an_action_to_run():
    """A binding whose action the screen lacks does nothing when pressed, silently (Tab in panel 3 did)."""
    import importlib

    from screens.app import StrapiConsoleApp as App_

    modules = ["server_list", "server_detail", "versions_panel", "permissions_panel", "audit_panel",
               "headers_panel", "role_compare", "confirm", "help", "key_shown", "keyring_choice", "login_form",
               "profile_form", "matrix_view", "event_list"]
    missing = []
    for name in modules:
        module = importlib.import_module(f"screens.{name}")
        for cls in vars(module).values():
            if not isinstance(cls, type) or cls.__module__ != module.__name__ or not hasattr(cls, "BINDINGS"):
                continue
            for binding in cls.BINDINGS:
                action = binding.action if hasattr(binding, "action") else binding[1]
                target, _, call = action.rpartition(".")
                method = "action_" + call.split("(")[0]
                owner = App_ if target == "app" else cls
                if not hasattr(owner, method):
                    missing.append(f"{cls.__name__}: {action}")
    for binding in App_.BINDINGS:
        if not hasattr(App_, "action_" + binding.action.split("(")[0]):
            missing.append(f"app: {binding.action}")
    assert missing == []
