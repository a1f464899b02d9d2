"""Token, provider and webhook checks and their fixes against the real Strapi: read back with a separate
client, undo where a change can be undone, and refusal where it cannot."""

from __future__ import annotations

import asyncio
import json
import secrets

import pytest

from conftest import Session, cli_env, cli_runner
from strapi_console import engine, targets, tokens
from strapi_console.client import StrapiClient
from strapi_console.config import Profile
from strapi_console.scan import scan_profile
from strapi_console.secrets import SecretStore

pytestmark = pytest.mark.e2e


@pytest.fixture
def admin(strapi5_perm):
    email, password = strapi5_perm.new_admin()
    session = Session(strapi5_perm, email, password)

    async def call(method, path, body=None):
        async with await session.signed_in("truth") as c:
            return await c.call(method, path, json_body=body)

    return session, password, lambda *a: asyncio.run(call(*a))


@pytest.fixture
def cli(strapi5_perm, admin, tmp_path):
    session, password, _ = admin
    email = session.email
    env = cli_env(tmp_path)

    run = cli_runner(env, timeout=120)

    assert run("profile", "add", "tok", "--url", strapi5_perm.url, "--email", email).returncode == 0
    assert run("login", "tok", "--password-stdin", stdin=password + "\n").returncode == 0
    return run


def _new_token(call, **body) -> dict:
    body = {"name": f"t-{secrets.token_hex(4)}", "type": "full-access", **body}
    return call("POST", "/admin/api-tokens", body)["data"]


def _all_tokens(call) -> dict:
    return {t["id"]: {k: t[k] for k in ("name", "type", "permissions", "expiresAt")}
            for t in call("GET", "/admin/api-tokens")["data"]}


async def _scan(session: Session, check_ids, **profile_kw):
    store = SecretStore("memory")
    async with await session.signed_in("s", **profile_kw):
        pass
    store.set("s", session.creds)
    return await scan_profile(Profile("s", session.target.url, **profile_kw), store, check_ids=check_ids)


def test_full_access_token_made_read_only_then_undone(admin, strapi5_perm, cli):
    session, _, call = admin
    token = _new_token(call)
    before = _all_tokens(call)
    declared = [t["name"] for t in before.values() if t["name"] != token["name"]]
    result = asyncio.run(_scan(session, ["TOK-FULL-ACCESS"], allowed_full_access_tokens=declared))
    finding = result.findings[0]
    assert finding.status == "fail" and token["name"] in finding.title
    assert finding.fix["kind"] == "api" and finding.fix["request"]["method"] == "PUT"
    assert [s.target.name for s in finding.plan.steps] == [token["name"]]  # declared tokens are left alone

    async def apply():
        async with await session.signed_in() as c:
            return (await engine.apply(c, finding.plan, read_only=False, source="test")).entry

    entry = asyncio.run(apply())
    after = _all_tokens(call)
    assert after[token["id"]]["type"] == "read-only"
    assert {k: v for k, v in after.items() if k != token["id"]} == {k: v for k, v in before.items()
                                                                     if k != token["id"]}
    assert entry.status == "applied" and entry.undoable

    # the entry belongs to the server, not to the profile name "s": another profile of the same server undoes it,
    # and the confirmation says what undo sends (now → target), not the journal's old line
    undone = cli("journal", "undo", "tok", entry.id, "--yes")
    assert undone.returncode == 0, undone.stderr
    assert f"'{token['name']}': type 'read-only' → 'full-access'" in undone.stdout
    assert _all_tokens(call) == before


def test_token_changed_since_the_scan_is_not_touched(admin):
    session, _, call = admin
    token = _new_token(call)

    async def scenario():
        async with await session.signed_in() as c:
            found = [t for t in await tokens.list_tokens(c, "api") if t.id == token["id"]]
            plan = targets.token_plan("delete", found)
            await c.call("PUT", f"/admin/api-tokens/{token['id']}", json_body={"description": "changed by a colleague"})
            with pytest.raises(engine.ConcurrentChange) as info:
                await engine.apply(c, plan, read_only=False, source="test")
            return info.value

    refused = asyncio.run(scenario())
    assert "changed on the server" in refused.message and "Nothing was written" in refused.message
    assert "description" in refused.message and "→ 'changed by a colleague'" in refused.message
    assert token["id"] in _all_tokens(call)


def test_delete_needs_the_typed_name_and_cannot_be_undone(admin, cli):
    _, _, call = admin
    token = _new_token(call, type="read-only")
    name = token["name"]
    refused = cli("tokens", "tok", "delete", name, "--yes")
    assert refused.returncode != 0 and f"--confirm '{name}'" in refused.stderr
    assert token["id"] in _all_tokens(call)

    done = cli("tokens", "tok", "delete", name, "--yes", "--confirm", name)
    assert done.returncode == 0, done.stderr
    # what cannot be undone is said first, before the change itself
    lines = done.stdout.splitlines()
    assert lines[1].startswith(f"  Cannot be undone: {name}:") and "every client using it gets 401" in lines[1]
    assert f"'{name}': deleted" in lines[2] and "(cannot be undone)" in done.stdout
    assert token["id"] not in _all_tokens(call)
    # the journal keeps the entry, but undo skips it: nothing else to undo for this profile
    again = cli("journal", "undo", "tok", "--yes")
    assert again.returncode == 0 and "Nothing to undo for tok." in again.stdout
    assert name in cli("journal", "list").stdout


def test_regenerate_writes_the_new_key_to_a_file_only(admin, cli, strapi5_perm, tmp_path):
    _, _, call = admin
    token = call("POST", "/admin/api-tokens", {"name": f"t-{secrets.token_hex(4)}", "type": "read-only"})["data"]
    old_key = token["accessKey"]
    no_file = cli("tokens", "tok", "regenerate", token["name"], "--yes", "--confirm", token["name"])
    assert no_file.returncode != 0 and "--key-file" in no_file.stderr  # stdout is not a terminal here

    key_file = tmp_path / "new.key"
    done = cli("tokens", "tok", "regenerate", token["name"], "--yes", "--confirm", token["name"],
               "--key-file", str(key_file))
    assert done.returncode == 0, done.stderr
    new_key = key_file.read_text().strip()
    assert len(new_key) == 256 and new_key not in done.stdout and old_key not in done.stdout
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"

    async def use(key):
        async with StrapiClient(strapi5_perm.profile("client")) as c:
            resp = await c.http.send("GET", "/api/articles", headers={"Authorization": f"Bearer {key}"})
            return resp.status

    assert asyncio.run(use(new_key)) == 200 and asyncio.run(use(old_key)) == 401
    journal_text = "".join(p.read_text() for p in (tmp_path / "data").rglob("*.json"))
    assert new_key not in journal_text and old_key not in journal_text


def test_push_transfer_token_fails_and_its_fix_deletes_it(admin, cli):
    _, _, call = admin
    made = call("POST", "/admin/transfer/tokens", {"name": f"x-{secrets.token_hex(4)}", "permissions": ["push"],
                                                    "lifespan": None})["data"]
    scan = json.loads(cli("scan", "tok", "--format", "json", "--check", "TOK-TRANSFER", "--check",
                          "EXP-TRANSFER").stdout)
    found = {f["check_id"]: f for f in scan["servers"][0]["findings"]}
    assert found["TOK-TRANSFER"]["status"] == "fail" and made["name"] in found["TOK-TRANSFER"]["title"]
    assert found["EXP-TRANSFER"]["status"] == "warn"
    assert made["accessKey"] not in json.dumps(scan)
    fixed = cli("fix", "tok", "TOK-TRANSFER", "--yes", "--confirm", made["name"])
    assert fixed.returncode == 0, fixed.stderr
    assert all(t["id"] != made["id"] for t in call("GET", "/admin/transfer/tokens")["data"])


def test_undeclared_provider_is_disabled_and_undo_enables_it(admin, cli):
    _, _, call = admin
    providers = call("GET", "/users-permissions/providers")
    providers["github"].update(enabled=True, key="client-id", secret="client-secret-value")
    call("PUT", "/users-permissions/providers", {"providers": {n: {k: v for k, v in p.items() if k != "redirectUri"}
                                                               for n, p in providers.items()}})
    try:
        scan = json.loads(cli("scan", "tok", "--format", "json", "--check", "AUTH-PROVIDERS").stdout)
        finding = scan["servers"][0]["findings"][0]
        assert finding["status"] == "warn" and "github" in finding["title"]
        assert "client-secret-value" not in json.dumps(scan)
        fixed = cli("fix", "tok", "AUTH-PROVIDERS", "--yes")
        assert fixed.returncode == 0, fixed.stderr
        assert "login provider github: enabled → disabled" in fixed.stdout
        after = call("GET", "/users-permissions/providers")
        assert after["github"]["enabled"] is False
        assert after["github"]["secret"] == "client-secret-value"  # the rest of the map survived the PUT
        assert cli("journal", "undo", "tok", "--yes").returncode == 0
        assert call("GET", "/users-permissions/providers")["github"]["enabled"] is True
    finally:
        providers["github"].update(enabled=False)
        call("PUT", "/users-permissions/providers", {"providers": {n: {k: v for k, v in p.items()
                                                                       if k != "redirectUri"}
                                                                   for n, p in providers.items()}})


def test_plain_http_webhook_with_credentials_fails(admin, cli):
    _, _, call = admin
    hook = call("POST", "/admin/webhooks", {"name": "deploy-hook", "url": "http://hooks.example.test/x",
                                            "headers": {"Authorization": "Bearer hook-secret-123"},
                                            "events": ["entry.create"]})["data"]
    try:
        scan = json.loads(cli("scan", "tok", "--format", "json", "--check", "AUTH-WEBHOOKS").stdout)
        finding = scan["servers"][0]["findings"][0]
        assert finding["status"] == "fail" and "deploy-hook" in finding["title"] and "in clear" in finding["title"]
        assert "hook-secret-123" not in json.dumps(scan)  # header names only, never values
    finally:
        call("DELETE", f"/admin/webhooks/{hook['id']}")


def test_secrets_of_end_user_and_cookie_signatures(strapi_servers, tmp_path):
    """APP_KEYS from the refresh cookie's signature and JWT_SECRET from a test end user's JWT: offline."""
    env = cli_env(tmp_path)

    run = cli_runner(env, timeout=120)

    statuses = {}
    for key in ("v5", "v5_default"):
        target = strapi_servers[key]
        email, password = target.new_admin()
        user, user_pw = f"u{secrets.token_hex(4)}", f"Pw-{secrets.token_hex(8)}"

        async def register():
            async with StrapiClient(target.profile("reg")) as c:
                async with StrapiClient(target.profile("adm")) as a:
                    await a.login(email, password)
                    advanced = (await a.get("/users-permissions/advanced"))["settings"]
                    await a.call("PUT", "/users-permissions/advanced", json_body={**advanced, "allow_register": True})
                    try:
                        resp = await c.http.send("POST", "/api/auth/local/register", json_body={
                            "username": user, "email": f"{user}@example.test", "password": user_pw})
                    finally:  # other tests grade this server as it was
                        await a.call("PUT", "/users-permissions/advanced", json_body=advanced)
                assert resp.status == 200, resp.body[:300]

        asyncio.run(register())
        assert run("profile", "add", key, "--url", target.url, "--email", email).returncode == 0
        assert run("login", key, "--password-stdin", stdin=password + "\n").returncode == 0
        logged = run("login", key, "--end-user", user, "--password-stdin", stdin=user_pw + "\n")
        assert logged.returncode == 0, logged.stderr
        assert "the password is not" in logged.stdout
        out = run("scan", key, "--format", "json", "--check", "SEC-APP-KEYS-DEFAULT", "--check", "SEC-UP-JWT-DEFAULT",
                  "--check", "AUTH-UP-JWT-MODE")
        assert user_pw not in out.stdout and password not in out.stdout
        statuses[key] = {f["check_id"]: f["status"] for f in json.loads(out.stdout)["servers"][0]["findings"]}
    assert statuses["v5"] == {"SEC-APP-KEYS-DEFAULT": "pass", "SEC-UP-JWT-DEFAULT": "pass",
                              "AUTH-UP-JWT-MODE": "warn"}  # Strapi's default end-user JWT lives 30 days
    assert statuses["v5_default"]["SEC-APP-KEYS-DEFAULT"] == "fail"
    assert statuses["v5_default"]["SEC-UP-JWT-DEFAULT"] == "fail"


def test_aggressive_rate_probes_use_made_up_identities(strapi5):
    email, password = strapi5.new_admin()

    async def go():
        store = SecretStore("memory")
        profile = Profile("r", strapi5.url)
        async with StrapiClient(profile, on_credentials=lambda c: store.set("r", c)) as c:
            await c.login(email, password)
        quiet = await scan_profile(profile, store, check_ids=["RATE-ADMIN-LOGIN"])
        loud = await scan_profile(profile, store, check_ids=["RATE-ADMIN-LOGIN", "RATE-UP-LOGIN", "RATE-PROXY-TRUST"],
                                  aggressive=True)
        # the real admin can still sign in: the probes never touched its bucket
        async with StrapiClient(profile) as c:
            await c.login(email, password)
        return quiet, loud

    quiet, loud = asyncio.run(go())
    assert quiet.findings[0].status == "skip" and "--aggressive" in quiet.findings[0].reason
    found = {f.check_id: f for f in loud.findings}
    assert found["RATE-ADMIN-LOGIN"].status == "pass" and found["RATE-ADMIN-LOGIN"].evidence["statuses"][-1] == 429
    assert found["RATE-UP-LOGIN"].status == "pass" and found["RATE-UP-LOGIN"].evidence["x-ratelimit-limit"] == 10
    assert found["RATE-PROXY-TRUST"].status == "pass"


def test_uploaded_svg_served_inline_fails_and_auth_answers_cache(admin, cli, strapi5_perm):
    session, _, call = admin

    async def upload():
        async with await session.signed_in("up") as c:
            svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
            resp = await c.http._client.post(
                strapi5_perm.url + "/upload", files={"files": ("logo.svg", svg, "image/svg+xml")},
                headers={"Authorization": f"Bearer {c.credentials.access_token}"})
            assert resp.status_code in (200, 201), resp.text[:300]
            return resp.json()[0]["id"]

    file_id = asyncio.run(upload())
    try:
        scan = json.loads(cli("scan", "tok", "--format", "json", "--check", "HDR-UPLOADS", "--check",
                              "HDR-CACHE-AUTH", "--check", "HDR-CSP-DOCS").stdout)
        found = {f["check_id"]: f for f in scan["servers"][0]["findings"]}
        uploads = found["HDR-UPLOADS"]
        assert uploads["status"] == "fail" and uploads["evidence"]["content-type"] == "image/svg+xml"
        assert found["HDR-CACHE-AUTH"]["status"] in ("pass", "warn") and "cache-control" in \
            found["HDR-CACHE-AUTH"]["evidence"]
        # the demo serves Swagger UI publicly: Strapi loosens the CSP there (development: info, not warn)
        assert found["HDR-CSP-DOCS"]["status"] == "info" and "/documentation" in found["HDR-CSP-DOCS"]["evidence"][
            "loosened"]
    finally:
        call("DELETE", f"/upload/files/{file_id}")


def test_webhook_moved_to_https_and_back(admin, cli):
    _, _, call = admin
    hook = call("POST", "/admin/webhooks", {"name": "to-move", "url": "http://hooks.example.test/x",
                                            "headers": {"X-Trace": "1"}, "events": ["entry.create"]})["data"]
    try:
        refused = cli("webhooks", "tok", "set-url", "to-move", "http://still-clear.example/x", "--yes")
        assert refused.returncode != 0 and "https" in refused.stderr
        moved = cli("webhooks", "tok", "set-url", "to-move", "https://hooks.example.test/x", "--yes")
        assert moved.returncode == 0, moved.stderr
        now = call("GET", f"/admin/webhooks/{hook['id']}")["data"]
        assert now["url"] == "https://hooks.example.test/x" and now["headers"] == {"X-Trace": "1"}
        assert now["events"] == ["entry.create"]
        assert cli("journal", "undo", "tok", "--yes").returncode == 0
        assert call("GET", f"/admin/webhooks/{hook['id']}")["data"]["url"] == "http://hooks.example.test/x"
    finally:
        call("DELETE", f"/admin/webhooks/{hook['id']}")


def test_public_documentation_gets_a_generated_password(admin, cli, strapi5_perm, tmp_path):
    _, _, call = admin
    scan = json.loads(cli("scan", "tok", "--format", "json", "--check", "EXP-DOCS").stdout)
    finding = scan["servers"][0]["findings"][0]
    assert finding["status"] == "fail" and finding["fix"]["kind"] == "api"
    assert finding["fix"]["request"]["body"]["restrictedAccess"] is True and "password" in finding["fix"]["request"][
        "body"]
    key_file = tmp_path / "docs.pw"
    fixed = cli("fix", "tok", "EXP-DOCS", "--yes", "--key-file", str(key_file))
    assert fixed.returncode == 0, fixed.stderr
    password = key_file.read_text().strip()
    assert len(password) >= 20 and password not in fixed.stdout

    async def probe(body=None):
        async with StrapiClient(strapi5_perm.profile("anon")) as c:
            if body is None:
                return await c.http.send("GET", "/documentation/v1.0.0", headers={"Accept": "text/html"}, follow=0)
            return await c.http.send("POST", "/documentation/login", json_body=body, follow=0)

    try:
        assert asyncio.run(probe()).status == 302  # now behind the login page
        after = json.loads(cli("scan", "tok", "--format", "json", "--check", "EXP-DOCS").stdout)
        assert after["servers"][0]["findings"][0]["title"] == "The API documentation asks for a password"
        assert asyncio.run(probe({"password": password})).headers.get("location") == "/documentation"
        journal_text = "".join(p.read_text() for p in (tmp_path / "data").rglob("*.json"))
        assert password not in journal_text
    finally:
        assert cli("journal", "undo", "tok", "--yes").returncode == 0
    assert asyncio.run(probe()).status == 200  # public again, as before
