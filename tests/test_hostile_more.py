"""More of issue 12, tried as an attacker who controls a Strapi server (or writes in one): ids that are
paths, text that would become Markdown links, invisible characters the first corpus did not hold,
and other shapes and numbers. Each test names the hole it closes; the fake and the corpus are shared
with the first hostile suites (tests/hostile_strapi.py, tests/hostile_corpus.py)."""

from __future__ import annotations

import json
import re

import pytest

from hostile_corpus import assert_terminal_safe

pytestmark = pytest.mark.e2e

JSON_TYPE = {"Content-Type": "application/json; charset=utf-8"}

# ids a server may send that would change the endpoint if pasted into a request path
# what a webhook write reads besides the webhook itself (sign-in, the server's version, the roles for the prompt)
READS_AROUND_A_WRITE = {"/admin/webhooks", "/admin/init", "/admin/project-type", "/admin/information",
                        "/admin/users/me", "/admin/roles", "/admin/login", "/admin/access-token", "/admin/renew-token"}
TRAVERSAL_IDS = ["1/../../users/1", "1/../../../admin/users/1", "1#", "1?x=", "%2e%2e/users/1", "..", "1\\..\\x"]


@pytest.mark.parametrize("hook_id", TRAVERSAL_IDS)
def test_a_webhook_id_never_changes_which_endpoint_is_written(fake_strapi, hook_id):
    fake = fake_strapi.fake
    fake.state["webhooks"][0].update(id=hook_id, url="http://hooks.example.com/deploy")
    code, out, err = fake_strapi.cli("webhooks", "fake", "set-url", "deploy", "https://hooks.example.com/x", "--yes")
    assert "Unexpected internal error" not in err, err[-800:]
    # the fake sees the path the console sent, percent-decoded: the one webhook's own path, or a list
    own = "/admin/webhooks/" + hook_id
    strays = [(r.method, r.path) for r in fake.requests if r.path.startswith("/admin/") and r.path != own
              and r.path not in READS_AROUND_A_WRITE]
    assert strays == [], f"the id {hook_id!r} steered requests to {strays}"
    assert_terminal_safe(out)
    assert_terminal_safe(err)


@pytest.mark.parametrize("shape", ["http:{other}/latest/meta-data/", "https:{other}/x", "/{other_hostport}/x"])
def test_an_upload_url_never_sends_a_probe_to_another_host(fake_strapi, shape):
    """HDR-UPLOADS fetches the newest upload by its URL's path: 'http:http://169.254.169.254/...' has the
    path 'http://169.254.169.254/...', which the HTTP layer took for an absolute URL (a request from the
    operator's machine to any host the server names)."""
    from hostile_strapi import FakeStrapi

    with FakeStrapi() as other:
        other_hostport = other.url.split("://", 1)[1]
        fake_strapi.fake.state["uploads"][0].update(url=shape.format(other=other.url, other_hostport=other_hostport),
                                                    mime="text/html")
        code, out, err = fake_strapi.cli("scan", "fake", "--format", "table")
        assert "Unexpected internal error" not in err, err[-800:]
        assert code in (0, 4, 5), err[-800:]
        assert other.requests == [], [r.path for r in other.requests]


# --- the triage report in Markdown: server text never becomes a link ------------------------------------

LINKY = ["https://evil.example/login", "www.evil.example/x", "mallory@evil.example", "HTTP://EVIL.EXAMPLE",
         "&lt;img src=x onerror=alert(1)&gt;", "&#91;x&#93;(https&#58;//evil.example)"]


@pytest.mark.parametrize("text", LINKY)
def test_triage_markdown_turns_no_server_text_into_a_link_or_an_entity(text):
    """GitHub (GFM) turns a bare URL, a www. name or an e-mail address into a link (its 'autolink'
    extension), and reads '&lt;' as '<': a username or an entry title in the postmortem would be a
    clickable phishing link or text that is not what the server sent. Each must stay as written."""
    from datetime import datetime, timedelta, timezone

    from markdown_it import MarkdownIt

    from strapi_console import triage

    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    t = triage.Triage(text, "https://cms.example.test", now - timedelta(hours=1), now, version=text)
    t.events = [triage.Event(now, "derived", text, "entry.create", text, f"entry {text} created", alert=text)]
    t.blind = [text]
    report = triage.markdown(t)
    assert not re.search(r"(?i)(?<!\\)(https?:(?!\\)//|www\.(?=\w)|\w@\w|&(?=#?\w+;))", report), report
    html = MarkdownIt("commonmark").enable("table").render(report)
    assert "<a " not in html and "<img" not in html


# --- invisible characters the first corpus did not hold -------------------------------------------------

# Unicode's default-ignorable code points that are not format characters: a renderer shows nothing (or a
# blank) for them, so 'admin' and 'admin\u3164' look the same, and a name of Hangul fillers looks empty.
# (Variation selectors U+FE00-FE0F stay: they are how an emoji asks for its colour form.)
FILLERS = ["\u034f", "\u115f", "\u1160", "\u17b4", "\u17b5", "\u180b", "\u180f", "\u3164", "\uffa0",
           "\U000e0000", "\U000e0100", "\U000e0fff"]


@pytest.mark.parametrize("ch", FILLERS, ids=[f"U+{ord(c):04X}" for c in FILLERS])
def test_invisible_fillers_are_shown_as_escapes(ch):
    from strapi_console.display import json_text, safe

    shown = safe(f"admin{ch}")
    assert ch not in shown and shown.startswith("admin\\"), shown
    assert ch not in json_text({"name": f"admin{ch}"})
    assert safe("I \u2764\ufe0f it") == "I \u2764\ufe0f it"  # an emoji's variation selector is kept


# --- JSON a JavaScript server can send but Python cannot write back -------------------------------------

@pytest.mark.parametrize("name", ["deploy\ud800x", "\udfff", float("nan"), float("inf"), float("-inf")])
def test_a_write_back_of_what_the_server_sent_never_crashes_or_leaves_the_journal_uncertain(fake_strapi, name):
    """A lone surrogate (JSON \\ud800, which JavaScript's JSON.stringify writes) or a non-finite number in
    a webhook's name: the webhook write sends the name back, and the console died in the middle of it
    (UnicodeEncodeError / 'Out of range float values'), leaving an 'uncertain, interrupted' journal entry."""
    fake = fake_strapi.fake
    fake.state["webhooks"][0].update(url="http://hooks.example.com/deploy", name=name)  # sent as \ud800, NaN, 1e999
    code, out, err = fake_strapi.cli("webhooks", "fake", "set-url", "1", "https://hooks.example.com/x", "--yes")
    assert "Unexpected internal error" not in err, err[-800:]
    assert code == 0, err[-800:]
    put = [w for w in fake.writes() if w.method == "PUT"]
    assert len(put) == 1 and put[0].json()["url"] == "https://hooks.example.com/x"
    if isinstance(name, str):
        assert put[0].json()["name"] == name, "the name was not written back as it was"
    journal = fake_strapi.cli("journal", "list")[1]
    assert "uncertain" not in journal and "interrupted" not in journal, journal
    assert_terminal_safe(out)
    assert_terminal_safe(err)


# --- shapes: a list, a string or nulls where an object is expected --------------------------------------

ODD_SHAPES = {"list": [], "data-list": {"data": [[]]}, "data-string": {"data": "x"},
              "nulls": {"data": [None, {"id": None, "name": None}]},
              "pagination-string": {"data": {"results": "x", "pagination": "x"}},
              "results-object": {"data": {"results": {"id": 1}, "pagination": [1]}}}


@pytest.mark.parametrize("shape", ODD_SHAPES)
def test_triage_and_contain_read_any_shape_of_the_admin_user_list(fake_strapi, shape):
    """The admin user list answered as a list, a string or nulls: `triage` and `contain --dry-run` died with
    'Unexpected internal error: AttributeError' (exit 3) instead of reading it as no admins."""
    fake_strapi.fake.override("GET", "/admin/users", body=ODD_SHAPES[shape], headers=JSON_TYPE)
    for argv in (["triage", "fake", "--format", "markdown"], ["contain", "fake", "--dry-run"]):
        code, out, err = fake_strapi.cli(*argv)
        assert "Unexpected internal error" not in err, (argv, err[-800:])
        assert code in (0, 4, 5), (argv, code, err[-800:])


@pytest.mark.parametrize("shape", ["list", "data-string", "nulls"])
def test_the_derived_feed_reads_any_shape_of_an_entry_list(fake_strapi, shape):
    """An entry list answered as a list: the Community tail of that server stopped on every poll with
    'Unexpected problem ... AttributeError', and never showed an event again."""
    fake_strapi.fake.override("GET", "/content-manager/collection-types/*", body=ODD_SHAPES[shape], headers=JSON_TYPE)
    code, out, err = fake_strapi.cli("tail", "fake", "--once", "--format", "text")
    assert "Unexpected problem" not in err and "Error" not in err, err[-800:]
    assert code == 0, err[-800:]


# --- the triage screen (new: not in the first walk) -----------------------------------------------------

async def test_the_triage_screen_shows_every_payload_as_text(fake_strapi, tmp_path):
    """Every short payload at once in every string, then the triage screen: its head, the timeline (clicked
    cell by cell), the containment plan (toggled), and the Markdown export key."""
    from hostile_corpus import PAYLOADS, payload_for
    from screens.triage import TriageScreen
    from strapi_console import config as cm
    from tui_walk import SentinelApp, check, click_around, until

    trap = tmp_path / "trap"
    trap.mkdir()
    fake = fake_strapi.fake
    fake.fill_strings("|".join(payload_for(p, trap) for p in PAYLOADS if p.id != "huge"))
    token = next(t for t in fake.state["api_tokens"] if t.get("type") == "read-only")
    token["type"] = "full-access"  # a token the plan offers to contain: its (payload) name is in the plan
    app = SentinelApp(config=cm.load(), store=fake_strapi.store, tail_fast=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_triage("fake")
        assert await until(pilot, lambda: isinstance(app.screen, TriageScreen) and app.screen.account is not None, 60)
        check(app, "triage loaded", trap)
        await click_around(app, pilot, "#timeline", rows=8)
        check(app, "timeline clicked", trap)
        await pilot.press("tab", "down", "space", "down", "space")
        await pilot.pause(0.3)
        check(app, "plan toggled", trap)
        await click_around(app, pilot, "#plan", rows=6)
        check(app, "plan clicked", trap)
        await pilot.press("x")  # the Markdown export, from the same account
        await pilot.pause(0.3)
        check(app, "exported", trap)
        app.exit()
    assert fake.writes() == [], "the triage screen sent a write"
