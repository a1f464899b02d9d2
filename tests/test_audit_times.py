"""Derived audit events carry the time the change happened (the row's own timestamp where Strapi gives
one), not the time the feed noticed it; a feed that starts after the change still shows it when its
``--since`` reaches back that far."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import pytest

from conftest import cli_env, cli_runner
from strapi_console.audit import snapshots
from strapi_console.times import parse_time


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _change_public_role(state: dict, when: datetime) -> None:
    public = next(r for r in state["up_roles"] if r["type"] == "public")
    tree = public["permissions"]
    leaf = next(iter(next(iter(tree.values()))["controllers"].values()))
    action = next(iter(leaf))
    leaf[action]["enabled"] = not leaf[action]["enabled"]
    public["updatedAt"] = _iso(when)


def _tail_jsonl(signed, since: str) -> list[dict]:
    code, out, err = signed.cli("tail", "--since", since, "--once", "--format", "jsonl")
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_tail_since_1h_shows_a_role_change_made_a_minute_before_it_started(fake_strapi):
    changed = datetime.now(timezone.utc) - timedelta(minutes=1)
    _change_public_role(fake_strapi.state, changed)
    events = [e for e in _tail_jsonl(fake_strapi, "1h") if e["action"] == "up-role.update"]
    assert len(events) == 1, events
    assert parse_time(events[0]["time"]) == changed.replace(microsecond=changed.microsecond // 1000 * 1000)
    assert events[0]["alert"] == "role or permission change"
    # a window that does not reach back that far does not show it
    assert not [e for e in _tail_jsonl(fake_strapi, "30s") if e["action"] == "up-role.update"]


async def test_a_change_between_two_polls_carries_the_rows_own_time(fake_strapi):
    from strapi_console.audit.community import CommunitySource
    from strapi_console.client import StrapiClient

    async with StrapiClient(fake_strapi.profile, fake_strapi.store.get("fake")) as client:
        source = CommunitySource(client)
        await source.poll()
        changed = datetime.now(timezone.utc)  # the server's own time of the change, after the first poll
        _change_public_role(fake_strapi.state, changed)
        events = [e for e in await source.poll() if e.action == "up-role.update"]
    assert len(events) == 1
    assert events[0].time == parse_time(_iso(changed))
    assert events[0].payload["time_source"] == "the row's own timestamp"


def test_a_row_whose_own_time_did_not_move_keeps_the_noticed_time():
    """An admin role's permissions live in rows of their own: its updatedAt does not move with them. A stale
    own time (before the previous snapshot) is not taken as the time of the change."""
    old = "2020-01-01T00:00:00.000Z"
    previous = {"taken_at": "2026-01-02T10:00:00+00:00", "sections": {"up-roles": {"2": {"enabled": []}}}}
    now = {"taken_at": "2026-01-02T10:00:05+00:00", "sections": {"up-roles": {"2": {"enabled": ["x"]}}},
           "times": {"up-roles": {"2": {"created": old, "updated": old}}}}
    [change] = snapshots.diff(previous, now)
    assert snapshots.when_changed(change, now, previous) is None
    now["times"]["up-roles"]["2"]["updated"] = "2026-01-02T10:00:03.000Z"
    assert snapshots.when_changed(change, now, previous) == parse_time("2026-01-02T10:00:03.000Z")


@pytest.mark.e2e
def test_tail_since_shows_a_role_change_made_before_it_started_on_the_real_server(strapi5_perm, tmp_path):
    """Real Strapi 5.54: change the Authenticated role through the admin API, then start `tail --since 1h
    --once`: the change is there, at the role's own updatedAt (the server's time of the change)."""
    from strapi_console.client import StrapiClient
    from strapi_console.config import Profile

    email, password = strapi5_perm.new_admin()
    env = cli_env(tmp_path)
    run = cli_runner(env)
    assert run("profile", "add", "t", "--url", strapi5_perm.url, "--email", email).returncode == 0
    assert run("login", "t", "--password-stdin", stdin=password + "\n").returncode == 0

    async def change_role() -> str:
        """The change, and the role's updatedAt as the server reports it afterwards."""
        async with StrapiClient(Profile("x", strapi5_perm.url)) as c:
            await c.login(email, password)
            roles = (await c.get("/users-permissions/roles"))["roles"]
            auth_id = next(r["id"] for r in roles if r["type"] == "authenticated")
            role = (await c.get(f"/users-permissions/roles/{auth_id}"))["role"]
            tree = role["permissions"]
            leaf = tree["api::category"]["controllers"]["category"]["find"]
            leaf["enabled"] = not leaf["enabled"]
            await c.call("PUT", f"/users-permissions/roles/{auth_id}", json_body={
                "name": role["name"], "description": role["description"], "permissions": tree})
            return (await c.get(f"/users-permissions/roles/{auth_id}"))["role"]["updatedAt"]

    updated = asyncio.run(change_role())
    out = run("tail", "t", "--since", "1h", "--once", "--format", "jsonl")
    assert out.returncode == 0, out.stderr
    events = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    role_events = [e for e in events if e["action"] == "up-role.update"]
    assert role_events, events
    assert parse_time(role_events[0]["time"]) == parse_time(updated)


def test_a_token_used_since_is_no_change_on_the_first_snapshot():
    """A token's use moves its updatedAt (Strapi writes lastUsedAt through the same update): the first
    snapshot must not report every recently used token as changed."""
    now = datetime.now(timezone.utc)
    used = _iso(now - timedelta(minutes=2))
    snapshot = {"taken_at": now.isoformat(timespec="seconds"),
                "sections": {"api-tokens": {"1": {"name": "ci", "used": True}, "2": {"name": "cms", "used": True}}},
                "times": {"api-tokens": {"1": {"created": "2025-01-01T00:00:00.000Z", "updated": used, "lastUsed": used},
                                         "2": {"created": "2025-01-01T00:00:00.000Z",
                                               "updated": _iso(now - timedelta(minutes=1)), "lastUsed": used}}}}
    changes = snapshots.recent_changes(snapshot, now - timedelta(hours=1))
    assert [(c.key, c.kind) for c in changes] == [("2", "changed")]
