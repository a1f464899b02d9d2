"""`advisories update` against a fake OSV API, and the GitHub releases cache against a fake GitHub."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from fake_public_apis import FakeAPIs
from strapi_console import advisories, releases
from strapi_console.cli import main


@pytest.fixture
def fake(monkeypatch):
    apis = FakeAPIs()
    monkeypatch.setenv("STRAPI_CONSOLE_OSV_API", apis.url)
    monkeypatch.setenv("STRAPI_CONSOLE_GITHUB_API", apis.url)
    yield apis
    apis.close()


def test_update_follows_paging_and_replaces_the_user_copy(fake, capsys):
    fake.records["GHSA-new1-test-0001"] = {**fake.records["GHSA-rjg2-95x7-8qmx"], "id": "GHSA-new1-test-0001",
                                            "published": "2026-11-01T00:00:00Z"}
    assert main(["advisories", "update"]) == 0
    assert "Stored 42 advisories" in capsys.readouterr().out
    assert any("page_token" not in h for h in fake.hits)
    db = advisories.load()
    assert db.source == "user" and len(db.advisories) == 42 and db.get("GHSA-new1-test-0001")
    assert db.summary()["newest"] == "2026-11-01"
    assert main(["advisories", "info"]) == 0
    assert "updated copy" in capsys.readouterr().out


def _record(fake, rid: str, affected: list) -> None:
    fake.records[rid] = {**fake.records["GHSA-rjg2-95x7-8qmx"], "id": rid, "affected": affected}


def test_one_unusable_record_is_skipped_with_a_warning_and_the_others_are_saved(fake, capsys):
    npm = {"ecosystem": "npm", "name": "@strapi/strapi"}
    # usable although not sorted, and although the record also names a PyPI package and a GIT range
    _record(fake, "GHSA-unso-rted-0001", [{"package": npm, "ranges": [
        {"type": "SEMVER", "events": [{"fixed": "5.60.1"}, {"introduced": "5.60.0"}]}]}])
    _record(fake, "GHSA-mixe-dddd-0002", [{"package": {"ecosystem": "PyPI", "name": "strapi"}, "ranges": [
        {"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}, {"package": npm, "ranges": [
        {"type": "GIT", "repo": "https://github.com/strapi/strapi", "events": [{"introduced": "0"}]},
        {"type": "SEMVER", "events": [{"introduced": "5.61.0"}, {"fixed": "5.61.2"}]}]}])
    # unusable: an event the schema does not define, and a record whose 'affected' is not a list
    _record(fake, "GHSA-unkn-own0-0003", [{"package": npm, "ranges": [
        {"type": "SEMVER", "events": [{"introduced": "0"}, {"patched": "5.62.0"}]}]}])
    fake.malformed.add("GHSA-rjg2-95x7-8qmx")
    assert main(["advisories", "update"]) == 0
    out, err = capsys.readouterr()
    assert "Stored 42 advisories" in out  # 41 + 3 new - 2 unusable
    assert "2 records skipped" in err and "GHSA-unkn-own0-0003" in err and "'patched'" in err
    assert "GHSA-rjg2-95x7-8qmx" in err and "Traceback" not in err
    db = advisories.load()
    assert db.source == "user" and len(db.advisories) == 42
    assert [rid for rid, _ in db.skipped] == ["GHSA-rjg2-95x7-8qmx", "GHSA-unkn-own0-0003"]
    assert advisories.match_server(db, "5.60.0", {}).core[0].advisory.id == "GHSA-unso-rted-0001"
    assert {m.advisory.id for m in advisories.match_server(db, "5.61.1", {}).core} == {"GHSA-mixe-dddd-0002"}
    assert main(["advisories", "info"]) == 0
    out, err = capsys.readouterr()
    assert "42 advisories" in out and "2 records skipped" in err and "GHSA-unkn-own0-0003" in err


def test_nothing_usable_keeps_the_old_data(fake, capsys):
    assert main(["advisories", "update"]) == 0
    before = advisories.user_copy_path().read_text()
    fake.malformed.update(fake.records)
    assert main(["advisories", "update"]) == 1
    err = capsys.readouterr().err
    assert "No fetched record is usable" in err and "current data is kept" in err and "Traceback" not in err
    assert advisories.user_copy_path().read_text() == before


def test_network_failure_keeps_the_old_data(monkeypatch, capsys):
    monkeypatch.setenv("STRAPI_CONSOLE_OSV_API", "http://127.0.0.1:9")
    assert main(["advisories", "update"]) == 1
    err = capsys.readouterr().err
    assert "could not be reached" in err and "kept" in err
    assert advisories.load().source == "bundled"


def test_releases_cached_with_age_and_used_offline(fake, monkeypatch):
    info = asyncio.run(releases.latest_releases())
    assert info.source == "github" and str(info.newest(5).version) == "5.55.1" and str(info.newest(4).version) == "4.26.2"
    assert all(not r.version.prerelease for r in info.releases)
    again = asyncio.run(releases.latest_releases())
    assert again.source == "cache"
    # a day later GitHub is gone: the stale cache is used, with its age
    cache = releases._cache_path()
    data = json.loads(cache.read_text())
    data["fetched_at"] = time.time() - 2 * 86400
    cache.write_text(json.dumps(data))
    monkeypatch.setenv("STRAPI_CONSOLE_GITHUB_API", "http://127.0.0.1:9")
    stale = asyncio.run(releases.latest_releases())
    assert stale.source == "stale cache" and stale.age_text == "2 days old" and "unreachable" in stale.note


def test_etag_revalidation(fake):
    asyncio.run(releases.latest_releases())
    cache = releases._cache_path()
    data = json.loads(cache.read_text())
    data["fetched_at"] = 0
    cache.write_text(json.dumps(data))
    info = asyncio.run(releases.latest_releases())
    assert info.source == "github" and fake.hits[-1].startswith("GET /repos/strapi/strapi/releases")


def test_no_network_no_cache_means_none():
    assert asyncio.run(releases.latest_releases()) is None


def test_list_and_show_filters(capsys):
    assert main(["advisories", "list", "--package", "@strapi/core", "--json"]) == 0
    ids = {a["id"] for a in json.loads(capsys.readouterr().out)}
    assert ids == {"GHSA-495j-h493-42q2", "GHSA-2cjv-6wg9-f4f3", "GHSA-9329-mxxw-qwf8"}
    assert main(["advisories", "list", "--severity", "critical", "--json"]) == 0
    assert all(a["severity"] == "critical" for a in json.loads(capsys.readouterr().out))
    assert main(["advisories", "show", "GHSA-p9ff-j98v-p435"]) == 0
    assert "@strapi/strapi: affected 4.24.4" in capsys.readouterr().out
