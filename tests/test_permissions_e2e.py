"""The safe write path against a real Strapi whose Public role can write: fix, verify, journal, undo,
concurrent-change refusal, read-only refusal."""

from __future__ import annotations

import asyncio
import json

import pytest

from conftest import apply_then_die, cli_env, cli_runner
from strapi_console import engine, journal, permissions, targets
from strapi_console.client import StrapiClient
from strapi_console.errors import ConsoleError, ReadOnlyError

pytestmark = pytest.mark.e2e


@pytest.fixture
def perm(strapi5_perm, tmp_path):
    """A signed-in CLI profile on the server, and a separate admin client to read the truth."""
    email, password = strapi5_perm.new_admin()
    env = cli_env(tmp_path)

    run = cli_runner(env, timeout=120)

    assert run("profile", "add", "perm", "--url", strapi5_perm.url, "--email", email).returncode == 0
    assert run("login", "perm", "--password-stdin", stdin=password + "\n").returncode == 0
    return run, email, password


def read_public(target, email, password) -> permissions.Role:
    async def go():
        async with StrapiClient(target.profile("reader")) as c:
            await c.login(email, password)
            return await permissions.role_by_type(c, "public")

    return asyncio.run(go())


def test_fix_public_write_then_undo_restores_exactly(perm, strapi5_perm):
    run, email, password = perm
    original = read_public(strapi5_perm, email, password).leaves()
    assert original["api::article.article.create"] is True  # the demo's deliberate weakness

    scan = json.loads(run("scan", "perm", "--format", "json", "--check", "AUTH-PUBLIC-WRITE").stdout)
    finding = scan["servers"][0]["findings"][0]
    assert finding["status"] == "fail" and finding["fix"]["kind"] == "api"
    assert finding["fix"]["request"]["method"] == "PUT"
    assert finding["fix"]["request"]["body"]["permissions"] == {"api::article.article.create": {"enabled": False}}

    fixed = run("fix", "perm", "AUTH-PUBLIC-WRITE", "--yes")
    assert fixed.returncode == 0, fixed.stderr
    assert "Public: article.create allowed → denied" in fixed.stdout and "verified" in fixed.stdout
    after = read_public(strapi5_perm, email, password).leaves()
    assert after["api::article.article.create"] is False
    # the PUT replaced the whole tree: every other permission is exactly as before
    assert {k: v for k, v in after.items() if k != "api::article.article.create"} == \
        {k: v for k, v in original.items() if k != "api::article.article.create"}

    listed = run("journal", "list")
    assert "applied" in listed.stdout and "fix AUTH-PUBLIC-WRITE" in listed.stdout
    undone = run("journal", "undo", "perm", "--yes")
    assert undone.returncode == 0, undone.stderr
    assert read_public(strapi5_perm, email, password).leaves() == original
    assert "undone by" in run("journal", "list").stdout


def test_concurrent_change_is_refused(strapi5_perm):
    email, password = strapi5_perm.new_admin()

    async def scenario():
        async with StrapiClient(strapi5_perm.profile("console")) as console, \
                StrapiClient(strapi5_perm.profile("colleague")) as colleague:
            await console.login(email, password)
            await colleague.login(email, password)
            loaded = await permissions.role_by_type(console, "public")
            plan = targets.role_plan(loaded, {"api::article.article.find": False})
            theirs = await permissions.read_role(colleague, loaded.id)
            await colleague.call("PUT", f"/users-permissions/roles/{loaded.id}",
                                 json_body=theirs.body_with({"api::category.category.findOne": True}))
            before_entries = len(journal.entries())
            with pytest.raises(engine.ConcurrentChange) as info:
                await engine.apply(console, plan, read_only=False, source="test")
            assert "Public: category.findOne denied → allowed" in info.value.message
            assert len(journal.entries()) == before_entries  # nothing journalled, nothing sent
            now = await permissions.read_role(colleague, loaded.id)
            assert now.leaves()["api::article.article.find"] is True
            # restore what the colleague did
            await colleague.call("PUT", f"/users-permissions/roles/{loaded.id}",
                                 json_body=now.body_with({"api::category.category.findOne": False}))

    asyncio.run(scenario())


def test_read_only_profile_sends_no_write(perm, strapi5_perm, tmp_path):
    run, email, password = perm
    run("profile", "add", "prod", "--url", strapi5_perm.url, "--email", email, "--tag", "production")
    assert run("login", "prod", "--password-stdin", stdin=password + "\n").returncode == 0
    before = read_public(strapi5_perm, email, password).leaves()
    out = run("fix", "prod", "AUTH-PUBLIC-WRITE", "--yes")
    assert out.returncode == 1 and "read-only" in out.stderr and "--allow-write" in out.stderr
    # even unlocked, --yes does not skip the typed confirmation on production
    out = run("fix", "prod", "AUTH-PUBLIC-WRITE", "--yes", "--allow-write")
    assert out.returncode == 1 and "Confirmation needed" in out.stderr
    assert read_public(strapi5_perm, email, password).leaves() == before

    async def core_refuses():
        from strapi_console.config import Profile

        async with StrapiClient(Profile("ro", strapi5_perm.url)) as c:
            await c.login(email, password)
            role = await permissions.role_by_type(c, "public")
            before = c.request_count
            with pytest.raises(ReadOnlyError):
                await engine.apply(c, targets.role_plan(role, {"api::article.article.find": False}),
                                   read_only=True, source="test")
            return c.request_count - before

    assert asyncio.run(core_refuses()) == 0  # refused before anything was sent, not even the re-read


def test_default_role_fix_through_advanced_settings(perm, strapi5_perm):
    run, email, password = perm

    async def set_default(role_type):
        async with StrapiClient(strapi5_perm.profile("admin")) as c:
            await c.login(email, password)
            settings = await permissions.read_advanced(c)
            await c.call("PUT", "/users-permissions/advanced", json_body={**settings, "default_role": role_type})
            return await permissions.read_advanced(c)

    risky = asyncio.run(set_default("public"))  # new users would get the Public role, which can write
    try:
        scan = json.loads(run("scan", "perm", "--format", "json", "--check", "AUTH-DEFAULT-ROLE").stdout)
        finding = scan["servers"][0]["findings"][0]
        assert finding["status"] == "fail" and finding["fix"]["request"]["path"] == "/users-permissions/advanced"
        assert set(finding["fix"]["request"]["body"]) >= {"allow_register", "unique_email", "default_role"}
        out = run("fix", "perm", "AUTH-DEFAULT-ROLE", "--yes")
        assert out.returncode == 0, out.stderr
        assert "default_role 'public' → 'authenticated'" in out.stdout
        fixed = asyncio.run(set_default("authenticated"))
        assert {k: v for k, v in fixed.items() if k != "default_role"} == \
            {k: v for k, v in risky.items() if k != "default_role"}  # the other settings survived the PUT
        assert run("journal", "undo", "perm", "--yes").returncode == 0
    finally:
        asyncio.run(set_default("authenticated"))


def test_admin_role_edit_and_exact_undo(strapi5_perm, tmp_path):
    """Editor: remove one grant, everything else (restrictions included) stays; undo restores it exactly."""
    from strapi_console import admin_roles

    email, password = strapi5_perm.new_admin()

    async def scenario():
        async with StrapiClient(strapi5_perm.profile("admin-edit")) as c:
            await c.login(email, password)
            roles = await admin_roles.list_roles(c)
            editor = next(r for r in roles if r.code == "strapi-editor")
            before = await admin_roles.read_role(c, editor.id)
            key = admin_roles.key_of("plugin::content-manager.explorer.delete", "api::article.article")
            assert key in before.granted()
            entry = (await engine.apply(c, targets.admin_role_plan(before, {key: False}), read_only=False,
                                        source="test")).entry
            after = await admin_roles.read_role(c, editor.id)
            canon = lambda role: sorted(  # noqa: E731
                json.dumps(admin_roles.clean(p), sort_keys=True) for p in role.permissions
                if admin_roles.key_of(p["action"], p.get("subject")) != key)
            assert key not in after.granted() and canon(after) == canon(before)
            undo = await engine.plan_undo(c, journal.get(entry.id))
            assert undo.describe() == ["Editor: delete on api::article.article denied → allowed"]  # now → target
            await engine.apply(c, undo, read_only=False, source="undo")
            restored = await admin_roles.read_role(c, editor.id)
            exact = lambda role: sorted(json.dumps(admin_roles.clean(p), sort_keys=True) for p in role.permissions)  # noqa
            assert exact(restored) == exact(before)

            superadmin = next(r for r in roles if r.code == "strapi-super-admin")
            sa = await admin_roles.read_role(c, superadmin.id)
            count = c.request_count
            with pytest.raises(ConsoleError) as info:
                targets.admin_role_plan(sa, {key: False})
            assert "Super Admin" in str(info.value)
            assert c.request_count == count  # refused while planning: nothing sent

    asyncio.run(scenario())


def test_baseline_export_diff_and_apply_across_servers(perm, strapi5_perm, strapi5, tmp_path):
    """Promote the reviewed Public role of one server to another as a reviewed diff, then undo it."""
    run, email, password = perm
    email2, password2 = strapi5.new_admin()
    assert run("profile", "add", "clean", "--url", strapi5.url, "--email", email2).returncode == 0
    assert run("login", "clean", "--password-stdin", stdin=password2 + "\n").returncode == 0
    baseline = tmp_path / "public.json"
    out = run("permissions", "export", "perm", "public", "--output", str(baseline))
    assert out.returncode == 0, out.stderr
    doc = json.loads(baseline.read_text())
    assert doc["kind"] == "end-user" and "api::article.article.create" in doc["enabled"]

    d = run("permissions", "diff", "clean", "Public", "perm:Public")
    assert "- only in perm:Public: api::article.article.create" in d.stdout
    assert run("permissions", "diff", "perm", "public", str(baseline)).stdout.strip().endswith("identical")

    applied = run("permissions", "apply", "clean", "public", str(baseline), "--yes")
    assert applied.returncode == 0, applied.stderr
    assert "Public: article.create denied → allowed" in applied.stdout
    assert run("permissions", "diff", "clean", "Public", "perm:Public").stdout.strip().endswith("identical")
    assert run("journal", "undo", "clean", "--yes").returncode == 0  # the clean server stays clean for other tests
    assert "article.create" in run("permissions", "diff", "clean", "Public", "perm:Public").stdout


def test_interrupted_write_is_recovered(perm, strapi5_perm):
    """A write that reached the server but was never completed in the journal (a killed process) is
    settled by `journal check` and undone through the same path."""
    run, email, password = perm
    original = read_public(strapi5_perm, email, password).leaves()

    async def half_done():
        async with StrapiClient(strapi5_perm.profile("perm")) as c:
            await c.login(email, password)
            role = await permissions.role_by_type(c, "public")
            return await apply_then_die(c, targets.role_plan(role, {"api::category.category.find": False}))

    entry_id = asyncio.run(half_done())
    assert journal.get(entry_id).status == "uncertain"  # interrupted during the write: outcome unknown
    assert "interrupted" in run("journal", "list").stdout
    checked = run("journal", "check", "perm")
    assert f"{entry_id}: applied" in checked.stdout
    assert run("journal", "undo", "perm", entry_id, "--yes").returncode == 0
    assert read_public(strapi5_perm, email, password).leaves() == original


def test_write_refused_with_403_names_the_missing_permission(strapi5_perm):
    """An Author-role admin can read nothing of users-permissions: the console says what is missing."""
    from strapi_console.errors import Forbidden

    email, password = strapi5_perm.new_admin()

    async def scenario():
        async with StrapiClient(strapi5_perm.profile("root")) as root:
            await root.login(email, password)
            roles = (await root.get("/admin/roles"))["data"]
            author = next(r["id"] for r in roles if r["code"] == "strapi-author")
            created = (await root.call("POST", "/admin/users", json_body={
                "firstname": "Au", "lastname": "Thor", "email": "author-403@example.test", "roles": [author]}))["data"]
            await root.call("POST", "/admin/register", auth=False, json_body={
                "registrationToken": created["registrationToken"],
                "userInfo": {"firstname": "Au", "lastname": "Thor", "password": "Author-pass-403a"}})
            public = await permissions.role_by_type(root, "public")
        async with StrapiClient(strapi5_perm.profile("author")) as author_client:
            await author_client.login("author-403@example.test", "Author-pass-403a")
            with pytest.raises(Forbidden) as info:
                await author_client.call("PUT", f"/users-permissions/roles/{public.id}",
                                         json_body=public.body_with({}))
            return str(info.value)

    message = asyncio.run(scenario())
    assert "lacks the permission for PUT /users-permissions/roles/" in message


def test_registration_fix_and_undo(perm, strapi5_perm):
    run, email, password = perm
    scan = json.loads(run("scan", "perm", "--format", "json", "--check", "AUTH-REGISTRATION").stdout)
    assert scan["servers"][0]["findings"][0]["status"] == "warn"
    out = run("fix", "perm", "AUTH-REGISTRATION", "--yes")
    assert out.returncode == 0 and "allow_register True → False" in out.stdout

    async def settings():
        async with StrapiClient(strapi5_perm.profile("reader")) as c:
            await c.login(email, password)
            return await permissions.read_advanced(c)

    assert asyncio.run(settings())["allow_register"] is False
    assert run("journal", "undo", "perm", "--yes").returncode == 0
    assert asyncio.run(settings())["allow_register"] is True


def test_departed_admin_still_active_fails_and_is_deactivated(strapi5_perm, tmp_path):
    """An admin the operator marked as departed, still active: FAIL with an API fix; undo reactivates."""
    leaver, _ = strapi5_perm.new_admin()
    email, password = strapi5_perm.new_admin()
    env = cli_env(tmp_path)

    run = cli_runner(env, timeout=120)

    assert run("profile", "add", "ops", "--url", strapi5_perm.url, "--email", email).returncode == 0
    cfg_path = tmp_path / "config" / "strapi-console" / "config.toml"
    cfg_path.write_text(cfg_path.read_text() + f'departed_admins = ["{leaver}"]\n')
    assert run("login", "ops", "--password-stdin", stdin=password + "\n").returncode == 0
    scan = json.loads(run("scan", "ops", "--format", "json", "--check", "AUTH-ADMIN-USERS").stdout)
    finding = scan["servers"][0]["findings"][0]
    assert finding["status"] == "fail" and leaver in finding["title"] and finding["fix"]["kind"] == "api"

    def active() -> bool:
        async def go():
            async with StrapiClient(strapi5_perm.profile("reader")) as c:
                await c.login(email, password)
                users = (await c.get("/admin/users", params={"pageSize": 100}))["data"]["results"]
                return next(u for u in users if u["email"] == leaver)["isActive"]
        return asyncio.run(go())

    fixed = run("fix", "ops", "AUTH-ADMIN-USERS", "--yes")
    assert fixed.returncode == 0, fixed.stderr
    assert f"admin {leaver}: deactivated" in fixed.stdout and active() is False
    assert run("journal", "undo", "ops", "--yes").returncode == 0 and active() is True


def test_role_deleted_while_open_is_refused_and_nothing_is_journalled(strapi5_perm):
    """Another admin deletes the role between load and apply: a clear refusal, no request, no journal entry."""
    from strapi_console.engine import TargetDeleted

    email, password = strapi5_perm.new_admin()

    async def scenario():
        async with StrapiClient(strapi5_perm.profile("gone")) as client:
            await client.login(email, password)
            await client.call("POST", "/users-permissions/roles",
                              json_body={"name": "Partners", "description": "temporary", "permissions": {}})
            role_id = next(r.id for r in await permissions.list_roles(client) if r.name == "Partners")
            role = await permissions.read_role(client, role_id)
            plan = targets.role_plan(role, {"api::article.article.find": True})
            async with StrapiClient(strapi5_perm.profile("other")) as other:
                await other.login(email, password)
                await other.call("DELETE", f"/users-permissions/roles/{role_id}")
            before = len(journal.entries("gone"))
            with pytest.raises(TargetDeleted) as info:
                await engine.apply(client, plan, read_only=False, source="test")
            return str(info.value), before, len(journal.entries("gone")), await permissions.list_roles(client)

    message, before, after, roles = asyncio.run(scenario())
    assert "The role Partners was deleted on the server since it was loaded. Nothing was written." in message
    assert after == before and "Partners" not in [r.name for r in roles]  # nothing recreated, nothing journalled


def test_rejected_body_names_each_field_and_never_echoes_the_value(strapi5_perm):
    """Strapi's ValidationError says "4 errors occurred" and echoes each rejected value, a password too."""
    from strapi_console.errors import BadRequest

    email, password = strapi5_perm.new_admin()
    echoed = "weak-Echoed-pw"

    async def scenario():
        async with StrapiClient(strapi5_perm.profile("me")) as client:
            await client.login(email, password)
            with pytest.raises(BadRequest) as info:
                await client.call("PUT", "/admin/users/me", json_body={"email": "not-an-email", "password": echoed})
            return str(info.value)

    message = asyncio.run(scenario())
    assert "PUT /admin/users/me was refused (400)" in message
    assert "email must be a valid email" in message and "currentPassword is a required field" in message
    assert echoed not in message and "not-an-email" not in message
