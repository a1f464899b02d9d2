"""Secrets in URLs a server sends, without a server: AUD-DRIFT snapshots keep a redacted URL and a keyed
digest (a change in a hidden part is still drift), events and findings show no secret part, and the
exact URL stays in memory where the console acts on it."""

from __future__ import annotations

import json
import stat
from datetime import datetime, timezone

from strapi_console import paths, targets
from strapi_console.audit import snapshots
from strapi_console.audit.events import AuditEvent
from strapi_console.checks.registry import Finding

SECRET = "aB3dE5fG7hJ9kL1mN3pQ5rS7"
ROTATED = "zY9xW7vU5tS3rQ1pO9nM7lK5"


def hook_row(url: str) -> dict:
    return snapshots._hide_urls({"name": "deploy", "url": url, "events": ["entry.create"], "enabled": True,
                                 "header_names": []})


def snap(**sections) -> dict:
    return {"taken_at": "2026-01-01T00:00:00+00:00", "sections": sections}


def test_snapshot_row_hides_the_secret_and_keeps_a_digest():
    row = hook_row(f"https://hooks.slack.com/services/T0ABC/B0DEF/{SECRET}")
    assert row["url"] == "https://hooks.slack.com/services/T0ABC/B0DEF/<redacted>"
    assert len(row["url_digest"]) == 64 and SECRET not in json.dumps(row)
    key = paths.data_dir() / "snapshots" / "url-digest.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32


def test_a_change_in_a_hidden_part_is_drift_without_the_secret():
    before = snap(webhooks={"1": hook_row(f"https://hooks.slack.com/services/T0ABC/B0DEF/{SECRET}")})
    after = snap(webhooks={"1": hook_row(f"https://hooks.slack.com/services/T0ABC/B0DEF/{ROTATED}")})
    changes = snapshots.diff(before, after)
    assert [c.describe() for c in changes] == ["webhooks: deploy: url changed (in a part hidden as a possible secret)"]
    assert snapshots.diff(before, before) == []
    shown = json.dumps([c.payload() for c in changes]) + changes[0].describe()
    assert SECRET not in shown and ROTATED not in shown


def test_a_visible_change_is_said_once_with_both_urls():
    before = snap(webhooks={"1": hook_row("https://old.example.test/hook?token=t0k3n-one")})
    after = snap(webhooks={"1": hook_row("https://new.example.test/hook?token=t0k3n-two")})
    (change,) = snapshots.diff(before, after)
    assert change.describe() == ("webhooks: deploy: url 'https://old.example.test/hook?token=<redacted>' → "
                                 "'https://new.example.test/hook?token=<redacted>'")


def test_users_permissions_urls_are_hidden_and_compared_by_digest():
    def settings(link):
        return snapshots._hide_urls({"email_reset_password": link, "allow_register": False,
                                     "email_reset_password_digest": "set by a hostile server"})

    a = settings("https://app.example.test/reset?key=r3set-k3y-1")
    b = settings("https://app.example.test/reset?key=r3set-k3y-2")
    assert a["email_reset_password_digest"] != "set by a hostile server"  # the digest is always ours
    changes = snapshots.diff(snap(**{"up-settings": a}), snap(**{"up-settings": b}))
    assert [c.describe() for c in changes] == [
        "up-settings: email_reset_password changed (in a part hidden as a possible secret)"]
    assert "r3set-k3y" not in json.dumps(changes[0].payload())


def test_a_snapshot_stored_in_clear_is_upgraded_without_false_drift(tmp_path):
    url = f"https://hooks.slack.com/services/T0ABC/B0DEF/{SECRET}"
    old = snap(webhooks={"1": {"name": "deploy", "url": url, "events": ["entry.create"], "enabled": True,
                               "header_names": []}},
               **{"up-settings": {"email_reset_password": "https://app.example.test/reset?key=abc123"}})
    path = paths.data_dir() / "snapshots" / "p.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(old))
    loaded = snapshots.load("p")
    assert snapshots.diff(loaded, snap(webhooks={"1": hook_row(url)}, **{"up-settings": snapshots._hide_urls(
        {"email_reset_password": "https://app.example.test/reset?key=abc123"})})) == []
    snapshots.save("p", loaded)
    assert SECRET not in path.read_text() and "abc123" not in path.read_text()


def test_findings_and_events_show_no_secret_part():
    url = f"https://deployer:pw-{SECRET}@ci.example.test/hooks/build?token={ROTATED}"
    finding = Finding("AUTH-WEBHOOKS", "warn", "medium", f"Webhook posts to {url}",
                      evidence={"webhooks": [{"url": url}], "location": url}, fix={"note": url})
    event = AuditEvent(profile="p", source_id="1", time=datetime.now(timezone.utc), who="admin", action="x",
                       target=url, summary=f"changed to {url}", derived=False, payload={"resource": {"url": url}})
    shown = json.dumps(finding.to_dict()) + json.dumps(event.to_dict()) + event.summary + event.target
    assert SECRET not in shown and ROTATED not in shown
    assert "ci.example.test/hooks/build" in shown
    assert event.payload["resource"]["url"] == url  # the event keeps the exact value; only what is shown changes


def test_webhook_plan_shows_redacted_urls_and_sends_the_exact_one():
    old, new = f"http://hooks.example.test/x?token={SECRET}", f"https://hooks.example.test/x?token={ROTATED}"
    plan = targets.webhook_plan({"id": "1", "name": "deploy", "url": old}, new)
    shown = " ".join(plan.describe())
    assert SECRET not in shown and ROTATED not in shown and "hooks.example.test/x" in shown
    step = plan.steps[0]
    assert step.wanted == {"url": new}  # what is sent is exact
    assert step.target.body(step.loaded, step.wanted)["url"] == new


async def test_panel_4_lists_and_details_events_without_url_secrets():
    from screens.app import StrapiConsoleApp
    from screens.audit_panel import AuditPanel
    from strapi_console import config as cm

    url = f"https://hooks.slack.test/services/T0ABC/B0DEF/{SECRET}?token={ROTATED}"
    app = StrapiConsoleApp(config=cm.load())
    async with app.run_test(size=(140, 24)) as pilot:
        await pilot.press("4")
        panel = app.screen
        assert isinstance(panel, AuditPanel)
        panel._on_events([AuditEvent("p", "1", datetime.now(timezone.utc), "editor@example.com", "webhook.update",
                                     url, f"url set to {url}", derived=False, payload={"webhook": {"url": url}})])
        await pilot.pause(0.3)
        table = panel.query_one("#events")
        row = " ".join(str(table.cell_text(0, i)) for i in range(6))
        detail = panel.query_one("#event-detail").text
        assert "hooks.slack.test/services" in row + detail
        assert SECRET not in row + detail and ROTATED not in row + detail


def test_config_errors_do_not_echo_a_secret_typed_in_a_url():
    import pytest

    from strapi_console import config as cm
    from strapi_console.errors import ConfigError

    for typed in (f"https://cms.example.test/?token={SECRET}", f"ftp://ops:{SECRET}@cms.example.test/",
                  f"ops:{SECRET}@cms.example.test", f"http://cms.example.test:{SECRET}"):
        with pytest.raises(ConfigError) as caught:
            cm.normalize_url(typed, where="--url", allow_http=False)
        assert SECRET not in str(caught.value), typed
