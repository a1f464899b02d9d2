"""The audit tail: Enterprise audit logs through a fake built from the documented shapes (no loss, no
duplicate, under bursts, shuffled and overlapping pages, 429s, 5xx and a restart), the derived feed on
the real Strapi, alert rules, filters, the bounded buffer, AUD checks and `strapi-console tail`."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import secrets
from datetime import datetime, timedelta, timezone

import pytest

from conftest import cli_env, cli_runner, stop_task, wait_until
from fake_audit_server import FakeAuditServer, reset_in
from strapi_console.audit.alerts import AlertRules
from strapi_console.audit.events import PAYLOAD_PREVIEW, AuditEvent, EventBuffer
from strapi_console.audit.filters import compile_filter
from strapi_console.audit.tail import Tail
from strapi_console.client import StrapiClient
from strapi_console.config import Profile
from strapi_console.scan import scan_profile
from strapi_console.secrets import Credentials, SecretStore


@pytest.fixture
def fake():
    server = FakeAuditServer()
    yield server
    server.close()


def _store_for(name: str) -> SecretStore:
    store = SecretStore("memory")
    store.set(name, Credentials(kind="admin-token", access_token="fake-admin-token-" + secrets.token_hex(8)))
    return store


async def _run_tail(fake, script, *, since=None, others=()):
    """Run a tail on the fake while ``script`` changes the server; return every event delivered."""
    shown: list[AuditEvent] = []
    statuses = []
    profiles = [Profile("ee", fake.url)] + [Profile(f"other{i}", o.url) for i, o in enumerate(others)]
    store = _store_for("ee")
    for p in profiles[1:]:
        store.set(p.name, store.get("ee"))
    tail = Tail(profiles, store, since=since, on_events=shown.extend,
                on_status=lambda s: statuses.append(dataclasses.replace(s)),
                fast=0.05, slow=0.2)
    task = asyncio.ensure_future(tail.run())
    try:
        await script(tail, shown)
    finally:
        await stop_task(task)
    return shown, statuses


def _ids(events):
    return [int(e.source_id) for e in events]


async def test_burst_larger_than_a_page_arrives_whole_in_order(fake):
    before = fake.add(30, when=datetime.now(timezone.utc) - timedelta(minutes=5))

    async def script(tail, shown):
        await wait_until(lambda: len(shown) == 30)
        fake.add(250)  # two and a half pages between two polls
        await wait_until(lambda: len(shown) >= 280)
        await asyncio.sleep(0.5)  # more polls: nothing repeats

    shown, _ = await _run_tail(fake, script, since=datetime.now(timezone.utc) - timedelta(hours=1))
    assert _ids(shown) == list(range(1, 281))
    assert _ids(shown)[:30] == before


async def test_first_poll_without_a_start_reads_the_latest_page_only(fake):
    fake.add(150, when=datetime.now(timezone.utc) - timedelta(minutes=30))

    async def script(tail, shown):
        await wait_until(lambda: len(shown) == 100)
        fake.add(3)
        await wait_until(lambda: len(shown) == 103)

    shown, _ = await _run_tail(fake, script)
    assert _ids(shown) == list(range(51, 151)) + [151, 152, 153]


async def test_shuffled_and_overlapping_pages_lose_nothing_and_repeat_nothing(fake):
    fake.shuffle = True
    fake.repeat_overlap = 7

    async def script(tail, shown):
        await wait_until(lambda: tail.servers.get("ee") and tail.servers["ee"].status.polls >= 1)
        fake.add(333)
        await wait_until(lambda: len(shown) >= 333)
        fake.add(5)
        await wait_until(lambda: len(shown) >= 338)
        await asyncio.sleep(0.5)

    shown, _ = await _run_tail(fake, script, since=datetime.now(timezone.utc) - timedelta(minutes=1))
    assert sorted(_ids(shown)) == list(range(1, 339)) and len(shown) == 338
    assert [e.time for e in shown[:333]] == sorted(e.time for e in shown[:333])  # each batch is time-ordered


async def test_429_and_5xx_back_off_and_then_backfill(fake):
    async def script(tail, shown):
        await wait_until(lambda: tail.servers.get("ee") and tail.servers["ee"].status.polls >= 1)
        fake.fail_next(429, times=3, headers=reset_in(0))  # more than the HTTP layer's own retries
        fake.fail_next(502, times=3)
        fake.add(120)
        await wait_until(lambda: len(shown) >= 120, timeout=30)
        await asyncio.sleep(0.3)

    shown, statuses = await _run_tail(fake, script, since=datetime.now(timezone.utc) - timedelta(minutes=1))
    assert _ids(shown) == list(range(1, 121))
    errors = [s.error for s in statuses if s.error]
    assert any("Rate limited" in e or "429" in e or "Too many" in e for e in errors)
    assert any("502" in e or "server" in e.lower() for e in errors)


async def test_a_server_restart_in_the_middle_is_backfilled(fake):
    async def script(tail, shown):
        fake.add(10)
        await wait_until(lambda: len(shown) == 10)
        fake.up = False  # the server goes away ...
        fake.add(40)  # ... while events keep being recorded (they are in its database)
        await wait_until(lambda: tail.servers["ee"].status.error is not None)
        fake.up = True
        fake.add(2)
        await wait_until(lambda: len(shown) >= 52, timeout=30)
        await asyncio.sleep(0.3)

    shown, statuses = await _run_tail(fake, script, since=datetime.now(timezone.utc) - timedelta(minutes=1))
    assert _ids(shown) == list(range(1, 53))
    assert statuses[-1].live and statuses[-1].error is None


async def test_paused_tail_sends_no_request(fake):
    async def script(tail, shown):
        await wait_until(lambda: tail.servers.get("ee") and tail.servers["ee"].status.polls >= 1)
        tail.pause()
        await asyncio.sleep(0.3)  # a poll in flight may finish
        count = len(fake.requests)
        fake.add(4)
        await asyncio.sleep(0.6)
        assert len(fake.requests) == count and len(shown) == 0
        tail.resume()
        await wait_until(lambda: len(shown) == 4)

    await _run_tail(fake, script, since=datetime.now(timezone.utc) - timedelta(minutes=1))


async def test_enterprise_alerts_and_aud_checks(fake):
    fake.add(1, action="role.update", payload={"role": {"id": 2, "name": "Editor"}},
             when=datetime.now(timezone.utc) - timedelta(days=120))
    fake.add(12, action="entry.delete")

    async def script(tail, shown):
        await wait_until(lambda: len(shown) == 13)

    shown, _ = await _run_tail(fake, script, since=datetime.now(timezone.utc) - timedelta(days=365))
    assert shown[0].alert == "role or permission change" and shown[0].target == "Editor"
    assert [e.alert is not None for e in shown[1:]] == [False] * 10 + [True] * 2  # the 11th deletion in 5 min

    store = _store_for("ee")
    result = await scan_profile(Profile("ee", fake.url), store, check_ids=["AUD-AVAILABLE", "AUD-RETENTION"])
    found = {f.check_id: f for f in result.findings}
    assert found["AUD-AVAILABLE"].status == "pass" and found["AUD-AVAILABLE"].evidence["entries"] == 13
    assert found["AUD-RETENTION"].status == "pass" and found["AUD-RETENTION"].evidence["days_of_history"] >= 119


async def test_several_mb_payloads_are_read_whole_in_smaller_pages(fake):
    big = {"model": "article", "uid": "api::article.article", "entry": {"id": 1, "body": "x" * 3_000_000}}

    async def script(tail, shown):
        await wait_until(lambda: tail.servers.get("ee") and tail.servers["ee"].status.polls >= 1)
        fake.add(5, payload=big)  # 15 MB in one page of 100: over the 8 MB the console reads at once
        fake.add(1, action="media-folder.rename",  # an action name Strapi may add later: shown as it is
                 when=datetime.now(timezone.utc) + timedelta(seconds=1))
        await wait_until(lambda: len(shown) >= 6, timeout=40)
        # the events keep a preview; the whole payload is fetched again on demand
        fetched.append(await tail.whole_payload(shown[2]))

    fetched = []
    shown, _ = await _run_tail(fake, script, since=datetime.now(timezone.utc) - timedelta(minutes=1))
    assert _ids(shown) == [1, 2, 3, 4, 5, 6]
    assert all(e.truncated and e.payload_size > 3_000_000 and len(e.preview) <= PAYLOAD_PREVIEW for e in shown[:5])
    assert len(fetched[0]["entry"]["body"]) == 3_000_000
    assert shown[5].action == "media-folder.rename" and len(shown[0].summary) < 200


async def test_lost_audit_permission_is_explained_and_other_servers_keep_running(fake):
    other = FakeAuditServer()
    try:
        async def script(tail, shown):
            await wait_until(lambda: all(s in tail.servers and tail.servers[s].status.polls for s in ("ee", "other0")))
            fake.fail_next(403, times=1000)
            other.add(3)
            await wait_until(lambda: len([e for e in shown if e.profile == "other0"]) == 3)
            await wait_until(lambda: tail.servers["ee"].status.error is not None)

        shown, statuses = await _run_tail(fake, script, since=datetime.now(timezone.utc) - timedelta(minutes=1),
                                          others=[other])
        error = [s.error for s in statuses if s.profile == "ee" and s.error][-1]
        assert "admin::audit-logs.read" in error and "others keep running" in error
    finally:
        other.close()


async def test_clock_skew_is_measured_and_server_time_kept(fake):
    fake.clock_offset = 300.0

    async def script(tail, shown):
        fake.add(2)
        await wait_until(lambda: len(shown) == 2)

    shown, statuses = await _run_tail(fake, script, since=datetime.now(timezone.utc) - timedelta(minutes=10))
    assert 295 <= statuses[-1].clock_skew <= 305
    assert shown[0].time > datetime.now(timezone.utc) + timedelta(seconds=200)  # the server's own time, as sent


async def test_licensed_but_html_answer_falls_back_to_the_derived_feed(fake):
    fake.admin_html = True  # licensed in project-type, but the route is off and the panel's HTML answers

    async def script(tail, shown):
        await wait_until(lambda: tail.servers.get("ee") and tail.servers["ee"].status.mode == "derived")

    _, statuses = await _run_tail(fake, script)
    assert any(s.mode == "derived" for s in statuses)


def test_alert_rules_and_filters():
    now = datetime.now(timezone.utc)

    def ev(action, i=0, **kw):
        return AuditEvent("prod", str(i), now + timedelta(seconds=i), kw.pop("who", "a@example.com"), action,
                          kw.pop("target", "t"), kw.pop("summary", "s"), derived=True, **kw)

    rules = AlertRules()
    assert rules.check(ev("admin-user.create")) == "admin user created"
    assert rules.check(ev("admin-user.roles", payload={"roles": ["strapi-editor", "strapi-super-admin"],
                                                       "previous_roles": ["strapi-editor"]})) == \
        "Super Admin role granted"
    assert rules.check(ev("api-token.create", payload={"token": {"type": "read-only", "expiresAt": None}})) \
        == "full-access or never-expiring token created"
    assert rules.check(ev("api-token.create", payload={"token": {"type": "read-only",
                                                                 "expiresAt": "2030-01-01T00:00:00Z"}})) is None
    signups = [rules.check(ev("end-user.create", i)) for i in range(7)]
    assert signups[:5] == [None] * 5 and signups[5].startswith("sign-up burst")

    events = [ev("entry.update", 1, who="editor@x.com", target="article #1"), ev("role.update", 2, alert="x"),
              AuditEvent("staging", "3", now, "bob@x.com", "api-token.delete", "ci", "deleted", derived=False)]
    pick = lambda expr: [e.source_id for e in events if compile_filter(expr)(e)]  # noqa: E731
    assert pick("server:prod") == ["1", "2"] and pick("server:stag") == ["3"]
    assert pick("user:editor") == ["1"] and pick("action:api-token") == ["3"] and pick("action:*.update") == ["1", "2"]
    assert pick("is:alert") == ["2"] and pick("-is:derived") == ["3"] and pick("article") == ["1"]
    assert pick('"article #1" user:editor') == ["1"] and pick("") == ["1", "2", "3"]


def test_event_buffer_is_bounded_and_time_ordered():
    now = datetime.now(timezone.utc)
    buffer = EventBuffer(size=1000)
    for batch in range(30):  # two servers whose batches interleave in time
        buffer.extend(AuditEvent("a", f"{batch}-{i}", now + timedelta(seconds=batch * 100 + i), "w", "x", "t", "s",
                                 True) for i in range(50))
        buffer.extend(AuditEvent("b", f"{batch}-{i}", now + timedelta(seconds=batch * 100 + i - 50), "w", "x", "t",
                                 "s", True) for i in range(50))
    times = [e.time for e in buffer]
    assert len(buffer) == 1000 and buffer.dropped == 2000 and times == sorted(times)


@pytest.mark.e2e
def test_derived_feed_on_the_real_server(strapi5_perm, tmp_path):
    """Entry created and published, an end user signing up, a token created and deleted, a role changed:
    each appears in the derived feed within one poll, attributed."""
    email, password = strapi5_perm.new_admin()

    async def scenario():
        store = SecretStore("memory")
        profile = Profile("feed", strapi5_perm.url)
        async with StrapiClient(profile, on_credentials=lambda c: store.set("feed", c)) as c:
            await c.login(email, password)
        shown: list[AuditEvent] = []
        tail = Tail([profile], store, on_events=shown.extend, fast=0.2, slow=0.5)
        polls = lambda: tail.servers["feed"].status.polls if "feed" in tail.servers else 0  # noqa: E731
        task = asyncio.ensure_future(tail.run())
        try:
            await wait_until(lambda: polls() >= 1, timeout=30)
            async with StrapiClient(profile, store.get("feed")) as c:
                title = f"feed-{secrets.token_hex(3)}"
                made = (await c.call("POST", "/content-manager/collection-types/api::article.article",
                                     json_body={"title": title}))["data"]
                start = polls()
                await wait_until(lambda: polls() >= start + 2, timeout=30)
                await c.call("POST", f"/content-manager/collection-types/api::article.article/{made['documentId']}"
                                     "/actions/publish", json_body={})
                user = f"u{secrets.token_hex(4)}"
                resp = await c.http.send("POST", "/api/auth/local/register", json_body={
                    "username": user, "email": f"{user}@example.test", "password": "Pw-" + secrets.token_hex(8)})
                assert resp.status == 200, resp.body[:200]
                token = (await c.call("POST", "/admin/api-tokens", json_body={
                    "name": f"feed-{secrets.token_hex(3)}", "type": "full-access"}))["data"]
                start = polls()
                await wait_until(lambda: polls() >= start + 2, timeout=30)
                await c.call("DELETE", f"/admin/api-tokens/{token['id']}")
                roles = (await c.get("/users-permissions/roles"))["roles"]
                auth_id = next(r["id"] for r in roles if r["type"] == "authenticated")
                role = (await c.get(f"/users-permissions/roles/{auth_id}"))["role"]
                tree = role["permissions"]
                leaf = tree["api::category"]["controllers"]["category"]["find"]
                before_leaf = leaf["enabled"]
                leaf["enabled"] = not before_leaf
                await c.call("PUT", f"/users-permissions/roles/{auth_id}", json_body={
                    "name": role["name"], "description": role["description"], "permissions": tree})
                start = polls()
                await wait_until(lambda: polls() >= start + 2, timeout=30)
                leaf["enabled"] = before_leaf
                await c.call("PUT", f"/users-permissions/roles/{auth_id}", json_body={
                    "name": role["name"], "description": role["description"], "permissions": tree})
        finally:
            await stop_task(task)
        return shown, title, user, token

    shown, title, user, token = asyncio.run(scenario())
    by_action: dict[str, list[AuditEvent]] = {}
    for e in shown:
        by_action.setdefault(e.action, []).append(e)
    created = [e for e in by_action.get("entry.create", []) if title in e.summary]
    assert created and created[0].who == email and created[0].derived
    assert [e for e in by_action.get("entry.publish", []) if title in e.summary][0].who == email
    assert any(e.target == user for e in by_action.get("end-user.create", []))
    made = [e for e in by_action.get("api-token.create", []) if e.target == token["name"]]
    assert made and made[0].alert == "full-access or never-expiring token created"
    assert any(e.target == token["name"] for e in by_action.get("api-token.delete", []))
    role_changes = by_action.get("up-role.update", [])
    assert role_changes and "api::category.category.find" in role_changes[0].summary
    assert role_changes[0].alert == "role or permission change"
    assert len({e.key for e in shown}) == len(shown)  # nothing shown twice


@pytest.mark.e2e
def test_aud_drift_between_scans_and_console_changes_marked(strapi5_perm, tmp_path):
    env = cli_env(tmp_path)
    email, password = strapi5_perm.new_admin()

    run = cli_runner(env, timeout=180)

    assert run("profile", "add", "drift", "--url", strapi5_perm.url, "--email", email).returncode == 0
    assert run("login", "drift", "--password-stdin", stdin=password + "\n").returncode == 0

    def drift():
        out = run("scan", "drift", "--format", "json", "--check", "AUD-DRIFT", "--check", "AUD-AVAILABLE")
        return {f["check_id"]: f for f in json.loads(out.stdout)["servers"][0]["findings"]}

    first = drift()
    assert first["AUD-DRIFT"]["status"] == "pass" and "First snapshot" in first["AUD-DRIFT"]["title"]
    assert first["AUD-AVAILABLE"]["status"] == "info"  # Community edition
    assert drift()["AUD-DRIFT"]["title"] == "No unexplained change since the last scan"

    async def colleague():
        async with StrapiClient(strapi5_perm.profile("colleague")) as c:
            await c.login(email, password)
            return (await c.call("POST", "/admin/webhooks", json_body={
                "name": "drift-hook", "url": "https://hooks.example.test/x", "headers": {},
                "events": ["entry.create"]}))["data"]

    hook = asyncio.run(colleague())
    changed = drift()["AUD-DRIFT"]
    assert changed["status"] == "warn" and "webhooks: drift-hook created" in changed["title"]

    # a change the console makes itself is attributed to its journal entry, not flagged
    tok = run("tokens", "drift", "read-only", "Full Access", "--yes")
    assert tok.returncode == 0, tok.stderr
    after = drift()["AUD-DRIFT"]
    assert after["status"] == "pass" and "made by strapi-console" in after["title"]
    assert any("strapi-console, journal" in c for c in after["evidence"]["changes"])
    assert run("journal", "undo", "drift", "--yes").returncode == 0

    async def cleanup():
        async with StrapiClient(strapi5_perm.profile("colleague")) as c:
            await c.login(email, password)
            await c.call("DELETE", f"/admin/webhooks/{hook['id']}")

    asyncio.run(cleanup())


@pytest.mark.e2e
def test_tail_cli_streams_jsonl_once(strapi5_perm, tmp_path):
    env = cli_env(tmp_path)
    email, password = strapi5_perm.new_admin()

    run = cli_runner(env, timeout=180)

    assert run("profile", "add", "t", "--url", strapi5_perm.url, "--email", email).returncode == 0
    assert run("login", "t", "--password-stdin", stdin=password + "\n").returncode == 0

    async def entry():
        async with StrapiClient(strapi5_perm.profile("w")) as c:
            await c.login(email, password)
            await c.call("POST", "/content-manager/collection-types/api::article.article",
                         json_body={"title": "tail-cli-entry"})

    asyncio.run(entry())
    out = run("tail", "t", "--since", "10m", "--once", "--filter", "action:entry.create")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert any(e["summary"].endswith("'tail-cli-entry'") and e["who"] == email and e["source"] == "derived"
               for e in lines)
    assert all(e["action"] == "entry.create" for e in lines)
    assert "derived" in out.stderr and "failed logins" in out.stderr  # what the feed cannot see is said
    assert password not in out.stdout + out.stderr
    bad = run("tail", "t", "--since", "yesterday")
    assert bad.returncode == 1 and "is not an age" in bad.stderr
