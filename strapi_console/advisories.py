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
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path

from . import paths
from .semver import Interval, InvalidRange, Range, Version, parse_range

SEVERITY_MAP = {"CRITICAL": "critical", "HIGH": "high", "MODERATE": "medium", "MEDIUM": "medium", "LOW": "low"}
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
USER_COPY = "advisories.osv.json"


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

    def contains(self, v: Version) -> bool:
        return v in self.versions or any(i.contains(v) for i in self.intervals)

    def as_range(self) -> Range:
        """The affected versions as a range in node-semver's include-prerelease mode: exactly the
        versions between the OSV bounds, prereleases included (OSV orders, it does not filter)."""
        extra = tuple(Interval(v, True, v, True) for v in self.versions)
        return Range.from_intervals(self.intervals + extra, self.range_text)

    def fixes(self) -> list[Version]:
        return sorted(i.hi for i in self.intervals if i.hi is not None and not i.hi_incl)

    def fix_for(self, v: Version) -> Version | None:
        """The fixed version that ends the interval containing ``v``, if the record names one."""
        for i in self.intervals:
            if i.contains(v):
                return i.hi if i.hi is not None and not i.hi_incl else None
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

    @property
    def cves(self) -> list[str]:
        return [a for a in self.aliases if a.startswith("CVE-")]

    @property
    def packages(self) -> list[str]:
        return [a.name for a in self.affected]


def _events_to_intervals(events: list, where: str) -> tuple[Interval, ...]:
    intervals: list[Interval] = []
    start: Version | None = None
    open_ = False
    for ev in events:
        if not isinstance(ev, dict) or len(ev) != 1:
            raise AdvisoryDataError(f"{where}: an event must be one of introduced/fixed/last_affected")
        kind, value = next(iter(ev.items()))
        if kind == "introduced":
            start = None if value == "0" else _version(value, where)
            open_ = True
        elif kind in ("fixed", "last_affected"):
            if not open_:
                raise AdvisoryDataError(f"{where}: '{kind}' without 'introduced'")
            intervals.append(Interval(start, True, _version(value, where), kind == "last_affected"))
            open_ = False
        elif kind == "limit":
            continue
        else:
            raise AdvisoryDataError(f"{where}: unknown event {kind!r}")
    if open_:
        intervals.append(Interval(start, True, None))
    return tuple(intervals)


def _version(text, where: str) -> Version:
    v = Version.try_parse(text if isinstance(text, str) else "")
    if v is None:
        raise AdvisoryDataError(f"{where}: {text!r} is not a semver version")
    return v


def parse_record(raw: dict) -> Advisory:
    """Validate one OSV record and turn it into an Advisory; raise AdvisoryDataError when malformed."""
    if not isinstance(raw, dict):
        raise AdvisoryDataError("a record is not a JSON object")
    rid = raw.get("id")
    if not isinstance(rid, str) or not rid:
        raise AdvisoryDataError("a record has no 'id'")
    affected = raw.get("affected")
    if not isinstance(affected, list) or not affected:
        raise AdvisoryDataError(f"{rid}: no 'affected' list")
    packages = []
    for a in affected:
        pkg = (a or {}).get("package") or {}
        name = pkg.get("name")
        if not isinstance(name, str) or pkg.get("ecosystem") != "npm":
            raise AdvisoryDataError(f"{rid}: an affected entry has no npm package name")
        intervals: list[Interval] = []
        texts = []
        for rng in a.get("ranges") or []:
            if rng.get("type") not in ("SEMVER", "ECOSYSTEM"):
                raise AdvisoryDataError(f"{rid}: range type {rng.get('type')!r} is not supported")
            got = _events_to_intervals(rng.get("events") or [], f"{rid} {name}")
            intervals.extend(got)
            texts.extend(str(i) for i in got)
        versions = frozenset(_version(v, f"{rid} {name}") for v in a.get("versions") or [])
        if not intervals and not versions:
            raise AdvisoryDataError(f"{rid} {name}: neither ranges nor versions")
        texts.extend(str(v) for v in sorted(versions))
        packages.append(AffectedPackage(name, tuple(intervals), versions, " || ".join(texts)))
    db_specific = raw.get("database_specific") or {}
    override = _support()["severity_overrides"].get(rid)
    severity = SEVERITY_MAP.get(str(override or db_specific.get("severity", "")).upper(), "medium")
    refs = tuple(r.get("url") for r in raw.get("references") or [] if isinstance(r, dict) and r.get("url"))
    return Advisory(id=rid, aliases=tuple(a for a in raw.get("aliases") or [] if isinstance(a, str)),
                    summary=str(raw.get("summary") or raw.get("details") or rid).strip(), severity=severity,
                    published=str(raw.get("published", "")), modified=str(raw.get("modified", "")),
                    affected=tuple(packages), references=refs,
                    cwes=tuple(db_specific.get("cwe_ids") or ()), details=str(raw.get("details") or ""))


@dataclass
class AdvisoryDB:
    advisories: list[Advisory]
    source: str  # "bundled" or "user"
    path: str
    fetched_at: str | None = None
    note: str | None = None  # e.g. why the user copy was not used

    def get(self, advisory_id: str) -> Advisory | None:
        wanted = advisory_id.upper()
        return next((a for a in self.advisories if a.id.upper() == wanted or wanted in (x.upper() for x in a.aliases)),
                    None)

    def summary(self) -> dict:
        newest = max((a.published for a in self.advisories), default="")
        out = {"records": len(self.advisories), "newest": newest[:10], "source": self.source}
        if self.fetched_at:
            out["fetched_at"] = self.fetched_at
        if self.note:
            out["note"] = self.note
        return out


def user_copy_path() -> Path:
    return paths.data_dir() / USER_COPY


def parse_document(doc) -> list[Advisory]:
    records = doc.get("records") if isinstance(doc, dict) else doc
    if not isinstance(records, list) or not records:
        raise AdvisoryDataError("the file holds no list of OSV records")
    return [parse_record(r) for r in records]


def _bundled() -> AdvisoryDB:
    text = resources.files("strapi_console.data").joinpath("strapi-advisories.osv.json").read_text()
    return AdvisoryDB(parse_document(json.loads(text)), "bundled", "(bundled with strapi-console)")


def load() -> AdvisoryDB:
    """The user copy from `advisories update` when it is valid, else the bundled copy (saying why)."""
    path = user_copy_path()
    if path.exists():
        try:
            doc = json.loads(path.read_text())
            db = AdvisoryDB(parse_document(doc), "user", str(path),
                            fetched_at=doc.get("fetched_at") if isinstance(doc, dict) else None)
            return db
        except (OSError, ValueError, AdvisoryDataError) as exc:
            db = _bundled()
            db.note = f"the updated copy {path} is unreadable ({exc}); using the bundled data"
            return db
    return _bundled()


def save_user_copy(raw_records: list[dict]) -> Path:
    """Validate every record, then replace the user copy atomically (the old one stays on failure)."""
    parse_document(raw_records)
    path = user_copy_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"fetched_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "records": raw_records}
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc))
    os.replace(tmp, path)
    return path


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
