"""The ``scan --format json`` document, exactly as security-checks.md §3 specifies."""

from __future__ import annotations

import json

from ..redact import redact_text
from ..scan import ServerResult, scan_metadata


def server_dict(r: ServerResult) -> dict:
    info = r.info
    out: dict = {"profile": r.profile.name, "url": r.profile.url, "reachable": r.reachable}
    if info is not None:
        out.update({"strapi_version": info.strapi_version, "node_version": info.node_version,
                    "edition": info.edition, "environment": info.environment})
        if not info.strapi_version and info.version_hint:
            out["version_hint"] = info.version_hint  # bracketed from anonymous probes
    if r.error:
        out["error"] = redact_text(r.error)
    if r.auth_error:
        out["auth_error"] = redact_text(r.auth_error)
    if r.cut:
        out["incomplete"] = redact_text(r.cut)  # the checks it cut are findings with status "error"
    if r.reachable and r.grades is not None and r.grades.posture is not None:  # graded once, at the end of the scan
        out["grades"] = r.grades.to_dict()
        out["coverage"] = r.grades.posture.coverage
    if not r.reachable:
        out.pop("grades", None)
    out["findings"] = [f.to_dict() for f in r.findings]
    return out


def document(results: list[ServerResult]) -> dict:
    doc = scan_metadata()
    doc["servers"] = [server_dict(r) for r in results]
    return doc


def jsonl_lines(results: list[ServerResult]):
    for r in results:
        if not r.findings:
            yield json.dumps({"profile": r.profile.name, "reachable": r.reachable,
                              "error": redact_text(r.error or r.auth_error or "no findings")})
        for f in r.findings:
            yield json.dumps({"profile": r.profile.name, **f.to_dict()})
