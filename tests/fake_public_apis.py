"""Loopback fakes of the two public services the console calls, built from their documented shapes:
the OSV API (POST /v1/querybatch with next_page_token paging, GET /v1/vulns/{id}) and GitHub's
releases API (GET /repos/strapi/strapi/releases with ETag revalidation and per_page/page paging)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, urlsplit

PAGE = 3


class FakeAPIs:
    def __init__(self) -> None:
        text = resources.files("strapi_console.data").joinpath("strapi-advisories.osv.json").read_text()
        self.records = {r["id"]: r for r in json.loads(text)}
        self.malformed: set[str] = set()
        self.releases = [
            {"tag_name": "v5.55.1", "published_at": "2026-11-20T10:00:00Z", "prerelease": False, "draft": False},
            {"tag_name": "v5.55.0", "published_at": "2026-11-10T10:00:00Z", "prerelease": False, "draft": False},
            {"tag_name": "v5.54.0", "published_at": "2026-10-30T10:00:00Z", "prerelease": False, "draft": False},
            {"tag_name": "v5.56.0-beta.1", "published_at": "2026-11-25T10:00:00Z", "prerelease": True, "draft": False},
            {"tag_name": "v4.26.2", "published_at": "2026-04-20T10:00:00Z", "prerelease": False, "draft": False},
        ]
        self.etag = '"releases-1"'
        self.hits: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status, payload, headers=None):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                fake.hits.append(f"POST {self.path}")
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path != "/v1/querybatch":
                    return self._json(404, {"code": 5, "message": "Not Found"})
                results = []
                for q in body.get("queries", []):
                    name = q["package"]["name"]
                    ids = sorted(r["id"] for r in fake.records.values()
                                 if any(a["package"]["name"] == name for a in r["affected"]))
                    start = int(q.get("page_token", "0"))
                    page = ids[start:start + PAGE]
                    result = {"vulns": [{"id": i, "modified": fake.records[i]["modified"]} for i in page]} if page else {}
                    if start + PAGE < len(ids):
                        result["next_page_token"] = str(start + PAGE)
                    results.append(result)
                self._json(200, {"results": results})

            def do_GET(self):
                fake.hits.append(f"GET {self.path}")
                if self.path.startswith("/v1/vulns/"):
                    vid = self.path.rsplit("/", 1)[1]
                    if vid in fake.malformed:
                        return self._json(200, {"id": vid, "summary": "broken", "affected": "nope"})
                    if vid not in fake.records:
                        return self._json(404, {"code": 5, "message": "Bug not found."})
                    return self._json(200, fake.records[vid])
                if self.path.startswith("/repos/strapi/strapi/releases"):
                    if self.headers.get("If-None-Match") == fake.etag:
                        self.send_response(304)
                        self.end_headers()
                        return
                    # GitHub's paging: per_page (at most 100) and page from 1, rel="next" while more remain
                    query = parse_qs(urlsplit(self.path).query)
                    per_page = min(int(query.get("per_page", ["30"])[0]), 100)
                    page = int(query.get("page", ["1"])[0])
                    chunk = fake.releases[(page - 1) * per_page:page * per_page]
                    headers = {"ETag": fake.etag}
                    if page * per_page < len(fake.releases):
                        headers["Link"] = (f'<{fake.url}/repos/strapi/strapi/releases?per_page={per_page}&'
                                           f'page={page + 1}>; rel="next"')
                    return self._json(200, chunk, headers)
                self._json(404, {"message": "Not Found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
