"""Matching the shipped advisory data against server versions. The expected IDs are written out by
hand from the records (not computed by the code under test)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from strapi_console import advisories, support

DB = advisories.load()


def core_ids(version, deps=None):
    return {m.advisory.id for m in advisories.match_server(DB, version, deps or {}).core}


def test_bundled_data_loads_completely():
    assert len(DB.advisories) == 41 and DB.source == "bundled"
    # the bundled copy is current as of the last change of any record in it (2026-05-15T23:44:50Z)
    assert DB.summary() == {"records": 41, "newest": "2026-05-14", "source": "bundled", "as_of": "2026-05-15"}
    assert DB.skipped == []


def test_current_v5_is_clean():
    assert core_ids("5.54.0") == set()


def test_v5_19_lockstep_catches_packages_package_json_does_not_list():
    # /admin/information lists only @strapi/strapi; @strapi/core, @strapi/upload, @strapi/admin and
    # @strapi/content-type-builder advisories still apply (the classic false negative).
    assert core_ids("5.19.0", {"@strapi/strapi": "5.19.0"}) == {
        "GHSA-3xcq-8mjw-h6mx",  # @strapi/content-type-builder >=5.0.0 <5.33.2
        "GHSA-rjg2-95x7-8qmx",  # @strapi/strapi >=4.0.0 <5.37.0
        "GHSA-9329-mxxw-qwf8",  # @strapi/core <5.20.0
        "GHSA-4r8w-3jww-m2rp",  # @strapi/strapi <5.24.1
        "GHSA-pcw7-5633-82vv",  # @strapi/upload <5.33.3
        "GHSA-hvp3-26wx-g2w4",  # @strapi/admin <5.33.3
    }
    assert advisories.upgrade_advice(DB, "5.19.0").target == "5.37.0"


def test_v5_core_advisories_never_apply_to_v4():
    ids = core_ids("4.26.2")
    # @strapi/core did not exist in 4.x: its advisories (2cjv, 9329, 495j) say nothing about 4.26.2
    assert not ids & {"GHSA-2cjv-6wg9-f4f3", "GHSA-9329-mxxw-qwf8", "GHSA-495j-h493-42q2", "GHSA-pcw7-5633-82vv"}
    assert ids == {"GHSA-rjg2-95x7-8qmx", "GHSA-4r8w-3jww-m2rp", "GHSA-hvp3-26wx-g2w4"}
    advice = advisories.upgrade_advice(DB, "4.26.2")
    assert advice.migrate_to_major == 5 and "migrate to 5.x" in advice.text and "5.37.0" in advice.text


def test_single_version_record_and_v4_plugin_names():
    ids = core_ids("4.24.4")
    assert "GHSA-p9ff-j98v-p435" in ids  # versions: ["4.24.4"] only
    assert "GHSA-3xcq-8mjw-h6mx" in ids  # @strapi/plugin-content-type-builder >=4.0.0 <4.26.1
    assert "GHSA-v8wj-f5c7-pvxf" in ids  # @strapi/admin <4.25.2
    assert "GHSA-p9ff-j98v-p435" not in core_ids("4.24.5")
    assert advisories.upgrade_advice(DB, "4.24.4").target == "4.26.1"


def test_prerelease_bounds_of_v3():
    assert "GHSA-6xc2-mj39-q599" in core_ids("3.0.0-beta.17.4")
    at_fix = core_ids("3.0.0-beta.17.5")
    assert "GHSA-6xc2-mj39-q599" not in at_fix and "GHSA-9p2w-rmx4-9mw7" in at_fix  # fixed 3.0.0-beta.17.8
    assert "GHSA-9p2w-rmx4-9mw7" not in core_ids("3.0.0-beta.17.8")


def test_last_affected_is_inclusive():
    assert "GHSA-37hx-4mcq-wc3h" in core_ids("3.6.0")  # last_affected 3.6.0
    assert "GHSA-37hx-4mcq-wc3h" not in core_ids("3.6.1")
    assert "GHSA-4vm8-j95f-j6v5" in core_ids("4.1.12")  # @strapi/strapi last_affected 4.1.12
    assert "GHSA-4vm8-j95f-j6v5" not in core_ids("4.1.13")


def test_multi_package_record_through_an_always_present_package():
    # GHSA-2h87: @strapi/plugin-users-permissions and @strapi/plugin-email <4.5.6; plugin-email ships with v4
    assert "GHSA-2h87-4q2w-v4hf" in core_ids("4.5.5")
    assert "GHSA-2h87-4q2w-v4hf" not in core_ids("4.5.6")


def test_optional_monorepo_plugin_only_when_declared():
    without = advisories.match_server(DB, "5.40.0", {"@strapi/strapi": "5.40.0"})
    assert "GHSA-7mqx-wwh4-f9fw" not in {m.advisory.id for m in without.deps}
    declared = advisories.match_server(DB, "5.40.0", {"@strapi/plugin-users-permissions": "5.40.0"})
    assert "GHSA-7mqx-wwh4-f9fw" in {m.advisory.id for m in declared.deps}  # <5.45.0


@pytest.mark.parametrize("declared,how", [("^1.3.0", "possibly"), ("1.3.2", "declared"), ("^1.3.4", None),
                                          ("~1.2.0", "declared")])
def test_declared_ranges_of_third_party_plugins(declared, how):
    deps = {"strapi-plugin-protected-populate": declared}
    got = [m.how for m in advisories.match_server(DB, "4.26.2", deps).deps if m.advisory.id == "GHSA-6h67-934r-82g7"]
    assert got == ([how] if how else [])


@pytest.mark.parametrize("odd", ["workspace:*", "git+https://github.com/x/y.git", "latest", "file:../p", 42])
def test_odd_declarations_are_reported_not_guessed(odd):
    m = advisories.match_server(DB, "4.26.2", {"strapi-plugin-protected-populate": odd})
    assert m.unknown == {"strapi-plugin-protected-populate": str(odd)} and not m.deps


def test_unparseable_server_version_matches_nothing():
    m = advisories.match_server(DB, "5.x-custom", {})
    assert m.core == [] and m.major is None
    assert advisories.upgrade_advice(DB, "garbage") is None


def test_upstream_severity_overrides():
    assert DB.get("GHSA-4p55-xj37-fx7g").severity == "high"
    assert DB.get("GHSA-qvp5-mm7v-4f36").severity == "medium"
    assert DB.get("GHSA-4vm8-j95f-j6v5").severity == "medium"
    assert DB.get("CVE-2019-18818").id == "GHSA-6xc2-mj39-q599"


def test_corrupt_user_copy_falls_back_to_bundled_and_says_so():
    path = advisories.user_copy_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{ not json")
    db = advisories.load()
    assert db.source == "bundled" and "unreadable" in db.note
    path.write_text(json.dumps({"records": [{"id": "X", "affected": []}]}))
    assert advisories.load().source == "bundled"


@pytest.mark.parametrize("node,today,status", [
    ("v20.20.2", date(2026, 11, 29), "fail"), ("v22.11.0", date(2026, 11, 29), "pass"),
    ("v22.11.0", date(2027, 3, 15), "warn"), ("v24.1.0", date(2026, 11, 29), "pass"),
    ("v25.0.0", date(2026, 3, 1), "warn"), ("v16.20.0", date(2026, 11, 29), "fail"),
    ("v40.0.0", date(2026, 11, 29), "info"),
])
def test_node_schedule(node, today, status):
    assert support.node_runtime(node, today).status == status


@pytest.mark.parametrize("version,today,status", [
    ("5.54.0", date(2026, 11, 29), "pass"), ("4.26.2", date(2026, 3, 1), "warn"),
    ("4.26.2", date(2026, 11, 29), "fail"), ("3.6.8", date(2026, 11, 29), "fail"),
])
def test_major_support(version, today, status):
    assert support.strapi_major(version, today).status == status


def test_every_affected_range_reads_as_npm_writes_it():
    """Ranges built from OSV events are shown as '>=1.2.0 <1.2.5', never as the objects behind them."""
    from strapi_console import advisories

    for adv in advisories.load().advisories:
        for aff in adv.affected:
            assert "Interval(" not in aff.range_text and "Version(" not in aff.range_text, (adv.id, aff.range_text)
            assert aff.range_text.strip(), adv.id
