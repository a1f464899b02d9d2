"""npm semver ordering and ranges, by the rules of semver.org and node-semver (not PEP 440)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import re

from strapi_console import semver
from strapi_console.semver import (MAX_LENGTH, MAX_RANGE_LENGTH, MAX_SAFE_INTEGER, Comparator, InvalidRange,
                                   InvalidVersion, Version, parse_range)

V = Version.parse


def test_semver_org_precedence_example():
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
               "1.0.0-rc.1", "1.0.0"]
    assert sorted(ordered, key=V, reverse=True)[::-1] == ordered


def test_strapi_prereleases():
    assert V("3.0.0-beta.17.4") < V("3.0.0-beta.17.5") < V("3.0.0-beta.17.8") < V("3.0.0-beta.18")
    assert V("3.0.0-beta.18.4") < V("3.0.0") < V("3.0.2")
    assert V("4.0.0-beta.14") < V("4.0.0-beta.15") < V("4.0.0-next.0") < V("4.0.0")
    assert V("v5.54.0") == V("5.54.0") and str(V("3.0.0-beta.17.5")) == "3.0.0-beta.17.5"


@pytest.mark.parametrize("bad", ["5", "5.1", "05.1.0", "1.2.3.4", "latest", "", "1.2.3-", "1.2.3-01"])
def test_invalid_versions(bad):
    with pytest.raises(InvalidVersion):
        V(bad)


@pytest.mark.parametrize("rng,inside,outside", [
    ("^4.26.0", ["4.26.0", "4.99.1"], ["5.0.0", "4.25.9", "5.0.0-beta.1"]),
    ("^0.2.3", ["0.2.3", "0.2.9"], ["0.3.0"]),
    ("~1.2", ["1.2.0", "1.2.7"], ["1.3.0"]),
    ("~1.2.3", ["1.2.3", "1.2.9"], ["1.3.0", "1.2.2"]),
    (">=1.0.0 <2", ["1.0.0", "1.9.9"], ["2.0.0", "0.9.0"]),
    ("1.2.x", ["1.2.0", "1.2.99"], ["1.3.0"]),
    ("1 - 2.3", ["1.0.0", "2.3.9"], ["2.4.0"]),
    ("<1.0.0 || >=3", ["0.1.0", "3.0.0"], ["1.5.0"]),
    ("*", ["0.0.1", "99.0.0"], []),
    ("5.54.0", ["5.54.0"], ["5.54.1"]),
    ("=5.54.0", ["5.54.0"], ["5.53.0"]),
])
def test_ranges(rng, inside, outside):
    r = parse_range(rng)
    assert all(r.contains(V(v)) for v in inside)
    assert not any(r.contains(V(v)) for v in outside)


@pytest.mark.parametrize("bad", ["latest", "git+https://x/y.git", ">>1", "^1.2.3 junk~"])
def test_unreadable_ranges(bad):
    with pytest.raises(InvalidRange):
        parse_range(bad)


def test_range_relations():
    assert parse_range("^1.3.0").intersects(parse_range("<1.3.4"))
    assert not parse_range("^1.3.4").intersects(parse_range("<1.3.4"))
    assert parse_range("1.3.2").within(parse_range("<1.3.4"))
    assert not parse_range("^1.3.0").within(parse_range("<1.3.4"))


ident = st.one_of(st.integers(0, 30), st.text("abcxyz-", min_size=1, max_size=4).filter(lambda s: not s.isdigit()))
versions = st.builds(lambda a, b, c, pre: Version(a, b, c, tuple(pre)),
                     st.integers(0, 9), st.integers(0, 9), st.integers(0, 9), st.lists(ident, max_size=3))


@given(versions)
def test_roundtrip(v):
    assert V(str(v)) == v


@given(versions, versions, versions)
def test_total_order(a, b, c):
    assert (a < b) + (b < a) + (a == b) == 1
    if a < b and b < c:
        assert a < c


@given(versions)
def test_release_is_above_its_prereleases(v):
    release = Version(v.major, v.minor, v.patch)
    if v.prerelease:
        assert v < release
    assert parse_range(f"^{release}").contains(release)


# --- bounds: what node-semver rejects, and the console's own bound on ranges ------------------------


@pytest.fixture
def no_regex(monkeypatch):
    """Every compiled pattern of the module raises if used: proves a rejection came before any regex."""
    class Tripwire:
        def __getattr__(self, name):
            raise AssertionError("a regex ran on input the length bound should have rejected")
    for name, value in vars(semver).items():
        if isinstance(value, re.Pattern):
            monkeypatch.setattr(semver, name, Tripwire())
    semver._parse_alternative.cache_clear()
    yield
    semver._parse_alternative.cache_clear()


@pytest.mark.parametrize("junk", [" " * 12_000, "1" * 5_000 + ".0.0", "1.2.3" + " " * 300, "v" * 100_000,
                                  "1.2.3-" + "a." * 5_000 + "a"],
                         ids=["12000-spaces", "5000-digit-major", "padded-version", "100000-v", "long-prerelease"])
def test_overlong_versions_are_rejected_by_the_length_bound(junk, no_regex):
    with pytest.raises(InvalidVersion, match=f"longer than {MAX_LENGTH} characters") as e:
        Version.parse(junk)
    assert len(str(e.value)) < 120  # says why, without echoing the input
    assert Version.try_parse(junk, loose=True) is None


@pytest.mark.parametrize("junk", [" " * 12_000, "||" * 5_000, "^1.2.3 || " * 200, "v= " * 1_000, "1" * 5_000],
                         ids=["12000-spaces", "5000-pipes", "200-alternatives", "v=-runs", "5000-digits"])
def test_overlong_ranges_are_rejected_by_the_length_bound(junk, no_regex):
    with pytest.raises(InvalidRange, match=f"longer than {MAX_RANGE_LENGTH} characters") as e:
        parse_range(junk)
    assert len(str(e.value)) < 120
    with pytest.raises(InvalidRange):
        Comparator.parse(junk)
    assert not semver.satisfies("1.2.3", junk)


def test_length_bounds_are_node_semvers_for_versions_and_the_consoles_for_ranges():
    longest = "1.2.3-" + "a" * (MAX_LENGTH - 6)
    assert str(V(longest)) == longest
    with pytest.raises(InvalidVersion):
        V(longest + "a")
    padded = "^1.2.3".ljust(MAX_RANGE_LENGTH)
    assert parse_range(padded).contains(V("1.9.0"))
    with pytest.raises(InvalidRange):
        parse_range(padded + " ")


def test_numbers_above_javascripts_safe_integer_are_rejected():
    assert V(f"{MAX_SAFE_INTEGER}.0.0").major == MAX_SAFE_INTEGER
    for bad in (f"{MAX_SAFE_INTEGER + 1}.0.0", f"0.{MAX_SAFE_INTEGER + 1}.0", f"0.0.{'9' * 250}"):
        with pytest.raises(InvalidVersion, match="above"):
            V(bad)
    # a prerelease word that big stays a word (node-semver keeps it a string), and the version is valid
    assert V(f"1.2.3-{MAX_SAFE_INTEGER}").prerelease == (str(MAX_SAFE_INTEGER),)
    with pytest.raises(InvalidRange):  # ^ of the largest major needs a major one above it
        parse_range(f"^{MAX_SAFE_INTEGER}.0.0")


@pytest.mark.parametrize("not_text", [None, 5, b"1.2.3", ["1.2.3"]])
def test_non_text_is_rejected_with_the_typed_error(not_text):
    with pytest.raises(InvalidVersion):
        Version.parse(not_text)
    with pytest.raises(InvalidRange):
        parse_range(not_text)
    assert Version.try_parse(not_text) is None


def test_strict_and_loose_grammar():
    for text in ("=1.2.3", "v 1.2.3", "1.2.3beta", "01.2.3"):
        with pytest.raises(InvalidVersion):
            V(text)
        assert Version.parse(text, loose=True).major == 1
    assert str(V("  v1.2.3+build ")) == "1.2.3" and V("1.2.3+build").build == ("build",)
    with pytest.raises(InvalidVersion):
        V("\u0661.2.3")  # an Arabic-Indic digit is not a digit to npm


def test_prerelease_rule_of_the_default_mode():
    assert parse_range("^1.2.3-beta.1").contains(V("1.2.3-beta.2"))
    assert not parse_range("^1.2.3-beta.1").contains(V("1.2.4-alpha"))
    assert not parse_range("<5.0.0").contains(V("5.0.0-beta.1"))
    assert parse_range("<5.0.0", include_prerelease=True).contains(V("5.0.0-beta.1"))


# --- the two speedups answer exactly what node-semver's own steps answer ------------------------------

trim_text = st.text(alphabet="v= <>~^1.x*-+|a\t", max_size=40)


@given(trim_text)
def test_comparator_trim_equals_the_global_regex(text):
    expected = semver._COMPARATOR_TRIM.sub(lambda m: semver._groups(m, 1, 2, 3), text)
    assert semver._comparator_trim(text) == expected


bounds = st.builds(lambda op, v: Comparator(op, v), st.sampled_from(["<", "<=", ">", ">=", ""]),
                   st.builds(lambda a, b, pre: Version(0, a, b, pre), st.integers(0, 2), st.integers(0, 2),
                             st.sampled_from([(), (0,), ("beta",)])))


@given(st.lists(bounds, min_size=1, max_size=6), st.booleans())
def test_linear_pairwise_check_equals_every_pair(comparators, include_prerelease):
    opts = {"loose": False, "include_prerelease": include_prerelease}
    every_pair = all(a.intersects(b, **opts) for i, a in enumerate(comparators) for b in comparators[:i])
    assert semver._all_pairs_intersect(tuple(comparators), opts) == every_pair


def test_intersects_keeps_node_semvers_direction_with_any():
    """node-semver: an exact prerelease does not intersect '*' in the default mode, but '*' intersects it."""
    assert not semver.intersects("1.2.3-beta", "*")
    assert semver.intersects("*", "1.2.3-beta")
    assert semver.intersects("1.2.3-beta", "*", include_prerelease=True)
