"""Audit tail memory against a hostile Enterprise server that sends large payloads, poll after poll.

    python benchmarks/hostile_tail.py [--minutes 3] [--payload-kb 200] [--pages 5]

A local server plays Strapi Enterprise's `GET /admin/audit-logs`: every page is new events whose payloads
are ``--payload-kb`` each (pages just under the console's 8 MB body limit), and every answer says there
are ``--pages`` pages, so each poll walks them all (about 35 MB a poll by default). The tail runs at its
normal pace into the ring buffer panel 4 keeps (10,000 events or 32 MB). Reported: what arrived, the
buffer's own byte accounting (peak), and the process's RSS (start, peak, end). Target: the buffer never
over its bound, RSS flat after the first minute.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Flood:
    """The hostile server: fresh events with large payloads on every page of every poll."""

    def __init__(self, payload_kb: int, pages: int) -> None:
        self.per_page = max(1, (7 * 1024) // payload_kb)  # a page stays under the 8 MB the console reads
        self.body = "x" * (payload_kb * 1024)
        self.pages = pages
        self.next_id = 1
        self.sent = 0
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                owner.answer(self)

            do_POST = do_GET

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def answer(self, h) -> None:
        path = h.path.split("?")[0]
        if path == "/admin/project-type":
            body = {"data": {"isEE": True, "features": [{"name": "audit-logs"}]}}
        elif path == "/admin/init":
            body = {"data": {"hasAdmin": True}}
        elif path == "/admin/audit-logs":
            with self.lock:
                first, self.next_id = self.next_id, self.next_id + self.per_page
            now = datetime.now(timezone.utc)
            rows = [{"id": i, "action": "entry.update", "user": {"id": 1, "email": "editor@example.com"},
                     "date": (now + timedelta(microseconds=i % 1000)).isoformat(timespec="milliseconds")
                     .replace("+00:00", "Z"),
                     "payload": {"model": "article", "entry": {"id": i, "body": self.body}}}
                    for i in range(first, first + self.per_page)]
            body = {"results": rows, "pagination": {"page": 1, "pageSize": self.per_page,
                                                    "pageCount": self.pages, "total": self.per_page * self.pages}}
        else:
            body = {"data": None, "error": {"status": 404, "name": "NotFoundError", "message": "Not Found"}}
        data = json.dumps(body).encode()
        if path == "/admin/audit-logs":
            self.sent += len(data)
        h.send_response(404 if "error" in body else 200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        try:
            h.wfile.write(data)
        except OSError:
            pass


async def run(minutes: float, payload_kb: int, pages: int) -> dict:
    from strapi_console.audit.events import EventBuffer
    from strapi_console.audit.tail import Tail
    from strapi_console.config import Profile
    from strapi_console.secrets import Credentials, SecretStore

    flood = Flood(payload_kb, pages)
    store = SecretStore("memory")
    store.set("hostile", Credentials(kind="admin-token", access_token="bench-" + secrets.token_hex(16)))
    buffer = EventBuffer()
    tail = Tail([Profile("hostile", flood.url)], store, since=datetime.now(timezone.utc) - timedelta(minutes=1),
                on_events=buffer.extend)
    base = rss_mb()
    samples: list[tuple[float, float, int]] = []  # (seconds, RSS MB, buffer bytes)
    started = time.monotonic()
    task = asyncio.ensure_future(tail.run())
    peak_bytes = 0
    while time.monotonic() - started < minutes * 60:
        await asyncio.sleep(1.0)
        peak_bytes = max(peak_bytes, buffer.bytes)
        samples.append((time.monotonic() - started, rss_mb(), buffer.bytes))
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    flood.httpd.shutdown()
    status = tail.servers["hostile"].status
    after_first = [rss for t, rss, _ in samples if t >= 60] or [samples[-1][1]]
    return {"seconds": time.monotonic() - started, "received_mb": flood.sent / 2**20, "polls": status.polls,
            "events": status.events, "kept": len(buffer), "dropped": buffer.dropped, "bound_mb": buffer.max_bytes / 2**20,
            "peak_buffer_mb": peak_bytes / 2**20, "base_rss": base, "peak_rss": max(r for _, r, _ in samples),
            "end_rss": samples[-1][1], "rss_after_first_minute": (min(after_first), max(after_first)),
            "error": status.error}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=3, help="how long the flood lasts (default 3)")
    parser.add_argument("--payload-kb", type=int, default=200, help="size of each event's payload (default 200)")
    parser.add_argument("--pages", type=int, default=5, help="pages every poll walks (default 5)")
    args = parser.parse_args()
    r = asyncio.run(run(args.minutes, args.payload_kb, args.pages))
    print(f"hostile EE tail: {r['received_mb']:.0f} MB of audit-log pages in {r['seconds']:.0f} s "
          f"({r['polls']} polls, {r['events']} events of {args.payload_kb} KB payload each)")
    print(f"  buffer: {r['kept']} events kept, {r['dropped']} dropped; peak {r['peak_buffer_mb']:.1f} MB of its "
          f"{r['bound_mb']:.0f} MB bound")
    lo, hi = r["rss_after_first_minute"]
    print(f"  RSS: {r['base_rss']:.0f} MB at start, peak {r['peak_rss']:.0f} MB, end {r['end_rss']:.0f} MB"
          + (f"; {lo:.0f}-{hi:.0f} MB after the first minute" if args.minutes > 1 else ""))
    if r["error"]:
        print(f"  last error: {r['error']}")


if __name__ == "__main__":
    main()
