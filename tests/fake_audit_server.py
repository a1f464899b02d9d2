"""A fake Strapi Enterprise server for the audit-log routes only, built from the documented shapes
(strapi-admin-api.md §11): `GET /admin/audit-logs` answers `{results, pagination}` (not wrapped in
`data`), sorted by date, filtered by `filters[date][$gte]`, at most 100 a page.

Enterprise audit logs cannot run here (they need a licence), which is what makes a fake acceptable.
Knobs for the bad cases: canned failures (429 with X-RateLimit-Reset, 5xx), shuffled pages, a page that
repeats the previous page's last items, going down and coming back (a restart).
"""

from __future__ import annotations

import json
import random
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeAuditServer:
    def __init__(self) -> None:
        self.events: list[dict] = []
        self.next_id = 1
        self.failures: list[tuple[int, dict]] = []  # (status, headers) for the next audit-log requests
        self.shuffle = False
        self.repeat_overlap = 0  # each page also repeats this many items of the previous page
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self.up = True
        self.clock_offset = 0.0  # seconds this server's clock is ahead of the real time
        self.admin_html = False  # the audit route answers the admin panel's HTML (feature off, panel served)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def date_time_string(self, timestamp=None):
                return super().date_time_string((timestamp or time.time()) + owner.clock_offset)

            def do_GET(self):
                owner._get(self)

            def do_POST(self):
                owner._post(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- what the test does -------------------------------------------------------------------

    def add(self, n: int, *, action: str = "entry.update", when: datetime | None = None, user: dict | None = None,
            payload: dict | None = None) -> list[int]:
        ids = []
        with self.lock:
            base = when or datetime.now(timezone.utc) + timedelta(seconds=self.clock_offset)
            for i in range(n):
                event = {"id": self.next_id, "action": action, "date": iso(base + timedelta(milliseconds=i)),
                         "payload": payload or {"model": "article", "uid": "api::article.article",
                                                "entry": {"id": self.next_id}, "origin": "admin-panel"},
                         "user": user if user is not None else {"id": 3, "email": "editor@example.com",
                                                                "displayName": "editor"}}
                self.events.append(event)
                ids.append(self.next_id)
                self.next_id += 1
        return ids

    def fail_next(self, status: int, times: int = 1, headers: dict | None = None) -> None:
        self.failures += [(status, headers or {})] * times

    # --- HTTP ------------------------------------------------------------------------------------

    def _send(self, h, status: int, body, headers: dict | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        try:
            h.wfile.write(data)
        except OSError:  # the console stopped reading (an answer over its size limit): expected
            pass

    def _down(self, h) -> bool:
        if not self.up:  # a restart in progress: the connection is dropped without an answer
            h.close_connection = True
            try:
                h.connection.shutdown(2)
            except OSError:
                pass
            return True
        return False

    def _post(self, h) -> None:
        if self._down(h):
            return
        self._send(h, 404, {"data": None, "error": {"status": 404, "name": "NotFoundError", "message": "Not Found"}})

    def _get(self, h) -> None:
        if self._down(h):
            return
        parts = urlsplit(h.path)
        self.requests.append(h.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/admin/project-type":
            return self._send(h, 200, {"data": {"isEE": True, "features": [{"name": "audit-logs"}, {"name": "sso"}],
                                                "flags": {}}})
        if parts.path == "/admin/init":
            return self._send(h, 200, {"data": {"uuid": None, "hasAdmin": True, "menuLogo": None}})
        if parts.path == "/_health":
            return self._send(h, 204, None, {"strapi": "You are so French!"})
        if parts.path == "/admin/information":
            return self._send(h, 200, {"data": {"strapiVersion": "5.54.0", "currentEnvironment": "production",
                                                "autoReload": False, "communityEdition": False,
                                                "nodeVersion": "v20.20.2", "dependencies": {}}})
        if parts.path.startswith("/admin/audit-logs/") and h.headers.get("Authorization", "").startswith("Bearer "):
            wanted = parts.path.rsplit("/", 1)[1]
            with self.lock:
                found = next((e for e in self.events if str(e["id"]) == wanted), None)
            return self._send(h, 204, None) if found is None else self._send(h, 200, found)
        if parts.path != "/admin/audit-logs":
            return self._send(h, 404, {"data": None, "error": {"status": 404, "name": "NotFoundError",
                                                               "message": "Not Found"}})
        if self.admin_html:
            page = b"<!doctype html><html><head><title>Strapi Admin</title></head><body></body></html>"
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Content-Length", str(len(page)))
            h.end_headers()
            h.wfile.write(page)
            return
        if not h.headers.get("Authorization", "").startswith("Bearer "):
            return self._send(h, 401, {"data": None, "error": {"status": 401, "name": "UnauthorizedError",
                                                               "message": "Missing or invalid credentials"}})
        if self.failures:
            status, headers = self.failures.pop(0)
            return self._send(h, status, {"data": None, "error": {"status": status, "name": "Error",
                                                                  "message": "canned failure"}}, headers)
        page, size = int(query.get("page", 1)), min(100, int(query.get("pageSize", 10)))
        with self.lock:
            rows = list(self.events)
        if "filters[date][$gte]" in query:
            rows = [e for e in rows if e["date"] >= query["filters[date][$gte]"]]
        rows.sort(key=lambda e: (e["date"], e["id"]), reverse=query.get("sort", "date:DESC") != "date:ASC")
        start = (page - 1) * size
        chunk = rows[max(0, start - self.repeat_overlap):start + size]
        if self.shuffle:
            chunk = random.sample(chunk, len(chunk))
        count = -(-len(rows) // size) if rows else 0
        self._send(h, 200, {"results": chunk, "pagination": {"page": page, "pageSize": size, "pageCount": count,
                                                              "total": len(rows)}})


def reset_in(seconds: float) -> dict:
    return {"X-RateLimit-Reset": str(int(time.time() + seconds))}
