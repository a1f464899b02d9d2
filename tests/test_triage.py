"""Triage and containment without a server: the report formats keep hostile server text inert, a reviewed
plan file is refused where the server changed, steps run reversible first, and the TUI screen shows the
account and the plan (read-only profiles never apply)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from strapi_console import containment, targets, triage
from strapi_console.client import ServerInfo
from strapi_console.display import safe
from strapi_console.errors import ConfigError
from strapi_console.permissions import Role

NOW = datetime(2026, 12, 1, 14, 30, tzinfo=timezone.utc)
HOSTILE = "[evil](javascript:alert(1)) **x** <img src=x> a|b \x1b]52;c;Y3VybA==\x07 [b]bold[/b]"


def account() -> triage.Triage:
    t = triage.Triage("prod", "https://cms.example.test", NOW - timedelta(hours=24), NOW, version="5.54.0",
                      edition="community", baseline=NOW - timedelta(hours=2))
    t.events = [triage.Event(NOW - timedelta(hours=1), "object", "not recorded by Strapi", "admin-user.create",
                             HOSTILE, f"admin {HOSTILE} created", alert="admin user created",
                             finding="AUTH-ADMIN-USERS", step="admin-deactivate:7"),
                triage.Event(NOW, "snapshot", "not recorded by Strapi", "webhook.create", HOSTILE,
                             "webhooks: hook created", alert="a webhook now posts to x.test", after=NOW - timedelta(hours=2))]
    t.blind = ["no baseline before 12:30"]
    t.actions = [{"id": "20261201T120000-abcdef", "time": "2026-12-01T12:00:00+00:00", "status": "applied",
                  "target": HOSTILE, "source": "contain", "group": "g1", "undo_of": None, "undone_by": None,
                  "changes": []}]
    return t


def test_markdown_report_keeps_server_text_inert():
    report = triage.markdown(account())
    assert "\x1b" not in report and "\x07" not in report
    assert "[evil](" not in report and "\\[evil\\]" in report  # no link, no emphasis, no HTML, no extra cell
    for raw in ("<img", "**x**", "a|b", "[b]"):
        assert not re.search(r"(?<!\\)" + re.escape(raw), report), raw
    assert "## Timeline" in report and "AUTH-ADMIN-USERS" in report and "`20261201T120000-abcdef`" in report
    assert "2026-12-01T12:30:00Z – 2026-12-01T14:30:00Z" in report  # a snapshot change says its range


def test_text_and_json_say_what_cannot_be_seen_and_mark_security_events():
    text = "\n".join(triage.text_lines(account(), safe))
    assert "\x1b" not in text and "What this account cannot see:" in text and "no baseline before 12:30" in text
    marked = [line for line in text.splitlines() if line.startswith("! ")]
    assert len(marked) == 2 and "between " in marked[1]
    data = json.loads(json.dumps(triage.as_json(account())))
    assert data["events"][1]["exact_time"] is False and data["events"][1]["not_before"] == "2026-12-01T12:30:00Z"
    assert data["security_events"] == 2 and data["cannot_see"] == ["no baseline before 12:30"]


def public_role(*enabled: str) -> Role:
    tree: dict = {}
    for action in enabled:
        subject, act = action.rsplit(".", 1)
        type_key, controller = subject.rsplit(".", 1)
        tree.setdefault(type_key, {"controllers": {}})["controllers"].setdefault(controller, {})[act] = {"enabled": True}
    return Role(2, "Public", "public", "", tree)


def plan_with(role: Role) -> containment.Containment:
    hook = {"id": 3, "name": "sync", "url": "https://x.test/h?token=s3cret-123", "isEnabled": True, "events": [],
            "headers": {}}
    choices = [containment.Choice("public-write", "Public", "why", targets.role_plan(
                   role, {a: False for a in containment._write_actions(role)}), True),
               containment.Choice("webhook-disable:3", "hook", "why", targets.webhook_enabled_plan([hook], False), True)]
    return containment.Containment("prod", "https://cms.example.test", "5.54.0",
                                   containment.manual_steps(ServerInfo(session_auth=True)), choices, containment.Names())


def test_a_reviewed_plan_is_refused_where_the_server_changed_since():
    reviewed = plan_with(public_role("api::article.article.create")).to_dict()
    assert "s3cret-123" not in json.dumps(reviewed)  # the plan file never holds a URL's secret part
    same = plan_with(public_role("api::article.article.create"))
    containment.apply_file(same, reviewed)
    assert [c.selected for c in same.choices] == [True, True]
    changed = plan_with(public_role("api::article.article.create", "api::article.article.delete"))
    with pytest.raises(ConfigError, match="changed on the server since the plan was reviewed: public-write"):
        containment.apply_file(changed, reviewed)
    reviewed["steps"][1]["selected"] = False  # the operator leaves the webhook out
    edited = plan_with(public_role("api::article.article.create"))
    containment.apply_file(edited, reviewed)
    assert [c.id for c in edited.selected()] == ["public-write"]
    with pytest.raises(ConfigError, match="made for the profile"):
        containment.apply_file(edited, {**reviewed, "profile": "staging"})


def test_reversible_steps_run_first_and_the_secret_the_api_cannot_rotate_is_said_first():
    kinds = ["end-sessions", "token-delete:1", "public-write", "admin-deactivate:2", "transfer-delete:3"]
    choices = [containment.Choice(k, k, "", targets.Plan([], "x"), True) for k in kinds]
    assert [c.id for c in containment.ordered(choices)] == ["public-write", "admin-deactivate:2", "token-delete:1",
                                                            "transfer-delete:3", "end-sessions"]
    old = containment.manual_steps(ServerInfo(session_auth=False))
    assert old[0].secret == "ADMIN_JWT_SECRET" and "without a password or a session" in old[0].why
    assert "live session id" in containment.manual_steps(ServerInfo(session_auth=True))[0].why
    assert all("Restart" in " ".join(m.steps) for m in old)


async def test_the_triage_screen_shows_the_account_and_a_read_only_profile_never_applies(monkeypatch):
    from screens.app import StrapiConsoleApp
    from screens.triage import TriageScreen
    from strapi_console import config as cm
    from strapi_console.config import Profile

    cfg = cm.load()
    cfg.add(Profile("prod", "https://cms.example.test", tags=["production"]))
    sent = []

    async def gather(client, since):
        return account()

    async def build(client, names=None):
        return plan_with(public_role("api::article.article.create"))

    class Client:
        async def __aenter__(self):
            return self

        async def __aexit__(self, *exc):
            pass

    def session_client(profile):
        return Client()

    async def apply(*a, **kw):
        sent.append(a)

    monkeypatch.setattr(triage, "gather", gather)
    monkeypatch.setattr(containment, "build", build)
    monkeypatch.setattr("strapi_console.engine.apply", apply)
    app = StrapiConsoleApp(config=cfg, only=["prod"])
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_triage("prod")
        for _ in range(100):
            await pilot.pause(0.05)
            if isinstance(app.screen, TriageScreen) and app.screen.account is not None:
                break
        app.session_client = session_client
        screen = app.screen
        assert isinstance(screen, TriageScreen) and screen.account is not None
        head = screen.query_one("#triage-head").render()
        assert "2 security event(s)" in str(head) and "read-only" in str(head)
        timeline = screen.query_one("#timeline")
        assert timeline.row_count == 2 and "[evil]" in timeline.get_row_at(0)[4].plain  # shown as text
        await pilot.press("tab", "down", "space")
        assert [c.selected for c in screen.plan.choices].count(False) == 1
        await pilot.press("a")
        await pilot.pause(0.2)
        assert isinstance(app.screen, TriageScreen) and not sent  # no confirmation, nothing sent
