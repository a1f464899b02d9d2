"""The VER checks at unit level: verdicts that state the advisory data's date and stop passing when it is
old, support statements with their source, guessed version brackets, and releases paged until the
installed major appears (against the fake GitHub)."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

import pytest

from fake_public_apis import FakeAPIs
from strapi_console import advisories, config as cm, support
from strapi_console.checks import versions
from strapi_console.checks.registry import ScanContext, run_checks
from strapi_console.client import ServerInfo
from strapi_console.secrets import Credentials

BUNDLED_AS_OF = "2026-05-15"  # the last `modified` in the bundled records
UPDATE = "strapi-console advisories update"


def on(monkeypatch, day: date) -> None:
    monkeypatch.setattr(versions, "_today", lambda: day)


async def run(check_id: str, info: ServerInfo, **ctx_kw):
    ctx = ScanContext(client=None, info=info, credentials=Credentials("password", "not-a-real-token"), **ctx_kw)
    (finding,) = await run_checks(ctx, [check_id])
    return finding


def signed_in(version: str, deps: dict | None = None) -> ServerInfo:
    return ServerInfo(reachable=True, information={"strapiVersion": version,
                                                   "dependencies": deps or {"@strapi/strapi": version}})


@pytest.fixture(autouse=True)
def fresh_cache():
    advisories.reset_cache()
    yield
    advisories.reset_cache()


# --- the data says its age ---------------------------------------------------------------------


@pytest.mark.parametrize("check_id", ["VER-STRAPI-ADVISORIES", "VER-DEPS-ADVISORIES"])
async def test_clean_result_on_old_data_is_a_warn_naming_the_age_and_the_command(monkeypatch, check_id):
    on(monkeypatch, date(2026, 12, 1))
    f = await run(check_id, signed_in("5.54.0"))
    assert f.status == "warn"
    assert f"advisory data of {BUNDLED_AS_OF}, 200 days old" in f.title and UPDATE in f.title
    assert UPDATE in f.fix["summary"]
    db = f.evidence["advisory_db"]
    assert db["as_of"] == BUNDLED_AS_OF and db["age_days"] == 200 and db["stale"] is True and db["max_age_days"] == 30


@pytest.mark.parametrize("check_id", ["VER-STRAPI-ADVISORIES", "VER-DEPS-ADVISORIES"])
async def test_fresh_data_passes_and_still_states_its_date(monkeypatch, check_id):
    on(monkeypatch, date(2026, 5, 20))
    f = await run(check_id, signed_in("5.54.0"))
    assert f.status == "pass" and f"advisory data of {BUNDLED_AS_OF}, 5 days old" in f.title
    assert f.evidence["advisory_db"]["stale"] is False


async def test_the_threshold_is_a_setting(monkeypatch, tmp_path):
    on(monkeypatch, date(2026, 12, 1))
    f = await run("VER-STRAPI-ADVISORIES", signed_in("5.54.0"), advisory_max_age_days=365)
    assert f.status == "pass" and "200 days old" in f.title
    path = tmp_path / "config.toml"
    path.write_text("[settings]\nadvisory_max_age_days = 365\n")
    assert cm.load(path).advisory_max_age_days == 365
    path.write_text("[settings]\nadvisory_max_age_days = 0\n")
    with pytest.raises(cm.ConfigError, match="advisory_max_age_days must be at least 1"):
        cm.load(path)


async def test_an_update_within_the_threshold_makes_a_clean_result_pass():
    # real today (the data is old); `advisories update` stores what OSV gave, stamped now
    records = json.loads(resources.files("strapi_console.data").joinpath("strapi-advisories.osv.json").read_text())
    assert (await run("VER-STRAPI-ADVISORIES", signed_in("5.54.0"))).status == "warn"
    advisories.save_user_copy(records)
    advisories.reset_cache()
    f = await run("VER-STRAPI-ADVISORIES", signed_in("5.54.0"))
    assert f.status == "pass" and "from today" in f.title and f.evidence["advisory_db"]["source"] == "user"


async def test_an_affected_verdict_states_the_date_too(monkeypatch):
    on(monkeypatch, date(2026, 12, 1))
    f = await run("VER-STRAPI-ADVISORIES", signed_in("5.19.0"))
    assert f.status == "fail" and f"(advisory data of {BUNDLED_AS_OF}, 200 days old)" in f.title
    assert f.evidence["advisory_db"]["as_of"] == BUNDLED_AS_OF


# --- guessed version brackets ------------------------------------------------------------------


def anonymous(project_type: dict) -> ServerInfo:
    return ServerInfo(reachable=True, session_auth=True, project_type=project_type)


async def test_major_support_does_not_pass_on_the_guessed_ai_bracket():
    f = await run("VER-MAJOR-SUPPORT", anonymous({"isEE": False, "ai": {"enabled": False}}))
    assert f.status == "skip" and "≥5.40 is a guess" in f.reason and "sign in" in f.reason
    assert f.evidence["guess"] is True and f.evidence["at_least"] == "5.24.2" and "'ai' key" in f.evidence["version_basis"]


async def test_major_support_does_not_pass_on_the_session_bracket_either():
    f = await run("VER-MAJOR-SUPPORT", anonymous({"isEE": False}))
    assert f.status == "skip" and "≥5.24 is inferred" in f.reason and f.evidence["guess"] is False


async def test_advisories_on_a_guessed_bracket_use_the_proven_floor(monkeypatch):
    # '≥5.40' would leave out GHSA-rjg2 (<5.37.0); the 'ai' key only proves 5.24.2 or later
    on(monkeypatch, date(2026, 5, 20))
    f = await run("VER-STRAPI-ADVISORIES", anonymous({"ai": {"enabled": False}}))
    assert f.status == "warn" and "GHSA-rjg2-95x7-8qmx" in f.advisories
    assert f.evidence["versions_considered"] == ">=5.24.2 <6" and "a guess" in f.evidence["version_basis"]


# --- support statements name their source ------------------------------------------------------


async def test_a_supported_major_without_an_end_date_says_so_with_its_source():
    f = await run("VER-MAJOR-SUPPORT", signed_in("5.54.0"))
    assert f.status == "pass" and "no announced end" in f.title
    assert f.evidence["eol"] == "no announced end"
    assert f.evidence["source"].endswith("SECURITY.md") and f.evidence["recorded"] == "2026-11-29"


async def test_an_ended_major_and_node_cite_their_sources(monkeypatch):
    f = await run("VER-MAJOR-SUPPORT", signed_in("4.26.2"))
    assert f.status == "fail" and f.evidence["eol"] == "2026-04-30" and f.evidence["source"].endswith("SECURITY.md")
    node = support.node_runtime("v22.1.0", date(2026, 12, 1))
    assert node.source.startswith("https://nodejs.org/") and node.recorded == "2026-11-29"


def test_severity_corrections_name_their_source_and_yield_to_a_changed_record(capsys):
    from strapi_console.cli import main

    assert main(["advisories", "show", "GHSA-4p55-xj37-fx7g"]) == 0
    out = capsys.readouterr().out
    assert "HIGH per https://github.com/advisories/GHSA-4p55-xj37-fx7g (recorded 2026-11-29)" in out
    assert "the record says MODERATE" in out
    changed = advisories.parse_record({"id": "GHSA-4p55-xj37-fx7g", "database_specific": {"severity": "LOW"},
                                       "affected": [{"package": {"ecosystem": "npm", "name": "x"}, "versions": ["1.0.0"]}]})
    assert changed.severity == "low" and changed.severity_note == ""


# --- releases: paged until the installed major appears -----------------------------------------


def release(tag: str, day: str = "2026-11-01") -> dict:
    return {"tag_name": f"v{tag}", "published_at": f"{day}T10:00:00Z", "prerelease": False, "draft": False}


@pytest.fixture
def github(monkeypatch):
    apis = FakeAPIs()
    monkeypatch.setenv("STRAPI_CONSOLE_GITHUB_API", apis.url)
    yield apis
    apis.close()


async def test_a_4x_server_is_compared_with_the_latest_4x_on_a_later_page(github):
    # 150 releases of 5.x come first, newest first, as GitHub lists them: 4.x starts on page 2
    github.releases = [release(f"5.{60 - i // 10}.{i % 10}") for i in range(150)] + [
        release("4.26.3", "2026-04-25"), release("4.26.2", "2026-04-20")]
    f = await run("VER-STRAPI-LATEST", signed_in("4.26.2"))
    assert f.status == "warn" and "1 release behind 4.26.3" in f.title  # page 1 alone gave a false pass
    assert f.evidence["latest_in_major"] == "4.26.3"
    assert [h for h in github.hits if "releases" in h] == [
        "GET /repos/strapi/strapi/releases?per_page=100", "GET /repos/strapi/strapi/releases?per_page=100&page=2"]


async def test_paging_is_bounded_and_no_release_of_the_major_is_no_pass(github):
    from strapi_console import releases

    github.releases = [release(f"5.{i // 100}.{i % 100}") for i in range(1500)]
    f = await run("VER-STRAPI-LATEST", signed_in("4.26.2"))
    assert f.status == "skip" and "no 4.x release" in f.reason
    assert len([h for h in github.hits if "releases" in h]) == releases.MAX_PAGES


async def test_one_page_is_enough_when_it_holds_the_major(github):
    f = await run("VER-STRAPI-LATEST", signed_in("5.54.0"))
    assert f.status == "warn" and "behind 5.55.1" in f.title
    assert len([h for h in github.hits if "releases" in h]) == 1
