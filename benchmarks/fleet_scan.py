"""Scan latency against its physical limit, and a fleet of 20 scanned at once against one.

    python benchmarks/fleet_scan.py [--delay 0.1] [--fleet 20]

The real demo Strapi runs behind a small TCP proxy that holds every chunk sent towards the server for
``--delay`` seconds (a server across an ocean: each request pays it once). Measured side by side in one
run, because absolute times on shared machines drift:

1. one full scan: its wall time, the number of requests, and the longest chain of requests that ran one
   after another (printed). The physical limit is the number of rounds that cannot be avoided — the
   dependency depth (4), or the waves the per-host cap of 6 concurrent requests imposes, whichever is
   larger — times the time of one request through the proxy; the goal is a ratio of at most 1.3;
2. ``--fleet`` profiles (the same server through as many proxy ports) scanned at once, divided by one
   profile's scan; goal at most 1.5. Requests to one server (scheme, host, port) share a cap of 6 at a
   time across all profiles, so a fleet scan never floods one server. Beside it, the server's own
   limit: the same requests replayed by a bare HTTP client with the same cap; when every port leads to
   one Node process on a small machine, that replay, not the console, sets the fleet's time.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo_server import demo_server  # noqa: E402  (beside this script)

DEPENDENCY_DEPTH = 4
CONCURRENCY = 6  # HttpSession's per-host cap


class DelayProxy:
    """TCP proxy on loopback: data towards the server waits ``delay`` seconds, answers flow back at once."""

    def __init__(self, upstream_port: int, delay: float) -> None:
        self.upstream_port = upstream_port
        self.delay = delay
        self.server: asyncio.base_events.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _handle(self, reader, writer) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)

        async def towards_server():
            try:
                while data := await reader.read(65536):
                    await asyncio.sleep(self.delay)
                    up_writer.write(data)
                    await up_writer.drain()
            finally:
                up_writer.close()

        async def towards_client():
            try:
                while data := await up_reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            finally:
                writer.close()

        try:
            await asyncio.gather(towards_server(), towards_client(), return_exceptions=True)
        except asyncio.CancelledError:  # the benchmark is over
            pass

    def close(self) -> None:
        if self.server:
            self.server.close()


class Timing(httpx.AsyncBaseTransport):
    """Records (start, end) of every request a profile's client sends."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.spans: list[tuple[float, float]] = []
        self.paths: list[str] = []
        self.requests: list[tuple[str, str, dict, bytes]] = []

    async def handle_async_request(self, request):
        self.requests.append((request.method, request.url.raw_path.decode(), dict(request.headers),
                              request.content))
        started = time.perf_counter()
        response = await self.inner.handle_async_request(request)
        self.spans.append((started, time.perf_counter()))  # headers in: the body follows at once
        self.paths.append(f"{request.method} {request.url.path}")
        return response


def critical_chain(spans: list[tuple[float, float]], paths: list[str]) -> list[str]:
    """The longest chain of requests each starting after the previous one ended (greedy by end time)."""
    chain, last_end = [], float("-inf")
    for (start, end), path in sorted(zip(spans, paths), key=lambda s: s[0][1]):
        if start >= last_end:
            chain.append(path)
            last_end = end
    return chain


async def replay(ports: list[int], recorded: list[tuple[str, str, dict, bytes]]) -> float:
    """The server's own limit: the same requests a fleet scan sends (one scan's, on every port), sent by a
    bare HTTP client with the same per-host cap and no console work around them. A fleet scan can be no
    faster than this; if it is about as fast, the console adds nothing and the server is the limit."""
    async def one_port(port: int) -> None:
        slots = asyncio.Semaphore(CONCURRENCY)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            async def send(method, path, headers, body):
                async with slots:
                    headers = {k: v for k, v in headers.items() if k.lower() not in ("host", "content-length")}
                    await client.request(method, path, headers=headers, content=body or None)

            await asyncio.gather(*(send(*r) for r in recorded))

    started = time.perf_counter()
    await asyncio.gather(*(one_port(p) for p in ports))
    return time.perf_counter() - started


async def run(delay: float, fleet: int) -> dict:
    from strapi_console.client import StrapiClient
    from strapi_console.config import Profile
    from strapi_console.scan import scan_profile
    from strapi_console.secrets import SecretStore

    async with demo_server("bench-fleet-") as (server, email, password):
        proxies = [DelayProxy(server.port, delay) for _ in range(fleet)]
        for p in proxies:
            await p.start()
        store = SecretStore("memory")
        profiles = [Profile(f"p{i}", f"http://127.0.0.1:{p.port}") for i, p in enumerate(proxies)]
        async with StrapiClient(Profile("login", server.url)) as c:  # one session, shared by the profiles
            creds = await c.login(email, password)
        for p in profiles:
            store.set(p.name, creds)

        async def scan(profile):
            timing = Timing()
            started = time.perf_counter()
            result = await scan_profile(profile, store, transport=timing)
            return time.perf_counter() - started, result, timing

        await scan(profiles[0])  # warm up (server caches, Python imports)
        one_time, one, timing = await scan(profiles[0])
        per_request = statistics.median(end - start for start, end in timing.spans)
        chain = critical_chain(timing.spans, timing.paths)
        depth = len(chain)
        started = time.perf_counter()
        results = await asyncio.gather(*(scan(p) for p in profiles))
        fleet_time = time.perf_counter() - started
        # The physical limit: the requests that depend on each other (sign-in state and project type → the
        # lists → each role's or token's detail: DEPENDENCY_DEPTH), or, if more, the waves the per-host cap
        # of CONCURRENCY requests at a time allows.
        limit_depth = max(DEPENDENCY_DEPTH, math.ceil(one.request_count / CONCURRENCY))
        server_limit = await replay([p.port for p in proxies], timing.requests)
        for p in proxies:
            p.close()
        return {"requests": one.request_count, "depth": depth, "chain": chain, "per_request": per_request,
                "one": one_time, "limit_depth": limit_depth, "limit": limit_depth * per_request, "fleet_time": fleet_time,
                "server_limit": server_limit,
                "fleet_ok": sum(1 for _, r, _ in results if r.reachable and not r.error),
                "findings": len(one.findings)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delay", type=float, default=0.1, help="seconds added to each request (default 0.1)")
    parser.add_argument("--fleet", type=int, default=20, help="profiles scanned at once (default 20)")
    args = parser.parse_args()
    r = asyncio.run(run(args.delay, args.fleet))
    print(f"scan through a {args.delay * 1000:.0f} ms proxy: {r['findings']} checks, {r['requests']} requests, "
          f"critical path {r['depth']} requests deep, one request {r['per_request'] * 1000:.0f} ms")
    print("  critical path: " + " → ".join(r["chain"]))
    print(f"  scan {r['one']:.2f} s vs its physical limit {r['limit']:.2f} s ({r['limit_depth']} rounds: "
          f"dependencies {DEPENDENCY_DEPTH}, {r['requests']} requests / {CONCURRENCY} at a time): ratio "
          f"{r['one'] / r['limit']:.2f} (goal <= 1.3)")
    print(f"  fleet of {args.fleet}: {r['fleet_time']:.2f} s ({r['fleet_ok']} complete) vs one {r['one']:.2f} s: "
          f"ratio {r['fleet_time'] / r['one']:.2f} (goal <= 1.5)")
    print(f"  the server's own limit: the same {r['requests'] * args.fleet} requests replayed by a bare client "
          f"(same cap, no console work) take {r['server_limit']:.2f} s: fleet / that = "
          f"{r['fleet_time'] / max(r['server_limit'], r['one']):.2f}")


if __name__ == "__main__":
    main()
