"""Request economy: the requests each panel sends when opened once, against the minimum the API allows.

    python benchmarks/request_economy.py

The real demo Strapi, one signed-in profile, every request recorded at the transport. The minimum is
what the admin API makes unavoidable (one request where one request returns all, one per item where
the API has no list-with-details route), written next to each panel.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo_server import demo_server  # noqa: E402  (beside this script)

MINIMUM = {
    "1 servers (the scan)": ("one request per check input: anonymous probes, /admin/information, each list, each "
                             "role's detail (no route returns roles with their permissions)", None),
    "3 permissions": ("the role list and the selected role (end users), 2", 2),
    "3 permissions, admin roles (t)": ("the role list, the role, its permissions, the permission catalog", 4),
    "4 audit tail, first poll (derived feed)": ("the content types, one list per collection type, the end users, "
                                                "and the settings snapshot (each role's detail)", None),
}


class Recorder(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.seen: list[str] = []

    async def handle_async_request(self, request):
        self.seen.append(f"{request.method} {request.url.path}")
        return await self.inner.handle_async_request(request)


async def run() -> None:
    from screens.app import StrapiConsoleApp
    from strapi_console.client import StrapiClient
    from strapi_console.config import Config, Profile
    from strapi_console.secrets import SecretStore

    async with demo_server("bench-economy-") as (server, email, password):
        store = SecretStore("memory")
        profile = Profile("demo", server.url, email=email)
        async with StrapiClient(profile, on_credentials=lambda cr: store.set("demo", cr)) as c:
            await c.login(email, password)
        cfg = Config(path=Path("/nonexistent/config.toml"))
        cfg.add(profile)
        recorder = Recorder()
        app = StrapiConsoleApp(config=cfg, store=store, transport=recorder)
        counts: dict[str, list[str]] = {}

        async def until(pilot, condition, timeout=60):
            end = time.monotonic() + timeout
            while not condition() and time.monotonic() < end:
                await pilot.pause(0.1)

        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.state("demo").result is not None and not app.state("demo").refreshing)
            counts["1 servers (the scan)"] = list(recorder.seen)
            for label, key, ready in (
                    ("3 permissions", "3", lambda s: getattr(s, "role", None) is not None),
                    ("3 permissions, admin roles (t)", "t", lambda s: getattr(s, "admin_role", None) is not None),
                    ("4 audit tail, first poll (derived feed)", "4",
                     lambda s: getattr(s, "statuses", {}).get("demo") and s.statuses["demo"].polls >= 1)):
                before = len(recorder.seen)
                await pilot.press(key)
                await until(pilot, lambda: ready(app.screen))
                if key == "4":
                    app.screen.tail.pause()
                counts[label] = recorder.seen[before:]
        for label, seen in counts.items():
            why, minimum = MINIMUM[label]
            print(f"{label}: {len(seen)} requests (minimum {minimum if minimum is not None else 'see below'}: {why})")
            if label.startswith("1 servers"):
                dupes = {p: seen.count(p) for p in set(seen) if seen.count(p) > 1}
                print(f"   the same request twice: {dupes or 'none'}")


if __name__ == "__main__":
    asyncio.run(run())
