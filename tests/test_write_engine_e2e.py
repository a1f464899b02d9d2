"""The write engine against the real Strapi, for every kind of target it writes: a change made between
load and apply is refused with nothing sent; a write the server does not take is reported and journalled
as failed; undo after a later change is refused with before / after / now; undo on another server is
refused; a group stopped part way says what it applied and undoes it; a change that lands during the
write is said and journalled; a webhook URL's credential stays out of the journal file."""

from __future__ import annotations

import asyncio
import json
import secrets

import pytest

from conftest import Session
from strapi_console import admin_roles, engine, journal, permissions, targets, tokens
from strapi_console.client import StrapiClient
from strapi_console.server_identity import OtherServer

pytestmark = pytest.mark.e2e

ARTICLE = "api::article.article"
CM = "plugin::content-manager.explorer."


@pytest.fixture(scope="module")
def perm_session(strapi5_perm) -> Session:
    email, password = strapi5_perm.new_admin()
    return Session(strapi5_perm, email, password)


@pytest.fixture(scope="module")
def other_session(strapi5) -> Session:
    email, password = strapi5.new_admin()
    return Session(strapi5, email, password)


def record_writes(client: StrapiClient) -> list[str]:
    """Every non-GET request ``client`` sends from now on, as 'METHOD path'."""
    sent: list[str] = []
    real_call = client.call

    async def call(method, path, **kw):
        if method != "GET":
            sent.append(f"{method} {path}")
        return await real_call(method, path, **kw)

    client.call = call
    return sent


def server_ignores_the_write(plan: engine.Plan, index: int = 0) -> None:
    """The server answers the write as if it took it, and changes nothing."""
    async def ignored(client, body):
        return None

    plan.steps[index].target.send = ignored


# --- one case per kind of target -------------------------------------------------------------------


class Case:
    """How to put one kind of object in front of the engine. ``later`` is what an undo then meets:
    "conflict" (a later edit of what undo would revert), "already" (a later edit put it back: a single
    yes/no cell can only go back), "irreversible" (the change cannot be undone at all)."""

    later_outcome = "conflict"
    drift_text = ""  # what the refusal names about the colleague's change
    conflict_text = ""  # the three states undo shows

    def setup(self, target) -> None:
        """Blocking preparation outside the event loop (creating an admin)."""

    async def prepare(self, c: StrapiClient) -> engine.Plan:
        raise NotImplementedError

    async def colleague(self, c: StrapiClient) -> None:
        """Another admin edits the same object, not what the plan changes."""

    async def later(self, c: StrapiClient) -> None:
        """After the change: another admin edits what undo would revert."""

    async def cleanup(self, c: StrapiClient) -> None:
        pass


class EndUserRoleCase(Case):
    def __init__(self):
        self.name = f"Engine-{secrets.token_hex(3)}"
        self.drift_text = f"{self.name}: category.find denied → allowed"
        self.conflict_text = "article.create (before allowed, after the change denied, now allowed)"

    async def _put(self, c, changes):
        role = await permissions.read_role(c, self.id)
        await c.call("PUT", f"/users-permissions/roles/{self.id}", json_body=role.body_with(changes))

    async def prepare(self, c):
        await c.call("POST", "/users-permissions/roles", json_body={"name": self.name, "description": "engine test",
                                                                     "permissions": {}})
        self.id = next(r.id for r in await permissions.list_roles(c) if r.name == self.name)
        await self._put(c, {f"{ARTICLE}.create": True, f"{ARTICLE}.update": True})
        role = await permissions.read_role(c, self.id)
        return targets.role_plan(role, {f"{ARTICLE}.create": False, f"{ARTICLE}.update": False})

    async def colleague(self, c):
        await self._put(c, {"api::category.category.find": True})

    async def later(self, c):
        await self._put(c, {f"{ARTICLE}.create": True})

    async def cleanup(self, c):
        await c.call("DELETE", f"/users-permissions/roles/{self.id}")


class AdminRoleCase(Case):
    drift_text = "create on api::article.article denied → allowed"
    conflict_text = "delete on api::article.article (before denied, after the change allowed, now allowed ("

    def __init__(self):
        self.name = f"Engine {secrets.token_hex(3)}"

    async def _put(self, c, permissions_):
        await c.call("PUT", f"/admin/roles/{self.id}/permissions", json_body={"permissions": permissions_})

    async def prepare(self, c):
        self.id = (await c.call("POST", "/admin/roles", json_body={"name": self.name, "description": "engine"}))[
            "data"]["id"]
        await self._put(c, [{"action": CM + "read", "subject": ARTICLE, "properties": {}, "conditions": []}])
        role = await admin_roles.read_role(c, self.id)
        return targets.admin_role_plan(role, {admin_roles.key_of(CM + "delete", ARTICLE): True})

    async def colleague(self, c):
        role = await admin_roles.read_role(c, self.id)
        await self._put(c, role.body_with({admin_roles.key_of(CM + "create", ARTICLE): True})["permissions"])

    async def later(self, c):  # the grant the change added is restricted to the creator's own entries
        role = await admin_roles.read_role(c, self.id)
        kept = [admin_roles.clean(p) for p in role.permissions if p["action"] != CM + "delete"]
        await self._put(c, kept + [{"action": CM + "delete", "subject": ARTICLE, "properties": {},
                                    "conditions": ["admin::is-creator"]}])

    async def cleanup(self, c):
        await c.call("DELETE", f"/admin/roles/{self.id}")


class AdvancedCase(Case):
    drift_text = "email_confirmation_redirection"
    conflict_text = ("email_reset_password (before None, after the change 'https://reset.example.test/engine', "
                     "now 'https://later.example.test/')")

    async def _put(self, c, changes):
        settings = await permissions.read_advanced(c)
        await c.call("PUT", "/users-permissions/advanced", json_body={**settings, **changes})

    async def prepare(self, c):
        self.original = await permissions.read_advanced(c)
        await self._put(c, {"email_reset_password": None})
        return targets.advanced_plan(await permissions.read_advanced(c),
                                     {"email_reset_password": "https://reset.example.test/engine"})

    async def colleague(self, c):
        await self._put(c, {"email_confirmation_redirection": "https://colleague.example.test/"})

    async def later(self, c):
        await self._put(c, {"email_reset_password": "https://later.example.test/"})

    async def cleanup(self, c):
        await c.call("PUT", "/users-permissions/advanced", json_body=self.original)


class ProvidersCase(Case):
    drift_text = "login provider discord: disabled → enabled"
    conflict_text = "github.enabled (before True, after the change False, now True)"

    async def _put(self, c, changes):
        providers = await permissions.read_providers(c)
        for name, fields in changes.items():
            providers[name].update(fields)
        await c.call("PUT", "/users-permissions/providers", json_body={"providers": {
            n: {k: v for k, v in p.items() if k != "redirectUri"} for n, p in providers.items()}})

    async def prepare(self, c):
        self.original = await permissions.read_providers(c)
        await self._put(c, {"github": {"enabled": True, "key": "engine-id", "secret": "engine-secret-value"},
                            "google": {"enabled": True, "key": "engine-id", "secret": "engine-secret-value"}})
        return targets.providers_plan(await permissions.read_providers(c), {"github": False, "google": False})

    async def colleague(self, c):
        await self._put(c, {"discord": {"enabled": True}})

    async def later(self, c):
        await self._put(c, {"github": {"enabled": True}})

    async def cleanup(self, c):
        await c.call("PUT", "/users-permissions/providers", json_body={"providers": {
            n: {k: v for k, v in p.items() if k != "redirectUri"} for n, p in self.original.items()}})


class WebhookCase(Case):
    url = "https://hooks.example.test/deploy?token=engine-hook-secret-123"
    conflict_text = ("url (before 'http://hooks.example.test/x', after the change "
                     "'https://hooks.example.test/deploy?token=<redacted>', now 'https://later.example.test/x')")

    def __init__(self):
        self.name = f"engine-{secrets.token_hex(3)}"
        self.drift_text = f"webhook {self.name}: events ['entry.create'] → ['entry.create', 'entry.update']"

    async def _put(self, c, changes):
        hook = (await c.get(f"/admin/webhooks/{self.id}"))["data"]
        body = {k: hook[k] for k in ("name", "url", "headers", "events", "isEnabled")}
        await c.call("PUT", f"/admin/webhooks/{self.id}", json_body={**body, **changes})

    async def prepare(self, c):
        hook = (await c.call("POST", "/admin/webhooks", json_body={
            "name": self.name, "url": "http://hooks.example.test/x", "headers": {"X-Trace": "1"},
            "events": ["entry.create"]}))["data"]
        self.id = hook["id"]
        return targets.webhook_plan(await targets.read_webhook(c, str(self.id)), self.url)

    async def colleague(self, c):
        await self._put(c, {"events": ["entry.create", "entry.update"]})

    async def later(self, c):
        await self._put(c, {"url": "https://later.example.test/x"})

    async def cleanup(self, c):
        await c.call("DELETE", f"/admin/webhooks/{self.id}")


async def _admin_user(c, email: str) -> dict:
    users = (await c.get("/admin/users", params={"pageSize": 100, "filters[email][$eq]": email}))["data"]["results"]
    return next(u for u in users if u["email"] == email)


class AdminUserCase(Case):
    later_outcome = "already"  # isActive is yes/no: a later edit of it can only put it back
    drift_text = "firstname 'Test' → 'Changed'"

    def setup(self, target):
        self.email, _ = target.new_admin()

    async def prepare(self, c):
        self.id = (await _admin_user(c, self.email))["id"]
        return targets.admin_users_plan([await _admin_user(c, self.email)])

    async def colleague(self, c):
        await c.call("PUT", f"/admin/users/{self.id}", json_body={"firstname": "Changed"})

    async def later(self, c):
        await c.call("PUT", f"/admin/users/{self.id}", json_body={"isActive": True})


class DocsCase(Case):
    later_outcome = "already"  # restrictedAccess is yes/no (the password itself is never readable)
    drift_text = "documentation plugin: public → password required"

    async def _put(self, c, on: bool):
        await c.call("PUT", "/documentation/updateSettings", json_body={"restrictedAccess": on, **(
            {"password": "Colleague-pass-1"} if on else {})})

    async def prepare(self, c):
        await self._put(c, False)
        assert not await targets.read_docs_access(c)
        return targets.docs_plan()

    async def colleague(self, c):
        await self._put(c, True)

    async def later(self, c):
        await self._put(c, False)

    async def cleanup(self, c):
        await self._put(c, False)


class ApiTokenCase(Case):
    drift_text = "→ 'changed by a colleague'"
    conflict_text = "type (before 'full-access', after the change 'read-only', now 'custom')"

    async def prepare(self, c):
        made = (await c.call("POST", "/admin/api-tokens", json_body={"name": f"engine-{secrets.token_hex(3)}",
                                                                      "type": "full-access"}))["data"]
        self.id = made["id"]
        return targets.token_plan("read-only", [await tokens.read_token(c, "api", self.id)])

    async def colleague(self, c):
        await c.call("PUT", f"/admin/api-tokens/{self.id}", json_body={"description": "changed by a colleague"})

    async def later(self, c):
        await c.call("PUT", f"/admin/api-tokens/{self.id}", json_body={
            "type": "custom", "permissions": ["api::article.article.find"]})

    async def cleanup(self, c):
        if await tokens.read_token(c, "api", self.id):
            await c.call("DELETE", f"/admin/api-tokens/{self.id}")


class TransferTokenCase(Case):
    later_outcome = "irreversible"
    drift_text = "→ 'changed by a colleague'"

    async def prepare(self, c):
        made = (await c.call("POST", "/admin/transfer/tokens", json_body={
            "name": f"engine-{secrets.token_hex(3)}", "permissions": ["push"], "lifespan": None}))["data"]
        self.id = made["id"]
        return targets.token_plan("delete", [await tokens.read_token(c, "transfer", self.id)])

    async def colleague(self, c):
        await c.call("PUT", f"/admin/transfer/tokens/{self.id}", json_body={"description": "changed by a colleague"})

    async def cleanup(self, c):
        if await tokens.read_token(c, "transfer", self.id):
            await c.call("DELETE", f"/admin/transfer/tokens/{self.id}")


class AdminTokenCase(Case):
    later_outcome = "irreversible"
    drift_text = "description 'engine' → 'changed by a colleague'"

    async def prepare(self, c):
        made = (await c.call("POST", "/admin/admin-tokens", json_body={
            "name": f"engine-{secrets.token_hex(3)}", "description": "engine", "lifespan": None}))["data"]
        self.id = made["id"]
        return targets.token_plan("regenerate", [await tokens.read_token(c, "admin", self.id)])

    async def colleague(self, c):
        await c.call("PUT", f"/admin/admin-tokens/{self.id}", json_body={"description": "changed by a colleague"})

    async def cleanup(self, c):
        if await tokens.read_token(c, "admin", self.id):
            await c.call("DELETE", f"/admin/admin-tokens/{self.id}")


CASES = {"end-user-role": EndUserRoleCase, "admin-role": AdminRoleCase, "advanced-settings": AdvancedCase,
         "providers": ProvidersCase, "webhook": WebhookCase, "admin-user": AdminUserCase, "documentation": DocsCase,
         "api-token": ApiTokenCase, "transfer-token": TransferTokenCase, "admin-token": AdminTokenCase}
every_kind = pytest.mark.parametrize("kind", list(CASES))


def run_case(session: Session, target, kind: str, scenario) -> object:
    """Prepare the kind's object, run ``scenario(case, console, colleague)``, always clean up."""
    case = CASES[kind]()
    case.setup(target)

    async def go():
        async with await session.signed_in("console") as console, await session.signed_in("colleague") as colleague:
            try:
                return await scenario(case, console, colleague)
            finally:
                await case.cleanup(colleague)

    return asyncio.run(go())


def test_every_kind_of_target_is_covered():
    """A new kind of target without a case here fails this test."""
    from strapi_console.engine import Target

    kinds = {"end-user-role": "up-role", "admin-role": "admin-role", "advanced-settings": "up-advanced",
             "providers": "up-providers", "webhook": "webhook", "admin-user": "admin-user",
             "documentation": "documentation", "api-token": "token-update", "transfer-token": "token-delete",
             "admin-token": "token-regenerate"}
    assert set(kinds) == set(CASES)
    # "documentation-open" is the undo of "documentation", run by that case's undo scenarios;
    # "admin-sessions" (ending your other sessions) needs sign-ins for each case, which Strapi limits to 5 in
    # 5 minutes: tests/test_containment_e2e.py applies it, refuses it on drift and checks what undo says of it
    assert set(kinds.values()) == set(Target.registry) - {"documentation-open", "admin-sessions"}


@every_kind
def test_changed_between_load_and_apply_is_refused_and_nothing_sent(kind, perm_session, strapi5_perm):
    async def scenario(case, console, colleague):
        plan = await case.prepare(console)
        assert plan.steps, "the case must stage a change"
        await case.colleague(colleague)
        sent = record_writes(console)
        with pytest.raises(engine.ConcurrentChange) as info:
            await engine.apply(console, plan, read_only=False, source="test")
        assert sent == [] and journal.entries() == []  # nothing sent, nothing journalled
        return info.value.message

    message = run_case(perm_session, strapi5_perm, kind, scenario)
    assert "changed on the server since it was loaded" in message and "Nothing was written" in message
    assert CASES[kind].drift_text in message if CASES[kind].drift_text else True


@every_kind
def test_a_write_the_server_does_not_take_is_reported_and_journalled_as_failed(kind, perm_session, strapi5_perm):
    async def scenario(case, console, colleague):
        plan = await case.prepare(console)
        before = (await plan.steps[0].target.read(console)).cells
        server_ignores_the_write(plan)
        with pytest.raises(engine.VerifyFailed) as info:
            await engine.apply(console, plan, read_only=False, source="test")
        after = await plan.steps[0].target.read(console)
        return info.value.message, before, after.cells if after else None

    message, before, after = run_case(perm_session, strapi5_perm, kind, scenario)
    [entry] = journal.entries()
    assert entry.status == "failed" and "read back does not match" in entry.detail
    assert f"Journal entry {entry.id} records it as failed" in message
    assert after == before  # the server indeed has what it had
    assert journal.last_undoable(entry.profile) is None  # a failed write is not offered for undo


@every_kind
def test_undo_after_a_later_change_is_refused_with_before_after_and_now(kind, perm_session, strapi5_perm):
    async def scenario(case, console, colleague):
        plan = await case.prepare(console)
        outcome = await engine.apply(console, plan, read_only=False, source="test")
        await case.later(colleague)
        sent = record_writes(console)
        with pytest.raises(engine.ConsoleError) as info:
            undo = await engine.plan_undo(console, journal.get(outcome.ref))
            await engine.apply(console, undo, read_only=False, source="undo")
        assert sent == []
        return info.value, outcome.ref

    error, ref = run_case(perm_session, strapi5_perm, kind, scenario)
    expected = CASES[kind].later_outcome
    if expected == "conflict":
        assert isinstance(error, engine.UndoConflict), error
        assert CASES[kind].conflict_text in error.message and "Nothing was sent" in error.message
    elif expected == "already":
        assert isinstance(error, engine.NothingToDo), error
        assert journal.get(ref).undone_by == "elsewhere"  # `u` walks on past it
    else:
        assert isinstance(error, engine.CannotUndo) and "cannot be undone" in error.message


@every_kind
def test_undo_on_another_server_is_refused(kind, perm_session, other_session, strapi5_perm):
    async def scenario(case, console, colleague):
        plan = await case.prepare(console)
        outcome = await engine.apply(console, plan, read_only=False, source="test")
        # the same profile name, re-pointed at another server
        async with await other_session.signed_in("console") as elsewhere:
            sent = record_writes(elsewhere)
            with pytest.raises(engine.ConsoleError) as info:
                await engine.plan_undo(elsewhere, journal.get(outcome.ref))
            assert sent == []
        if CASES[kind].later_outcome != "irreversible":  # still undoable where it was made
            undo = await engine.plan_undo(console, journal.get(outcome.ref))
            await engine.apply(console, undo, read_only=False, source="undo")
        return info.value

    error = run_case(perm_session, strapi5_perm, kind, scenario)
    if CASES[kind].later_outcome == "irreversible":
        assert isinstance(error, engine.CannotUndo)
    else:
        assert isinstance(error, OtherServer), error
        assert "made on another server" in error.message and "Nothing was sent" in error.message


# --- groups ---------------------------------------------------------------------------------------


def test_group_stopped_in_the_middle_reports_and_undoes_what_it_applied(perm_session, strapi5_perm):
    """Three admins to deactivate; the second is edited by a colleague after the scan: the first is
    deactivated, the second refused, the third not sent; the group's undo reactivates the first."""
    emails = [strapi5_perm.new_admin()[0] for _ in range(3)]

    async def scenario():
        async with await perm_session.signed_in("console") as console, \
                await perm_session.signed_in("colleague") as colleague:
            users = [await _admin_user(console, e) for e in emails]
            plan = targets.admin_users_plan(users)
            await colleague.call("PUT", f"/admin/users/{users[1]['id']}", json_body={"lastname": "Moved"})
            with pytest.raises(engine.GroupStopped) as info:
                await engine.apply(console, plan, read_only=False, source="test")
            states = [(await _admin_user(colleague, e))["isActive"] for e in emails]
            undo = await engine.plan_undo(console, journal.get(info.value.applied[0].id))
            await engine.apply(console, undo, read_only=False, source="undo")
            return info.value, states, [(await _admin_user(colleague, e))["isActive"] for e in emails]

    stopped, during, after = asyncio.run(scenario())
    assert during == [False, True, True]
    assert f"Stopped at step 2 of 3, {emails[1]}" in stopped.message and f"Not sent: {emails[2]}" in stopped.message
    assert f"Applied before it: {emails[0]}" in stopped.message and "journal undo" in stopped.hint
    assert after == [True, True, True]
    entries = journal.entries()
    assert [e.status for e in entries if e.undo_of is None] == ["applied"]  # step 2 refused: nothing journalled


def test_group_undo_in_reverse_order_names_what_cannot_be_undone(perm_session, strapi5_perm):
    """API tokens made read-only as one group; the second write is not taken by the server: the group
    stops there, and its undo restores the first; a deletion in a group is named as kept before anything."""
    async def scenario():
        async with await perm_session.signed_in("console") as console:
            made = [(await console.call("POST", "/admin/api-tokens", json_body={
                "name": f"group-{secrets.token_hex(3)}", "type": "full-access"}))["data"] for _ in range(3)]
            try:
                found = [await tokens.read_token(console, "api", t["id"]) for t in made]
                plan = targets.token_plan("read-only", found)
                server_ignores_the_write(plan, 1)
                with pytest.raises(engine.GroupStopped) as info:
                    await engine.apply(console, plan, read_only=False, source="test")
                types = [(await tokens.read_token(console, "api", t["id"])).type for t in made]
                undo = await engine.plan_undo(console, info.value.applied[0])
                await engine.apply(console, undo, read_only=False, source="undo")
                restored = [(await tokens.read_token(console, "api", t["id"])).type for t in made]
                # a group with a deletion: what cannot be undone is said first
                deletion = targets.token_plan("delete", found[2:])
                both = engine.Plan(plan.steps[:1] + deletion.steps, title="tokens")
                return info.value, types, restored, both
            finally:
                for t in made:
                    if await tokens.read_token(console, "api", t["id"]):
                        await console.call("DELETE", f"/admin/api-tokens/{t['id']}")

    stopped, types, restored, both = asyncio.run(scenario())
    assert types == ["read-only", "full-access", "full-access"]
    assert isinstance(stopped.cause, engine.VerifyFailed) and "Stopped at step 2 of 3" in stopped.message
    assert restored == ["full-access"] * 3
    entries = journal.entries()
    assert [e.status for e in entries if e.undo_of is None] == ["applied", "failed"]
    from strapi_console import confirmation
    from strapi_console.config import Profile

    asked = confirmation.for_plan(Profile("p", "http://127.0.0.1:1"), both, unlocked=False)
    assert asked.lines[0].startswith("Cannot be undone: ") and asked.object_name() == both.steps[1].target.name


# --- lost updates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["end-user-role", "webhook"])
def test_a_change_that_lands_during_the_write_is_said_and_journalled(kind, perm_session, strapi5_perm):
    async def scenario(case, console, colleague):
        plan = await case.prepare(console)
        real_send = plan.steps[0].target.send

        async def send_while_a_colleague_edits(client, body):
            answer = await real_send(client, body)
            await case.colleague(colleague)  # lands after the PUT, before the read-back
            return answer

        plan.steps[0].target.send = send_while_a_colleague_edits
        outcome = await engine.apply(console, plan, read_only=False, source="test")
        return outcome

    outcome = run_case(perm_session, strapi5_perm, kind, scenario)
    [warning] = outcome.warnings
    assert "another change landed during the write" in warning and CASES[kind]().drift_text.split(": ", 1)[1] in warning
    entry = journal.get(outcome.ref)
    assert entry.status == "applied" and "another change landed during the write" in entry.detail
    assert entry.extra["concurrent"]


# --- secrets in webhook URLs ----------------------------------------------------------------------


def test_webhook_url_credentials_stay_out_of_the_journal_and_undo_is_exact(perm_session, isolated):
    """The URL before holds user-info and a token: the journal file has it redacted, the keyring exact
    under the entry's id; undo puts the exact URL back and the keyring entry goes."""
    before_url = "http://deploy:hunter2-pass@hooks.example.test/x?token=abc123-before-secret"
    after_url = "https://hooks.example.test/deploy?token=engine-after-secret-456"

    async def scenario():
        async with await perm_session.signed_in("console") as console:
            hook = (await console.call("POST", "/admin/webhooks", json_body={
                "name": f"secret-{secrets.token_hex(3)}", "url": before_url, "headers": {},
                "events": ["entry.create"]}))["data"]
            try:
                plan = targets.webhook_plan(hook, after_url)
                outcome = await engine.apply(console, plan, read_only=False, source="test")
                text = journal.get(outcome.ref).path.read_text()
                kept = dict(isolated.entries)
                undo = await engine.plan_undo(console, journal.get(outcome.ref))
                await engine.apply(console, undo, read_only=False, source="undo")
                now = (await console.get(f"/admin/webhooks/{hook['id']}"))["data"]["url"]
                return outcome.ref, text, kept, now, dict(isolated.entries), undo.describe()
            finally:
                await console.call("DELETE", f"/admin/webhooks/{hook['id']}")

    ref, text, kept, now, left, lines = asyncio.run(scenario())
    for secret in ("hunter2-pass", "abc123-before-secret", "engine-after-secret-456"):
        assert secret not in text
    assert "hooks.example.test" in text  # still says where it pointed
    assert json.loads(kept[("strapi-console", f"journal:{ref}")])["before"]["url"] == before_url
    assert now == before_url  # exact, credentials included
    assert ("strapi-console", f"journal:{ref}") not in left  # no longer needed
    assert all("hunter2-pass" not in line for line in lines)  # the confirmation shows it redacted too
