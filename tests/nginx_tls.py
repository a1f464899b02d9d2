"""A real TLS-terminating nginx in front of a real Strapi, with certificates made by trustme.

One server block per situation, each on its own loopback port, all proxying to the same Strapi:
certificates trusted, expired, for another host, from an unknown CA, or missing their intermediate;
a hardened proxy, one offering HTTP/2, a leaky web root, and the bad inputs (duplicated and malformed headers, a redirect
loop, a dead upstream answering 502, a firewall refusing the console's user agent).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import trustme

from strapi_console.strapi_server import free_port


@dataclass
class NginxTLS:
    workdir: Path
    ca_pem: Path
    ports: dict[str, int] = field(default_factory=dict)
    proc: subprocess.Popen | None = None

    def url(self, kind: str, host: str = "localhost") -> str:
        return f"https://{host}:{self.ports[kind]}"

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# Bad inputs the header checks and the client must survive.
BAD_BLOCKS = {
    "weird": """location / {
            proxy_pass UPSTREAM;
            proxy_hide_header Content-Security-Policy;
            add_header Strict-Transport-Security "max-age=31536000" always;
            add_header Strict-Transport-Security "max-age=0" always;
            add_header Content-Security-Policy "script-src 'self' ;; ,,, default-src" always;
        }""",
    "loop": """location / { return 302 /admin/loop; }""",
    "down": """location / { proxy_pass http://127.0.0.1:9; }""",
    "blocking": """location / {
            if ($http_user_agent ~* "strapi-console") { return 403 "<html><body>Request blocked</body></html>"; }
            proxy_pass UPSTREAM;
        }""",
}

# What an operator adds in front of a default Strapi: a strict CSP, no credentialed CORS reflection,
# no X-Powered-By, and the cross-origin isolation headers.
HARDENING = """
            proxy_hide_header X-Powered-By;
            proxy_hide_header Access-Control-Allow-Origin;
            proxy_hide_header Access-Control-Allow-Credentials;
            proxy_hide_header Content-Security-Policy;
            add_header Content-Security-Policy "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; object-src 'none'; frame-ancestors 'self'; base-uri 'self'" always;
            add_header Cross-Origin-Opener-Policy same-origin always;
            add_header Cross-Origin-Resource-Policy same-site always;
            add_header Permissions-Policy "camera=(), microphone=(), geolocation=()" always;
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def start_nginx(workdir: Path, upstream: str, leaky_root: Path | None = None) -> NginxTLS:
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (.ci/run installs the Debian package)")
    ca = trustme.CA()
    other_ca = trustme.CA()
    intermediate = ca.create_child_ca()
    now = dt.datetime.now(dt.timezone.utc)
    certs = {
        "good": ca.issue_cert("localhost", "127.0.0.1"),
        "expired": ca.issue_cert("localhost", "127.0.0.1", not_before=now - dt.timedelta(days=60),
                                 not_after=now - dt.timedelta(days=1)),
        "wronghost": ca.issue_cert("cms.other.example"),
        "untrusted": other_ca.issue_cert("localhost", "127.0.0.1"),
        "hardened": ca.issue_cert("localhost", "127.0.0.1"),
        "h2": ca.issue_cert("localhost", "127.0.0.1"),  # as "good", offering HTTP/2 (ALPN h2)
        "leaky": ca.issue_cert("localhost", "127.0.0.1"),
        "halfchain": intermediate.issue_cert("localhost", "127.0.0.1"),
        **{kind: ca.issue_cert("localhost", "127.0.0.1") for kind in BAD_BLOCKS},
    }
    ca_pem = workdir / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    servers = []
    ports = {}
    for kind, cert in certs.items():
        chain, key = workdir / f"{kind}.crt", workdir / f"{kind}.key"
        with open(chain, "wb") as fh:
            # the half chain sends its leaf without the intermediate that links it to the root
            for blob in cert.cert_chain_pems[:1] if kind == "halfchain" else cert.cert_chain_pems:
                fh.write(blob.bytes())
        cert.private_key_pem.write_to_path(str(key))
        port = free_port()
        ports[kind] = port
        if kind in BAD_BLOCKS:
            body = BAD_BLOCKS[kind].replace("UPSTREAM", upstream)
        elif kind == "leaky":  # the classic mistake: the web root is the Strapi project directory
            body = f"""root {leaky_root};
        location / {{ try_files $uri @strapi; }}
        location @strapi {{ proxy_pass {upstream}; proxy_set_header Host $host; }}"""
        else:
            body = f"""location / {{
            proxy_pass {upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-Proto https;
            {HARDENING if kind == "hardened" else ""}
        }}"""
        servers.append(f"""
    server {{
        listen 127.0.0.1:{port} ssl{" http2" if kind == "h2" else ""};
        server_name localhost;
        ssl_certificate {chain};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        {body}
    }}""")
    conf = workdir / "nginx.conf"
    conf.write_text(f"""
daemon off;
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {workdir}/access.log;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    {''.join(servers)}
}}
""")
    proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(workdir)], stdout=subprocess.DEVNULL,
                            stderr=open(workdir / "stderr.log", "wb"))
    tls = NginxTLS(workdir, ca_pem, ports, proc)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited: {(workdir / 'stderr.log').read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", ports["good"]), timeout=1):
                return tls
        except OSError:
            time.sleep(0.2)
    tls.stop()
    raise RuntimeError("nginx did not start listening")
