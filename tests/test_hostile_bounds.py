"""One hostile server in a fleet of healthy ones: its numbers, its nesting, its size and its errors stay
its own. For each bound, `scan` (CLI, JSON) and `tail` (CLI --once, and panel 4's loop) finish for the
healthy servers with complete results, and the hostile one has its own plain error; exit codes follow
security-checks.md §4 (4: incomplete). The healthy servers are fake Strapi 5.54 servers
(hostile_strapi.py); the tail's memory is measured against an Enterprise server that floods it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import stop_task, wait_until
from fake_audit_server import FakeAuditServer, iso
from hostile_strapi import make_jwt, save_profile, sign_in, start_signed_in
from strapi_console import bounds, paths
from strapi_console.audit.events import BUFFER_BYTES, PAYLOAD_PREVIEW, EventBuffer
from strapi_console.audit.tail import Tail
from strapi_console.cli import main
from strapi_console.config import Profile
from strapi_console.secrets import Credentials, SecretStore

JSON = {"Content-Type": "application/json; charset=utf-8"}
DEEP = b'{"data":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
HEALTHY = ("good1", "good2")


@pytest.fixture
def fleet():
    """Two healthy fakes and one that each test makes hostile, all signed in, profiles saved."""
    servers = {}
    try:
        for name in (*HEALTHY, "evil"):
            servers[name] = start_signed_in(name)
        yield servers
    finally:
        for s in servers.values():
            s.fake.close()


def _enterprise(fleet) -> None:
    for s in fleet.values():
        s.fake.set_enterprise()
        s.fake.add_audit_event("entry.update", {"model": "article", "entry": {"id": 7}},
                               when=datetime.now(timezone.utc) - timedelta(minutes=1))


def _scan(capsys, *extra: str) -> tuple[int, dict[str, dict], str]:
    """`scan` of the fleet with --fail-on critical (the healthy fakes have high findings only), so a
    complete fleet exits 0 and one incomplete server makes it 4."""
    code = main(["scan", *HEALTHY, "evil", "--format", "json", "--fail-on", "critical", *extra])
    out = capsys.readouterr()
    doc = json.loads(out.out)
    return code, {s["profile"]: s for s in doc["servers"]}, out.err


def _assert_healthy_complete(servers: dict[str, dict]) -> None:
    for name in HEALTHY:
        s = servers[name]
        assert s["reachable"] and "error" not in s and "incomplete" not in s, s.get("error")
        assert s["grades"]["overall"] and s["coverage"] >= 0.95
        assert not [f for f in s["findings"] if f["status"] == "error"]


def _plain(text: str) -> None:
    assert "Traceback" not in text and "Unexpected internal error" not in text


def test_a_healthy_fleet_exits_0(fleet, capsys):
    code, servers, err = _scan(capsys)
    assert code == 0, err
    _assert_healthy_complete({**servers})


@pytest.mark.parametrize("where", ["/admin/init", "/admin/information"])
def test_100000_deep_json_is_that_servers_typed_error(fleet, capsys, where):
    fleet["evil"].fake.override("GET", where, raw=DEEP, headers=JSON)
    code, servers, err = _scan(capsys)
    assert code == 4, err
    _assert_healthy_complete(servers)
    evil = servers["evil"]
    said = evil.get("error") or evil.get("auth_error") or ""
    assert "Answer nested too deeply" in said and "64 levels" in said
    _plain(err)


@pytest.mark.parametrize("reset", ["1e999", "nan", "-1e999", "99999999999999999999", "9" * 5000])
def test_an_impossible_rate_limit_reset_is_said_as_unknown(fleet, capsys, reset):
    fleet["evil"].fake.override("GET", "/admin/information", status=429, headers={"X-RateLimit-Reset": reset, **JSON},
                                body={"data": None, "error": {"status": 429, "name": "RateLimitError",
                                                              "message": "Too many requests"}})
    code, servers, err = _scan(capsys)
    assert code == 4, err
    _assert_healthy_complete(servers)
    assert "rate limited" in servers["evil"]["auth_error"] and "did not say when" in servers["evil"]["auth_error"]
    _plain(err)


def _token_with_exp(fake, exp_text: str) -> str:
    """A JWT the server signs with ``"exp": <exp_text>`` written as is (1e999 is valid JSON syntax)."""
    token = make_jwt({"userId": "1", "sessionId": "s", "type": "access", "iat": int(time.time()), "exp": 0},
                     fake.jwt_secret)
    head, body, sig = token.split(".")
    raw = base64.urlsafe_b64decode(body + "==").decode().replace('"exp":0', f'"exp":{exp_text}')
    body = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    token = f"{head}.{body}.{sig}"  # the signature no longer matches: the fake does not check it
    fake._access.add(token)
    return token


@pytest.mark.parametrize("exp", ["1e999", "NaN", "-1e999", "1e300"])
def test_a_login_jwt_with_an_impossible_exp_is_kept_without_breaking_later_commands(fleet, capsys, exp):
    evil = fleet["evil"].fake
    token = _token_with_exp(evil, exp)
    evil.override("POST", "/admin/login", body={"data": {"token": token, "user": {"id": 1}}}, headers=JSON)
    # signed in through the console's own login path, as `login` does: the token is in the keyring
    asyncio.run(sign_in(evil, fleet["evil"].profile, fleet["evil"].store))
    assert SecretStore().get("evil").access_token == token
    capsys.readouterr()
    for _ in range(2):  # every later command of the profile keeps working
        code, servers, err = _scan(capsys)
        assert code == 0, err
        _assert_healthy_complete(servers)
        assert servers["evil"]["reachable"] and servers["evil"]["strapi_version"] == "5.54.0"
        session = {f["check_id"]: f for f in servers["evil"]["findings"]}["AUTH-ADMIN-SESSION"]
        assert session["status"] == "error" and "no iat/exp" in session["reason"]  # said, not crashed
        _plain(err)


@pytest.mark.parametrize("lifespan", [float("inf"), float("nan"), -1e999, 1e300, "9" * 5000])
def test_a_token_lifespan_that_is_no_number_is_unknown(fleet, capsys, lifespan):
    fleet["evil"].fake.state["api_tokens"][0]["lifespan"] = lifespan
    code, servers, err = _scan(capsys)
    assert code == 0, err
    for s in servers.values():  # the evil server is complete too: one odd number costs nothing else
        assert s["reachable"] and not [f for f in s["findings"] if f["status"] == "error"], s["profile"]


def test_pagination_totals_that_are_no_numbers_are_bounded(fleet, capsys):
    evil = fleet["evil"].fake
    evil.set_enterprise()
    evil.override("GET", "/admin/audit-logs", headers=JSON, body={"results": [], "pagination": {
        "page": 1, "pageSize": 1, "pageCount": float("inf"), "total": float("nan")}})
    evil.override("GET", "/admin/users", headers=JSON, body={"data": {"results": evil.state["admin_users"],
                                                                      "pagination": {"page": 1, "pageSize": 100,
                                                                                     "pageCount": float("inf"), "total": -1}}})
    code, servers, err = _scan(capsys)
    assert code == 0, err
    assert evil.count("GET", "/admin/users") <= 50  # the walk's own bound, not endless pages
    assert not [f for f in servers["evil"]["findings"] if f["status"] == "error"]


def test_3000_roles_are_cut_by_the_request_budget_and_reported_incomplete(fleet, capsys):
    evil = fleet["evil"].fake
    template = evil.state["admin_roles"][-1]
    evil.state["admin_roles"] = [dict(template, id=100 + i, name=f"role {i}", code=f"role-{i}")
                                 for i in range(3000)]
    code, servers, err = _scan(capsys, "--max-requests", "300")
    assert code == 4, err
    _assert_healthy_complete(servers)
    s = servers["evil"]
    assert "budget of 300 requests" in s["incomplete"]
    cut = [f for f in s["findings"] if f["status"] == "error"]
    assert cut and all("budget of 300 requests" in f["reason"] for f in cut)
    assert len(s["findings"]) == len(servers["good1"]["findings"])  # every check still appears once
    assert evil.count() <= 300 + 10  # the public surface and the TLS checks do not go through the budget
    assert "evil: incomplete:" in err
    _plain(err)


def test_the_default_budget_stops_a_server_listing_3000_roles(fleet):
    evil = fleet["evil"]
    template = evil.fake.state["admin_roles"][-1]
    evil.fake.state["admin_roles"] = [dict(template, id=100 + i, name=f"role {i}", code=f"role-{i}")
                                      for i in range(3000)]
    result = asyncio.run(evil.scan())
    assert result.cut and "budget of 1000 requests" in result.cut and result.incomplete
    assert evil.fake.count() <= 1000 + 10


def test_a_server_that_never_answers_is_cut_by_the_deadline(fleet, capsys):
    from hostile_server import Canned, HostileServer

    stuck = HostileServer()
    try:
        for path in ("/admin/init", "/_health", "/admin/project-type"):
            stuck.set("GET", path, Canned(hang=True))
        save_profile(Profile("evil", stuck.url))
        code, servers, err = _scan(capsys, "--max-seconds", "2")
    finally:
        stuck.close()
    assert code == 4, err
    _assert_healthy_complete(servers)
    assert "deadline of 2 s" in servers["evil"]["error"]


def test_any_exception_inside_one_scan_is_that_servers_plain_error(fleet, capsys, monkeypatch):
    from strapi_console import client as client_mod

    real = client_mod.StrapiClient.anonymous_info

    async def broken(self):
        if self.profile.name == "evil":
            raise ZeroDivisionError("division by zero")  # not a console error: any bug, any surprise
        return await real(self)

    monkeypatch.setattr(client_mod.StrapiClient, "anonymous_info", broken)
    code, servers, err = _scan(capsys)
    assert code == 4, err
    _assert_healthy_complete(servers)
    assert servers["evil"]["error"].startswith("Unexpected problem: The scan of evil stopped on an unexpected "
                                               "error (ZeroDivisionError: division by zero).")
    assert "Only this server is affected" in servers["evil"]["error"]
    _plain(err)


# --- the tail: CLI --once -----------------------------------------------------------------------------

def _tail_once(capsys) -> tuple[int, list[dict], str]:
    code = main(["tail", *HEALTHY, "evil", "--once", "--since", "1h", "--format", "jsonl"])
    out = capsys.readouterr()
    return code, [json.loads(line) for line in out.out.splitlines()], out.err


TAIL_CASES = {
    "deep-json": dict(raw=DEEP, headers=JSON),
    "reset-1e999": dict(status=429, headers={"X-RateLimit-Reset": "1e999", **JSON}, body={"data": None}),
    "reset-nan": dict(status=429, headers={"X-RateLimit-Reset": "nan", "Retry-After": "nan", **JSON},
                      body={"data": None}),
    "not-an-object": dict(body=["results"], headers=JSON),
}


@pytest.mark.parametrize("case", sorted(TAIL_CASES))
def test_tail_once_one_hostile_server_does_not_stop_the_others(fleet, capsys, case):
    _enterprise(fleet)
    fleet["evil"].fake.override("GET", "/admin/audit-logs", **TAIL_CASES[case])
    code, events, err = _tail_once(capsys)
    assert code == 4, err  # like scan: a server that could not be read makes the run incomplete
    assert {e["server"] for e in events} == set(HEALTHY)
    evil_said = [line for line in err.splitlines() if line.startswith("evil:")]
    assert evil_said and ("Answer nested too deeply" in evil_said[0] or "Rate limited" in evil_said[0]
                          or "Unexpected" in evil_said[0] or "did not answer" in evil_said[0]), evil_said
    _plain(err)


def test_tail_once_odd_shapes_and_numbers_in_events_are_read(fleet, capsys):
    _enterprise(fleet)
    evil = fleet["evil"].fake
    evil.state["audit_logs"].append({"id": 99, "action": "user.update", "date": iso(datetime.now(timezone.utc)),
                                     "payload": {"user": "not an object", "roles": "strapi-super-admin",
                                                 "entry": [1e999], "permissions": 7},
                                     "user": ["no"]})
    evil.override("GET", "/admin/audit-logs", headers=JSON, body={"results": evil.state["audit_logs"], "pagination": {
        "page": 1, "pageSize": 100, "pageCount": float("nan"), "total": 1e999}})
    code, events, err = _tail_once(capsys)
    assert code == 0, err
    assert {e["server"] for e in events} == {*HEALTHY, "evil"}


def test_tail_once_any_exception_in_one_servers_poll_stays_its_own(fleet, capsys, monkeypatch):
    from strapi_console.audit import enterprise

    real = enterprise.EnterpriseSource.poll

    async def broken(self):
        if self.client.profile.name == "evil":
            raise RecursionError("maximum recursion depth exceeded")
        return await real(self)

    _enterprise(fleet)
    monkeypatch.setattr(enterprise.EnterpriseSource, "poll", broken)
    code, events, err = _tail_once(capsys)
    assert code == 4, err
    assert {e["server"] for e in events} == set(HEALTHY)
    assert "evil: Unexpected problem: A poll of evil stopped on an unexpected error (RecursionError" in err
    _plain(err)


# --- the tail: panel 4's loop, and the fleet view -----------------------------------------------------

async def test_panel_tail_keeps_running_for_the_healthy_servers(fleet, monkeypatch):
    from screens.app import StrapiConsoleApp
    from strapi_console import config as cm
    from test_tui import settle

    _enterprise(fleet)
    fleet["evil"].fake.override("GET", "/admin/audit-logs", raw=DEEP, headers=JSON)
    app = StrapiConsoleApp(config=cm.load(), store=fleet["evil"].store, tail_fast=0.05)
    async with app.run_test(size=(140, 36)) as pilot:
        await pilot.press("4")
        panel = app.screen
        await settle(app, pilot, until=lambda: {e.profile for e in panel.buffer} == set(HEALTHY)
                     and "evil" in panel.statuses and panel.statuses["evil"].error
                     and all(panel.statuses[n].polls >= 3 for n in HEALTHY))
        assert "Answer nested too deeply" in panel.statuses["evil"].error
        assert all(panel.statuses[n].live for n in HEALTHY)


async def test_fleet_view_says_error_instead_of_checking_forever(fleet, monkeypatch):
    from screens.app import StrapiConsoleApp
    from strapi_console import config as cm
    from strapi_console import scan as scan_mod
    from test_tui import cell, settle

    real = scan_mod.scan_profile

    async def broken(profile, store, **kw):
        if profile.name == "evil":
            raise OverflowError("cannot convert float infinity to integer")
        return await real(profile, store, **kw)

    monkeypatch.setattr(scan_mod, "scan_profile", broken)
    app = StrapiConsoleApp(config=cm.load(), store=fleet["evil"].store)
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(app, pilot, until=lambda: all(cell(app, n, "grade") for n in HEALTHY)
                     and not app.state("evil").refreshing)
        await pilot.pause(0.2)
        assert cell(app, "evil", "state") == "✗ error"
        assert all(cell(app, n, "state") == "● signed in" for n in HEALTHY)
        assert "OverflowError" in app.state("evil").result.error


# --- the tail's memory: bounded in bytes against an Enterprise server that floods it --------------------

class FloodServer(FakeAuditServer):
    """An Enterprise audit log whose every page is new events with large payloads (~2 MB every poll)."""

    def __init__(self, per_page: int = 100, payload_bytes: int = 20_000) -> None:
        super().__init__()
        self.per_page, self.payload_bytes = per_page, payload_bytes
        self.sent_bytes = 0

    def _get(self, h) -> None:
        if not h.path.startswith("/admin/audit-logs?"):
            return super()._get(h)
        with self.lock:
            first, self.next_id = self.next_id, self.next_id + self.per_page
        now = datetime.now(timezone.utc)
        rows = [{"id": i, "action": "entry.update", "date": iso(now + timedelta(microseconds=i % 1000)),
                 "payload": {"model": "article", "entry": {"id": i, "body": "x" * self.payload_bytes}},
                 "user": {"id": 3, "email": "editor@example.com"}} for i in range(first, first + self.per_page)]
        self.sent_bytes += self.per_page * self.payload_bytes
        self._send(h, 200, {"results": rows, "pagination": {"page": 1, "pageSize": 100, "pageCount": 1,
                                                            "total": len(rows)}})


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def test_tail_memory_stays_bounded_in_bytes_under_a_flood_of_large_payloads():
    flood = FloodServer()
    store = SecretStore("memory")
    store.set("ee", Credentials(kind="admin-token", access_token="flood-admin-token-0123456789"))
    buffer = EventBuffer()  # what panel 4 keeps: 10,000 events or BUFFER_BYTES, whichever comes first
    peak = 0
    try:
        tail = Tail([Profile("ee", flood.url)], store, since=datetime.now(timezone.utc) - timedelta(minutes=5),
                    on_events=buffer.extend, fast=0.01, slow=0.01)
        before = _rss_mb()
        task = asyncio.ensure_future(tail.run())

        def flooded():
            nonlocal peak
            peak = max(peak, buffer.bytes)
            return flood.next_id > 12_000  # 240 MB of payloads: more events than the buffer's 10,000

        await wait_until(flooded, timeout=300)
        await stop_task(task)
        grown = _rss_mb() - before
    finally:
        flood.close()
    print(f"flood: {flood.sent_bytes / 2**20:.0f} MB of payloads, buffer peak {peak / 2**20:.1f} MB, "
          f"RSS grew {grown:.0f} MB")
    # the buffer's own accounting: never over its bound, although 240 MB of payloads arrived
    assert peak <= BUFFER_BYTES and buffer.bytes <= BUFFER_BYTES
    assert buffer.dropped > 0 and len(buffer) > 1000
    events = list(buffer)
    assert all(e.truncated and len(e.preview) <= PAYLOAD_PREVIEW and e.payload_size > 20_000 for e in events)
    assert sum(e.footprint for e in events) == buffer.bytes
    # and the process itself: a generous margin over the bound (parsing pages, allocator slack)
    assert grown < BUFFER_BYTES / 2**20 + 100, f"RSS grew {grown:.0f} MB"  # unbounded: ~170 MB more


def test_event_buffer_drops_the_oldest_by_bytes():
    from strapi_console.audit.events import AuditEvent

    start = datetime.now(timezone.utc)
    buffer = EventBuffer(size=10_000, max_bytes=200_000)
    events = [AuditEvent(profile="p", source_id=str(i), time=start + timedelta(seconds=i), who="w",
                         action="entry.update", target="t", summary="s", derived=False,
                         payload={"body": "x" * 10_000}) for i in range(100)]
    buffer.extend(events)
    assert buffer.bytes <= 200_000 and buffer.bytes == sum(e.footprint for e in buffer)
    assert [e.source_id for e in buffer][-1] == "99" and buffer.dropped == 100 - len(buffer)


def test_server_text_in_an_event_is_capped():
    from strapi_console.audit.events import AuditEvent

    e = AuditEvent(profile="p", source_id="9" * 10_000, time=datetime.now(timezone.utc), who="w" * 10_000,
                   action="a" * 10_000, target="t" * 10_000, summary="s" * 10_000, derived=False)
    assert len(e.who) == 200 and len(e.summary) == 500 and e.footprint < 4096


# --- the helper itself ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), "1e999", "nan", "9" * 5000, True,
                                   None, "", "abc", [1], {"a": 1}, 10**400])
def test_numbers_that_are_not_usable_give_the_default(value):
    assert bounds.number(value, 0, 100, default=-1) == -1
    assert bounds.timestamp(value) is None


def test_numbers_in_range_pass_and_clamp_on_request():
    assert bounds.integer("42", 0, 100) == 42 and bounds.number(3.5, 0, 10) == 3.5
    assert bounds.integer(1e300, 1, 50, clamp=True) == 50 and bounds.integer(-5, 1, 50, clamp=True) == 1
    assert bounds.integer(float("inf"), 1, 50, clamp=True) == 50
    assert bounds.integer(float("nan"), 1, 50, default=1, clamp=True) == 1


def test_json_depth_is_bounded_without_recursion():
    assert bounds.loads("[[[]]]") == [[[]]]
    wide = json.dumps([[i] for i in range(10_000)])
    assert len(bounds.loads(wide)) == 10_000
    for text in ("[" * 65 + "]" * 65, DEEP.decode()):
        with pytest.raises(bounds.JSONTooDeep):
            bounds.loads(text)


async def test_panel_detail_and_export_fetch_a_large_payload_again():
    from screens.app import StrapiConsoleApp
    from strapi_console import config as cm
    from test_tui import settle

    server = FakeAuditServer()
    try:
        server.add(1, payload={"model": "article", "entry": {"id": 1, "body": "y" * 200_000}})
        cfg = cm.load()
        cfg.add(Profile("ee", server.url))
        store = SecretStore("memory")
        store.set("ee", Credentials(kind="admin-token", access_token="detail-admin-token-0123456789"))
        app = StrapiConsoleApp(config=cfg, store=store, tail_fast=0.05)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("4")
            panel = app.screen
            await settle(app, pilot, until=lambda: len(panel.buffer) == 1)
            event = next(iter(panel.buffer))
            assert event.truncated and not event.payload  # the buffer keeps a preview only
            panel._show(event)
            detail = panel.query_one("#event-detail")
            await settle(app, pilot, until=lambda: "y" * 200_000 in detail.text)
            assert next(iter(panel.buffer)).payload == {}  # shown, not kept
            panel.action_export()
            exports = paths.data_dir() / "exports"
            await settle(app, pilot, until=lambda: exports.exists() and any(exports.glob("audit-*.jsonl")))
            line = json.loads(next(exports.glob("audit-*.jsonl")).read_text().splitlines()[0])
            assert len(line["payload"]["entry"]["body"]) == 200_000
    finally:
        server.close()
