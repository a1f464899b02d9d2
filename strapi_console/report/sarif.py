"""SARIF 2.1.0 for code-scanning dashboards, GitHub code scanning first.

- One rule per registered check, always all of them (GitHub expects rules to change only with the tool),
  with the help text, tags and ``security-severity`` GitHub uses to rank security alerts.
- One result per finding that is not a pass, skip or info. A server has no source file, but GitHub shows
  a result only at a location given as a path relative to the repository (an absolute URI of another
  scheme than the checkout's is refused at upload), so each result sits at line 1 of the pseudo-path
  ``strapi-console/PROFILE``: stable across runs, one per server. The server's URL is in the location's
  message and its logical location; ``partialFingerprints`` (check, profile, URL) keep one alert per
  finding from run to run.
- A check that could not run is a tool notification, not an alert; a server that could not be scanned is
  a ``SCAN-INCOMPLETE`` result (CI should see it) and marks the invocation unsuccessful.

Every string from a server reaches the document through ``Finding.to_dict()`` (secrets redacted); the
JSON writer escapes control characters.
"""

from __future__ import annotations

import hashlib

from .. import __version__
from ..checks.registry import REGISTRY, CheckSpec
from ..redact import redact_text
from ..scan import ServerResult

LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub reads security-severity as a CVSS-like score: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium,
# 0.1-3.9 low. Informational checks get none (they are not security alerts).
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
FAMILY = {"EXP": "exposure", "SEC": "secrets", "TOK": "tokens", "AUTH": "access-control", "RATE": "rate-limiting",
          "VER": "versions", "HDR": "http-headers", "TLS": "tls", "AUD": "audit"}
INCOMPLETE = "SCAN-INCOMPLETE"
LOCATION_ROOT = "strapi-console"
INFORMATION_URI = "https://github.com/strapi/strapi"


def artifact_uri(profile_name: str) -> str:
    """The repository-relative pseudo-path a server's results are shown at (profile names are URL-safe)."""
    return f"{LOCATION_ROOT}/{profile_name}"


def sarif_document(results: list[ServerResult]) -> dict:
    rules = [_rule(spec) for spec in REGISTRY.values()] + [_incomplete_rule()]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    sarif_results: list[dict] = []
    notifications: list[dict] = []
    for r in results:
        for f in r.findings:
            if f.status == "error":
                notifications.append({"level": "error", "associatedRule": {"id": f.check_id, "index": index[f.check_id]},
                                      "message": {"text": f"{r.profile.name}: {f.check_id} could not run: "
                                                          f"{redact_text(f.reason or 'no reason given')}"}})
                continue
            if f.status in ("pass", "info", "skip"):
                continue
            d = f.to_dict()
            sarif_results.append({
                "ruleId": f.check_id, "ruleIndex": index[f.check_id],
                "level": LEVEL[f.severity] if f.status == "fail" else "note" if f.severity == "info" else "warning",
                "message": {"text": _message(d, r)},
                "locations": [_location(r)],
                "partialFingerprints": {"primaryLocationLineHash": _fingerprint(f.check_id, r)},
                "properties": {"profile": r.profile.name, "url": r.profile.url, "status": f.status,
                               "severity": f.severity, "evidence": d["evidence"],
                               **({"fix": d["fix"]} if "fix" in d else {})},
            })
        if not r.reachable or r.error:
            sarif_results.append({
                "ruleId": INCOMPLETE, "ruleIndex": index[INCOMPLETE], "level": "warning",
                "message": {"text": f"{r.profile.name} ({r.profile.url}) could not be scanned: "
                                    f"{redact_text(r.error or 'unreachable')}"},
                "locations": [_location(r)],
                "partialFingerprints": {"primaryLocationLineHash": _fingerprint(INCOMPLETE, r)},
                "properties": {"profile": r.profile.name, "url": r.profile.url},
            })
    invocation = {"executionSuccessful": not any(not r.reachable or r.error for r in results)}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "strapi-console", "version": __version__, "semanticVersion": __version__,
                                      "informationUri": INFORMATION_URI, "rules": rules}},
                  "invocations": [invocation],
                  "results": sarif_results}],
    }


def _rule(spec: CheckSpec) -> dict:
    family = FAMILY.get(spec.family, spec.family.lower())
    needs = " It needs an admin session (strapi-console login)." if spec.needs_auth else ""
    about = f"{spec.id}: {spec.title}. A {spec.severity}-severity {family} check of a Strapi server.{needs}"
    how = ("Each result names the server (profile and URL), what was seen and the fix. "
           f"`strapi-console scan PROFILE --check {spec.id} --format json` shows the whole evidence; the TUI's "
           "findings screen shows it with the fix.")
    refs = list(spec.references)
    properties: dict = {"tags": ["security", "strapi", family], "precision": "high"}
    if spec.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[spec.severity]
    rule = {
        "id": spec.id, "name": spec.id.replace("-", ""),
        "shortDescription": {"text": spec.title},
        "fullDescription": {"text": about},
        "defaultConfiguration": {"level": LEVEL[spec.severity]},
        "help": {"text": " ".join([about, how] + ([f"References: {', '.join(refs)}."] if refs else [])),
                 "markdown": "\n\n".join([f"**{spec.title}** ({spec.severity}, {family})", about, how]
                                         + (["References:\n" + "\n".join(f"- <{u}>" for u in refs)] if refs else []))},
        "properties": properties,
    }
    if refs:
        rule["helpUri"] = refs[0]
    return rule


def _incomplete_rule() -> dict:
    text = ("The server could not be scanned (unreachable, not a Strapi server, or a TLS failure), so none of "
            "its checks ran. The result's message says why; `strapi-console scan` exits 4 for it.")
    return {"id": INCOMPLETE, "name": "ScanIncomplete", "shortDescription": {"text": "Server could not be scanned"},
            "fullDescription": {"text": text}, "defaultConfiguration": {"level": "warning"},
            "help": {"text": text, "markdown": text}, "properties": {"tags": ["strapi", "scan"], "precision": "high"}}


def _message(d: dict, r: ServerResult) -> str:
    text = d["title"].rstrip(".") + f" on {r.profile.name} ({r.profile.url})."
    if d.get("reason"):
        text += f" {d['reason'].rstrip('.')}."
    fix = d.get("fix") or {}
    if isinstance(fix.get("summary"), str):
        text += f" Fix: {fix['summary'].rstrip('.')}" + (f" ({fix['file']})" if isinstance(fix.get("file"), str) else "") + "."
    return text


def _location(r: ServerResult) -> dict:
    return {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(r.profile.name)},
                                 "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 2}},
            "message": {"text": f"Strapi server {r.profile.url} (profile {r.profile.name})"},
            "logicalLocations": [{"name": r.profile.name, "fullyQualifiedName": r.profile.url, "kind": "resource"}]}


def _fingerprint(check_id: str, r: ServerResult) -> str:
    """Stable identity of a finding across runs, in the form GitHub uses (hash:occurrence)."""
    digest = hashlib.sha256(f"{check_id}\0{r.profile.name}\0{r.profile.url}".encode()).hexdigest()[:16]
    return f"{digest}:1"
