"""A real HTTP server on loopback that answers whatever a test tells it to, byte for byte.

For what a real Strapi will not do on request: HTML where JSON belongs, truncated bodies, odd
statuses, a slow drip, a huge body, a connection that never answers. Raw sockets, so truncation and
malformed responses are real.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Canned:
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    body: bytes = b"{}"
    declared_length: int | None = None  # lie about Content-Length (truncation)
    drip: float = 0.0  # seconds between body bytes
    hang: bool = False  # accept, read, never answer
    close_early: bool = False  # close after the status line
    delay: float = 0.0  # seconds before answering (a busy server)


class HostileServer:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Canned] = {}
        self.default = Canned(status=404, body=b'{"data":null,"error":{"status":404,"name":"NotFoundError","message":"Not Found"}}')
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests this server held at once
        self._count = threading.Lock()
        self._stop = threading.Event()
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                server._handle(self.request)

        class TCP(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._tcp = TCP(("127.0.0.1", 0), Handler)
        self.port = self._tcp.server_address[1]
        threading.Thread(target=self._tcp.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set(self, method: str, path: str, canned: Canned) -> None:
        self.routes[(method.upper(), path)] = canned

    def close(self) -> None:
        self._stop.set()
        self._tcp.shutdown()
        self._tcp.server_close()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
        except OSError:
            return
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path = lines[0].split(" ")[:2]
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0") or 0)
        try:
            while len(rest) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                rest += chunk
        except OSError:
            return
        self.requests.append((method, path.split("?")[0], headers))
        canned = self.routes.get((method, path.split("?")[0]), self.default)
        if canned.hang:
            self._stop.wait(60)
            return
        if canned.delay:
            with self._count:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._stop.wait(canned.delay)
            with self._count:
                self.in_flight -= 1
        reason = {200: "OK", 204: "No Content", 404: "Not Found"}.get(canned.status, "Status")
        out = [f"HTTP/1.1 {canned.status} {reason}"]
        for k, v in canned.headers.items():
            out.append(f"{k}: {v}")
        declared = canned.declared_length if canned.declared_length is not None else len(canned.body)
        out.append(f"Content-Length: {declared}")
        out.append("Connection: close")
        try:
            conn.sendall(("\r\n".join(out) + "\r\n\r\n").encode("latin-1"))
            if canned.close_early:
                return
            if canned.drip:
                for i in range(len(canned.body)):
                    if self._stop.is_set():
                        return
                    conn.sendall(canned.body[i:i + 1])
                    time.sleep(canned.drip)
            else:
                conn.sendall(canned.body)
        except OSError:
            return
        finally:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
