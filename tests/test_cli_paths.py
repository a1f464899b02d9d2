"""The CLI paths the README describes, as a new user meets them: a typo in a command, an admin URL given
as the server's, the scan table on a terminal (fits, failures first, a summary and what the exit code
means), and a scan without a session saying how to get one."""

from __future__ import annotations

import asyncio
import io
import re

import pytest

from hostile_corpus import PAYLOADS, assert_terminal_safe, ids
from strapi_console.cli import main
from strapi_console.config import Profile
from strapi_console.report import render
from strapi_console.report.table import _cells


# --- typos ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv, wanted", [
    (["scna", "prod"], "scan"),
    (["profle", "list"], "profile"),
    (["profile", "ad", "x"], "add"),
    (["advisories", "updte"], "update"),
    (["scan", "prod", "--format", "sarf"], "sarif"),
    (["journal", "undoo", "prod"], "undo"),
])
def test_a_typo_names_the_closest_command(capsys, argv, wanted):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert f"Did you mean '{wanted}'?" in err
    assert "Traceback" not in err


def test_a_word_far_from_every_command_gets_the_list_only(capsys):
    with pytest.raises(SystemExit):
        main(["xyzzy"])
    err = capsys.readouterr().err
    assert "Did you mean" not in err and "Choose from: profile, login" in err


# --- an admin URL given as the server's ------------------------------------------------------------


@pytest.mark.parametrize("url, base", [
    ("https://cms.example.com/admin", "https://cms.example.com"),
    ("https://cms.example.com/admin/", "https://cms.example.com"),
    ("https://cms.example.com/admin/auth/login", "https://cms.example.com"),
    ("https://example.com/cms/api", "https://example.com/cms"),
    ("https://cms.example.com:8443/Admin", "https://cms.example.com:8443"),
])
def test_profile_add_warns_about_an_admin_url_and_suggests_the_base(capsys, url, base):
    assert main(["profile", "add", "prod", "--url", url]) == 0
    err = capsys.readouterr().err
    assert "Warning" in err and f"Did you mean {base}?" in err
    assert f"strapi-console profile add prod --url {base} --replace" in err
    assert main(["profile", "add", "prod", "--url", base, "--replace"]) == 0
    assert "Warning" not in capsys.readouterr().err


@pytest.mark.parametrize("url", ["https://cms.example.com", "https://example.com/cms", "https://h.example/administrator",
                                 "https://h.example/admin-tools"])
def test_base_urls_get_no_warning(capsys, url):
    assert main(["profile", "add", "p", "--url", url]) == 0
    assert "Warning" not in capsys.readouterr().err


def test_a_scan_that_finds_no_strapi_at_an_admin_url_suggests_the_base(capsys):
    from conftest import OFFLINE_URL

    main(["profile", "add", "adm", "--url", OFFLINE_URL + "/admin"])
    capsys.readouterr()
    assert main(["scan", "adm", "--format", "json"]) == 4
    assert f"did you mean {OFFLINE_URL}?" in capsys.readouterr().err


def test_report_options_of_demo_need_scan(capsys):
    assert main(["demo", "--no-tui", "--format", "sarif"]) == 1
    assert "add --scan" in capsys.readouterr().err


# --- the scan table on a terminal ------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _scan_on_terminal(monkeypatch, columns: int, *args: str) -> tuple[int, str, str]:
    out, err = _Terminal(), io.StringIO()
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setattr("sys.stdout", out)
    monkeypatch.setattr("sys.stderr", err)
    code = main(["scan", *args])
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("columns", [80, 120, 50])
def test_scan_table_fits_the_terminal_failures_first_with_a_summary(fake_strapi, monkeypatch, columns):
    code, out, _ = _scan_on_terminal(monkeypatch, columns, "fake")
    assert code == 5
    lines = out.rstrip("\n").split("\n")
    too_wide = [line for line in lines if _cells(line) > columns]
    assert not too_wide, too_wide[:3]
    rows = [line.split()[0] for line in lines[1:] if re.match(r"^  (FAIL|WARN|ERR |skip|info|pass)", line)]
    order = ["FAIL", "WARN", "ERR", "skip", "info", "pass"]
    assert rows[0] == "FAIL" and rows == sorted(rows, key=order.index), "failures first, then by status"
    summary = next(line for line in lines if re.match(r"^  Grade \S+\. \d+ checks: ", line))
    result = asyncio.run(fake_strapi.scan())
    fails = sum(f.status == "fail" for f in result.findings)
    assert f"{len(result.findings)} checks: {fails} fail (" in summary
    critical = result.counts()["critical"]
    assert (f"{critical} critical" in summary) == bool(critical)
    exit_at = max(i for i, line in enumerate(lines) if line.startswith("Exit "))
    assert exit_at >= len(lines) - 3, "the report ends with what the exit code means"
    assert re.match(r"^Exit 5: \d+ failed checks? at or above --fail-on high", lines[exit_at])


def test_table_without_a_terminal_is_not_wrapped_and_still_ends_with_the_exit_line(fake_strapi):
    code, out, _ = fake_strapi.cli("scan", "fake", "--format", "table", "--fail-on", "critical")
    lines = out.rstrip("\n").split("\n")
    assert lines[-1].startswith(f"Exit {code}: ")
    assert "FAIL  " in lines[1]


@pytest.mark.parametrize("payload", PAYLOADS, ids=ids())
def test_scan_table_of_hostile_text_fits_and_stays_inert(fake_strapi, payload):
    fake_strapi.fake.fill_strings(payload.text)
    result = asyncio.run(fake_strapi.scan())
    text = render([result], "table", width=80, code=5)
    assert all(_cells(line) <= 80 for line in text.split("\n"))
    assert_terminal_safe(text)


def test_exit_meaning_for_an_incomplete_scan(capsys):
    from conftest import OFFLINE_URL

    main(["profile", "add", "down", "--url", OFFLINE_URL])
    capsys.readouterr()
    code = main(["scan", "down", "--format", "table"])
    out = capsys.readouterr().out
    assert code == 4
    assert out.rstrip().split("\n")[-1].startswith("Exit 4: incomplete (down unreachable)")


# --- not signed in -------------------------------------------------------------------------------


def test_scan_without_a_session_says_what_was_skipped_and_how_to_sign_in(fake_strapi):
    fake_strapi.store.delete("fake")
    code, out, err = fake_strapi.cli("scan", "fake", "--format", "json")
    assert code in (4, 5)
    assert re.search(r"fake: not signed in, so \d+ checks that need an admin session were skipped "
                     r"\(sign in: strapi-console login fake\)", err)


def test_the_demo_profile_is_never_told_to_log_in(fake_strapi):
    """The demo's password is random and never shown: its skips point at `demo --no-tui --scan` instead."""
    from hostile_strapi import save_profile

    fake_strapi.store.delete("fake")
    demo = Profile(name="demo", url=fake_strapi.profile.url, tags=["development", "demo"])
    save_profile(demo)
    code, out, err = fake_strapi.cli("scan", "demo", "--format", "json")
    assert not re.search(r"login demo(?! --end-user)", out + err), "an admin `login demo` cannot work"
    assert "strapi-console demo --no-tui --scan" in err
    import json

    skips = [f["reason"] for f in json.loads(out)["servers"][0]["findings"] if f["status"] == "skip"]
    assert any("demo --no-tui --scan" in reason for reason in skips)
