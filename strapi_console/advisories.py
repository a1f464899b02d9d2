"""Strapi advisories in OSV format: loading, validating, and matching against a running server.

Matching rules (shared/reference/README.md, "Matching against a server"):
- Strapi releases its monorepo packages in lockstep with the core package of each major, so an
  advisory on any package that every server of that major carries (``@strapi/core``, ``@strapi/admin``,
  ...) applies at the server's ``strapiVersion``, listed in ``dependencies`` or not;
- a package that did not exist in the server's major says nothing about it (``@strapi/core`` and 4.x);
- monorepo plugins (users-permissions, graphql, ...) are in lockstep but present only when declared;
- anything else is known only by its declared ``package.json`` range, and reported as such.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache
from itertools import groupby
from importlib import resources
from pathlib import Path

from . import paths
from .config import DEFAULT_MAX_AGE_DAYS  # re-exported: older data cannot vouch for a clean result
from .semver import Interval, InvalidRange, Range, Version, parse_range

SEVERITY_MAP = {"CRITICAL": "critical", "HIGH": "high", "MODERATE": "medium", "MEDIUM": "medium", "LOW": "low"}
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
USER_COPY = "advisories.osv.json"
UPDATE_COMMAND = "strapi-console advisories update"


class AdvisoryDataError(ValueError):
    """A record or file that does not follow the OSV shapes the console relies on."""


@lru_cache(maxsize=1)
def _support() -> dict:
    return json.loads(resources.files("strapi_console.data").joinpath("support.json").read_text())


@lru_cache(maxsize=1)
def package_lists() -> dict[int, dict]:
    raw = json.loads(resources.files("strapi_console.data").joinpath("strapi_packages.json").read_text())
    return {int(k): v for k, v in raw.items() if k.isdigit()}


@dataclass(frozen=True)
class AffectedPackage:
    name: str
    intervals: tuple[Interval, ...]
    versions: frozenset[Version]
    range_text: str
    fixed: frozenset[Version] = frozenset()  # interval ends that a 'fixed' event names (not a 'limit')

    def contains(self, v: Version) -> bool:
        return v in self.versions or any(i.contains(v) for i in self.intervals)

    def as_range(self) -> Range:
        """The affected versions as a range in node-semver's include-prerelease mode: exactly the
        versions between the OSV bounds, prereleases included (OSV orders, it does not filter)."""
        extra = tuple(Interval(v, True, v, True) for v in self.versions)
        return Range.from_intervals(self.intervals + extra, self.range_text)

    def _fix_of(self, i: Interval) -> Version | None:
        return i.hi if i.hi is not None and not i.hi_incl and i.hi in self.fixed else None

    def fixes(self) -> list[Version]:
        return sorted(f for f in map(self._fix_of, self.intervals) if f is not None)

    def fix_for(self, v: Version) -> Version | None:
        """The fixed version that ends the interval containing ``v``, if the record names one."""
        for i in self.intervals:
            if i.contains(v):
                return self._fix_of(i)
        return None


@dataclass(frozen=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: str
    published: str
    modified: str
    affected: tuple[AffectedPackage, ...]
    references: tuple[str, ...]
    cwes: tuple[str, ...]
    details: str = ""
    severity_note: str = ""  # where a corrected severity comes from, when the record's is overridden

    @property
    def cves(self) -> list[str]:
        return [a for a in self.aliases if a.startswith("CVE-")]

    @property
    def packages(self) -> list[str]:
        return [a.name for a in self.affected]

    def affects(self, package: str, version: Version) -> bool:
        """The schema's IsVulnerable: any npm entry for ``package`` lists ``version`` or has it in a range."""
        return any(a.contains(version) for a in self.affected if a.name == package)


# --- OSV evaluation ------------------------------------------------------------------------------
# Bounds on what one record may hold: the data comes from the network, and a loop over it must end.
MAX_AFFECTED, MAX_RANGES, MAX_EVENTS, MAX_VERSIONS = 200, 100, 500, 10_000
EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")
EVALUATED_RANGE_TYPES = ("SEMVER", "ECOSYSTEM")  # npm's ECOSYSTEM order is semver's
IGNORED_RANGE_TYPES = ("GIT",)  # commit ranges need the repository; the schema requires 'versions' beside them


def _bounded_list(value, limit: int, what: str, where: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise AdvisoryDataError(f"{where}: '{what}' is not a list")
    if len(value) > limit:
        raise AdvisoryDataError(f"{where}: more than {limit} {what}")
    return value


def _events(events, where: str) -> list[tuple[str, str]]:
    out = []
    for ev in _bounded_list(events, MAX_EVENTS, "events", where):
        if not isinstance(ev, dict) or len(ev) != 1:
            raise AdvisoryDataError(f"{where}: an event must be exactly one of {', '.join(EVENT_KINDS)}")
        kind, value = next(iter(ev.items()))
        if kind not in EVENT_KINDS:
            raise AdvisoryDataError(f"{where}: unknown event {_label(kind)!r}")
        if not isinstance(value, str):
            raise AdvisoryDataError(f"{where}: the {kind} event has no version string")
        out.append((kind, value))
    if not any(kind == "introduced" for kind, _ in out):
        raise AdvisoryDataError(f"{where}: a range without an 'introduced' event")
    return out


def _range_intervals(events, where: str) -> tuple[list[Interval], set[Version]]:
    """One SEMVER/ECOSYSTEM range as disjoint intervals, exactly as the schema's evaluation reads it.

    The schema sorts the events by version before walking them (records need not be sorted); a
    version is affected when the last event that applies to it is an ``introduced`` (``introduced``
    and ``fixed`` apply from their version on, ``last_affected`` from just above it), and only below
    one of the range's ``limit`` events when it has any (``*`` is infinity). Events at the same version
    keep the record's order (a stable sort). The sweep below computes, at each event version X, the
    state on the gap below X, at X and above X, and turns the changes into interval bounds; it returns
    the intervals and the versions at which a ``fixed`` event ends one (what an upgrade can target).
    """
    points: list[tuple[Version | None, str]] = []
    limits: list[Version] = []
    unlimited = False
    for kind, value in _events(events, where):
        if kind == "limit":
            if "*" in value:
                unlimited = True
            else:
                limits.append(_version(value, where))
        elif kind == "introduced" and value == "0":
            points.append((None, kind))  # "0": before every version
        else:
            points.append((_version(value, where), kind))
    points.sort(key=lambda p: (0,) if p[0] is None else (1, p[0]))
    intervals: list[Interval] = []
    fixed: set[Version] = set()
    below = False  # the state on the gap below the next event version
    lo: Version | None = None
    lo_incl = True
    for at_version, group in groupby(points, key=lambda p: p[0]):
        kinds = [kind for _, kind in group]
        above = kinds[-1] == "introduced"
        if at_version is None:
            below, lo, lo_incl = above, None, True
            continue
        at = below
        for kind in kinds:
            if kind != "last_affected":  # last_affected X applies only above X
                at = kind == "introduced"
        if below and not at:
            intervals.append(Interval(lo, lo_incl, at_version, False))
            fixed.add(at_version)
        elif not below and at:
            lo, lo_incl = at_version, True
        if at and not above:
            intervals.append(Interval(lo, lo_incl, at_version, True))
        elif not at and above:
            lo, lo_incl = at_version, False
        below = above
    if below:
        intervals.append(Interval(lo, lo_incl, None))
    if limits and not unlimited:
        ceiling = Interval(None, True, max(limits), False)
        intervals = [c for c in (i.intersect(ceiling) for i in intervals) if c is not None]
    return intervals, fixed


def _version(text, where: str) -> Version:
    v = Version.try_parse(text if isinstance(text, str) else "")
    if v is None:
        raise AdvisoryDataError(f"{where}: {_label(text)!r} is not an npm version")
    return v


def _label(value) -> str:
    """An untrusted string from a record, safe to print: printable characters only, and short."""
    text = "".join(ch if ch.isprintable() else "?" for ch in str(value)[:80])
    return text + ("…" if len(str(value)) > 80 else "")


def _npm_entry(entry: dict, rid: str) -> AffectedPackage:
    name = entry["package"].get("name")
    if not isinstance(name, str) or not name or len(name) > 214:  # npm's own limit on a name
        raise AdvisoryDataError(f"{rid}: an npm entry has no package name")
    where = f"{rid} {_label(name)}"
    intervals: list[Interval] = []
    fixed: set[Version] = set()
    evaluated = False
    for rng in _bounded_list(entry.get("ranges"), MAX_RANGES, "ranges", where):
        kind = rng.get("type") if isinstance(rng, dict) else None
        if kind in IGNORED_RANGE_TYPES:
            continue
        if kind not in EVALUATED_RANGE_TYPES:
            raise AdvisoryDataError(f"{where}: range type {_label(kind)!r} is not one the console can evaluate")
        got, fixes = _range_intervals(rng.get("events"), where)
        intervals.extend(got)
        fixed |= fixes
        evaluated = True
    listed = _bounded_list(entry.get("versions"), MAX_VERSIONS, "versions", where)
    versions = frozenset(_version(v, where) for v in listed)
    if not evaluated and not listed:
        raise AdvisoryDataError(f"{where}: no SEMVER or ECOSYSTEM range and no versions list"
                                + (" (only GIT ranges)" if entry.get("ranges") else ""))
    texts = [str(i) for i in intervals] + [str(v) for v in sorted(versions)]
    return AffectedPackage(name, tuple(intervals), versions, " || ".join(texts), frozenset(fixed))


def parse_record(raw: dict) -> Advisory:
    """One OSV record as an Advisory; AdvisoryDataError says why the console cannot use it.

    Entries for other ecosystems (the same advisory may name a PyPI or Go package) and GIT ranges are
    left out, as the schema's evaluation does for an npm version; what remains must be npm entries the
    schema's rules can evaluate.
    """
    if not isinstance(raw, dict):
        raise AdvisoryDataError("a record is not a JSON object")
    rid = raw.get("id")
    if not isinstance(rid, str) or not rid:
        raise AdvisoryDataError("a record has no 'id'")
    rid = _label(rid)
    affected = _bounded_list(raw.get("affected"), MAX_AFFECTED, "affected entries", rid)
    if not affected:
        raise AdvisoryDataError(f"{rid}: no 'affected' list")
    packages = []
    for a in affected:
        if not isinstance(a, dict):
            raise AdvisoryDataError(f"{rid}: an affected entry is not an object")
        pkg = a.get("package")
        if isinstance(pkg, dict) and pkg.get("ecosystem") == "npm":
            packages.append(_npm_entry(a, rid))
    if not packages:
        raise AdvisoryDataError(f"{rid}: names no npm package")
    db_specific = raw.get("database_specific") if isinstance(raw.get("database_specific"), dict) else {}
    severity, severity_note = _severity(rid, str(db_specific.get("severity", "")).upper())
    refs = tuple(r.get("url") for r in raw.get("references") or [] if isinstance(r, dict) and r.get("url"))
    return Advisory(id=rid, aliases=tuple(a for a in raw.get("aliases") or [] if isinstance(a, str)),
                    summary=str(raw.get("summary") or raw.get("details") or rid).strip(), severity=severity,
                    published=str(raw.get("published", "")), modified=str(raw.get("modified", "")),
                    affected=tuple(packages), references=refs,
                    cwes=tuple(db_specific.get("cwe_ids") or ()), details=str(raw.get("details") or ""),
                    severity_note=severity_note)


def _severity(rid: str, recorded: str) -> tuple[str, str]:
    """The record's severity, or a dated correction from support.json while the record still holds the
    value that the correction replaces (a record that has changed since speaks for itself)."""
    override = _support()["severity_overrides"].get(rid)
    if isinstance(override, dict) and recorded == override.get("was"):
        note = (f"{override['severity']} per {override['source']} (recorded {override['recorded']}); "
                f"the record says {recorded}")
        return SEVERITY_MAP.get(override["severity"], "medium"), note
    return SEVERITY_MAP.get(recorded, "medium"), ""


@dataclass
class AdvisoryDB:
    advisories: list[Advisory]
    source: str  # "bundled" or "user"
    path: str
    fetched_at: str | None = None
    note: str | None = None  # e.g. why the user copy was not used
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (id, why) of records the console cannot use

    def get(self, advisory_id: str) -> Advisory | None:
        wanted = advisory_id.upper()
        return next((a for a in self.advisories if a.id.upper() == wanted or wanted in (x.upper() for x in a.aliases)),
                    None)

    @property
    def as_of(self) -> str:
        """The date the data is current as of: when `advisories update` fetched it, else (the bundled copy)
        the last change of any record in it, since the copy was made after that."""
        when = self.fetched_at if self.source == "user" and self.fetched_at else \
            max((a.modified for a in self.advisories), default="")
        return when[:10]

    def age_days(self, today: date) -> int | None:
        try:
            return (today - date.fromisoformat(self.as_of)).days
        except ValueError:
            return None

    def freshness(self, today: date, max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> "Freshness":
        return Freshness(self.as_of, self.age_days(today), max_age_days)

    def skipped_text(self) -> str | None:
        return describe_skipped(self.skipped)

    def summary(self, today: date | None = None) -> dict:
        newest = max((a.published for a in self.advisories), default="")
        out = {"records": len(self.advisories), "newest": newest[:10], "source": self.source, "as_of": self.as_of}
        if today is not None and self.age_days(today) is not None:
            out["age_days"] = self.age_days(today)
        if self.fetched_at:
            out["fetched_at"] = self.fetched_at
        if self.skipped:
            out["skipped"] = [rid for rid, _ in self.skipped]
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Freshness:
    """How old the advisory data is, against the age after which a clean result cannot be trusted:
    advisories published since the data was made are unknown to it."""

    as_of: str
    age_days: int | None  # None when the date cannot be read (counts as stale)
    max_age_days: int

    @property
    def stale(self) -> bool:
        return self.age_days is None or self.age_days > self.max_age_days

    @property
    def age_text(self) -> str:
        if self.age_days is None:
            return "of unknown age"
        return "from today" if self.age_days <= 0 else f"{self.age_days} day{'s' if self.age_days != 1 else ''} old"

    @property
    def label(self) -> str:
        """'advisory data of 2026-05-15, 200 days old', for every verdict that rests on the data."""
        return f"advisory data of {self.as_of or 'an unknown date'}, {self.age_text}"

    @property
    def warning(self) -> str:
        return (f"the advisory data is older than {self.max_age_days} days ({self.label}): advisories published "
                f"since are unknown; run `{UPDATE_COMMAND}`")

    def to_dict(self) -> dict:
        return {"as_of": self.as_of, "age_days": self.age_days, "max_age_days": self.max_age_days,
                "stale": self.stale}


def describe_skipped(skipped: list[tuple[str, str]]) -> str | None:
    """One line naming the records the console cannot use and why (the first five)."""
    if not skipped:
        return None
    shown = "; ".join(why for _, why in skipped[:5]) + ("; …" if len(skipped) > 5 else "")
    many = len(skipped) > 1
    return f"{len(skipped)} record{'s' if many else ''} skipped, the console cannot evaluate {'them' if many else 'it'}: {shown}"


def user_copy_path() -> Path:
    return paths.data_dir() / USER_COPY


MAX_RECORDS = 5000


def parse_document(doc) -> tuple[list[Advisory], list[tuple[str, str]]]:
    """The usable advisories of a file or download, and (id, why) for each record the console cannot use.

    One record the console cannot evaluate (another schema version's event, a malformed entry) is
    skipped and named, never a reason to drop the others; only a document with no usable record fails.
    """
    records = doc.get("records") if isinstance(doc, dict) else doc
    if not isinstance(records, list) or not records:
        raise AdvisoryDataError("the file holds no list of OSV records")
    if len(records) > MAX_RECORDS:
        raise AdvisoryDataError(f"more than {MAX_RECORDS} records")
    usable: list[Advisory] = []
    skipped: list[tuple[str, str]] = []
    for raw in records:
        try:
            usable.append(parse_record(raw))
        except AdvisoryDataError as exc:
            rid = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else "(no id)"
            skipped.append((_label(rid), str(exc)))
    if not usable:
        raise AdvisoryDataError(f"none of the {len(records)} records is usable: {skipped[0][1]}")
    return usable, skipped


def _bundled() -> AdvisoryDB:
    text = resources.files("strapi_console.data").joinpath("strapi-advisories.osv.json").read_text()
    usable, skipped = parse_document(json.loads(text))
    return AdvisoryDB(usable, "bundled", "(bundled with strapi-console)", skipped=skipped)


def load() -> AdvisoryDB:
    """The user copy from `advisories update` when it is valid, else the bundled copy (saying why)."""
    path = user_copy_path()
    if path.exists():
        try:
            doc = json.loads(path.read_text())
            usable, skipped = parse_document(doc)
            fetched = doc.get("fetched_at") if isinstance(doc, dict) else None
            return AdvisoryDB(usable, "user", str(path), fetched_at=fetched if isinstance(fetched, str) else None,
                              skipped=skipped)
        except (OSError, ValueError, AdvisoryDataError) as exc:
            db = _bundled()
            db.note = f"the updated copy {path} is unreadable ({exc}); using the bundled data"
            return db
    return _bundled()


def save_user_copy(raw_records: list[dict]) -> tuple[Path, list[Advisory], list[tuple[str, str]]]:
    """Keep the download as fetched, once at least one record is usable, replacing the user copy atomically
    (the old one stays on failure). Records the console cannot use are stored too (a later version may
    read them) and named again by every load. Returns the path, the usable advisories and the skipped."""
    usable, skipped = parse_document(raw_records)
    path = user_copy_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"fetched_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "records": raw_records}
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc))
    os.replace(tmp, path)
    return path, usable, skipped


# --- matching ------------------------------------------------------------------------------------


@dataclass
class Match:
    advisory: Advisory
    package: str
    how: str  # "lockstep" (at strapiVersion), "declared" (range within affected), "possibly" (range overlaps)
    version: str  # the version or declared range the match is about
    affected_range: str
    fixed: str | None  # the first fixed version for this version, when the record names one

    def to_dict(self) -> dict:
        a = self.advisory
        return {"id": a.id, "aliases": list(a.aliases), "severity": a.severity, "package": self.package,
                "how": self.how, "version": self.version, "affected": self.affected_range, "fixed": self.fixed,
                "summary": a.summary}


@dataclass
class ServerMatches:
    strapi_version: str | None
    major: int | None
    core: list[Match] = field(default_factory=list)  # lockstep packages every server of the major carries
    deps: list[Match] = field(default_factory=list)  # declared plugins and third-party packages
    unknown: dict[str, str] = field(default_factory=dict)  # declared values that cannot be read as ranges

    def worst(self, matches: list[Match]) -> str | None:
        return min((m.advisory.severity for m in matches), key=SEVERITY_RANK.__getitem__, default=None)


def _monorepo_version(strapi_version: Version, declared: str | None) -> Version:
    """A declared lockstep plugin runs at strapiVersion, unless package.json pins another exact version."""
    exact = _exact_pin(declared)
    return exact if exact is not None and exact.major == strapi_version.major else strapi_version


def _exact_pin(declared: str | None) -> Version | None:
    """The one version a declared range pins (``5.54.0``, ``=5.54.0``, ``v5.54.0``), else None."""
    rng = _declared_range(declared)
    if rng is None or len(rng.set) != 1 or len(rng.set[0]) != 1:
        return None
    only = rng.set[0][0]
    return only.semver if only.operator == "" else None


def match_server(db: AdvisoryDB, strapi_version: str | None, dependencies: dict | None) -> ServerMatches:
    version = Version.try_parse(strapi_version)
    deps = {k: v for k, v in (dependencies or {}).items() if isinstance(k, str)}
    result = ServerMatches(strapi_version, version.major if version else None)
    lists = package_lists().get(version.major) if version else None
    always = set(lists["always"]) if lists else set()
    optional = set(lists["optional"]) if lists else set()
    known_monorepo = {p for v in package_lists().values() for p in v["always"] + v["optional"]}
    for adv in db.advisories:
        for aff in adv.affected:
            name = aff.name
            if version is not None and name in always:
                if aff.contains(version):
                    result.core.append(Match(adv, name, "lockstep", str(version), aff.range_text, _str(aff.fix_for(version))))
                continue
            if version is not None and name in optional:
                if name in deps:
                    v = _monorepo_version(version, deps[name] if isinstance(deps[name], str) else None)
                    if aff.contains(v):
                        result.deps.append(Match(adv, name, "lockstep", str(v), aff.range_text, _str(aff.fix_for(v))))
                continue
            if name in known_monorepo or name not in deps:
                continue  # a monorepo package of another major, or a package this project does not declare
            declared = deps[name]
            rng = _declared_range(declared)
            if rng is None:
                result.unknown[name] = str(declared)
                continue
            affected = aff.as_range()
            if rng.within(affected):
                result.deps.append(Match(adv, name, "declared", str(declared), aff.range_text, _first_fix_after(aff, rng)))
            elif rng.intersects(affected):
                result.deps.append(Match(adv, name, "possibly", str(declared), aff.range_text, _first_fix_after(aff, rng)))
    key = lambda m: (SEVERITY_RANK[m.advisory.severity], m.advisory.id, m.package)  # noqa: E731
    result.core.sort(key=key)
    result.deps.sort(key=key)
    return result


def _str(v: Version | None) -> str | None:
    return str(v) if v is not None else None


def _first_fix_after(aff: AffectedPackage, rng: Range) -> str | None:
    fixes = [f for f in aff.fixes() if any(lo is None or f >= lo for lo in rng.floors())]
    return str(fixes[0]) if fixes else None


def _declared_range(value) -> Range | None:
    """A declared dependency value as a range, or None for tags, git URLs, workspace: and file: specs.

    Read in node-semver's include-prerelease mode: the range is the set of versions it spans, prereleases
    included. npm's default mode would leave ``5.0.0-beta.1`` out of ``<5.0.0``; for "could this project
    run an affected version" the cautious answer counts it.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith("npm:") and "@" in text[4:]:
        text = text.rsplit("@", 1)[1]
    if not text or text in ("latest", "next", "beta") or ":" in text or "/" in text:
        return None
    try:
        return parse_range(text, include_prerelease=True)
    except InvalidRange:
        return None


# --- what to upgrade to ------------------------------------------------------------------------


@dataclass
class UpgradeAdvice:
    target: str | None  # the smallest version in the same major that clears every lockstep advisory
    migrate_to_major: int | None  # when the major has no fix (or is end of life)
    unresolved: list[str] = field(default_factory=list)  # advisories with no fixed release in this major
    text: str = ""


def upgrade_advice(db: AdvisoryDB, strapi_version: str | None) -> UpgradeAdvice | None:
    version = Version.try_parse(strapi_version)
    if version is None:
        return None
    matches = match_server(db, strapi_version, {}).core
    support = _support()["strapi"].get(str(version.major), {})
    migrate = support.get("migrate_to") if support.get("status") == "eol" else None
    if not matches:
        text = "no published advisory affects this version"
        if migrate:
            text += f"; the {version.major}.x line is end of life: migrate to {migrate}.x"
        return UpgradeAdvice(None, migrate, [], text)
    candidate = version
    unresolved: list[str] = []
    for m in matches:
        fixed = Version.try_parse(m.fixed)
        if fixed is None or fixed.major != version.major:
            unresolved.append(m.advisory.id)
        elif fixed > candidate:
            candidate = fixed
    # A fix can land inside another advisory's range: step forward until nothing in this major matches.
    for _ in range(50):
        later = [m for m in match_server(db, str(candidate), {}).core if m.advisory.id not in unresolved]
        fixes = [Version.try_parse(m.fixed) for m in later]
        fixes = [f for f in fixes if f is not None and f.major == version.major and f > candidate]
        if not fixes:
            break
        candidate = max(fixes)
    target = str(candidate) if candidate != version else None
    if unresolved:
        migrate = migrate or version.major + 1
        later_fixes = [Version.try_parse(m.fixed) for m in matches if m.advisory.id in unresolved]
        floor = max((f for f in later_fixes if f is not None and f.major == migrate), default=None)
        text = (f"{len(unresolved)} advisor{'y has' if len(unresolved) == 1 else 'ies have'} no fixed "
                f"{version.major}.x release: migrate to {migrate}.x" + (f" (at least {floor})" if floor else ""))
        if target:
            text = f"upgrade to {target} for the rest; " + text
    else:
        text = f"upgrade @strapi/* to {target} or later" if version.major >= 4 else f"upgrade strapi to {target} or later"
        if migrate:
            text += f"; the {version.major}.x line is end of life: plan the move to {migrate}.x"
    return UpgradeAdvice(target, migrate, unresolved, text)


def support_data() -> dict:
    return _support()


_cached: AdvisoryDB | None = None


def cached() -> AdvisoryDB:
    """The database for this process (loaded once; `advisories update` resets it)."""
    global _cached
    if _cached is None:
        _cached = load()
    return _cached


def reset_cache() -> None:
    global _cached
    _cached = None
