"""`advisories update`: fetch current Strapi advisories from the OSV API and replace the user copy.

``POST /v1/querybatch`` lists the advisory IDs per package (paging with ``next_page_token``), then
``GET /v1/vulns/{id}`` fetches each record. Every record is validated before anything is written; on
any failure the previous data stays in place and the operator is told why.
"""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass

import httpx

from . import __version__, advisories
from .errors import ConsoleError


MAX_PAGES = 50  # querybatch pages followed before giving up
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")  # an advisory ID, safe in a URL path


class UpdateFailed(ConsoleError):
    title = "Advisory update failed"


def api_base() -> str:
    return os.environ.get("STRAPI_CONSOLE_OSV_API", "https://api.osv.dev").rstrip("/")


def package_names() -> list[str]:
    names = {aff.name for a in advisories.load().advisories for aff in a.affected}
    for lists in advisories.package_lists().values():
        names.update(lists["always"] + lists["optional"])
    return sorted(names)


async def fetch_records(timeout: float = 20.0) -> list[dict]:
    names = package_names()
    base = api_base()
    headers = {"User-Agent": f"strapi-console/{__version__}"}
    try:
        async with httpx.AsyncClient(timeout=timeout, headers=headers, trust_env=False) as client:
            ids: set[str] = set()
            queries = [{"package": {"name": n, "ecosystem": "npm"}} for n in names]
            for _page in range(MAX_PAGES):
                if not queries:
                    break
                resp = await client.post(f"{base}/v1/querybatch", json={"queries": queries})
                if resp.status_code != 200:
                    raise UpdateFailed(f"OSV answered {resp.status_code} to the batch query.")
                answer = resp.json()
                results = answer.get("results") if isinstance(answer, dict) else None
                if not isinstance(results, list) or len(results) != len(queries):
                    raise UpdateFailed("OSV's batch answer does not have one result per query.")
                follow = []
                for query, result in zip(queries, results):
                    result = result if isinstance(result, dict) else {}
                    for vuln in result.get("vulns") or []:
                        if isinstance(vuln, dict) and isinstance(vuln.get("id"), str) and ID_RE.match(vuln["id"]):
                            ids.add(vuln["id"])
                    if len(ids) > advisories.MAX_RECORDS:
                        raise UpdateFailed(f"OSV listed more than {advisories.MAX_RECORDS} advisories; the current "
                                           "data is kept.")
                    token = result.get("next_page_token")
                    if token and isinstance(token, str):
                        follow.append({**query, "page_token": token})
                queries = follow
            else:
                if queries:
                    raise UpdateFailed(f"OSV kept paging after {MAX_PAGES} pages; the current data is kept.")
            slots = asyncio.Semaphore(8)

            async def one(vid: str) -> dict:
                async with slots:
                    r = await client.get(f"{base}/v1/vulns/{vid}")
                if r.status_code != 200:
                    raise UpdateFailed(f"OSV answered {r.status_code} for {vid}.")
                return r.json()

            records = await asyncio.gather(*(one(v) for v in sorted(ids)))
    except httpx.HTTPError as exc:
        raise UpdateFailed(f"OSV could not be reached ({type(exc).__name__}); the current advisory data is kept.",
                           hint="Try again when the network is back; scans keep using the data they have.") from None
    except ValueError:
        raise UpdateFailed("OSV answered something that is not JSON; the current advisory data is kept.") from None
    return [r for r in records if not (isinstance(r, dict) and r.get("withdrawn"))]


@dataclass
class UpdateResult:
    stored: int  # usable advisories now in use
    path: str
    skipped: list[tuple[str, str]]  # (id, why) of fetched records the console cannot use


async def update() -> UpdateResult:
    """Fetch, validate and store. A record the console cannot use is skipped and named, never a reason to
    keep stale data; only a download with no usable record leaves the previous data in place."""
    records = await fetch_records()
    if not records:
        raise UpdateFailed("OSV returned no Strapi advisories; the current data is kept.")
    try:
        path, usable, skipped = advisories.save_user_copy(records)
    except advisories.AdvisoryDataError as exc:
        raise UpdateFailed(f"No fetched record is usable ({exc}); nothing was replaced, the current data is kept.") \
            from None
    advisories.reset_cache()
    return UpdateResult(len(usable), str(path), skipped)
