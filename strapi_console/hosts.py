"""Where a URL points, and whether the operator declared that host (``known_webhook_hosts``): one rule
for the AUTH-WEBHOOKS check and the containment plan."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit


def host_of(url: Any) -> str:
    """The URL's host name in lower case, or '' when it has none or cannot be read."""
    try:
        return (urlsplit(str(url)).hostname or "").lower()
    except ValueError:
        return ""


def recognised(host: str, known: list[str]) -> bool:
    """``host`` is a declared host or a subdomain of one."""
    host = host.lower()
    return any(host == k.lower() or host.endswith("." + k.lower().lstrip(".")) for k in known)
