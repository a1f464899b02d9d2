"""The side-by-side comparison of two roles: which cells differ, for end-user and admin roles."""

from __future__ import annotations

import pytest

from strapi_console import role_compare
from strapi_console.admin_roles import CM, AdminRole
from strapi_console.permissions import Role


def up_role(name: str, enabled: set[str], extra: dict | None = None) -> Role:
    tree = {"api::article": {"controllers": {"article": {a: {"enabled": f"article.{a}" in enabled, "policy": ""}
                                                         for a in ("find", "findOne", "create")}}}}
    tree.update(extra or {})
    return Role(1, name, name.lower(), "", tree)


def test_end_user_roles_differ_only_where_one_allows_and_the_other_does_not():
    left = up_role("Public", {"article.find"})
    right = up_role("Authenticated", {"article.find", "article.create"},
                    {"plugin::upload": {"controllers": {"content-api": {"upload": {"enabled": False}}}}})
    cmp = role_compare.compare(left, right, "Public on a", "Authenticated on a")
    assert cmp.columns == ["find", "findOne", "create", "upload"]
    assert cmp.rows == ["api::article.article", "plugin::upload.content-api"]
    assert cmp.state("api::article.article", "create") == ("denied", "allowed")
    assert cmp.differing == {("api::article.article", "create")}
    # a controller one server does not have at all is shown, absent on that side, and denied is no difference
    assert cmp.state("plugin::upload.content-api", "upload") == ("absent", "denied")
    assert not cmp.differs("plugin::upload.content-api")
    assert cmp.differing_rows() == ["api::article.article"]
    assert cmp.state("api::article.article", "upload") == ("absent", "absent")


def admin_role(name: str, permissions: list[dict]) -> AdminRole:
    return AdminRole(2, name, "strapi-editor", "", 1, permissions)


def test_admin_roles_compare_restrictions_as_well_as_grants():
    subject = "api::article.article"
    common = {"action": CM + "read", "subject": subject, "properties": {"fields": ["title"]}, "conditions": []}
    left = admin_role("Editor", [common, {"action": CM + "publish", "subject": subject},
                                 {"action": "admin::users.read", "subject": None}])
    right = admin_role("Editor", [{**common, "properties": {"fields": ["title", "body"]}},
                                  {"action": CM + "update", "subject": subject,
                                   "conditions": ["admin::is-creator"]}])
    cmp = role_compare.compare(left, right, "Editor on staging", "Editor on production")
    assert cmp.rows == [subject, "@admin::users.read"]
    assert cmp.columns == ["allow", "read", "update", "publish"]
    # both partial, with other fields: a difference an operator must see
    assert cmp.state(subject, "read") == ("partial", "partial") and cmp.differs(subject, "read")
    assert cmp.state(subject, "update") == ("denied", "partial")
    assert cmp.state(subject, "publish") == ("allowed", "denied")
    assert cmp.state("@admin::users.read", "allow") == ("allowed", "denied")
    assert cmp.state(subject, "allow") == ("absent", "absent")  # a content type has no "allow" column
    assert len(cmp.differing) == 4


def test_identical_roles_have_no_difference():
    role = up_role("Public", {"article.find"})
    cmp = role_compare.compare(role, role, "a", "b")
    assert cmp.differing == set() and cmp.differing_rows() == []


def test_an_end_user_role_is_not_compared_with_an_admin_role():
    with pytest.raises(ValueError):
        role_compare.compare(up_role("Public", set()), admin_role("Editor", []), "a", "b")
