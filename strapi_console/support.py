"""Support status of a Strapi major and of the Node.js runtime, from the shipped schedules.

Every statement in the table names its source and the date it was recorded from it, and the status
carries both, so a reader can tell how old the claim is; an end date the source does not announce is
said as "no announced end" rather than left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .advisories import support_data
from .semver import Version

NO_ANNOUNCED_END = "no announced end"


@dataclass
class SupportStatus:
    status: str  # "pass", "warn", "fail", "info"
    text: str
    eol: str | None = None  # an ISO date, or NO_ANNOUNCED_END for a supported line without one
    source: str | None = None
    recorded: str | None = None

    def evidence(self) -> dict:
        return {"eol": self.eol, "source": self.source, "recorded": self.recorded}

    @property
    def source_text(self) -> str:
        return f"{self.source}, recorded {self.recorded}" if self.source else "no source recorded"


def strapi_major(version: str | None, today: date) -> SupportStatus | None:
    v = Version.try_parse(version)
    if v is None:
        return None
    entry = support_data()["strapi"].get(str(v.major))
    if entry is None:
        return SupportStatus("info", f"Strapi {v.major}.x is not in the shipped support table")
    cited = {"source": entry.get("source"), "recorded": entry.get("recorded")}
    if entry["status"] == "supported":
        end = entry.get("eol") or NO_ANNOUNCED_END
        when = end if end == NO_ANNOUNCED_END else f"until {end}"
        return SupportStatus("pass", f"Strapi {v.major}.x is the supported line ({when})", end, **cited)
    until = entry.get("security_until")
    if until and today <= date.fromisoformat(until):
        return SupportStatus("warn", f"Strapi {v.major}.x gets security fixes only, until {until}; "
                                     f"migrate to {entry['migrate_to']}.x", until, **cited)
    return SupportStatus("fail", f"Strapi {v.major}.x has been end of life since {entry['eol']}: no more security "
                                 f"fixes; migrate to {entry['migrate_to']}.x", entry["eol"], **cited)


def node_runtime(node_version: str | None, today: date) -> SupportStatus | None:
    v = Version.try_parse((node_version or "").lstrip("v"))
    if v is None:
        return None
    table = support_data()["node"]
    releases = table["releases"]
    cited = {"source": table.get("source"), "recorded": table.get("recorded")}
    entry = releases.get(str(v.major))
    if entry is None:
        if v.major > max(int(k) for k in releases):
            return SupportStatus("info", f"Node.js {v.major} is newer than the shipped release schedule", **cited)
        return SupportStatus("fail", f"Node.js {v.major} is long past end of life", **cited)
    eol = date.fromisoformat(entry["eol"])
    if today > eol:
        return SupportStatus("fail", f"Node.js {v.major} reached end of life on {entry['eol']}: no more security "
                                     "releases", entry["eol"], **cited)
    days = (eol - today).days
    if days < 60:
        return SupportStatus("warn", f"Node.js {v.major} reaches end of life in {days} days ({entry['eol']})",
                             entry["eol"], **cited)
    if v.major % 2 == 1:
        return SupportStatus("warn", f"Node.js {v.major} is not a long-term-support line (end of life {entry['eol']})",
                             entry["eol"], **cited)
    return SupportStatus("pass", f"Node.js {v.major} is supported until {entry['eol']}", entry["eol"], **cited)
