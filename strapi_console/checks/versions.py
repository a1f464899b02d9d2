"""VER checks: edition, advisories, support schedules and the latest release."""

from __future__ import annotations

from datetime import date, datetime, timezone

from .. import advisories, releases, support
from ..semver import Interval, Range, Version
from .registry import ScanContext, check, spec


@check("VER-EDITION-INFO", "Edition and feature inventory", "info", panel="versions")
async def edition(ctx: ScanContext):
    me = spec("VER-EDITION-INFO")
    info = ctx.info
    if not info.project_type and not info.information:
        return me.finding("skip", reason="neither /admin/project-type nor /admin/information answered")
    evidence = {"requests": ["GET /admin/project-type"] + (["GET /admin/information"] if info.information else []),
                "edition": info.edition, "isEE": info.project_type.get("isEE"), "features": info.features,
                "strapi_version": info.strapi_version, "node_version": info.node_version}
    if "communityEdition" in info.information:
        evidence["communityEdition"] = info.information["communityEdition"]
    label = {"enterprise": "Enterprise", "community": "Community"}.get(info.edition or "", "Unknown")
    version = f" {info.strapi_version}" if info.strapi_version else ""
    features = f" with {', '.join(info.features)}" if info.features else ""
    return me.finding("info", f"Strapi{version} {label} Edition{features}", evidence=evidence)


# --- advisories, support, releases ---------------------------------------------------------------

ADVISORY_REFS = ("https://github.com/strapi/strapi/security/advisories", "https://osv.dev/list?ecosystem=npm&q=strapi")


def _today() -> date:
    return datetime.now(timezone.utc).date()


def _freshness(ctx: ScanContext, db: advisories.AdvisoryDB) -> advisories.Freshness:
    return db.freshness(_today(), ctx.advisory_max_age_days)


def _db_evidence(db: advisories.AdvisoryDB, fresh: advisories.Freshness) -> dict:
    return {"advisory_db": {**db.summary(), **fresh.to_dict()}}


def _nothing_matched(me, fresh: advisories.Freshness, text: str, evidence: dict):
    """'No advisory affects X' is only as good as the data: a pass while the data is fresh, else a warn that
    names its age and the command that refreshes it (advisories published since are unknown to it)."""
    if not fresh.stale:
        return me.finding("pass", f"{text} ({fresh.label})", evidence=evidence)
    return me.finding("warn", f"{text} in the {fresh.label}: too old to vouch for; run `{advisories.UPDATE_COMMAND}`",
                      evidence=evidence, fix={"kind": "manual", "summary": f"Refresh the advisory data: "
                                              f"{advisories.UPDATE_COMMAND} (reaches api.osv.dev)"})


def _bracket(info) -> tuple[Range, dict] | None:
    """The versions a server can be running when only anonymous probes bracketed it, from the lowest version
    the probes prove (not the guessed hint), and what that rests on."""
    basis = info.version_hint_basis
    floor = Version.try_parse(basis["floor"]) if basis else None
    if floor is None:
        return None
    return Range.from_intervals((Interval(floor, True, Version(6, 0, 0, (0,)), False),), f">={floor} <6"), basis


def _status_for(matches: list) -> tuple[str, str]:
    worst = min((m.advisory.severity for m in matches), key=advisories.SEVERITY_RANK.__getitem__)
    return ("fail" if worst in ("critical", "high") else "warn"), worst


@check("VER-STRAPI-ADVISORIES", "Core has no known vulnerabilities", "critical", panel="versions",
       references=ADVISORY_REFS)
async def strapi_advisories(ctx: ScanContext):
    me = spec("VER-STRAPI-ADVISORIES")
    db = advisories.cached()
    fresh = _freshness(ctx, db)
    info = ctx.info
    version = info.information.get("strapiVersion") if info.information else info.anonymous_version
    if not Version.try_parse(version):
        bracketed = _bracket(info)
        if bracketed is None:
            return me.finding("skip", reason="the Strapi version is unknown: sign in (any admin role can read "
                                             "/admin/information)", evidence=_db_evidence(db, fresh))
        bracket, basis = bracketed
        lists = advisories.package_lists()[5]["always"]
        possible = sorted({a.id for a in db.advisories for aff in a.affected
                           if aff.name in lists and aff.as_range().intersects(bracket)})
        evidence = {"version": f"not known exactly ({info.version_hint}, from anonymous probes)",
                    "version_basis": basis["basis"], "versions_considered": str(bracket), **_db_evidence(db, fresh)}
        if not possible:
            return _nothing_matched(me, fresh, f"No advisory affects Strapi {bracket}", evidence)
        return me.finding("warn", f"Strapi {info.version_hint}: {len(possible)} advisories may apply ({fresh.label}); "
                          "sign in to know the exact version", evidence=evidence, advisories=possible)
    matched = advisories.match_server(db, version, info.information.get("dependencies"))
    advice = advisories.upgrade_advice(db, version)
    evidence = {"strapi_version": version, **_db_evidence(db, fresh)}
    if advice and advice.target:
        evidence["minimal_safe_version"] = advice.target
    if not matched.core:
        return _nothing_matched(me, fresh, f"No published advisory affects Strapi {version}", evidence)
    status, worst = _status_for(matched.core)
    evidence["matched"] = [m.to_dict() for m in matched.core]
    count = len({m.advisory.id for m in matched.core})
    finding = me.finding(status, f"Strapi {version} is affected by {count} published advisor{'y' if count == 1 else 'ies'}"
                         f" ({fresh.label})", evidence=evidence, advisories=[m.advisory.id for m in matched.core],
                         fix={"kind": "manual", "summary": advice.text if advice else "Upgrade Strapi"})
    finding.severity = worst if worst in ("critical", "high") else me.severity if status == "fail" else worst
    return finding


@check("VER-DEPS-ADVISORIES", "Plugins and providers have no known vulnerabilities", "high", panel="versions",
       needs=("sign-in",),
       references=ADVISORY_REFS)
async def deps_advisories(ctx: ScanContext):
    me = spec("VER-DEPS-ADVISORIES")
    db = advisories.cached()
    fresh = _freshness(ctx, db)
    data = ctx.info.information
    version, deps = data.get("strapiVersion"), data.get("dependencies")
    if not isinstance(deps, dict):
        return me.finding("skip", reason="/admin/information did not list the project's dependencies",
                          evidence=_db_evidence(db, fresh))
    matched = advisories.match_server(db, version, deps)
    evidence = {"declared_packages": len(deps), **_db_evidence(db, fresh)}
    if matched.unknown:
        evidence["unreadable_declarations"] = matched.unknown
    if not matched.deps:
        if matched.unknown:
            return me.finding("warn", "Packages with advisories are declared in a form the console cannot compare "
                              f"({', '.join(f'{k}: {v}' for k, v in matched.unknown.items())}; {fresh.label})",
                              evidence=evidence)
        return _nothing_matched(me, fresh, "No advisory affects the declared plugins and providers", evidence)
    evidence["matched"] = [m.to_dict() for m in matched.deps]
    definite = [m for m in matched.deps if m.how != "possibly"]
    ids = [m.advisory.id for m in matched.deps]
    if not definite:
        names = sorted({f"{m.package} {m.version}" for m in matched.deps})
        return me.finding("warn", f"Possibly affected: declared ranges admit affected versions ({'; '.join(names)}; "
                          f"{fresh.label})", evidence=evidence, advisories=ids,
                          fix={"kind": "manual", "summary": "Check the installed versions (npm ls) and pin fixed ones"})
    status, worst = _status_for(definite)
    pkgs = sorted({m.package for m in definite})
    finding = me.finding(status, f"{len(pkgs)} declared package{'s are' if len(pkgs) > 1 else ' is'} affected by "
                         f"published advisories ({', '.join(pkgs)}; {fresh.label})", evidence=evidence, advisories=ids,
                         fix={"kind": "manual", "summary": "Upgrade: " + "; ".join(
                             sorted({f"{m.package} to {m.fixed or 'a fixed release'}" for m in definite}))})
    finding.severity = worst if status == "fail" else me.severity
    return finding


@check("VER-MAJOR-SUPPORT", "Major version is supported", "high", panel="versions",
       references=("https://github.com/strapi/strapi/blob/develop/SECURITY.md",))
async def major_support(ctx: ScanContext):
    me = spec("VER-MAJOR-SUPPORT")
    version = ctx.info.strapi_version
    result = support.strapi_major(version, _today())
    if result is None:
        basis = ctx.info.version_hint_basis
        if basis is None:
            return me.finding("skip", reason="the Strapi version is unknown: sign in to read it")
        # A bracket from anonymous probes is not a version: say what it rests on, and pass nothing on it.
        hint = ctx.info.version_hint
        kind = "a guess" if basis["guess"] else "inferred"
        return me.finding("skip", reason=f"the exact Strapi version is unknown: {hint} is {kind} from anonymous probes "
                          "(that would be the supported 5.x line); sign in to confirm (any admin role can read "
                          "/admin/information)",
                          evidence={"version": hint, "version_basis": basis["basis"], "guess": basis["guess"],
                                    "at_least": basis["floor"]})
    return me.finding(result.status, result.text, evidence={"strapi_version": version, **result.evidence()},
                      fix=None if result.status == "pass" else {"kind": "manual", "summary": "Migrate to Strapi 5"})


@check("VER-NODE", "Node.js runtime is supported", "medium", panel="versions", needs=("sign-in",),
       references=("https://nodejs.org/en/about/previous-releases",))
async def node_runtime(ctx: ScanContext):
    me = spec("VER-NODE")
    node = ctx.info.node_version
    result = support.node_runtime(node, _today())
    if result is None:
        return me.finding("skip", reason="/admin/information did not give a Node.js version")
    return me.finding(result.status, result.text, evidence={"node_version": node, **result.evidence()},
                      fix=None if result.status == "pass" else {"kind": "manual", "summary": "Move the server to a "
                                                                "supported Node.js LTS that this Strapi version supports"})


@check("VER-STRAPI-LATEST", "Running the latest patch of the installed major", "medium", panel="versions",
       references=("https://github.com/strapi/strapi/releases",))
async def strapi_latest(ctx: ScanContext):
    me = spec("VER-STRAPI-LATEST")
    version = Version.try_parse(ctx.info.strapi_version)
    if version is None:
        return me.finding("skip", reason="the Strapi version is unknown: sign in to read it")
    info = await releases.shared_latest_releases(version.major)
    if info is None:
        return me.finding("skip", reason="the latest Strapi release is unknown: GitHub is unreachable and nothing is "
                                         "cached yet")
    newest_major, newest = info.newest(version.major), info.newest()
    evidence = {"strapi_version": str(version), "releases_source": info.source, "releases_age": info.age_text,
                "latest_in_major": str(newest_major.version) if newest_major else None,
                "latest": str(newest.version) if newest else None}
    if info.note:
        evidence["note"] = info.note
    if newest_major is None:  # no release of the major was listed: nothing to compare with, so no pass
        return me.finding("skip", reason=f"GitHub's release list ({info.source}, {info.age_text}) holds no "
                          f"{version.major}.x release to compare with", evidence=evidence)
    behind = info.after(version)
    if not behind:
        return me.finding("pass", f"Strapi {version} is the latest {version.major}.x release", evidence=evidence)
    first = behind[0]
    evidence["releases_behind"] = len(behind)
    evidence["first_newer"] = first.to_dict()
    try:
        age_days = (datetime.now(timezone.utc) - datetime.fromisoformat(first.published.replace("Z", "+00:00"))).days
    except ValueError:
        age_days = 0
    fixes_in_gap = [m.advisory.id for m in advisories.match_server(advisories.cached(), str(version), {}).core
                    if m.fixed and Version.try_parse(m.fixed) and Version.try_parse(m.fixed) <= newest_major.version]
    fix = {"kind": "manual", "summary": f"Upgrade to {newest_major.version}"}
    text = f"Strapi {version} is {len(behind)} release{'s' if len(behind) > 1 else ''} behind {newest_major.version}"
    if age_days > 90 and fixes_in_gap:
        return me.finding("fail", text + f", for {age_days} days, with security fixes in between", evidence=evidence,
                          fix=fix, advisories=fixes_in_gap)
    return me.finding("warn", text, evidence=evidence, fix=fix)
