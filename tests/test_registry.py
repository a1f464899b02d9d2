"""Checks carry their own description: the registry's spec of each check agrees with the contract
(security-checks.md), declares the TUI panel and the profile settings it reads, gates what it needs,
and is where the README's table of checks comes from."""

from __future__ import annotations

import ast
import inspect
import os
import re
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

from strapi_console import config as cm
from strapi_console.checks import REGISTRY, catalog
from strapi_console.checks.registry import (FAMILIES, NEEDS, PANELS, ScanContext, UndeclaredSetting, check, reading,
                                            run_checks, spec)
from strapi_console.client import ServerInfo
from strapi_console.config import CHECK_SETTINGS, PROFILE_KEYS, Profile

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CONTRACT = Path(os.environ.get("STRAPI_CONSOLE_CONTRACT",
                               ROOT.parent / "shared" / "reference" / "security-checks.md"))
HOW_TO_REACH = {"url", "email", "ca_bundle", "allow_http", "read_only"}  # profile keys no check reads
CHECK_ID = re.compile(r"\b(?:HDR|TLS|EXP|AUTH|TOK|SEC|RATE|VER|AUD)-[A-Z0-9-]*[A-Z0-9]\b")

# Where a spec's title says less or other than the catalog's "Check" column, and why (kept honest: an
# entry whose titles agree again fails, so this list only shrinks).
TITLE_DIFFERS = {
    "HDR-HSTS-PRELOAD": "the preload list is not queried, so only readiness is judged, not the status",
    "HDR-COOKIES": "every cookie seen is judged (anonymous ones too), not only authentication cookies",
    "SEC-JWT-ALG": "only the admin JWT is decoded; an end user's is not looked at yet",
    "TLS-CERT-TRUST": "the profile's ca_bundle replaces the system store when set",
    "TLS-CHAIN-SERVED": "the Python 3.13 requirement is a skip reason, not part of the title",
}


# --- the spec agrees with the contract ----------------------------------------------------------


def contract_rows() -> dict[str, dict]:
    """The catalog's check rows (Part B): ID → check title, how tested, severity, aggressive or not."""
    if not CONTRACT.is_file():
        pytest.skip(f"the contract {CONTRACT} is absent (a clone without ../shared): spec agreement not checked")
    rows, aggressive_section = {}, False
    for line in CONTRACT.read_text(encoding="utf-8").splitlines():
        if line.startswith("### B"):
            aggressive_section = "aggressive" in line.lower()
        if not line.startswith("| "):
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) == 7 and re.fullmatch(r"[A-Z]+(-[A-Z0-9]+)+", cells[0]):
            how = cells[2]
            rows[cells[0]] = {"title": cells[1].replace("`", ""), "severity": cells[4].split()[0].lower(),
                              "aggressive": (aggressive_section and not how.startswith("Derived"))
                              or how.startswith("(aggressive)")}
    return rows


def test_every_contract_check_is_registered_and_nothing_else():
    rows = contract_rows()
    assert set(REGISTRY) == set(rows), {"missing": set(rows) - set(REGISTRY), "extra": set(REGISTRY) - set(rows)}


def test_severities_are_the_contracts():
    rows = contract_rows()
    assert {c: s.severity for c, s in REGISTRY.items()} == {c: r["severity"] for c, r in rows.items()}


def test_titles_are_the_contracts_except_where_said_why():
    rows = contract_rows()
    differ = {c for c, s in REGISTRY.items() if s.title.replace("`", "") != rows[c]["title"]}
    assert differ == set(TITLE_DIFFERS), {c: (REGISTRY[c].title, rows[c]["title"]) for c in differ ^ set(TITLE_DIFFERS)}


def test_aggressive_checks_are_the_contracts():
    rows = contract_rows()
    assert {c for c, s in REGISTRY.items() if "aggressive" in s.needs} == {c for c, r in rows.items() if r["aggressive"]}


def test_family_is_the_id_prefix_in_the_contracts_families():
    for s in REGISTRY.values():
        assert s.family == s.id.split("-")[0] and s.family in FAMILIES


# --- declarations are checked when a check registers ---------------------------------------------


@pytest.mark.parametrize("kw, message", [
    ({"panel": "findings"}, "unknown panel"),
    ({"panel": "headers", "settings": ("expects_signup",)}, "unknown profile setting 'expects_signup'"),
    ({"panel": "headers", "needs": ("admin",)}, "unknown need"),
    ({"panel": "headers", "needs": ("aggressive",)}, "says what it sends"),
    ({"panel": "headers", "probe": "a request"}, "says what it sends"),
])
def test_a_declaration_that_names_nothing_real_is_refused_at_import(kw, message):
    with pytest.raises(ValueError, match=message):
        check("HDR-NEW-ONE", "A check", "low", **kw)
    assert "HDR-NEW-ONE" not in REGISTRY
    with pytest.raises(ValueError, match="unknown family 'XYZ'"):
        check("XYZ-THING", "A check", "low", panel="headers")


def test_every_check_declares_a_panel_the_tui_has():
    from screens.app import PANELS as TUI_PANELS

    assert set(PANELS) <= set(TUI_PANELS) and {s.panel for s in REGISTRY.values()} == set(PANELS)
    assert {mode: key for mode, (key, _) in TUI_PANELS.items() if mode in PANELS} == catalog.PANEL_KEYS


# --- profile settings: declared, read, and every documented one read by some check ---------------


def _readme_profile_toml() -> dict:
    """The TOML example of the README's Profiles section (what an operator declares as intended)."""
    section = README.read_text(encoding="utf-8").split("## Profiles", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```toml\n(.*?)```", section, re.S)
    assert blocks, "the README's Profiles section has no TOML example"
    return {key: value for block in blocks for table in tomllib.loads(block)["profiles"].values()
            for key, value in table.items()}


def test_every_documented_profile_setting_is_read_by_some_check():
    """The guard expects_signups lacked: documented and parsed, read by no check."""
    read = {name for s in REGISTRY.values() for name in s.settings}
    assert set(CHECK_SETTINGS) <= read, f"documented but read by no check: {set(CHECK_SETTINGS) - read}"
    # every profile key is either a way to reach the server or a setting some check reads
    assert set(PROFILE_KEYS) == set(CHECK_SETTINGS) | HOW_TO_REACH
    # the README's example declares only settings checks read
    assert set(_readme_profile_toml()) - {"url"} <= read


def test_a_check_named_beside_a_setting_in_the_docs_reads_it():
    """PROFILE_KEYS' help and the README's example comments name the check a setting changes: it reads it."""
    named = [(key, cid) for key, text in PROFILE_KEYS.items() for cid in CHECK_ID.findall(text)]
    section = README.read_text(encoding="utf-8").split("## Profiles", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        m = re.match(r"(\w+)\s*=.*#(.*)", line)
        if m and m.group(1) in PROFILE_KEYS:
            named += [(m.group(1), cid) for cid in CHECK_ID.findall(m.group(2))]
    assert len(named) >= 8
    wrong = [(key, cid) for key, cid in named if key not in spec(cid).settings]
    assert not wrong, f"documented as read by these checks, not declared by them: {wrong}"


def test_declared_settings_are_read_in_the_check_itself():
    """Not a decorative list: each declared setting (but public_url, which the scan reads to rerun the
    check on that URL) is read through the spec's accessor in the check's own function."""
    for s in REGISTRY.values():
        source = inspect.getsource(s.fn)
        for name in s.settings:
            if name == "public_url":
                continue
            assert f'setting(ctx, "{name}")' in source, f"{s.id} declares {name} but does not read it"


def test_checks_read_settings_only_through_the_accessor():
    """An undeclared read cannot hide: no check module touches profile.<setting> directly."""
    offenders = []
    for path in (ROOT / "strapi_console" / "checks").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr in CHECK_SETTINGS and isinstance(node.value, ast.Attribute)
                    and node.value.attr == "profile"):
                offenders.append(f"{path.name}:{node.lineno} profile.{node.attr}")
    assert offenders == []


def _ctx(profile: Profile, **kw) -> ScanContext:
    return ScanContext(client=SimpleNamespace(profile=profile), info=ServerInfo(reachable=True), credentials=None, **kw)


def test_reading_an_undeclared_setting_is_a_bug_the_check_reports():
    ctx = _ctx(Profile("p", "http://127.0.0.1:1", expects_signups=True))
    assert spec("AUTH-REGISTRATION").setting(ctx, "expects_signups") is True
    with pytest.raises(UndeclaredSetting, match="TOK-STALE reads the profile setting 'expects_signups'"):
        spec("TOK-STALE").setting(ctx, "expects_signups")


def test_the_scan_reruns_on_the_public_url_exactly_the_checks_that_read_it():
    on_public = {s.id for s in reading("public_url")}
    assert on_public == {c for c in REGISTRY if c.split("-")[0] in ("HDR", "TLS")}


async def test_the_public_surface_runs_the_checks_that_read_public_url(monkeypatch):
    from strapi_console import scan
    from strapi_console.secrets import SecretStore

    ran = []

    async def fake_run(ctx, ids=None):
        ran.append((ctx.client.profile.url, list(ids)))
        return []

    monkeypatch.setattr(scan, "run_checks", fake_run)
    profile = Profile("p", "http://127.0.0.1:9", public_url="http://localhost:9")
    await scan._public_surface(profile, SecretStore("memory"), ["HDR-CORS", "AUTH-REGISTRATION", "TLS-CIPHER"], None)
    assert ran == [("http://localhost:9", ["HDR-CORS", "TLS-CIPHER"])]


# --- what a check needs is gated by the registry ---------------------------------------------------


@pytest.mark.parametrize("need", NEEDS)
async def test_a_check_whose_need_is_unmet_is_skipped_with_the_reason_before_it_runs(need):
    ids = [c for c, s in REGISTRY.items() if need in s.needs]
    assert ids
    findings = await run_checks(_ctx(Profile("p", "http://127.0.0.1:9")), ids)  # no client: any request would fail
    reasons = {"sign-in": "no admin credentials for this profile (sign in: strapi-console login p)",
               "aggressive": "runs only with --aggressive",
               "end-user": "strapi-console login p --end-user IDENTIFIER"}
    for f in findings:
        assert f.status == "skip" and reasons[need] in f.reason, (f.check_id, f.reason)
        # only a missing sign-in lowers coverage: the others are choices the operator made
        assert f.not_applicable is (need != "sign-in")
    if need == "aggressive":
        assert {f.reason for f in findings} >= {"sends a deliberately deep query: runs only with --aggressive"}


# --- AUTH-REGISTRATION honours expects_signups (issue: documented, parsed, read by nothing) -------


@pytest.mark.parametrize("expects, status", [(False, "warn"), (True, "pass")])
async def test_open_sign_up_passes_only_when_the_profile_expects_it(fake_strapi, expects, status):
    fake_strapi.state["up_advanced"]["allow_register"] = True
    fake_strapi.profile.expects_signups = expects
    result = await fake_strapi.scan(check_ids=["AUTH-REGISTRATION"])
    (f,) = result.findings
    assert f.status == status and f.evidence["expects_signups"] is expects
    assert (f.plan is not None and f.fix["kind"] == "api") is (not expects)  # nothing to fix when it is intended
    fake_strapi.state["up_advanced"]["allow_register"] = False
    (closed,) = (await fake_strapi.scan(check_ids=["AUTH-REGISTRATION"])).findings
    assert closed.status == "pass"


def test_expects_signups_round_trips_through_the_config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[profiles.p]\nurl = "https://cms.example.com"\nexpects_signups = true\n')
    profile = cm.load(path).get("p")
    assert profile.expects_signups is True and profile.check_settings()["expects_signups"] is True


# --- the README's table is rendered from the registry -----------------------------------------------


def test_the_readme_check_table_is_the_registrys():
    text = README.read_text(encoding="utf-8")
    fresh = catalog.replace_section(text, catalog.markdown_table())
    if fresh != text:
        pytest.fail("The README's check table differs from the registry. Run scripts/check-table, or paste this "
                    f"between the markers:\n\n{catalog.markdown_table()}\n")


def test_the_table_has_one_row_per_check_with_its_declarations():
    table = catalog.markdown_table()
    rows = {line.split("|")[1].strip().strip("`"): [c.strip() for c in line.split("|")[2:-1]]
            for line in table.splitlines() if line.startswith("| `")}
    assert set(rows) == set(REGISTRY)
    assert rows["AUTH-REGISTRATION"] == ["Self sign-up is deliberate", "medium", "sign-in", "`expects_signups`", "5"]
    assert rows["RATE-UP-LOGIN"][2] == "`--aggressive`" and rows["VER-NODE"][4] == "2"
    assert f"{len(REGISTRY)} checks (" in table


def test_the_table_tool_rewrites_only_between_the_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\nbefore\n{catalog.BEGIN}\nOLD TABLE\n{catalog.END}\nafter\n")
    assert catalog.main(["--check", str(readme)]) == 1
    assert catalog.main([str(readme)]) == 0
    text = readme.read_text()
    assert text.startswith("# x\nbefore\n") and text.endswith(f"{catalog.END}\nafter\n") and "OLD TABLE" not in text
    assert catalog.main(["--check", str(readme)]) == 0
    readme.write_text("no markers\n")
    assert catalog.main([str(readme)]) == 2


def test_every_check_setting_has_a_value_for_the_checks():
    """A setting a check may declare is one the profile hands to checks (else the check errors at run time)."""
    from strapi_console.config import Profile

    assert set(Profile("p", "https://x.example").check_settings()) == set(CHECK_SETTINGS)
