"""node-semver's own test cases against strapi_console.semver (read at run time via external_suites).

The required answer is node-semver's default mode, what npm installs with (``ref_default``). A case's
``loose`` option is honoured, because the API has it. ``includePrerelease`` is node-semver's other mode:
it does not change the required answer here; ``test_include_prerelease_mode`` checks the answers the
suites recorded for that mode (``ref_incpre``) separately, since the advisory matcher relies on it.
Each test records its agreement for the run's summary, then lists every disagreeing case.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from external_suites import load, record
from strapi_console.semver import (Comparator, InvalidRange, InvalidVersion, Version, intersects, satisfies,
                                   subset)


def _loose(case: dict) -> bool:
    return bool((case.get("options") or {}).get("loose"))


def _answer(fn: Callable[[], Any]) -> Any:
    """The console's answer, or what it raised (an exception is an answer that agrees with nothing)."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - reported as a disagreement with its type
        return f"raised {type(e).__name__}: {e}"


def _check(suite: str, answer: Callable[[dict], Any], describe: Callable[[dict], str],
           expected: Callable[[dict], Any], label: str | None = None) -> None:
    cases = load(suite)["cases"]
    wrong = []
    for case in cases:
        got, want = _answer(lambda: answer(case)), expected(case)
        if got != want:
            wrong.append(f"  #{case['i']} {describe(case)}: node-semver {want!r}, console {got!r}")
    record(label or suite, len(cases) - len(wrong), len(cases))
    assert not wrong, f"{len(wrong)} of {len(cases)} cases of {label or suite} disagree:\n" + "\n".join(wrong)


def _satisfies(case: dict, include_prerelease: bool = False) -> bool:
    version = case["version"] if case["version_is_string"] else None
    return satisfies(version, case["range"], loose=_loose(case), include_prerelease=include_prerelease)


def _describe_satisfies(case: dict) -> str:
    return f"satisfies({case['version']!r}, {case['range']!r}, {case['options']})"


@pytest.mark.parametrize("suite", ["semver-range-include.json", "semver-range-exclude.json"])
def test_satisfies(suite):
    _check(suite, _satisfies, _describe_satisfies, lambda c: c["ref_default"])


def _ordered(case: dict) -> bool:
    """Every way of asking gives the same answer: compare, <, >, ==, both directions."""
    a, b = (Version.parse(case[k], loose=_loose(case)) for k in ("v0", "v1"))
    if case["relation"] == ">":
        return a.compare(b) == 1 and b.compare(a) == -1 and a > b and b < a and a != b and a == a and a >= b
    return a.compare(b) == 0 and b.compare(a) == 0 and a == b and not a < b and not a > b and hash(a) == hash(b)


@pytest.mark.parametrize("suite", ["semver-comparisons.json", "semver-equality.json"])
def test_order_and_equality(suite):
    _check(suite, _ordered, lambda c: f"{c['v0']!r} {c['relation']} {c['v1']!r} {c['options']}", lambda c: True)


def _parts(case: dict) -> tuple:
    v = Version.parse(case["version"])
    return v.major, v.minor, v.patch, list(v.prerelease), list(v.build)


def test_valid_versions():
    _check("semver-valid-versions.json", _parts, lambda c: repr(c["version"]),
           lambda c: (c["major"], c["minor"], c["patch"], c["prerelease"], c["build"]))


def _rejected(case: dict) -> str:
    try:
        Version.parse(case["full"], loose=_loose(case))
    except InvalidVersion:
        return "rejected"
    return "accepted"


def test_invalid_versions():
    _check("semver-invalid-versions.json", _rejected,
           lambda c: f"{c['version'][:40]!r} ({c['full_length']} characters, {c['reason']})", lambda c: "rejected")


def _range_intersection(case: dict, include_prerelease: bool = False) -> bool | str:
    forth = intersects(case["r0"], case["r1"], include_prerelease=include_prerelease)
    back = intersects(case["r1"], case["r0"], include_prerelease=include_prerelease)
    return forth if forth == back else f"not symmetric: {forth} one way, {back} the other"


def _comparator_intersection(case: dict, include_prerelease: bool = False) -> bool | str:
    a, b = Comparator.parse(case["r0"]), Comparator.parse(case["r1"])
    forth = a.intersects(b, include_prerelease=include_prerelease)
    back = b.intersects(a, include_prerelease=include_prerelease)
    return forth if forth == back else f"not symmetric: {forth} one way, {back} the other"


def _subset(case: dict, include_prerelease: bool = False) -> bool:
    return subset(case["sub"], case["dom"], loose=_loose(case), include_prerelease=include_prerelease)


def _describe_pair(case: dict) -> str:
    return f"{case['r0']!r} and {case['r1']!r}"


def _describe_subset(case: dict) -> str:
    return f"{case['sub']!r} within {case['dom']!r} {case['options']}"


RELATIONS = {
    "semver-range-intersection.json": (_range_intersection, _describe_pair),
    "semver-comparator-intersection.json": (_comparator_intersection, _describe_pair),
    "semver-subset.json": (_subset, _describe_subset),
}


@pytest.mark.parametrize("suite", list(RELATIONS))
def test_intersection_and_subset(suite):
    answer, describe = RELATIONS[suite]
    _check(suite, answer, describe, lambda c: c["ref_default"])


INCLUDE_PRERELEASE = {"semver-range-include.json": (_satisfies, _describe_satisfies),
                      "semver-range-exclude.json": (_satisfies, _describe_satisfies), **RELATIONS}


@pytest.mark.parametrize("suite", list(INCLUDE_PRERELEASE))
def test_include_prerelease_mode(suite):
    """The same cases in node-semver's includePrerelease mode (what the advisory matcher uses)."""
    answer, describe = INCLUDE_PRERELEASE[suite]
    _check(suite, lambda c: answer(c, include_prerelease=True), describe, lambda c: c["ref_incpre"],
           label=f"{suite} (includePrerelease)")


def test_rejections_are_typed():
    """What node-semver throws on, the console rejects with its own error, never a bare exception."""
    with pytest.raises(InvalidRange):
        intersects("not a range", "*")
    with pytest.raises(InvalidRange):
        Comparator.parse(">=1.2.3 junk")
