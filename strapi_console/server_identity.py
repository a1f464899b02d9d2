"""Which server a change was made on: its URL and identifiers the server itself reports.

A profile name says nothing about the server behind it (a profile is re-pointed, a demo restarts on a
new database at the same URL), so a journal entry records the server and undo refuses on another one.

- ``project``: the project's ``strapi.uuid`` from ``GET /admin/information`` (``projectId``); null when
  the project disabled telemetry, which many do.
- ``instance``: the Super Admin role as the database holds it (its ``documentId`` on v5, its
  ``createdAt`` on v4). Strapi creates it once, at the first boot of a database, and never again, so two
  servers of the same project (staging and production, or two demo runs) still differ. Reading it
  needs ``admin::roles.read``; without it only the URL and the project can be compared.
"""

from __future__ import annotations

from typing import Any

from .client import StrapiClient
from .errors import ConsoleError, Forbidden

MAX_ID = 200  # an identifier longer than this is not one Strapi wrote


class OtherServer(ConsoleError):
    title = "Another server"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= MAX_ID else None


async def identify(client: StrapiClient) -> dict[str, Any]:
    """The identity of the server ``client`` talks to now."""
    info = await client.information()
    identity: dict[str, Any] = {"url": client.profile.url, "project": _text(info.get("projectId")), "instance": None}
    try:
        answer = await client.get("/admin/roles")
    except Forbidden:
        return identity
    roles = answer.get("data") if isinstance(answer, dict) else None
    for role in roles if isinstance(roles, list) else []:
        if isinstance(role, dict) and role.get("code") == "strapi-super-admin":
            marker = _text(role.get("documentId")) or _text(role.get("createdAt"))
            identity["instance"] = f"super-admin:{marker}" if marker else None
            break
    return identity


def mismatch(recorded: dict[str, Any], now: dict[str, Any]) -> str | None:
    """Why ``now`` is not the server of ``recorded`` (None: the same server, as far as it can be told).

    Identifiers the server reports win over the URL (a server moved to https is still itself); with
    none to compare, the URL must match."""
    if not recorded:
        return "it was recorded before the console kept the identity of the server it wrote to"
    compared = False
    for key, what in (("project", "project id"), ("instance", "database (its Super Admin role)")):
        if recorded.get(key):
            if now.get(key) is None:
                return (f"this server does not tell its {what} to this account, so it cannot be confirmed to be the "
                        "server the change was made on")
            if now[key] != recorded[key]:
                return f"it was made on another server: the {what} differs, even if the address is the same"
            compared = True
    if not compared and recorded.get("url") != now.get("url"):
        return f"it was made on {recorded.get('url')}, and this profile now points at {now.get('url')}"
    return None


async def require_same(client: StrapiClient, recorded: dict[str, Any], what: str) -> dict[str, Any]:
    """Refuse (``OtherServer``) unless ``client`` talks to the server ``recorded`` describes."""
    now = await identify(client)
    why = mismatch(recorded, now)
    if why:
        raise OtherServer(f"{what}: {why}. Nothing was sent.",
                          hint="Undo on the server the change was made on (journal show lists its address).")
    return now
