"""On call, against the real Strapi 5.54 and 4.26: a compromise is staged (a stranger admin, a full-access
token created and used, a push transfer token, Public given create, entries created by the Public role,
a webhook to an unknown host, sign-up opened and a burst of sign-ups); `triage` shows each of them, in
order, attributed where Strapi attributes them, and says what it cannot see; `contain` with the default
selection (plus the token and the admin the operator names) closes every door as one journal group: a
scan afterwards passes, the stranger's token and session get 401, the operator's other session too
(5.54); group undo restores every undoable step exactly and names the others. A read-only profile
triages and prints the plan, never applies it.

Each major gets its own server (started here, stopped at the end), so nothing the compromise leaves
behind reaches the other tests."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from compromise import UNKNOWN_HOST, stage
from conftest import V4_PROJECT, _install, _require_node, _start, cli_env, cli_runner
from strapi_console import containment, engine, permissions
from strapi_console.client import StrapiClient
from strapi_console.config import Profile
from strapi_console.strapi_server import demo_project_dir

pytestmark = pytest.mark.e2e

CONTAIN_CHECKS = ("AUTH-PUBLIC-WRITE", "AUTH-REGISTRATION", "TOK-FULL-ACCESS", "TOK-TRANSFER")


@pytest.fixture(scope="module")
def own_servers(tmp_path_factory):
    """A fresh Strapi 5.54 (the demo project with its weaknesses off) and 4.26 for this module alone."""
    _require_node()
    with ThreadPoolExecutor(2) as pool:
        v5_dir, v4_dir = pool.map(_install, [demo_project_dir(), V4_PROJECT])
    specs = {5: dict(app_dir=v5_dir, env={"DEMO_INSECURE": "0"}), 4: dict(app_dir=v4_dir)}
    dirs = {m: tmp_path_factory.mktemp(f"contain-v{m}") for m in specs}
    with ThreadPoolExecutor(2) as pool:
        started = dict(zip(specs, pool.map(lambda m: _start(specs[m].pop("app_dir"), m, workdir=dirs[m],
                                                            secrets="random", **specs[m]), specs)))
    yield started
    for target in started.values():
        target.server.stop()


def state_of(c: StrapiClient):
    """What containment changes and undo must put back exactly."""
    async def read():
        public = await permissions.role_by_type(c, "public")
        advanced = await permissions.read_advanced(c)
        hooks = (await c.get("/admin/webhooks"))["data"]
        users = (await c.get("/admin/users", params={"pageSize": 100}))["data"]["results"]
        api = (await c.get("/admin/api-tokens"))["data"]
        return {"public": sorted(public.enabled()), "allow_register": advanced.get("allow_register"),
                "hooks": {h["name"]: (h["url"], h["isEnabled"], sorted(h["events"])) for h in hooks},
                "admins": {u["email"]: u["isActive"] for u in users},
                "tokens": {t["name"]: (t["type"], sorted(p if isinstance(p, str) else p.get("action", "")
                                                         for p in t.get("permissions") or []))
                           for t in api}}
    return read()


@pytest.mark.parametrize("major", [5, 4])
def test_triage_sees_the_compromise_and_contain_closes_every_door_as_one_undoable_group(major, own_servers,
                                                                                        tmp_path):
    target = own_servers[major]
    asyncio.run(scenario(major, target, cli_runner(cli_env(tmp_path))))


async def scenario(major, target, run_sync):
    async def run(*args, **kw):
        return await asyncio.to_thread(run_sync, *args, **kw)

    assert (await run("profile", "add", "ops", "--url", target.url, "--email", target.email)).returncode == 0
    login = await run("login", "ops", "--password-stdin", stdin=target.password + "\n")
    assert login.returncode == 0, login.stderr

    async def prepare():
        root = StrapiClient(Profile("root", target.url))
        await root.login(target.email, target.password)  # on 5.54 also "another session" of the operator
        settings = await permissions.read_advanced(root)
        await root.call("PUT", "/users-permissions/advanced", json_body={**settings, "allow_register": False})
        # the test reads the server as another admin: the operator's other sessions end with containment
        reader = StrapiClient(Profile("reader", target.url))
        email, password = await new_super_admin(root, "reader")
        await reader.login(email, password)
        return root, reader

    root, reader = await (prepare())
    baseline = await run("scan", "ops", "--check", "AUD-DRIFT", "--format", "json")  # the AUD-DRIFT snapshot
    assert baseline.returncode in (0, 5), baseline.stderr

    staged = await (stage(target.url, root, major))

    # --- triage: every step of the compromise, in order ----------------------------------------------
    out = await run("triage", "ops", "--since", "1h", "--format", "json")
    assert out.returncode == 0, out.stderr
    account = json.loads(out.stdout)
    events = account["events"]

    def find(action, text):
        found = [e for e in events if e["action"] == action and text in e["summary"]]
        assert found, f"no {action} event about {text!r} in {[(e['action'], e['summary']) for e in events]}"
        return found[0]

    stranger = find("admin-user.create", staged.stranger_email)
    token = find("api-token.create", staged.token_name)
    transfer = find("transfer-token.create", staged.transfer_name)
    public = find("up-role.update", "Public")
    entries = [find("entry.create", title) for title in staged.entries]
    hook = find("webhook.create", staged.webhook_name)
    signup = find("up-settings.update", "allow_register")
    burst = [e for e in events if e["action"] == "end-user.create" and "sign-up burst" in e.get("alert", "")]
    assert stranger["alert"].startswith("admin user created") and stranger["finding"] == "AUTH-ADMIN-USERS"
    assert token["finding"] == "TOK-FULL-ACCESS" and transfer["finding"] == "TOK-TRANSFER"
    assert "article.create" in public["summary"] and public["finding"] == "AUTH-PUBLIC-WRITE"
    assert all(e["who"].startswith("API") and e["finding"] == "AUTH-PUBLIC-WRITE" for e in entries)  # attributed
    assert hook["exact_time"] is False and UNKNOWN_HOST in hook["alert"] and hook["step"].startswith("webhook-disable")
    assert "stolen" not in json.dumps(account)  # the webhook URL's secret part never shows
    assert signup["alert"] == "self sign-up opened" and signup["step"] == "close-signup"
    assert burst and burst[0]["step"] == "close-signup"
    exact = [stranger, token, transfer, public, *entries, burst[0]]
    assert [e["time"] for e in exact] == sorted(e["time"] for e in exact)  # the order it happened in
    assert events.index(stranger) < events.index(token) < events.index(public) < events.index(entries[0])
    if major == 5:
        use = find("api-token.use", staged.token_name)
        assert staged.token_name in use["who"] and use["alert"]
    else:  # Strapi 4.26 records no token use: the account says so instead of staying silent
        assert any("shows any use" in b for b in account["cannot_see"])
    assert any(b.startswith("Community edition, no audit log") for b in account["cannot_see"])
    assert account["baseline"] and account["findings"]
    report = (await run("triage", "ops", "--since", "1h", "--format", "markdown")).stdout
    assert "## Timeline" in report and "## Findings at the time" in report and "## Actions taken" in report
    text = (await run("triage", "ops", "--since", "1h")).stdout
    assert "What this account cannot see:" in text and "\n! " in text

    # --- the session target refuses a change since the plan was made (a new sign-in), sending nothing ---
    if major == 5:
        async def drift():
            found = await containment.build(root)
            found.select(["end-sessions"])
            extra = StrapiClient(Profile("extra", target.url))
            await extra.login(target.email, target.password)  # a new session after the plan was read
            with pytest.raises(engine.ConcurrentChange):
                await engine.apply(root, found.plan(), read_only=False, source="test")
            assert (await extra.me())["email"] == target.email  # nothing was sent: the new session still works
            return extra

        extra = await (drift())

    # --- a read-only profile triages and prints the plan, never applies it ----------------------------
    assert (await run("profile", "add", "ops", "--url", target.url, "--email", target.email, "--read-only",
                      "--replace")).returncode == 0
    ro = await run("contain", "ops", "--delete-token", staged.token_name, "--deactivate", staged.stranger_email)
    assert ro.returncode == 0 and "read-only" in ro.stdout and "nothing was sent" in ro.stdout
    assert ro.stdout.index("What the API cannot do") < ro.stdout.index("Containment plan")
    assert "ADMIN_JWT_SECRET" in ro.stdout and "CANNOT BE UNDONE" in ro.stdout
    assert (await run("journal", "list", "ops")).stdout.startswith("No changes")
    assert (await run("triage", "ops", "--since", "1h", "--format", "json")).returncode == 0
    assert (await run("profile", "add", "ops", "--url", target.url, "--email", target.email, "--read-write",
                      "--replace")).returncode == 0

    # --- contain: the plan for review, then applied ---------------------------------------------------
    named = ["--delete-token", staged.token_name, "--deactivate", staged.stranger_email]
    dry = await run("contain", "ops", *named, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    plan = json.loads(dry.stdout)
    steps = {s["id"].split(":")[0]: s for s in plan["steps"]}
    assert list(plan).index("cannot_do_through_the_api") < list(plan).index("steps")  # said first
    assert plan["cannot_do_through_the_api"][0]["secret"] == "ADMIN_JWT_SECRET"
    expected = {"public-write", "close-signup", "webhook-disable", "token-delete", "transfer-delete",
                "admin-deactivate"} | ({"end-sessions"} if major == 5 else set())
    assert expected <= set(steps) and all(steps[k]["selected"] for k in expected)
    assert not steps["token-delete"]["undoable"] and not steps["transfer-delete"]["undoable"]
    kinds = [s["id"].split(":")[0] for s in plan["steps"]]
    assert kinds.index("admin-deactivate") < kinds.index("token-delete")  # reversible first
    before = await (state_of(reader))

    applied = await run("contain", "ops", *named, "--yes", "--confirm", plan["confirm"])
    assert applied.returncode == 0, applied.stdout[-2000:] + applied.stderr
    assert "Applied and verified" in applied.stdout and "all but the" in applied.stdout
    ref = applied.stdout.split("Journal entry ")[1].split()[0]

    async def doors():
        results = {}
        resp = await root.http.send("GET", "/api/articles", headers={"Authorization": f"Bearer {staged.token_key}"})
        results["token"] = resp.status
        resp = await root.http.send("GET", "/admin/users/me", headers={
            "Authorization": f"Bearer {staged.stranger_creds.access_token}"})
        results["stranger"] = resp.status
        if major == 5:
            resp = await root.http.send("GET", "/admin/users/me", headers={
                "Authorization": f"Bearer {extra.credentials.access_token}"})
            results["other session"] = resp.status
            resp = await root.http.send("GET", "/admin/users/me", headers={
                "Authorization": f"Bearer {root.credentials.access_token}"})
            results["root session"] = resp.status
        resp = await root.http.send("POST", "/api/articles", json_body={"data": {"title": "after containment"}})
        results["public create"] = resp.status
        return results

    assert await (doors()) == {"token": 401, "stranger": 401, "public create": 403,
                                    **({"other session": 401, "root session": 401} if major == 5 else {})}
    scan = json.loads((await run("scan", "ops", *sum((["--check", c] for c in CONTAIN_CHECKS), []),
                                 "--format", "json")).stdout)
    assert {f["check_id"]: f["status"] for f in scan["servers"][0]["findings"]} == {c: "pass" for c in CONTAIN_CHECKS}
    after = await (state_of(reader))
    assert after["hooks"][staged.webhook_name][1] is False and after["admins"][staged.stranger_email] is False

    # --- group undo: every undoable step back exactly, the others named --------------------------------
    undo = await run("journal", "undo", "ops", ref, "--yes")
    assert undo.returncode == 0, undo.stdout[-2000:] + undo.stderr
    kept = [line for line in undo.stdout.splitlines() if "Cannot be undone in turn" in line]
    assert len(kept) == (3 if major == 5 else 2), undo.stdout
    restored = await (state_of(reader))
    gone = {staged.token_name}
    assert restored["tokens"] == {k: v for k, v in before["tokens"].items() if k not in gone}
    assert {k: v for k, v in restored.items() if k != "tokens"} == {k: v for k, v in before.items() if k != "tokens"}


async def new_super_admin(root: StrapiClient, tag: str) -> tuple[str, str]:
    import secrets

    email, password = f"{tag}-{secrets.token_hex(3)}@example.test", f"Rd-{secrets.token_urlsafe(10)}-8b"
    roles = (await root.get("/admin/roles"))["data"]
    super_id = next(r["id"] for r in roles if r.get("code") == "strapi-super-admin")
    made = (await root.call("POST", "/admin/users", json_body={"firstname": "Read", "lastname": "Er", "email": email,
                                                                "roles": [super_id]}))["data"]
    await root.call("POST", "/admin/register", auth=False, json_body={
        "registrationToken": made["registrationToken"],
        "userInfo": {"firstname": "Read", "lastname": "Er", "password": password}})
    return email, password
