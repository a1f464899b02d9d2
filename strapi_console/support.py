"""Support status of a Strapi major and of the Node.js runtime, from the shipped schedules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .advisories import support_data
from .semver import Version


@dataclass
class SupportStatus:
    status: str  # "pass", "warn", "fail", "info"
    text: str
    eol: str | None = None


def strapi_major(version: str | None, today: date) -> SupportStatus | None:
    v = Version.try_parse(version)
    if v is None:
        return None
    entry = support_data()["strapi"].get(str(v.major))
    if entry is None:
        return SupportStatus("info", f"Strapi {v.major}.x is not in the shipped support table")
    if entry["status"] == "supported":
        return SupportStatus("pass", f"Strapi {v.major}.x is the supported line")
    until = entry.get("security_until")
    if until and today <= date.fromisoformat(until):
        return SupportStatus("warn", f"Strapi {v.major}.x gets security fixes only, until {until}; "
                                     f"migrate to {entry['migrate_to']}.x", until)
    return SupportStatus("fail", f"Strapi {v.major}.x has been end of life since {entry['eol']}: no more security "
                                 f"fixes; migrate to {entry['migrate_to']}.x", entry["eol"])


def node_runtime(node_version: str | None, today: date) -> SupportStatus | None:
    v = Version.try_parse((node_version or "").lstrip("v"))
    if v is None:
        return None
    entry = support_data()["node"].get(str(v.major))
    if entry is None:
        if v.major > max(int(k) for k in support_data()["node"]):
            return SupportStatus("info", f"Node.js {v.major} is newer than the shipped release schedule")
        return SupportStatus("fail", f"Node.js {v.major} is long past end of life")
    eol = date.fromisoformat(entry["eol"])
    if today > eol:
        return SupportStatus("fail", f"Node.js {v.major} reached end of life on {entry['eol']}: no more security "
                                     "releases", entry["eol"])
    days = (eol - today).days
    if days < 60:
        return SupportStatus("warn", f"Node.js {v.major} reaches end of life in {days} days ({entry['eol']})",
                             entry["eol"])
    if v.major % 2 == 1:
        return SupportStatus("warn", f"Node.js {v.major} is not a long-term-support line (end of life {entry['eol']})",
                             entry["eol"])
    return SupportStatus("pass", f"Node.js {v.major} is supported until {entry['eol']}", entry["eol"])
