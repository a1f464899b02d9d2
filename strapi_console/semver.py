"""npm semver as node-semver reads it: versions, ordering, ranges, intersection and subset.

``packaging.version`` implements Python's PEP 440, which orders and parses npm prereleases
differently, so the console uses these rules instead. They follow node-semver 7.8 (the line npm
bundles) step for step, because "matches npm" is only true if the odd corners match too: the strict
and the ``loose`` grammar, how ``^ ~ x * 1.2 - 2`` desugar into comparators, and the prerelease rule
of npm's default mode (a range admits ``1.2.3-beta`` only if one of its comparators names a
prerelease of 1.2.3). ``include_prerelease=True`` is node-semver's other mode, where a range is just
the set of versions between its bounds; the advisory matcher uses it on purpose (see advisories.py).
tests/test_conformance_semver.py measures all of this against node-semver's own test cases.

Bounds, since every string here may come from a server or a package.json:
- a version longer than ``MAX_LENGTH`` (256) characters, or with a number above
  ``MAX_SAFE_INTEGER``, is rejected like node-semver rejects it;
- a range longer than ``MAX_RANGE_LENGTH`` is rejected before anything else runs. node-semver has no
  such bound (it first collapses whitespace, so ``"1.2.3 <500,000 spaces> <1.3.0"`` is a valid range
  there); the console rejects such input instead of spending time on it;
- whitespace is collapsed by one linear pass before any regex sees the text, and every regex uses
  node-semver's bounded ("safe") quantifiers; the two steps that would still be quadratic (the
  comparator-trim scan over runs of ``v``/``=``/spaces, and asking every pair of comparators whether
  they intersect) take linear time here, with the same answers.
Rejections are :class:`InvalidVersion` / :class:`InvalidRange` with a short reason, never a bare
``ValueError`` from ``int()`` or a ``RecursionError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

MAX_LENGTH = 256  # node-semver: the longest version string it parses
MAX_SAFE_INTEGER = 2**53 - 1  # node-semver: the largest major/minor/patch (JavaScript's safe integer)
MAX_SAFE_BUILD_LENGTH = MAX_LENGTH - 6  # node-semver: the longest identifier its bounded regexes accept
MAX_RANGE_LENGTH = 4 * MAX_LENGTH  # the console's own bound on a range (node-semver has none)


class InvalidVersion(ValueError):
    """Text that is not an npm semver version (too long, a number too big, or not the grammar)."""


class InvalidRange(ValueError):
    """Text that is not an npm semver range or comparator."""


def _shown(text: str) -> str:
    """The start of a rejected input for a message, never the whole of an over-long one."""
    return repr(text) if len(text) <= 40 else repr(text[:40]) + f"... ({len(text)} characters)"


# --- the grammar: node-semver's regexes, with its bounded quantifiers -----------------------------
# JavaScript's \s, trim() and split(/\s+/) know exactly these characters; Python's \s and str.strip()
# know a slightly different set (and Python's \d matches any Unicode digit), so both are spelled out.
_SPACE_CHARS = ("\t\n\v\f\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
                + "\u2028\u2029\u202f\u205f\u3000\ufeff")
_SPACE_CLASS = r"\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_S = f"[{_SPACE_CLASS}]"
_S_RUN = re.compile(_S + "+")
# node-semver's safe regexes turn \s* into \s{0,1} and \s+ into \s{1,1}: the input is collapsed first.
_S01, _S11 = _S + "{0,1}", _S + "{1,1}"
_NOT_EOL = "[^\n\r\u2028\u2029]"  # JavaScript's '.'

_NUM = f"0|[1-9][0-9]{{0,{MAX_LENGTH}}}"
_NUM_LOOSE = f"[0-9]{{1,{MAX_LENGTH}}}"
_LDN = f"[a-zA-Z0-9-]{{0,{MAX_SAFE_BUILD_LENGTH}}}"
_NONNUM = f"[0-9]{{0,{MAX_LENGTH}}}[a-zA-Z-]{_LDN}"
_MAIN = rf"({_NUM})\.({_NUM})\.({_NUM})"
_MAIN_LOOSE = rf"({_NUM_LOOSE})\.({_NUM_LOOSE})\.({_NUM_LOOSE})"
_PRE_ID = f"(?:{_NONNUM}|{_NUM})"
_PRE_ID_LOOSE = f"(?:{_NONNUM}|{_NUM_LOOSE})"
_PRE = rf"(?:-({_PRE_ID}(?:\.{_PRE_ID})*))"
_PRE_LOOSE = rf"(?:-?({_PRE_ID_LOOSE}(?:\.{_PRE_ID_LOOSE})*))"
_BUILD_ID = f"[a-zA-Z0-9-]{{1,{MAX_SAFE_BUILD_LENGTH}}}"
_BUILD = rf"(?:\+({_BUILD_ID}(?:\.{_BUILD_ID})*))"
_FULL_PLAIN = f"v?{_MAIN}{_PRE}?{_BUILD}?"
_LOOSE_PLAIN = f"[v={_SPACE_CLASS}]*{_MAIN_LOOSE}{_PRE_LOOSE}?{_BUILD}?"
_GTLT = "((?:<|>)?=?)"
_XID = rf"{_NUM}|x|X|\*"
_XID_LOOSE = rf"{_NUM_LOOSE}|x|X|\*"
_X_PLAIN = rf"[v={_SPACE_CLASS}]*({_XID})(?:\.({_XID})(?:\.({_XID})(?:{_PRE})?{_BUILD}?)?)?"
_X_PLAIN_LOOSE = (rf"[v={_SPACE_CLASS}]*({_XID_LOOSE})"
                  rf"(?:\.({_XID_LOOSE})(?:\.({_XID_LOOSE})(?:{_PRE_LOOSE})?{_BUILD}?)?)?")

_FULL = re.compile(rf"^{_FULL_PLAIN}\Z")
_LOOSE = re.compile(rf"^{_LOOSE_PLAIN}\Z")
_COMPARATOR = re.compile(rf"^{_GTLT}{_S01}({_FULL_PLAIN})\Z|^\Z")
_COMPARATOR_LOOSE = re.compile(rf"^{_GTLT}{_S01}({_LOOSE_PLAIN})\Z|^\Z")
_COMPARATOR_TRIM = re.compile(rf"({_S01}){_GTLT}{_S01}({_LOOSE_PLAIN}|{_X_PLAIN})")
_TILDE_TRIM = re.compile(rf"({_S01})(?:~>?){_S11}")
_CARET_TRIM = re.compile(rf"({_S01})(?:\^){_S11}")
_TILDE = re.compile(rf"^(?:~>?){_X_PLAIN}\Z")
_TILDE_LOOSE = re.compile(rf"^(?:~>?){_X_PLAIN_LOOSE}\Z")
_CARET = re.compile(rf"^(?:\^){_X_PLAIN}\Z")
_CARET_LOOSE = re.compile(rf"^(?:\^){_X_PLAIN_LOOSE}\Z")
_XRANGE = re.compile(rf"^{_GTLT}{_S01}{_X_PLAIN}\Z")
_XRANGE_LOOSE = re.compile(rf"^{_GTLT}{_S01}{_X_PLAIN_LOOSE}\Z")
_HYPHEN = re.compile(rf"^{_S01}({_X_PLAIN}){_S11}-{_S11}({_X_PLAIN}){_S01}\Z")
_HYPHEN_LOOSE = re.compile(rf"^{_S01}({_X_PLAIN_LOOSE}){_S11}-{_S11}({_X_PLAIN_LOOSE}){_S01}\Z")
_STAR = re.compile(rf"(<|>)?=?{_S01}\*")
# node-semver writes these with "0\.0\.0" in a JavaScript string, where "\." is a plain '.': any character
_GTE0 = re.compile(rf"^{_S01}>={_S01}0{_NOT_EOL}0{_NOT_EOL}0{_S01}\Z")
_GTE0_PRE = re.compile(rf"^{_S01}>={_S01}0{_NOT_EOL}0{_NOT_EOL}0-0{_S01}\Z")
_BUILD_ANYWHERE = re.compile(r"(?:\+([a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*))")  # build metadata, stripped from ranges
_BUILD_FIRST = re.compile(_BUILD)
_DIGITS = re.compile("[0-9]+")


def _trim(text: str) -> str:
    return text.strip(_SPACE_CHARS)


def _collapse(text: str) -> str:
    """Trim and collapse whitespace runs to one space: one linear pass, before any regex runs."""
    return _S_RUN.sub(" ", _trim(text))


def _plus_one(digits: str) -> str:
    """``${+digits + 1}`` in JavaScript: a double, so from 1e21 on it prints as '1e+21' (then not a version)."""
    as_double = float(digits) + 1
    return repr(as_double) if as_double >= 1e21 else str(int(digits) + 1)


# --- versions -------------------------------------------------------------------------------------


def _identifier(text: str) -> int | str:
    """A prerelease identifier: a number when all digits and below MAX_SAFE_INTEGER, else the text."""
    if _DIGITS.fullmatch(text):
        number = int(text)
        if number < MAX_SAFE_INTEGER:
            return number
    return text


def _is_numeric(ident: int | str) -> bool:
    return isinstance(ident, int) or _DIGITS.fullmatch(ident) is not None


def _compare_identifiers(a: int | str, b: int | str) -> int:
    """node-semver's compareIdentifiers: numbers before words; all-digit words compare as doubles."""
    if isinstance(a, int) and isinstance(b, int):
        return (a > b) - (a < b)
    a_num, b_num = _is_numeric(a), _is_numeric(b)
    if a_num and b_num:
        a, b = float(a), float(b)
    if type(a) is type(b) and a == b:
        return 0
    if a_num and not b_num:
        return -1
    if b_num and not a_num:
        return 1
    return -1 if a < b else 1


def _compare_prerelease(a: tuple, b: tuple) -> int:
    """A release sorts after its prereleases; then identifier by identifier, a shorter list first."""
    if a and not b:
        return -1
    if b and not a:
        return 1
    for x, y in zip(a, b):
        if type(x) is type(y) and x == y:
            continue
        return _compare_identifiers(x, y)
    return (len(a) > len(b)) - (len(a) < len(b))


@dataclass(frozen=True, eq=False)
class Version:
    """An npm version. Equality and order ignore build metadata, as npm does."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[int | str, ...] = ()
    build: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str, *, loose: bool = False) -> "Version":
        """Strict by default (``v1.2.3`` is accepted, ``=1.2.3`` and ``1.2.3beta`` only with ``loose``)."""
        if not isinstance(text, str):
            raise InvalidVersion(f"not a semver version: expected text, got {type(text).__name__}")
        if len(text) > MAX_LENGTH:
            raise InvalidVersion(f"not a semver version: longer than {MAX_LENGTH} characters ({len(text)})")
        m = (_LOOSE if loose else _FULL).match(_trim(text))
        if not m:
            raise InvalidVersion(f"not a semver version: {_shown(text)}")
        numbers = []
        for name, digits in zip(("major", "minor", "patch"), m.group(1, 2, 3)):
            number = int(digits)  # at most MAX_LENGTH digits: the length check above keeps int() cheap
            if number > MAX_SAFE_INTEGER:
                raise InvalidVersion(f"not a semver version: the {name} number is above {MAX_SAFE_INTEGER}")
            numbers.append(number)
        pre = tuple(_identifier(p) for p in m.group(4).split(".")) if m.group(4) else ()
        build = tuple(m.group(5).split(".")) if m.group(5) else ()
        return cls(*numbers, pre, build)

    @classmethod
    def try_parse(cls, text: object, *, loose: bool = False) -> "Version | None":
        try:
            return cls.parse(text, loose=loose)  # type: ignore[arg-type]
        except InvalidVersion:
            return None

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return core + ("-" + ".".join(str(p) for p in self.prerelease) if self.prerelease else "")

    def compare(self, other: "Version") -> int:
        """-1, 0 or 1, by node-semver's rules (semver.org §11)."""
        main = ((self.major > other.major) - (self.major < other.major)
                or (self.minor > other.minor) - (self.minor < other.minor)
                or (self.patch > other.patch) - (self.patch < other.patch))
        return main or _compare_prerelease(self.prerelease, other.prerelease)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self.compare(other) == 0

    def __lt__(self, other: "Version") -> bool:
        return self.compare(other) < 0

    def __le__(self, other: "Version") -> bool:
        return self.compare(other) <= 0

    def __gt__(self, other: "Version") -> bool:
        return self.compare(other) > 0

    def __ge__(self, other: "Version") -> bool:
        return self.compare(other) >= 0

    def __hash__(self) -> int:
        # Equal versions share major.minor.patch; the prerelease is left out because node-semver
        # compares huge all-digit identifiers as doubles, which makes some distinct tuples equal.
        return hash((self.major, self.minor, self.patch))


def _same_tuple(a: Version, b: Version) -> bool:
    return (a.major, a.minor, a.patch) == (b.major, b.minor, b.patch)


# --- comparators ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Comparator:
    """One ``<``, ``<=``, ``>``, ``>=`` or exact ('' ) bound; ``semver`` None is node-semver's ANY."""

    operator: str
    semver: Version | None
    value: str = field(init=False, repr=False)  # node-semver's value: the operator and the version

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", "" if self.semver is None else self.operator + str(self.semver))

    @classmethod
    def parse(cls, text: str, *, loose: bool = False) -> "Comparator":
        if not isinstance(text, str) or len(text) > MAX_RANGE_LENGTH:
            raise InvalidRange(f"not a semver comparator: expected text of at most {MAX_RANGE_LENGTH} characters")
        m = (_COMPARATOR_LOOSE if loose else _COMPARATOR).match(_collapse(text))
        if not m:
            raise InvalidRange(f"not a semver comparator: {_shown(text)}")
        operator = "" if m.group(1) in (None, "=") else m.group(1)
        if not m.group(2):
            return cls(operator, None)
        try:
            return cls(operator, Version.parse(m.group(2), loose=loose))
        except InvalidVersion as e:
            raise InvalidRange(f"not a semver comparator: {e}") from None

    def __str__(self) -> str:
        return self.value

    def test(self, v: Version) -> bool:
        if self.semver is None:
            return True
        c = v.compare(self.semver)
        return {"": c == 0, ">": c > 0, ">=": c >= 0, "<": c < 0, "<=": c <= 0}[self.operator]

    def intersects(self, other: "Comparator", *, loose: bool = False, include_prerelease: bool = False) -> bool:
        """Whether some version satisfies both (node-semver's Comparator#intersects, quirks included)."""
        opts = {"loose": loose, "include_prerelease": include_prerelease}
        if self.operator == "":
            return self.semver is None or Range.parse(other.value, **opts).test(self.value)
        if other.operator == "":
            return other.semver is None or Range.parse(self.value, **opts).test(other.semver)
        if include_prerelease and "<0.0.0-0" in (self.value, other.value):
            return False
        if not include_prerelease and (self.value.startswith("<0.0.0") or other.value.startswith("<0.0.0")):
            return False
        mine, theirs = self.operator, other.operator
        if mine[0] == theirs[0]:  # both lower bounds, or both upper bounds
            return True
        if str(self.semver) == str(other.semver) and "=" in mine and "=" in theirs:
            return True
        order = self.semver.compare(other.semver)  # type: ignore[union-attr]
        return (order < 0 and mine[0] == ">") or (order > 0 and mine[0] == "<")


ANY = Comparator("", None)
_NULL_SET_VALUE = "<0.0.0-0"
_MIN_VERSION = (Comparator(">=", Version(0, 0, 0)),)
_MIN_VERSION_WITH_PRERELEASE = (Comparator(">=", Version(0, 0, 0, (0,))),)


# --- desugaring a range into comparators (node-semver's Range#parseRange) ---------------------------


def _is_x(ident: str | None) -> bool:
    return not ident or ident.lower() == "x" or ident == "*"


def _hyphen_replace(m: re.Match, include_prerelease: bool) -> str:
    """``1.2 - 3.4`` → ``>=1.2.0 <3.5.0-0``; ``1.2.3 - 3.4.5`` → ``>=1.2.3 <=3.4.5``."""
    low, lM, lm, lp, lpr = m.group(1, 2, 3, 4, 5)
    high, hM, hm, hp, hpr = m.group(7, 8, 9, 10, 11)
    z = "-0" if include_prerelease else ""
    if _is_x(lM):
        low = ""
    elif _is_x(lm):
        low = f">={lM}.0.0{z}"
    elif _is_x(lp):
        low = f">={lM}.{lm}.0{z}"
    else:
        low = f">={low}" if lpr else f">={low}{z}"
    if _is_x(hM):
        high = ""
    elif _is_x(hm):
        high = f"<{_plus_one(hM)}.0.0-0"
    elif _is_x(hp):
        high = f"<{hM}.{_plus_one(hm)}.0-0"
    elif hpr:
        high = f"<={hM}.{hm}.{hp}-{hpr}"
    elif include_prerelease:
        high = f"<{hM}.{hm}.{_plus_one(hp)}-0"
    else:
        high = f"<={high}"
    return _trim(f"{low} {high}")


def _tilde(m: re.Match, include_prerelease: bool) -> str:
    """``~1.2.3`` → ``>=1.2.3 <1.3.0-0``; ``~1`` → ``>=1.0.0 <2.0.0-0``."""
    M, mi, p, pr = m.group(1, 2, 3, 4)
    z = "-0" if include_prerelease else ""
    if _is_x(M):
        return ""
    if _is_x(mi):
        return f">={M}.0.0{z} <{_plus_one(M)}.0.0-0"
    if _is_x(p):
        return f">={M}.{mi}.0{z} <{M}.{_plus_one(mi)}.0-0"
    low = f">={M}.{mi}.{p}-{pr}" if pr else f">={M}.{mi}.{p}"
    return f"{low} <{M}.{_plus_one(mi)}.0-0"


def _caret(m: re.Match, include_prerelease: bool) -> str:
    """``^1.2.3`` → ``>=1.2.3 <2.0.0-0``; ``^0.2.3`` → ``<0.3.0-0``; ``^0.0.3`` → ``<0.0.4-0``."""
    M, mi, p, pr = m.group(1, 2, 3, 4)
    z = "-0" if include_prerelease else ""
    if _is_x(M):
        return ""
    if _is_x(mi):
        return f">={M}.0.0{z} <{_plus_one(M)}.0.0-0"
    if _is_x(p):
        high = f"{M}.{_plus_one(mi)}.0-0" if M == "0" else f"{_plus_one(M)}.0.0-0"
        return f">={M}.{mi}.0{z} <{high}"
    low = f">={M}.{mi}.{p}-{pr}" if pr else f">={M}.{mi}.{p}"
    if M != "0":
        high = f"{_plus_one(M)}.0.0-0"
    elif mi != "0":
        high = f"{M}.{_plus_one(mi)}.0-0"
    else:
        high = f"{M}.{mi}.{_plus_one(p)}-0"
    return f"{low} <{high}"


def _xrange(m: re.Match, whole: str, include_prerelease: bool) -> str:
    """``1.2.x`` → ``>=1.2.0 <1.3.0-0``, ``>1`` → ``>=2.0.0``, ``<=1.2`` → ``<1.3.0-0``, ``*`` → any."""
    gtlt, M, mi, p = m.group(1, 2, 3, 4)
    if (_is_x(M) and not _is_x(mi)) or (_is_x(mi) and p and not _is_x(p)):
        return whole  # x.1 or 1.x.2: left for the comparator parser to reject
    x_major = _is_x(M)
    x_minor = x_major or _is_x(mi)
    any_x = x_minor or _is_x(p)
    if gtlt == "=" and any_x:
        gtlt = ""
    pr = "-0" if include_prerelease else ""
    if x_major:
        return "<0.0.0-0" if gtlt in (">", "<") else "*"
    if gtlt and any_x:
        if x_minor:
            mi = "0"
        p = "0"
        if gtlt == ">":
            gtlt = ">="
            if x_minor:
                M, mi = _plus_one(M), "0"
            else:
                mi = _plus_one(mi)
        elif gtlt == "<=":
            gtlt = "<"
            if x_minor:
                M = _plus_one(M)
            else:
                mi = _plus_one(mi)
        if gtlt == "<":
            pr = "-0"
        return f"{gtlt}{M}.{mi}.{p}{pr}"
    if x_minor:
        return f">={M}.0.0{pr} <{_plus_one(M)}.0.0-0"
    if any_x:
        return f">={M}.{mi}.0{pr} <{M}.{_plus_one(mi)}.0-0"
    return m.group(0)


def _each_word(text: str, replace) -> str:
    return " ".join(replace(word) for word in _S_RUN.split(text))


def _desugar(comp: str, loose: bool, incpre: bool) -> str:
    """One word of a range (``^1.2``, ``~1``, ``1.x``, ``>=1.2.3``) as plain comparators."""
    comp = _BUILD_FIRST.sub("", comp, count=1)
    caret, tilde, xrange = (_CARET_LOOSE, _TILDE_LOOSE, _XRANGE_LOOSE) if loose else (_CARET, _TILDE, _XRANGE)
    comp = _each_word(_trim(comp), lambda w: caret.sub(lambda m: _caret(m, incpre), w, count=1))
    comp = _each_word(_trim(comp), lambda w: tilde.sub(lambda m: _tilde(m, incpre), w, count=1))
    comp = _each_word(comp, lambda w: xrange.sub(lambda m: _xrange(m, _trim(w), incpre), _trim(w), count=1))
    return _STAR.sub("", _trim(comp), count=1)


def _groups(m: re.Match, *indexes: int) -> str:
    return "".join(m.group(i) or "" for i in indexes)


_SPACE_SET = frozenset(_SPACE_CHARS)
_TRIM_RUN = _SPACE_SET | {"v", "="}


def _comparator_trim(part: str) -> str:
    """node-semver's COMPARATORTRIM replace (``> 1.2.3`` → ``>1.2.3``), in linear time.

    A global regex scan retries at every character of a long run of 'v', '=' and spaces and scans to
    the run's end each time (quadratic). A match can only start where such a run (after at most one
    space and one '<'/'>') ends at a digit, 'x' or '*', and from there it always succeeds; one backward
    pass finds those places, and the regex runs only there, so the result is the scan's result.
    """
    n = len(part)
    run_end = [n] * (n + 1)  # run_end[i]: the first index at or after i outside the run
    for i in range(n - 1, -1, -1):
        run_end[i] = run_end[i + 1] if part[i] in _TRIM_RUN else i
    out, done, i = [], 0, 0
    while i < n:
        j = i + 1 if part[i] in _SPACE_SET else i
        if j < n and part[j] in "<>":
            j += 1
        k = run_end[j]
        m = _COMPARATOR_TRIM.match(part, i) if k < n and part[k] in "0123456789xX*" else None
        if m:
            out += [part[done:i], _groups(m, 1, 2, 3)]
            done = i = m.end()
        else:
            i += 1
    return "".join(out) + part[done:]


@lru_cache(maxsize=1000)
def _parse_alternative(part: str, loose: bool, incpre: bool) -> tuple[tuple[Comparator, ...], bool]:
    """One ``||`` alternative as comparators, and whether node-semver would hand back a cached list.

    node-semver memoises this per text, so two equal alternatives are the *same* list, which its
    ``subset`` treats as trivially contained; the second value lets :func:`subset` do the same.
    """
    part = _BUILD_ANYWHERE.sub("", part)
    part = (_HYPHEN_LOOSE if loose else _HYPHEN).sub(lambda m: _hyphen_replace(m, incpre), part, count=1)
    part = _comparator_trim(part)
    part = _TILDE_TRIM.sub(lambda m: _groups(m, 1) + "~", part)
    part = _CARET_TRIM.sub(lambda m: _groups(m, 1) + "^", part)
    words = _S_RUN.split(" ".join(_desugar(w, loose, incpre) for w in part.split(" ")))
    gte0 = _GTE0_PRE if incpre else _GTE0
    words = [gte0.sub("", _trim(w), count=1) for w in words]
    if loose:  # loose mode drops what is not a comparator instead of failing
        words = [w for w in words if _COMPARATOR_LOOSE.match(w)]
    comparators = [Comparator.parse(w, loose=loose) for w in words]
    unique: dict[str, Comparator] = {}
    for comp in comparators:
        if comp.value == _NULL_SET_VALUE:
            return (comp,), False
        unique[comp.value] = comp
    if len(unique) > 1:
        unique.pop("", None)
    return tuple(unique.values()), True


# --- ranges ---------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Range:
    """A union (``||``) of comparator sets; a version is in the range if it satisfies every comparator
    of one set (and, in the default mode, passes the prerelease rule)."""

    set: tuple[tuple[Comparator, ...], ...]
    text: str = ""
    loose: bool = False
    include_prerelease: bool = False
    keys: tuple[str | None, ...] = field(default=(), repr=False)  # per set: its text, if node-semver caches it

    @classmethod
    def parse(cls, text: str, *, loose: bool = False, include_prerelease: bool = False) -> "Range":
        """Parse an npm range (``^1.2.0``, ``~4.1``, ``>=1 <2``, ``1.2.x``, ``1 - 2``, ``a || b``, ``*``)."""
        if not isinstance(text, str):
            raise InvalidRange(f"not a semver range: expected text, got {type(text).__name__}")
        if len(text) > MAX_RANGE_LENGTH:
            raise InvalidRange(f"not a semver range: longer than {MAX_RANGE_LENGTH} characters ({len(text)})")
        raw = _collapse(text)
        sets: list[tuple[tuple[Comparator, ...], str | None]] = []
        for part in raw.split("||"):
            part = _trim(part)
            comparators, cached = _parse_alternative(part, loose, include_prerelease)
            if comparators:
                sets.append((comparators, part if cached else None))
        if not sets:
            raise InvalidRange(f"not a semver range: {_shown(text)}")
        if len(sets) > 1:
            useful = [s for s in sets if s[0][0].value != _NULL_SET_VALUE]
            sets = useful or sets[:1]
            any_set = next((s for s in sets if len(s[0]) == 1 and s[0][0].semver is None), None)
            if len(sets) > 1 and any_set is not None:
                sets = [any_set]
        return cls(tuple(s for s, _ in sets), raw, loose, include_prerelease, tuple(k for _, k in sets))

    @classmethod
    def from_intervals(cls, intervals, text: str = "", *, include_prerelease: bool = True) -> "Range":
        """A range from explicit intervals (OSV events). With ``include_prerelease`` (the default here)
        it is exactly the set of versions between the bounds, prereleases included."""
        sets = []
        for i in intervals:
            if i.lo is not None and i.lo == i.hi and i.lo_incl and i.hi_incl:
                sets.append((Comparator("", i.lo),))
                continue
            comps = []
            if i.lo is not None:
                comps.append(Comparator(">=" if i.lo_incl else ">", i.lo))
            if i.hi is not None:
                comps.append(Comparator("<=" if i.hi_incl else "<", i.hi))
            sets.append(tuple(comps) or (ANY,))
        return cls(tuple(sets), text, False, include_prerelease)

    @property
    def options(self) -> dict:
        return {"loose": self.loose, "include_prerelease": self.include_prerelease}

    def test(self, version: "Version | str | None") -> bool:
        """node-semver's ``satisfies``: a string is parsed with this range's ``loose``; junk is False."""
        if isinstance(version, str):
            version = Version.try_parse(version, loose=self.loose) if version else None
        if not isinstance(version, Version):
            return False
        return any(self._test_set(s, version) for s in self.set)

    contains = test

    def _test_set(self, comparators: tuple[Comparator, ...], v: Version) -> bool:
        if not all(c.test(v) for c in comparators):
            return False
        if v.prerelease and not self.include_prerelease:
            # npm's rule: ^1.2.3-beta.1 admits 1.2.3-beta.2 but not 1.2.4-alpha, although the bounds do
            return any(c.semver is not None and c.semver.prerelease and _same_tuple(c.semver, v) for c in comparators)
        return True

    def intersects(self, other: "Range") -> bool:
        """Some version is in both (node-semver's Range#intersects, with this range's options): a set
        of each whose comparators all intersect, each set within itself and every one of mine with
        every one of theirs."""
        opts = self.options
        theirs_ok = [_satisfiable(theirs, opts) for theirs in other.set]
        return any(_satisfiable(mine, opts)
                   and any(ok and _cross(mine, theirs, opts) for theirs, ok in zip(other.set, theirs_ok))
                   for mine in self.set)

    def within(self, other: "Range") -> bool:
        """Every version of this range is in ``other`` (node-semver's ``subset``)."""
        return subset(self, other, **self.options)

    def floors(self) -> tuple[Version | None, ...]:
        """Each set's lowest bound (its highest ``>``/``>=``/exact version), None when unbounded below."""
        return tuple(max((c.semver for c in s if c.semver is not None and c.operator in ("", ">", ">=")),
                         default=None) for s in self.set)

    @property
    def formatted(self) -> str:
        """node-semver's ``range`` string: the comparators of each set, sets joined by ``||``."""
        return "||".join(" ".join(c.value for c in s).strip() for s in self.set)

    def __str__(self) -> str:
        return self.text or self.formatted


def parse_range(text: str, *, loose: bool = False, include_prerelease: bool = False) -> Range:
    return Range.parse(text, loose=loose, include_prerelease=include_prerelease)


def _has_digit_words(v: Version | None) -> bool:
    return v is not None and any(isinstance(p, str) and _DIGITS.fullmatch(p) for p in v.prerelease)


def _symmetric(comparators: tuple[Comparator, ...]) -> bool:
    """Whether a.intersects(b) == b.intersects(a) for any two of these, so pairs can be checked in any
    order: not so for ANY (an exact prerelease does not intersect ANY in the default mode, while ANY
    intersects everything), nor for huge all-digit prerelease words (compared as doubles)."""
    return not any(c.semver is None or _has_digit_words(c.semver) for c in comparators)


def _satisfiable(comparators: tuple[Comparator, ...], options: dict) -> bool:
    """node-semver's isSatisfiable: every later comparator intersects every earlier one."""
    if _symmetric(comparators):
        return _all_pairs_intersect(comparators, options)
    return all(a.intersects(b, **options) for i, a in enumerate(comparators) for b in comparators[:i])


def _cross(mine: tuple[Comparator, ...], theirs: tuple[Comparator, ...], options: dict) -> bool:
    """Every comparator of ``mine`` intersects every one of ``theirs`` (each set is already satisfiable)."""
    if _symmetric(mine) and _symmetric(theirs):
        return _all_pairs_intersect(mine + theirs, options)
    return all(a.intersects(b, **options) for a in mine for b in theirs)


def _all_pairs_intersect(comparators: tuple[Comparator, ...], options: dict) -> bool:
    """Every two of these symmetric comparators intersect, decided in linear time.

    Among bounds, every pair intersects exactly when no ``<0.0.0`` bound is present and the highest
    lower bound is below the lowest upper bound, or equal to it with both of those inclusive; a
    pair with an exact version is asked as node-semver asks it.
    """
    exact = [c for c in comparators if c.operator == ""]
    bounds = [c for c in comparators if c.operator]
    for i, e in enumerate(exact):
        if not all(e.intersects(o, **options) for o in exact[:i] + bounds):
            return False
    if len(bounds) < 2:
        return True
    if options["include_prerelease"]:
        nothing_below = any(c.value == _NULL_SET_VALUE for c in bounds)
    else:
        nothing_below = any(c.value.startswith("<0.0.0") for c in bounds)
    if nothing_below:
        return False
    lows = [c for c in bounds if c.operator[0] == ">"]
    highs = [c for c in bounds if c.operator[0] == "<"]
    if not lows or not highs:
        return True
    top = max(c.semver for c in lows)  # type: ignore[type-var]
    bottom = min(c.semver for c in highs)  # type: ignore[type-var]
    order = top.compare(bottom)  # type: ignore[union-attr]
    if order:
        return order < 0
    return (all(c.operator == ">=" for c in lows if c.semver.compare(top) == 0)  # type: ignore[union-attr]
            and all(c.operator == "<=" for c in highs if c.semver.compare(bottom) == 0))  # type: ignore[union-attr]


def satisfies(version: "Version | str | None", range_: "Range | str", *, loose: bool = False,
              include_prerelease: bool = False) -> bool:
    """node-semver's ``satisfies``: False (never an exception) for a range or version it cannot read."""
    try:
        rng = _as_range(range_, loose, include_prerelease)
    except InvalidRange:
        return False
    return rng.test(version)


def intersects(a: "Range | str", b: "Range | str", *, loose: bool = False, include_prerelease: bool = False) -> bool:
    """node-semver's ``intersects`` (raises InvalidRange for a range it cannot read)."""
    return _as_range(a, loose, include_prerelease).intersects(_as_range(b, loose, include_prerelease))


def _as_range(r: "Range | str", loose: bool, include_prerelease: bool) -> Range:
    if isinstance(r, Range):
        if (r.loose, r.include_prerelease) == (loose, include_prerelease):
            return r
        if not r.keys:  # built from intervals: there is no text to read again
            return Range(r.set, r.text, loose, include_prerelease)
        r = r.text
    return Range.parse(r, loose=loose, include_prerelease=include_prerelease)


# --- subset (node-semver's ranges/subset.js) ----------------------------------------------------------


def subset(sub: "Range | str", dom: "Range | str", *, loose: bool = False, include_prerelease: bool = False) -> bool:
    """Every version of ``sub`` is in ``dom``. A range with a null-set alternative (``>2 <1``) ignores
    that alternative; a range of only null sets is a subset of anything."""
    if sub is dom or (isinstance(sub, str) and sub == dom):
        return True
    sub_r = _as_range(sub, loose, include_prerelease)
    dom_r = _as_range(dom, loose, include_prerelease)
    saw_non_null = False
    for simple_sub, sub_key in zip(sub_r.set, sub_r.keys or (None,) * len(sub_r.set)):
        for simple_dom, dom_key in zip(dom_r.set, dom_r.keys or (None,) * len(dom_r.set)):
            same = simple_sub is simple_dom or (sub_key is not None and sub_key == dom_key)
            verdict = True if same else _simple_subset(simple_sub, simple_dom, include_prerelease, loose)
            saw_non_null = saw_non_null or verdict is not None
            if verdict:
                break
        else:
            if saw_non_null:
                return False
    return True


def _higher_gt(a: Comparator | None, b: Comparator) -> Comparator:
    if a is None:
        return b
    c = a.semver.compare(b.semver)  # type: ignore[union-attr]
    return a if c > 0 else b if c < 0 else b if (b.operator == ">" and a.operator == ">=") else a


def _lower_lt(a: Comparator | None, b: Comparator) -> Comparator:
    if a is None:
        return b
    c = a.semver.compare(b.semver)  # type: ignore[union-attr]
    return a if c < 0 else b if c > 0 else b if (b.operator == "<" and a.operator == "<=") else a


def _needs_prerelease_bound(bound: Comparator | None, include_prerelease: bool) -> Version | None:
    """A prerelease bound in ``sub`` needs a prerelease comparator of the same tuple in ``dom``."""
    if bound is None or include_prerelease or not bound.semver.prerelease:  # type: ignore[union-attr]
        return None
    return bound.semver


def _simple_subset(sub: tuple[Comparator, ...], dom: tuple[Comparator, ...], incpre: bool, loose: bool) -> bool | None:
    """True / False, or None when ``sub`` is a null set (which says nothing)."""
    opts = {"loose": loose, "include_prerelease": incpre}
    if len(sub) == 1 and sub[0].semver is None:
        if len(dom) == 1 and dom[0].semver is None:
            return True
        sub = _MIN_VERSION_WITH_PRERELEASE if incpre else _MIN_VERSION
    if len(dom) == 1 and dom[0].semver is None:
        if incpre:
            return True
        dom = _MIN_VERSION
    exact: list[Version] = []
    gt = lt = None
    for c in sub:
        if c.operator in (">", ">="):
            gt = _higher_gt(gt, c)
        elif c.operator in ("<", "<="):
            lt = _lower_lt(lt, c)
        else:
            exact.append(c.semver)  # type: ignore[arg-type]
    if len(exact) > 1:
        return None
    gtlt = None
    if gt is not None and lt is not None:
        gtlt = gt.semver.compare(lt.semver)  # type: ignore[union-attr]
        if gtlt > 0 or (gtlt == 0 and (gt.operator != ">=" or lt.operator != "<=")):
            return None
    if exact:
        eq = exact[0]
        if any(bound is not None and not satisfies(eq, bound.value, **opts) for bound in (gt, lt)):
            return None
        return all(satisfies(eq, c.value, **opts) for c in dom)
    need_gt_pre = _needs_prerelease_bound(gt, incpre)
    need_lt_pre = _needs_prerelease_bound(lt, incpre)
    if need_lt_pre is not None and lt.operator == "<" and need_lt_pre.prerelease == (0,):  # type: ignore[union-attr]
        need_lt_pre = None  # <1.2.3-0 is the same as <1.2.3
    has_dom_gt = has_dom_lt = False
    for c in dom:
        has_dom_gt = has_dom_gt or c.operator in (">", ">=")
        has_dom_lt = has_dom_lt or c.operator in ("<", "<=")
        has_pre = c.semver is not None and bool(c.semver.prerelease)
        if gt is not None:
            if need_gt_pre is not None and has_pre and _same_tuple(c.semver, need_gt_pre):  # type: ignore[arg-type]
                need_gt_pre = None
            if c.operator in (">", ">="):
                higher = _higher_gt(gt, c)
                if higher is c and higher is not gt:
                    return False
            elif gt.operator == ">=" and not c.test(gt.semver):  # the bound itself, no prerelease rule
                return False
        if lt is not None:
            if need_lt_pre is not None and has_pre and _same_tuple(c.semver, need_lt_pre):  # type: ignore[arg-type]
                need_lt_pre = None
            if c.operator in ("<", "<="):
                lower = _lower_lt(lt, c)
                if lower is c and lower is not lt:
                    return False
            elif lt.operator == "<=" and not c.test(lt.semver):
                return False
        if not c.operator and (lt is not None or gt is not None) and gtlt != 0:
            return False
    # a one-sided sub is not inside a dom bounded on that other side, unless sub pins a single version
    if gt is not None and has_dom_lt and lt is None and gtlt != 0:
        return False
    if lt is not None and has_dom_gt and gt is None and gtlt != 0:
        return False
    return need_gt_pre is None and need_lt_pre is None


# --- intervals (OSV events) -----------------------------------------------------------------------



def _tighter(a: Version | None, a_incl: bool, b: Version | None, b_incl: bool, *, higher: bool):
    """The stricter of two bounds: the higher lower bound, or the lower upper bound."""
    if a is None:
        return b, b_incl
    if b is None or a == b:
        return a, a_incl and (b_incl if b is not None else True)
    pick_a = (a > b) if higher else (a < b)
    return (a, a_incl) if pick_a else (b, b_incl)

@dataclass(frozen=True)
class Interval:
    """A contiguous set of versions by plain semver order (OSV ``introduced``/``fixed`` events);
    ``None`` bounds are unbounded. Prereleases between the bounds are inside."""

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

    def __str__(self) -> str:
        """As npm writes it: '>=1.2.0 <1.2.5', '*' for everything."""
        parts = []
        if self.lo is not None and self.lo != Version(0, 0, 0, (0,)):
            parts.append((">=" if self.lo_incl else ">") + str(self.lo))
        if self.hi is not None:
            parts.append(("<=" if self.hi_incl else "<") + str(self.hi))
        return " ".join(parts) or "*"

    def intersect(self, other: "Interval") -> "Interval | None":
        """The versions in both intervals (an OSV ``limit`` caps a range this way), or None."""
        lo, lo_incl = _tighter(self.lo, self.lo_incl, other.lo, other.lo_incl, higher=True)
        hi, hi_incl = _tighter(self.hi, self.hi_incl, other.hi, other.hi_incl, higher=False)
        if lo is not None and hi is not None and (lo > hi or (lo == hi and not (lo_incl and hi_incl))):
            return None
        return Interval(lo, lo_incl, hi, hi_incl)
