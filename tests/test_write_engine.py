"""The write engine's rules that need no server: which server an entry belongs to, the one confirmation
policy, and the journal's order and groups."""

from __future__ import annotations

import pytest

from strapi_console import confirmation, journal, permissions, targets, tokens
from strapi_console.config import Profile
from strapi_console.server_identity import mismatch

V5 = {"url": "https://cms.example.test", "project": None, "instance": "super-admin:abc"}


@pytest.mark.parametrize("now, refused", [
    (V5, None),
    ({**V5, "url": "https://new-name.example.test"}, None),  # the same database behind a new address
    ({**V5, "instance": "super-admin:xyz"}, "made on another server"),  # a new database at the same address
    ({**V5, "instance": None}, "cannot be confirmed"),  # this account may not read the roles
])
def test_an_entry_belongs_to_the_server_it_was_made_on(now, refused):
    why = mismatch(V5, now)
    assert (why is None) if refused is None else (refused in why)


def test_without_server_identifiers_the_url_decides_and_old_entries_are_refused():
    bare = {"url": "https://a.example.test", "project": None, "instance": None}
    assert mismatch(bare, dict(bare)) is None
    assert "now points at https://b.example.test" in mismatch(bare, {**bare, "url": "https://b.example.test"})
    assert "recorded before" in mismatch({}, bare)
    project = {**bare, "project": "p-1"}
    assert "project id differs" in mismatch(project, {**project, "project": "p-2"})


def _role() -> permissions.Role:
    tree = {"api::article": {"controllers": {"article": {"create": {"enabled": True}, "find": {"enabled": True}}}}}
    return permissions.Role(2, "Public", "public", "", tree)


def _token(name: str) -> tokens.Token:
    return tokens.from_raw("api", {"id": 7, "name": name, "type": "full-access", "permissions": []})


def test_production_asks_for_the_profile_name_and_a_deletion_for_the_object_name_cannot_undo_first():
    prod = Profile("prod", "https://cms.example.test", tags=["production"])
    plan = targets.token_plan("delete", [_token("ci-deploy")])
    asked = confirmation.for_plan(prod, plan, unlocked=True)
    assert [t.text for t in asked.typed] == ["prod", "ci-deploy"]
    assert asked.lines[0].startswith("Cannot be undone: ci-deploy:")
    assert asked.lines[1] == "API token 'ci-deploy': deleted"

    staging = Profile("staging", "https://staging.example.test")
    role = confirmation.for_plan(staging, targets.role_plan(_role(), {"api::article.article.create": False}),
                                 unlocked=False)
    assert role.typed == [] and role.lines == ["Public: article.create allowed → denied"]
    assert confirmation.for_probes(staging) is None
    assert [t.text for t in confirmation.for_probes(prod).typed] == ["prod"]


def test_cli_yes_never_answers_a_typed_confirmation(monkeypatch, capsys):
    from strapi_console.cli import common as cli
    from strapi_console.errors import ConfigError

    prod = Profile("prod", "https://cms.example.test", tags=["production"])
    asked = confirmation.for_plan(prod, targets.role_plan(_role(), {"api::article.article.create": False}),
                                  unlocked=True)
    monkeypatch.setattr("sys.stdin", None)
    with pytest.raises(ConfigError, match="Confirmation needed: run this on a terminal."):
        cli._confirm(asked, yes=True)
    deletion = confirmation.for_plan(Profile("s", "https://s.example.test"),
                                     targets.token_plan("delete", [_token("old")]), unlocked=False)
    with pytest.raises(ConfigError, match="pass --confirm 'old'"):
        cli._confirm(deletion, yes=True, given="wrong")
    assert cli._confirm(deletion, yes=True, given="old")


def test_entries_of_one_second_keep_their_order_and_groups_come_back_whole():
    profile = Profile("p", "https://p.example.test")
    target = {"kind": "admin-user", "target": "admin-user", "name": "a", "id": 1}
    made = [journal.begin(profile, target, {"cells": {}}, {"cells": {}}, source="t", group="g1", step=i)
            for i in range(3)]
    undo = journal.begin(profile, target, {"cells": {}}, {"cells": {}}, source="undo", undo_of=made[0].id,
                         undoable=False)
    for e in [*made, undo]:
        journal.finish(e, "applied")
    assert [e.id for e in journal.entries("p")] == [e.id for e in [*made, undo]]
    assert [e.step for e in journal.group_of(made[1])] == [0, 1, 2]
    assert journal.last_undoable("p").id == made[2].id  # an undo is not itself undone


@pytest.mark.parametrize("role_type, action, check", [
    ("public", "api::article.article.create", "AUTH-PUBLIC-WRITE"),
    ("public", "plugin::users-permissions.user.find", "AUTH-PUBLIC-USERS"),
    ("public", "plugin::upload.content-api.upload", "AUTH-PUBLIC-UPLOAD"),
    ("public", "plugin::users-permissions.user.update", None),  # AUTH-AUTHENTICATED-ROLE never reads Public
    ("authenticated", "plugin::users-permissions.user.update", "AUTH-AUTHENTICATED-ROLE"),
    ("authenticated", "plugin::users-permissions.role.find", "AUTH-AUTHENTICATED-ROLE"),
    ("partners", "plugin::users-permissions.role.find", None),  # a custom role: no check reads it
    ("partners", "api::article.article.create", None),
])
def test_risk_names_the_check_that_reads_that_role(role_type, action, check):
    assert permissions.risk(role_type, action) == check


def test_aggressive_scan_of_a_production_profile_asks_for_its_name(tmp_path):
    from conftest import cli_env, cli_runner

    run = cli_runner(cli_env(tmp_path), timeout=60)
    assert run("profile", "add", "prod", "--url", "https://cms.example.invalid", "--tag", "production").returncode == 0
    out = run("scan", "prod", "--aggressive", "--format", "json")
    assert out.returncode == 1 and "Confirmation needed: run this on a terminal." in out.stderr
    assert "Send the aggressive probes to prod?" in out.stderr and out.stdout == ""  # stdout stays a report


def test_the_generated_documentation_password_always_meets_strapis_rule(monkeypatch):
    # The documentation plugin's updateSettings refuses (400) a password without 8 characters, a lowercase
    # letter, an uppercase letter and a digit; a password missing one made the fix fail about once in 60.
    import re

    rule = [re.compile(p) for p in (r"[a-z]", r"[A-Z]", r"\d")]
    shown: list[str] = []
    monkeypatch.setattr(targets, "register_secret", shown.append)  # each one is still registered for redaction
    step = targets.docs_plan().steps[0]
    words = [step.target.body(step.loaded, {"restrictedAccess": True})["password"] for _ in range(3000)]
    assert shown == words
    assert len(set(words)) == len(words)
    assert [w for w in words if len(w) < 8 or not all(r.search(w) for r in rule)] == []
