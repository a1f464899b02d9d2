"""SARIF 2.1.0: one rule per check ID, one result per finding that is not a pass."""

from __future__ import annotations

from .. import __version__
from ..checks.registry import REGISTRY
from ..scan import ServerResult

LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


def sarif_document(results: list[ServerResult]) -> dict:
    rules, index = [], {}
    sarif_results = []
    for r in results:
        for f in r.findings:
            if f.status in ("pass", "info", "skip"):
                continue
            if f.check_id not in index:
                spec = REGISTRY.get(f.check_id)
                index[f.check_id] = len(rules)
                rules.append({"id": f.check_id, "name": f.check_id.replace("-", ""),
                              "shortDescription": {"text": spec.title if spec else f.check_id},
                              "properties": {"severity": f.severity},
                              **({"helpUri": f.references[0]} if f.references else {})})
            d = f.to_dict()
            sarif_results.append({
                "ruleId": f.check_id, "ruleIndex": index[f.check_id],
                "level": "note" if f.status == "error" else LEVEL[f.severity] if f.status == "fail" else "warning",
                "message": {"text": d["title"] + (f" ({d['reason']})" if d.get("reason") else "")},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": r.profile.url}}}],
                "properties": {"profile": r.profile.name, "status": f.status, "evidence": d["evidence"]},
            })
        if not r.reachable or r.error:
            sarif_results.append({"ruleId": "SCAN-INCOMPLETE", "level": "warning",
                                  "message": {"text": f"{r.profile.name}: {r.error or 'unreachable'}"}})
    if any(x["ruleId"] == "SCAN-INCOMPLETE" for x in sarif_results):
        rules.append({"id": "SCAN-INCOMPLETE", "shortDescription": {"text": "Server could not be scanned"}})
        for x in sarif_results:
            if x["ruleId"] == "SCAN-INCOMPLETE":
                x["ruleIndex"] = len(rules) - 1
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "strapi-console", "version": __version__,
                                      "informationUri": "https://github.com/strapi/strapi", "rules": rules}},
                  "results": sarif_results}],
    }
