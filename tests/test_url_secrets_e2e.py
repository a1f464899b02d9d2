"""Webhook URLs that carry secrets, on a real Strapi 5: every output the console writes or prints (scan JSON,
SARIF, JSONL and table, `webhooks` list, `tail --once`, the derived feed, AUD-DRIFT snapshots on disk)
shows where they point and none of the secret parts, and a changed secret is still reported as drift.

The secrets are random per run and planted for the post-suite sweep (leak_canaries), which also looks for
them in every file of the whole suite.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from pathlib import Path

import pytest

from conftest import cli_env, cli_runner
from leak_canaries import plant
from strapi_console.audit.community import CommunitySource
from strapi_console.client import StrapiClient
from strapi_console.config import Profile

pytestmark = pytest.mark.e2e


def _token() -> str:
    return f"Sk{secrets.token_hex(11)}9"  # letters and digits: always token-shaped, never a word


SLACK, ROTATED = _token(), _token()
QUERY_TOKEN, PASSWORD = f"q{secrets.token_urlsafe(18)}", f"pw-{secrets.token_urlsafe(12)}"
ENTRY_TOKEN = f"e{secrets.token_hex(10)}"
plant(SLACK, ROTATED, QUERY_TOKEN, PASSWORD, ENTRY_TOKEN)
ALL = (SLACK, ROTATED, QUERY_TOKEN, PASSWORD, ENTRY_TOKEN)

SLACK_BASE = "https://hooks.slack.test/services/T0ABC1234/B0DEF5678/"
HOOKS = {
    "slack-style": SLACK_BASE + SLACK,
    "query-token": f"https://ci.example.test/strapi/deploy?token={QUERY_TOKEN}&env=prod",
    "user-password": f"http://deployer:{PASSWORD}@builds.example.test:8080/hooks/build",  # plain http: AUTH fails
}
READABLE = ("hooks.slack.test/services/T0ABC1234/B0DEF5678/", "ci.example.test/strapi/deploy?token=",
            "builds.example.test:8080/hooks/build")


def leaks(text: str) -> list[str]:
    return [s[:6] + "…" for s in ALL if s in text]


def files_leaking(root: Path) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and path.suffix != ".key" and path.name != "keyring_pass.cfg":
            text = path.read_bytes().decode("utf-8", errors="ignore")
            found += [f"{path.relative_to(root)}: {leak}" for leak in leaks(text)]
    return found


@pytest.fixture
def planted(strapi5_perm, tmp_path):
    email, password = strapi5_perm.new_admin()

    async def as_admin(fn):
        async with StrapiClient(Profile("plant", strapi5_perm.url)) as c:
            await c.login(email, password)
            return await fn(c)

    async def create(c):
        made = {}
        for name, url in HOOKS.items():
            made[name] = (await c.call("POST", "/admin/webhooks", json_body={
                "name": name, "url": url, "headers": {}, "events": ["entry.create"]}))["data"]
        return made

    hooks = asyncio.run(as_admin(create))
    run = cli_runner(cli_env(tmp_path), timeout=180)
    assert run("profile", "add", "wh", "--url", strapi5_perm.url, "--email", email).returncode == 0
    assert run("login", "wh", "--password-stdin", stdin=password + "\n").returncode == 0
    try:
        yield run, hooks, email, password, as_admin
    finally:
        async def delete(c):
            for hook in hooks.values():
                await c.call("DELETE", f"/admin/webhooks/{hook['id']}")
        asyncio.run(as_admin(delete))


async def _set_url(c, hook: dict, url: str) -> None:
    await c.call("PUT", f"/admin/webhooks/{hook['id']}", json_body={
        "name": hook["name"], "url": url, "headers": {}, "events": ["entry.create"], "isEnabled": True})


def test_webhook_url_secrets_appear_in_no_output_and_drift_is_still_seen(planted, strapi5_perm, tmp_path):
    run, hooks, email, password, as_admin = planted
    checks = ("--check", "AUTH-WEBHOOKS", "--check", "AUD-DRIFT")

    first = run("scan", "wh", "--format", "json", *checks)
    report = json.loads(first.stdout)
    found = {f["check_id"]: f for f in report["servers"][0]["findings"]}
    assert found["AUTH-WEBHOOKS"]["status"] == "fail" and "user-password" in found["AUTH-WEBHOOKS"]["title"]
    shown_urls = {h["name"]: h["url"] for h in found["AUTH-WEBHOOKS"]["evidence"]["webhooks"]}
    assert shown_urls["slack-style"] == SLACK_BASE + "<redacted>"
    assert shown_urls["query-token"] == "https://ci.example.test/strapi/deploy?token=<redacted>&env=<redacted>"
    assert shown_urls["user-password"] == "http://<redacted>@builds.example.test:8080/hooks/build"
    assert "First snapshot" in found["AUD-DRIFT"]["title"]

    sarif_file = tmp_path / "reports" / "scan.sarif"
    outputs = {
        "json": first.stdout + first.stderr,
        "sarif": run("scan", "wh", "--format", "sarif", "--output", str(sarif_file), *checks),
        "jsonl": run("scan", "wh", "--format", "jsonl", *checks),
        "table": run("scan", "wh", "--format", "table", *checks),
        "webhooks list": run("webhooks", "wh"),
    }
    outputs = {k: v if isinstance(v, str) else v.stdout + v.stderr for k, v in outputs.items()}
    outputs["sarif"] += sarif_file.read_text()
    sarif_evidence = json.loads(sarif_file.read_text())["runs"][0]["results"][0]["properties"]["evidence"]
    assert {h["url"] for h in sarif_evidence["webhooks"]} == set(shown_urls.values())
    listing = outputs["webhooks list"]
    assert all(text in listing for text in READABLE) and all(name in listing for name in HOOKS)

    # a URL with a secret inside server content, streamed by `tail --once`
    async def entry(c):
        await c.call("POST", "/content-manager/collection-types/api::article.article",
                     json_body={"title": f"see https://cms.example.test/p?token={ENTRY_TOKEN}"})

    asyncio.run(as_admin(entry))
    tail = run("tail", "wh", "--since", "10m", "--once", "--filter", "action:entry.create")
    assert tail.returncode == 0, tail.stderr
    assert "https://cms.example.test/p?token=<redacted>" in tail.stdout
    outputs["tail --once"] = tail.stdout + tail.stderr

    # the derived feed (panel 4, `tail`): a rotated secret is an event that says so, without either value
    async def derived(c):
        source = CommunitySource(c)
        await source.poll()
        await _set_url(c, hooks["slack-style"], SLACK_BASE + ROTATED)
        return [e for e in await source.poll() if e.action == "webhook.update"]

    (event,) = asyncio.run(as_admin(derived))
    assert event.summary == "webhooks: slack-style: url changed (in a part hidden as a possible secret)"
    outputs["derived event"] = json.dumps(event.to_dict()) + event.summary + event.target

    for name, text in outputs.items():
        assert leaks(text) == [], f"{name} shows a secret"
        assert "<redacted>" in text or name in ("table", "tail --once", "derived event"), name

    # AUD-DRIFT: the stored snapshot holds no secret, and a change of the hidden part is still drift
    snapshot = tmp_path / "data" / "strapi-console" / "snapshots" / "wh.json"
    stored = json.loads(snapshot.read_text())["sections"]["webhooks"][str(hooks["slack-style"]["id"])]
    assert stored["url"] == SLACK_BASE + "<redacted>" and len(stored["url_digest"]) == 64
    drift = json.loads(run("scan", "wh", "--format", "json", "--check", "AUD-DRIFT").stdout)
    finding = drift["servers"][0]["findings"][0]
    assert finding["status"] == "warn", finding
    said = "webhooks: slack-style: url changed (in a part hidden as a possible secret)"
    assert said in finding["evidence"]["changes"]
    assert leaks(json.dumps(drift)) == []

    assert files_leaking(tmp_path) == []
