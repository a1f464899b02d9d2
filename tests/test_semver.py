"""npm semver ordering and ranges, by the rules of semver.org and node-semver (not PEP 440)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strapi_console.semver import InvalidRange, InvalidVersion, Version, parse_range

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
