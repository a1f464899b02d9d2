"""npm semver: versions (with prereleases such as ``3.0.0-beta.17.5``), ordering, and ranges.

``packaging.version`` implements Python's PEP 440, which orders and parses npm prereleases
differently, so the advisory matcher uses these rules instead (semver.org §11 and node-semver's
range grammar). Ranges become unions of intervals, which is what matching against OSV ranges and
intersecting declared ``package.json`` ranges needs; node-semver's rule that a range excludes
prereleases of other tuples is deliberately not applied (a declared range is treated as the set of
versions it spans, the cautious reading for security).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

from . import bounds

_VERSION_RE = re.compile(
    r"^\s*[v=]?\s*(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?\s*$"
)


class InvalidVersion(ValueError):
    pass


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[int | str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> "Version":
        m = _VERSION_RE.match(text or "")
        if not m:
            raise InvalidVersion(f"not a semver version: {text!r}")
        pre = _prerelease(m.group(4)) if m.group(4) else ()
        return cls(_part(m.group(1), text, InvalidVersion), _part(m.group(2), text, InvalidVersion),
                   _part(m.group(3), text, InvalidVersion), pre)

    @classmethod
    def try_parse(cls, text: str | None) -> "Version | None":
        try:
            return cls.parse(text or "")
        except InvalidVersion:
            return None

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return core + ("-" + ".".join(str(p) for p in self.prerelease) if self.prerelease else "")

    def _key(self):
        # A release sorts after its prereleases; numeric identifiers sort before alphanumeric ones.
        pre = tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, pre)

    def __lt__(self, other: "Version") -> bool:
        return self._key() < other._key()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


ZERO = Version(0, 0, 0, (0,))


def _tighter(a: Version | None, a_incl: bool, b: Version | None, b_incl: bool, *, higher: bool):
    """The stricter of two bounds: the higher lower bound, or the lower upper bound."""
    if a is None:
        return b, b_incl
    if b is None or a == b:
        return a, a_incl and (b_incl if b is not None else True)
    pick_a = (a > b) if higher else (a < b)
    return (a, a_incl) if pick_a else (b, b_incl)  # the lowest version: 0.0.0-0


@dataclass(frozen=True)
class Interval:
    """A contiguous set of versions; ``None`` bounds are unbounded."""

    lo: Version | None = None
    lo_incl: bool = True
    hi: Version | None = None
    hi_incl: bool = False

    def contains(self, v: Version) -> bool:
        if self.lo is not None and (v < self.lo or (v == self.lo and not self.lo_incl)):
            return False
        if self.hi is not None and (v > self.hi or (v == self.hi and not self.hi_incl)):
            return False
        return True

    def intersect(self, other: "Interval") -> "Interval | None":
        lo, lo_incl = _tighter(self.lo, self.lo_incl, other.lo, other.lo_incl, higher=True)
        hi, hi_incl = _tighter(self.hi, self.hi_incl, other.hi, other.hi_incl, higher=False)
        if lo is not None and hi is not None and (lo > hi or (lo == hi and not (lo_incl and hi_incl))):
            return None
        return Interval(lo, lo_incl, hi, hi_incl)

    def __str__(self) -> str:
        parts = []
        if self.lo is not None and self.lo != ZERO:
            parts.append((">=" if self.lo_incl else ">") + str(self.lo))
        if self.hi is not None:
            parts.append(("<=" if self.hi_incl else "<") + str(self.hi))
        return " ".join(parts) or "*"


class InvalidRange(ValueError):
    pass


@dataclass(frozen=True)
class Range:
    intervals: tuple[Interval, ...]
    text: str = ""

    def contains(self, v: Version) -> bool:
        return any(i.contains(v) for i in self.intervals)

    def intersects(self, other: "Range") -> bool:
        return any(a.intersect(b) is not None for a in self.intervals for b in other.intervals)

    def within(self, other: "Range") -> bool:
        """Every version of this range is in ``other`` (checked interval by interval, conservatively)."""
        for a in self.intervals:
            if not any(a.intersect(b) == a for b in other.intervals):
                return False
        return True

    def __str__(self) -> str:
        return self.text or " || ".join(str(i) for i in self.intervals)


_PARTIAL_RE = re.compile(r"^[v=]?\s*(\*|x|X|0|[1-9]\d*)(?:\.(\*|x|X|0|[1-9]\d*))?(?:\.(\*|x|X|0|[1-9]\d*))?"
                         r"(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def _partial(text: str) -> tuple[list[int | None], tuple]:
    m = _PARTIAL_RE.match(text.strip())
    if not m:
        raise InvalidRange(f"not a version or partial version: {text!r}")
    parts: list[int | None] = []
    for g in m.group(1, 2, 3):
        parts.append(None if g is None or g in "*xX" else _part(g, text, InvalidRange))
    # Anything after a wildcard is a wildcard too (1.x.3 means 1.x).
    for i in range(3):
        if parts[i] is None:
            parts[i + 1:] = [None] * (2 - i)
            break
    pre = _prerelease(m.group(4)) if m.group(4) and parts[2] is not None else ()
    return parts, pre


def _part(digits: str, text: str, error: type[ValueError]) -> int:
    """A version number part; as in npm, one above 2^53-1 makes the text no version (and 5,000 digits a
    server sends never reach int())."""
    value = bounds.integer(digits, 0, bounds.MAX_SAFE_INTEGER)
    if value is None:
        raise error(f"a version number part is too large in {text[:60]!r}")
    return value


def _prerelease(text: str) -> tuple[int | str, ...]:
    """Pre-release identifiers: numeric ones compare as numbers, unless too large (then as text, as npm)."""
    out: list[int | str] = []
    for p in text.split("."):
        n = bounds.integer(p, 0, bounds.MAX_SAFE_INTEGER) if p.isdigit() else None
        out.append(p if n is None else n)
    return tuple(out)


def _floor(parts, pre) -> Version:
    return Version(parts[0] or 0, parts[1] or 0, parts[2] or 0, pre)


def _bump(parts) -> Version | None:
    """The first version above a partial: 1 → 2.0.0-0, 1.2 → 1.3.0-0."""
    if parts[0] is None:
        return None
    if parts[1] is None:
        return Version(parts[0] + 1, 0, 0, (0,))
    return Version(parts[0], parts[1] + 1, 0, (0,))


def _comparator(op: str, text: str) -> Interval:
    parts, pre = _partial(text)
    if parts[0] is None:  # '*', 'x', '>=*'
        return Interval(None, True, None) if op in ("", "=", ">=", "<=", "^", "~") else Interval(ZERO, True, ZERO, False)
    exact = parts[2] is not None
    lo = _floor(parts, pre)
    if op in ("", "="):
        return Interval(lo, True, lo, True) if exact else Interval(lo, True, _bump(parts), False)
    if op == ">=":
        return Interval(lo, True, None)
    if op == ">":
        return Interval(lo, False, None) if exact else Interval(_bump(parts), True, None)
    if op == "<":
        return Interval(None, True, lo, False)
    if op == "<=":
        return Interval(None, True, lo, True) if exact else Interval(None, True, _bump(parts), False)
    if op == "~":
        hi = Version(parts[0], (parts[1] or 0) + 1, 0, (0,)) if parts[1] is not None else Version(parts[0] + 1, 0, 0, (0,))
        return Interval(lo, True, hi, False)
    if op == "^":
        major, minor, patch = parts
        if major != 0 or minor is None:
            hi = Version(major + 1, 0, 0, (0,))
        elif minor != 0 or patch is None:
            hi = Version(0, minor + 1, 0, (0,))
        else:
            hi = Version(0, 0, patch + 1, (0,))
        return Interval(lo, True, hi, False)
    raise InvalidRange(f"unknown operator {op!r}")


_TOKEN_RE = re.compile(r"(<=|>=|<|>|=|\^|~>?|)\s*([^\s<>=^~]+)")


def parse_range(text: str) -> Range:
    """Parse an npm range (``^1.2.0``, ``~4.1``, ``>=1 <2``, ``1.2.x``, ``1 - 2``, ``a || b``, ``*``)."""
    original = text
    sets: list[Interval] = []
    for alt in (text or "").split("||"):
        alt = alt.strip()
        if alt in ("", "*", "x", "X", "latest-compatible"):
            sets.append(Interval(None, True, None))
            continue
        hyphen = re.match(r"^(\S+)\s+-\s+(\S+)$", alt)
        if hyphen:
            a, b = _comparator(">=", hyphen.group(1)), _comparator("<=", hyphen.group(2))
            joined = a.intersect(b)
            if joined:
                sets.append(joined)
            continue
        current = Interval(None, True, None)
        pos, found = 0, False
        for m in _TOKEN_RE.finditer(alt):
            if alt[pos:m.start()].strip():
                raise InvalidRange(f"cannot read {original!r}")
            pos = m.end()
            op = "~" if m.group(1) == "~>" else m.group(1)
            nxt = current.intersect(_comparator(op, m.group(2)))
            found = True
            if nxt is None:
                current = None
                break
            current = nxt
        if not found or (current is not None and alt[pos:].strip()):
            raise InvalidRange(f"cannot read {original!r}")
        if current is not None:
            sets.append(current)
    return Range(tuple(sets), original.strip())
