"""The OSV matcher against the reference implementations' own cases: osv-scanner's npm IsAffected tests,
the OSV schema's examples, and shapes labelled by the schema's evaluation rules (../shared, read at run
time; see tests/external_suites.py). One test per tier; each prints its agreement in the run's summary.

Tiers `core`, `limit` and `mixed-record` must agree case for case. `not-npm-semver` holds strings that
are not npm versions ("", "0.0.0.1", "2.0.0rc2"): there the console declines to answer rather than
guess, and the test holds it to that (never a wrong yes or no).
"""

from __future__ import annotations

import pytest

from external_suites import load, record
from strapi_console import advisories
from strapi_console.semver import Version

SUITE = "osv-cases.json"


def answer(case: dict, package: str) -> bool | str:
    """The console's verdict on one case: True/False, or why it gives none (a string)."""
    try:
        adv = advisories.parse_record({"id": f"case-{case['i']}", "affected": case["affected"]})
    except advisories.AdvisoryDataError as exc:
        return f"record skipped ({exc})"
    version = Version.try_parse(case["version"])
    if version is None:
        return f"no answer: {case['version']!r} is not an npm version"
    return adv.affects(package, version)


def run_tier(tier: str, *, record_it: bool = True) -> tuple[list[dict], list[str]]:
    doc = load(SUITE)
    cases = [c for c in doc["cases"] if c["tier"] == tier]
    assert cases, f"{SUITE} has no '{tier}' case: the suite changed shape"
    disagreements = []
    for case in cases:
        got = answer(case, doc["package"])
        if got != case["expected"]:
            disagreements.append(f"#{case['i']} {case['title']}: version {case['version']!r}, expected "
                                 f"{case['expected']}, got {got}")
    if record_it:
        record(f"osv {tier}", len(cases) - len(disagreements), len(cases))
    return cases, disagreements


@pytest.mark.parametrize("tier", ["core", "limit", "mixed-record"])
def test_required_tier_agrees_case_for_case(tier):
    cases, disagreements = run_tier(tier)
    assert not disagreements, (f"{len(disagreements)} of {len(cases)} '{tier}' cases disagree:\n"
                               + "\n".join(disagreements))


def test_not_npm_semver_tier_gets_no_answer_rather_than_a_wrong_one():
    cases, disagreements = run_tier("not-npm-semver", record_it=False)
    wrong = [d for d in disagreements if "got True" in d or "got False" in d]
    record("osv not-npm-semver (declined as not npm versions, never a wrong answer)", len(cases) - len(wrong),
           len(cases))
    assert not wrong, "the console answered cases it cannot read:\n" + "\n".join(wrong)
