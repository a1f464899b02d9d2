"""What the operator sees while things happen: keys typed ahead land where meant whatever the burst, every
action shows it started the moment its key is handled (before any server answers) and what happened when
it ends, dialogs say their keys, and keys that do nothing say why.

Bursts are sent the way a terminal driver delivers them: every key posted at once, none waiting for the
one before (Pilot's ``press`` waits between keys, which hides the bug). Slow servers are a fake Strapi
holding the requests until the test has looked at the screen: no timing in any assertion.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from textual import events
from textual.keys import _character_to_key

from conftest import wait_until
from screens.app import StrapiConsoleApp
from screens.confirm import ConfirmScreen
from screens.login_form import LoginForm
from screens.profile_form import ProfileForm
from strapi_console import config as cm
from strapi_console.config import Profile

NAMED_KEYS = {"tab", "enter", "escape", "left", "right", "up", "down", "space", "shift+tab", "backspace"}


def burst(app, *parts: str) -> None:
    """Post every key of ``parts`` at once, as a terminal read of a laggy SSH link hands them over."""
    for part in parts:
        keys = [part] if part in NAMED_KEYS else list(part)
        for key in keys:
            if len(key) == 1:
                char, name = key, (key if key.isalnum() else _character_to_key(key))
            else:
                char, name = {"tab": "\t", "enter": "\r", "escape": "\x1b", "space": " "}.get(key), key
            app._driver.send_message(events.Key(name, char))


def text_of(widget) -> str:
    rendered = widget.render()
    return getattr(rendered, "plain", str(rendered))


def make_config(*profiles: Profile):
    cfg = cm.load()
    for p in profiles:
        cfg.add(p, replace=True)
    cm.save(cfg)
    return cfg


# --- keys typed ahead ----------------------------------------------------------------------------


async def test_a_burst_fills_each_field_of_the_profile_form_in_order():
    """`a`, then `abc<Tab>http://127.0.0.1:9<Tab>` in the same burst: the form opens, the name gets `abc`,
    the URL the rest (before, the whole burst went into the name)."""
    app = StrapiConsoleApp(config=make_config())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst(app, "a", "abc", "tab", "http://127.0.0.1:9", "tab", "staging.example")
        await wait_until(lambda: isinstance(app.screen, ProfileForm)
                         and app.screen.query_one("#public-url").value == "staging.example")
        form = app.screen
        assert form.query_one("#name").value == "abc"
        assert form.query_one("#url").value == "http://127.0.0.1:9"
        # and backwards: shift+tab twice reaches the name, whose text (selected on focus) the next key replaces
        burst(app, "shift+tab", "shift+tab", "x")
        await wait_until(lambda: form.query_one("#name").value == "x")
        assert form.query_one("#url").value == "http://127.0.0.1:9"
        assert form.query_one("#public-url").value == "staging.example"


async def test_the_password_typed_right_after_l_lands_in_the_sign_in_form(fake_strapi):
    """`l` opens the sign-in form only after a keyring probe in a thread; the password typed in the same
    burst goes into the form (before, its letters ran the server list's keys: `a` opened the profile form)."""
    app = StrapiConsoleApp(config=cm.load())
    app.store.delete(fake_strapi.profile.name)  # signed out: the form is needed
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(lambda: app.state("fake").result is not None and not app.state("fake").refreshing)
        burst(app, "l", fake_strapi.fake.password, "enter")
        await wait_until(lambda: bool(app.state("fake").signed_in), timeout=30)
        assert not isinstance(app.screen, (LoginForm, ProfileForm))
        assert len(cm.load().profiles) == 1


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (apt-get install tmux)")
def test_a_burst_sent_through_tmux_to_a_real_terminal(tmp_path):
    """The same burst through a real terminal: tmux runs the app at 80×24 and `send-keys` hands the form
    `abc<Tab>http://127.0.0.1:9<Tab>` in one write."""
    env = dict(os.environ, TERM="xterm-256color", PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    root = Path(__file__).resolve().parents[1]
    socket = f"sc-test-{os.getpid()}"
    tmux = ["tmux", "-L", socket]
    command = f"cd {root} && {sys.executable} -c 'import sys; from screens.entry import main; sys.exit(main([\"tui\"]))'"
    subprocess.run([*tmux, "new-session", "-d", "-s", "t", "-x", "80", "-y", "24", command], env=env, check=True)
    try:
        def screen() -> str:
            return subprocess.run([*tmux, "capture-pane", "-p", "-t", "t"], capture_output=True, text=True).stdout

        def wait_for(text: str) -> str:
            end = time.monotonic() + 60
            while time.monotonic() < end:
                shown = screen()
                if text in shown:
                    return shown
                time.sleep(0.2)
            raise AssertionError(f"{text!r} never showed; the screen:\n{screen()}")

        wait_for("No servers yet")
        subprocess.run([*tmux, "send-keys", "-t", "t", "a"], check=True)
        wait_for("Add a server profile")
        subprocess.run([*tmux, "send-keys", "-t", "t", "abc", "Tab", "http://127.0.0.1:9", "Tab"], check=True)
        shown = wait_for("http://127.0.0.1:9")
        assert "abchttp" not in shown
        rows = [line for line in shown.splitlines() if "abc" in line or "127.0.0.1" in line]
        assert len(rows) == 2, shown
        assert "abc" in rows[0] and "127.0.0.1" not in rows[0], shown
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)


# --- actions show that they started, and how they ended ------------------------------------------


async def open_findings(app, pilot, name: str = "fake"):
    from screens.server_detail import ServerDetailScreen

    await wait_until(lambda: app.state(name).result is not None and not app.state(name).refreshing, timeout=30)
    await pilot.press("d")
    await wait_until(lambda: isinstance(app.screen, ServerDetailScreen))
    return app.screen


async def test_r_on_the_findings_shows_rescanning_before_the_server_answers(fake_strapi):
    app = StrapiConsoleApp(config=cm.load())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_findings(app, pilot)
        head = screen.query_one("#detail-head")
        assert "rescanning" not in text_of(head)
        fake_strapi.fake.hold("GET", "/admin/information")
        try:
            await pilot.press("r")
            assert "↻ rescanning…" in text_of(head)  # right after the key, the server not having answered
        finally:
            fake_strapi.fake.release()
        await wait_until(lambda: not app.state("fake").refreshing)
        await pilot.pause()
        assert "rescanning" not in text_of(head) and "scanned " in text_of(head)


async def test_a_confirmed_fix_shows_applying_then_the_verified_row_before_the_rescan(fake_strapi):
    """TOK-PREGENERATED (an install-time Full Access token never used): f, confirm, and the row says
    "applying" at once; when the server confirms the write, the row says "fixed" from the journal entry
    while the rescan is still held."""
    from hostile_strapi import _token

    born = datetime.now(timezone.utc) - timedelta(days=100)
    fake_strapi.state["api_tokens"].append(_token(3, "Full Access", "install token", "full-access", born, used=None,
                                                  lifespan=None))
    app = StrapiConsoleApp(config=cm.load())
    app.policy.unlock(fake_strapi.profile)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_findings(app, pilot)
        table = screen.query_one("#findings")
        table.move_cursor(row=table.get_row_index("TOK-PREGENERATED"))
        await pilot.press("f")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen))
        confirm = app.screen
        typed = confirm.confirm_text
        fake = fake_strapi.fake
        fake.hold("DELETE", "/admin/api-tokens")
        fake.hold("GET", "/admin/information")  # the rescan after the write: held until the end
        try:
            if typed:
                await wait_until(lambda: getattr(app.focused, "id", None) == "typed")
                burst(app, typed, "enter")
            else:
                burst(app, "left", "enter")
            await wait_until(lambda: app.screen is screen)
            status = lambda: table.get_cell("TOK-PREGENERATED", "status").plain  # noqa: E731
            await wait_until(lambda: status() == "… applying")
            assert "applying" in text_of(screen.query_one("#finding-detail"))
            assert not fake.writes() or all(r.method == "DELETE" for r in fake.writes())
            fake.release("DELETE", "/admin/api-tokens")
            await wait_until(lambda: status() == "✓ fixed")
            pane = text_of(screen.query_one("#finding-detail"))
            assert "✓ written and verified" in pane and "journal" in pane
            assert app.state("fake").refreshing  # the rescan has not answered: the row came from the write
        finally:
            fake.release()
        await wait_until(lambda: not app.state("fake").refreshing)
        await pilot.pause()
        assert "TOK-PREGENERATED" not in table.rows or table.get_cell("TOK-PREGENERATED", "status").plain == "✓ pass"


async def test_a_fix_the_server_refuses_says_so_on_its_row(fake_strapi):
    from hostile_strapi import _token

    born = datetime.now(timezone.utc) - timedelta(days=100)
    fake_strapi.state["api_tokens"].append(_token(3, "Full Access", "install token", "full-access", born, used=None,
                                                  lifespan=None))
    fake_strapi.fake.override("DELETE", "/admin/api-tokens/*", status=403,
                              body={"error": {"status": 403, "name": "ForbiddenError", "message": "Forbidden"}})
    app = StrapiConsoleApp(config=cm.load())
    app.policy.unlock(fake_strapi.profile)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_findings(app, pilot)
        table = screen.query_one("#findings")
        table.move_cursor(row=table.get_row_index("TOK-PREGENERATED"))
        await pilot.press("f")
        await wait_until(lambda: isinstance(app.screen, ConfirmScreen))
        screen_confirm = app.screen
        if screen_confirm.confirm_text:
            await wait_until(lambda: getattr(app.focused, "id", None) == "typed")
            burst(app, screen_confirm.confirm_text, "enter")
        await wait_until(lambda: "✗ not applied" in text_of(screen.query_one("#finding-detail")))
        assert table.get_cell("TOK-PREGENERATED", "status").plain != "✓ fixed"


# --- dialogs say their keys; keys that do nothing say why -----------------------------------------


async def test_confirm_dialog_arrows_move_between_buttons_and_it_shows_its_keys():
    app = StrapiConsoleApp(config=make_config(Profile("alpha", "http://127.0.0.1:9")))
    answers: list = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(ConfirmScreen("Remove alpha?"), answers.append)
        await pilot.pause()
        dialog = app.screen
        assert app.focused.id == "no"  # the safe answer first
        keys = text_of(dialog.query_one("#confirm-keys"))
        assert "←/→" in keys and "enter" in keys and "esc" in keys
        await pilot.press("left")
        assert app.focused.id == "yes"
        await pilot.press("right")
        assert app.focused.id == "no"
        await pilot.press("left", "enter")
        await pilot.pause()
        assert answers == [True]


async def test_w_on_a_profile_that_is_not_production_says_why_nothing_changes():
    cfg = make_config(Profile("alpha", "http://127.0.0.1:9"))
    app = StrapiConsoleApp(config=cfg)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        toasts = [n.message for n in app._notifications]
        assert any("not a production profile" in t for t in toasts), toasts


async def test_a_filter_with_no_match_says_so():
    app = StrapiConsoleApp(config=make_config(Profile("alpha", "http://127.0.0.1:9")))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst(app, "/", "zzz")
        await wait_until(lambda: app.screen.query_one("#filter").value == "zzz")
        await pilot.pause()
        assert "No server matches 'zzz'" in text_of(app.screen.query_one("#server-detail"))


async def test_permissions_apply_shows_applying_then_the_verified_cells(fake_strapi):
    """Panel 3: space stages, a + confirm shows "applying" in the staged line at once (the PUT held); when
    the write is verified the cell shows its new value without the staged mark, and the line says how it ended."""
    from screens.matrix_view import MatrixView

    app = StrapiConsoleApp(config=cm.load())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(lambda: app.state("fake").result is not None and not app.state("fake").refreshing)
        await pilot.press("3")
        await wait_until(lambda: getattr(app.screen, "role", None) is not None)
        panel = app.screen
        matrix = panel.query_one("#matrix", MatrixView)
        matrix.focus()
        row = next(key for key, _ in matrix.rows if key.startswith("api::"))
        matrix.move_cursor(row=matrix.get_row_index(row), column=matrix.get_column_index("create"))
        before = matrix.get_cell(row, "create").plain
        pending = panel.query_one("#pending")
        fake = fake_strapi.fake
        fake.hold("PUT", "/users-permissions/roles")
        try:
            burst(app, "space", "a")
            await wait_until(lambda: isinstance(app.screen, ConfirmScreen))
            burst(app, "left", "enter")
            await wait_until(lambda: app.screen is panel)
            await wait_until(lambda: "… applying" in text_of(pending))
            assert matrix.get_cell(row, "create").plain.endswith("*")  # still staged: nothing written yet
            fake.release("PUT", "/users-permissions/roles")
            await wait_until(lambda: "✓ written and verified" in text_of(pending))
            after = matrix.get_cell(row, "create").plain
            assert after != before and not after.endswith("*")
        finally:
            fake.release()
