"""Strapi releases from GitHub's releases API, cached in the user cache dir with their age.

Fresh cache (under a day old) is used as is; an older one is revalidated with its ETag and used
offline when GitHub cannot be reached. With neither network nor cache the caller skips, saying why.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import ssl
import time
import weakref
from dataclasses import dataclass
from datetime import datetime, timezone

import httpx

from . import __version__, paths, wire
from .semver import Version

CACHE_NAME = "github-releases.json"
FRESH_SECONDS = 24 * 3600
PER_PAGE = 100  # GitHub's largest page
MAX_PAGES = 10  # enough for every Strapi release so far (a bound: the listing comes from the network)


def api_base() -> str:
    return os.environ.get("STRAPI_CONSOLE_GITHUB_API", "https://api.github.com").rstrip("/")


@dataclass
class Release:
    version: Version
    published: str

    def to_dict(self) -> dict:
        return {"tag": f"v{self.version}", "published_at": self.published}


@dataclass
class ReleaseInfo:
    releases: list[Release]
    fetched_at: float
    source: str  # "github", "cache", "stale cache"
    note: str | None = None

    @property
    def age_text(self) -> str:
        age = int(time.time() - self.fetched_at)
        if age < 3600:
            return f"{age // 60} min old"
        if age < 86400:
            return f"{age // 3600} h old"
        return f"{age // 86400} days old"

    def newest(self, major: int | None = None) -> Release | None:
        pool = [r for r in self.releases if major is None or r.version.major == major]
        return max(pool, key=lambda r: r.version, default=None)

    def after(self, version: Version) -> list[Release]:
        return sorted((r for r in self.releases if r.version > version and r.version.major == version.major),
                      key=lambda r: r.version)


def _cache_path():
    return paths.cache_dir() / CACHE_NAME


def _parse(payload) -> list[Release]:
    out = []
    for item in payload if isinstance(payload, list) else []:
        if not isinstance(item, dict) or item.get("draft") or item.get("prerelease"):
            continue
        v = Version.try_parse(str(item.get("tag_name", "")).lstrip("v"))
        if v is not None and not v.prerelease:
            out.append(Release(v, str(item.get("published_at") or "")))
    return out


def _read_cache() -> dict | None:
    try:
        data = json.loads(_cache_path().read_text())
        return data if isinstance(data, dict) and isinstance(data.get("releases"), list) else None
    except (OSError, ValueError):
        return None


def _write_cache(payload: list, etag: str | None, fetched_at: float) -> None:
    path = _cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps({"fetched_at": fetched_at, "etag": etag, "releases": payload}))
    os.replace(tmp, path)


def _has_major(payload: list, major: int | None) -> bool:
    return major is None or any(r.version.major == major for r in _parse(payload))


def _keep(payload) -> list[dict]:
    """Only what the console uses of each release (the cache stays small and holds no body text)."""
    return [{"tag_name": r.get("tag_name"), "published_at": r.get("published_at"), "prerelease": r.get("prerelease"),
             "draft": r.get("draft")} for r in (payload if isinstance(payload, list) else []) if isinstance(r, dict)]


def _has_next(resp: httpx.Response) -> bool:
    """GitHub says another page exists with a rel="next" Link; only that fact is read, never its URL."""
    return 'rel="next"' in resp.headers.get("link", "")


async def latest_releases(*, network: bool = True, timeout: float = 6.0, major: int | None = None) -> ReleaseInfo | None:
    """Releases of strapi/strapi: from a fresh cache, else GitHub (revalidating), else a stale cache.

    GitHub lists releases newest first, 100 a page, and the current major's releases crowd the older
    major out of the first page: with ``major`` the listing is paged (at most MAX_PAGES) until a release of
    that major appears, so a 4.x server is compared with 4.x's latest release, not with whatever page 1 held.
    """
    cached = _read_cache()
    now = time.time()
    if cached and now - float(cached.get("fetched_at", 0)) < FRESH_SECONDS and _has_major(cached["releases"], major):
        return ReleaseInfo(_parse(cached["releases"]), float(cached["fetched_at"]), "cache")
    problem = None
    if network:
        headers = {"Accept": "application/vnd.github+json", "User-Agent": f"strapi-console/{__version__}"}
        if cached and cached.get("etag"):
            headers["If-None-Match"] = cached["etag"]
        try:
            # on the console's own connections (no second HTTP stack to load in a scan); the trust store is
            # loaded on the first HTTPS connection only
            async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False,
                                         transport=wire.transport(verify=_github_tls, http2=False)) as client:
                resp = await client.get(f"{api_base()}/repos/strapi/strapi/releases", params={"per_page": PER_PAGE},
                                        headers=headers)
                if resp.status_code == 304 and cached:
                    payload, etag, more = cached["releases"], cached.get("etag"), len(cached["releases"]) >= PER_PAGE
                elif resp.status_code == 200:
                    payload, etag, more = _keep(resp.json()), resp.headers.get("etag"), _has_next(resp)
                else:
                    raise _Unanswered(f"GitHub answered {resp.status_code}")
                page = max(1, len(payload) // PER_PAGE)
                while more and not _has_major(payload, major) and page < MAX_PAGES:
                    page += 1
                    resp = await client.get(f"{api_base()}/repos/strapi/strapi/releases",
                                            params={"per_page": PER_PAGE, "page": page}, headers={
                                                k: v for k, v in headers.items() if k != "If-None-Match"})
                    if resp.status_code != 200:
                        raise _Unanswered(f"GitHub answered {resp.status_code} for page {page} of the releases")
                    payload, more = payload + _keep(resp.json()), _has_next(resp)
            _write_cache(payload, etag, now)
            note = None if _has_major(payload, major) else (
                f"no {major}.x release in the newest {len(payload)} releases GitHub listed")
            return ReleaseInfo(_parse(payload), now, "github", note)
        except _Unanswered as exc:
            problem = str(exc)
        except (httpx.HTTPError, ValueError, OSError) as exc:
            problem = f"GitHub unreachable ({type(exc).__name__})"
    if cached:
        return ReleaseInfo(_parse(cached["releases"]), float(cached.get("fetched_at", 0)), "stale cache", problem)
    return None


_SHARED: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = weakref.WeakKeyDictionary()
RETRY_SECONDS = 300  # a failed look-up is not repeated for every server of a fleet, only after this


async def shared_latest_releases(major: int | None = None) -> ReleaseInfo | None:
    """:func:`latest_releases`, looked up once for every scan running on this event loop: a fleet of a
    thousand servers reads the cache (or asks GitHub, with its own HTTP client) once, not a thousand
    times. Kept while the answer is fresh, or for a few minutes when GitHub could not be reached."""
    shared = _SHARED.setdefault(asyncio.get_running_loop(), {})
    key = (major, api_base(), str(_cache_path()))  # another source or cache is another answer
    entry = shared.get(key)
    now = time.monotonic()
    if entry is None or now > entry[1]:
        task = asyncio.ensure_future(latest_releases(major=major))
        entry = shared[key] = [task, now + RETRY_SECONDS]

        def keep(done: asyncio.Future) -> None:
            info = None if done.cancelled() or done.exception() else done.result()
            if info is not None and info.source in ("github", "cache"):
                entry[1] = now + max(RETRY_SECONDS, FRESH_SECONDS - (time.time() - info.fetched_at))
            elif done.cancelled() or done.exception():
                entry[1] = 0  # ask again next time

        task.add_done_callback(keep)
    return await asyncio.shield(entry[0])


@functools.lru_cache(maxsize=1)
def _github_tls() -> ssl.SSLContext:
    """httpx's default verifying context (certifi's roots), built once: loading it costs tens of ms."""
    return httpx.create_ssl_context()


class _Unanswered(Exception):
    """GitHub answered, but not with the releases."""


def fetched_at_iso(info: ReleaseInfo) -> str:
    return datetime.fromtimestamp(info.fetched_at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
