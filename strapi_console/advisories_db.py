"""The bundled advisory database (OSV records of Strapi's published advisories), read lazily."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def bundled_records() -> tuple[dict, ...]:
    text = resources.files("strapi_console.data").joinpath("strapi-advisories.osv.json").read_text()
    return tuple(json.loads(text))


def summary() -> dict:
    records = bundled_records()
    newest = max((r.get("published", "") for r in records), default="")
    return {"records": len(records), "newest": newest[:10], "source": "bundled"}
