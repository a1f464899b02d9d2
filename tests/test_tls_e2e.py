"""TLS against a real nginx in front of the real Strapi: a profile's CA bundle is trusted, and every
certificate problem gets its own message."""

from __future__ import annotations

import json

import pytest

from conftest import cli_env, console_cmd
from nginx_tls import nginx_binary, start_nginx
from strapi_console import errors
from strapi_console.client import StrapiClient
from strapi_console.config import Profile

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def nginx(strapi5, tmp_path_factory):
    if nginx_binary() is None:
        pytest.fail("nginx is not installed: the TLS tests need it (.ci/run installs the Debian package).",
                    pytrace=False)
    project = tmp_path_factory.mktemp("served-project")
    (project / ".env").write_text("ADMIN_JWT_SECRET=tobemodified\nAPP_KEYS=toBeModified1,toBeModified2\n")
    (project / ".tmp").mkdir()
    (project / ".tmp" / "data.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    tls = start_nginx(tmp_path_factory.mktemp("nginx"), strapi5.url, leaky_root=project)
    yield tls
    tls.stop()


async def test_trusted_through_the_profile_ca_bundle(nginx, strapi5):
    email, password = await _admin(strapi5)
    profile = Profile("tls", nginx.url("good"), ca_bundle=str(nginx.ca_pem))
    async with StrapiClient(profile) as client:
        await client.login(email, password)
        info = await client.information()
    assert info["strapiVersion"] == "5.54.0"


async def test_http2_when_the_server_offers_it_one_connection_for_many_requests(nginx, strapi5):
    """nginx offering HTTP/2 gets every request of a session on one connection, many at a time (the per-server
    cap widened); the same nginx without it gets HTTP/1.1 connections and 6 at a time. Both read the same."""
    import asyncio

    from strapi_console.http import HTTP2_CONCURRENCY, host_slots

    email, password = await _admin(strapi5)
    seen = {}
    for kind in ("h2", "good"):
        async with StrapiClient(Profile(kind, nginx.url(kind), ca_bundle=str(nginx.ca_pem))) as client:
            await client.login(email, password)
            answers = await asyncio.gather(*(client.information() for _ in range(40)))
            pool = client.http._transport
            seen[kind] = (answers[0]["strapiVersion"], len(pool._h2), sum(map(len, pool._idle.values())),
                          host_slots(("https", "localhost", nginx.ports[kind]), 6).limit)
    assert {a for a in seen.values() if a[0] != "5.54.0"} == set()
    assert seen["h2"][1:] == (1, 0, HTTP2_CONCURRENCY)  # one HTTP/2 connection, no HTTP/1.1 ones
    assert seen["good"][1] == 0 and 1 <= seen["good"][2] <= 6 and seen["good"][3] == 6


def test_a_scan_over_http2_reads_as_one_over_http1(nginx, tmp_path):
    """The whole scan through nginx with and without HTTP/2: every check says the same."""
    import subprocess

    env = cli_env(tmp_path)
    for kind in ("good", "h2"):
        subprocess.run([*console_cmd(), "profile", "add", kind, "--url", nginx.url(kind), "--ca-bundle",
                        str(nginx.ca_pem)], env=env, check=True, capture_output=True)
    out = subprocess.run([*console_cmd(), "scan", "good", "h2", "--format", "json"], env=env,
                         capture_output=True, text=True)
    good, h2 = json.loads(out.stdout)["servers"]
    statuses = lambda server: {f["check_id"]: f["status"] for f in server["findings"]}  # noqa: E731
    assert not h2.get("error") and not h2.get("incomplete") and len(statuses(h2)) >= 80
    assert statuses(h2) == statuses(good)


async def _admin(target):
    import asyncio

    return await asyncio.to_thread(target.new_admin)


@pytest.mark.parametrize("kind,bundle,words", [
    ("good", False, "issuer is not trusted"),
    ("untrusted", True, "issuer is not trusted"),
    ("expired", True, "has expired"),
    ("wronghost", True, "does not match the host name"),
])
async def test_certificate_problems_have_clear_messages(nginx, kind, bundle, words):
    profile = Profile("tls", nginx.url(kind), ca_bundle=str(nginx.ca_pem) if bundle else None)
    async with StrapiClient(profile) as client:
        with pytest.raises(errors.TLSFailure) as info:
            await client.call("GET", "/admin/init", auth=False)
    assert words in info.value.message
    if not bundle:
        assert "--ca-bundle" in str(info.value)


async def test_plain_http_to_a_tls_port_is_explained(nginx):
    profile = Profile("tls", f"http://127.0.0.1:{nginx.ports['good']}")
    async with StrapiClient(profile) as client:
        with pytest.raises(errors.ConsoleError) as info:
            await client.call("GET", "/admin/init", auth=False)
    assert "speaks HTTPS" in info.value.message and "https://" in str(info.value)


def test_cli_scan_over_https_with_ca_bundle(nginx, strapi5, tmp_path):
    import subprocess

    email, password = strapi5.new_admin()
    env = cli_env(tmp_path)
    run = lambda *a, stdin=None: subprocess.run([*console_cmd(), *a], input=stdin, capture_output=True,  # noqa
                                                  text=True, env=env, timeout=120)
    assert run("profile", "add", "tls", "--url", nginx.url("good"), "--email", email, "--ca-bundle",
               str(nginx.ca_pem)).returncode == 0
    assert run("login", "tls", "--password-stdin", stdin=password + "\n").returncode == 0
    out = run("scan", "tls", "--format", "json")
    server = json.loads(out.stdout)["servers"][0]
    assert server["reachable"] and server["strapi_version"] == "5.54.0"
    expired = run("profile", "add", "old", "--url", nginx.url("expired"), "--ca-bundle", str(nginx.ca_pem))
    assert expired.returncode == 0
    out = run("scan", "old", "--format", "json")
    assert out.returncode == 5  # unreachable over HTTPS, and TLS-CERT-EXPIRY is a high finding
    old = json.loads(out.stdout)["servers"][0]
    assert "expired" in old["error"] and "--ca-bundle" not in old["error"]


def test_headers_and_web_grade_default_vs_hardened(nginx, strapi5, tmp_path):
    """The same Strapi behind nginx, as is and hardened: each HDR check's status and the Web grade."""
    import subprocess

    env = cli_env(tmp_path)
    for name, kind in (("default", "good"), ("hardened", "hardened")):
        subprocess.run([*console_cmd(), "profile", "add", name, "--url", nginx.url(kind), "--ca-bundle",
                        str(nginx.ca_pem)], env=env, check=True, capture_output=True)
    out = subprocess.run([*console_cmd(), "scan", "default", "hardened", "--format", "json"], env=env,
                         capture_output=True, text=True)
    default, hardened = json.loads(out.stdout)["servers"]
    d = {f["check_id"]: f["status"] for f in default["findings"] if f["check_id"].startswith("HDR-")}
    h = {f["check_id"]: f["status"] for f in hardened["findings"] if f["check_id"].startswith("HDR-")}
    assert d["HDR-CORS"] == "fail" and h["HDR-CORS"] == "pass"
    assert d["HDR-CSP"] == "fail" and h["HDR-CSP"] == "pass"  # development mode allows inline scripts on /admin
    assert d["HDR-POWERED-BY"] == "fail" and h["HDR-POWERED-BY"] == "pass"
    assert d["HDR-COOP"] == "warn" and h["HDR-COOP"] == "pass" and h["HDR-CORP"] == "pass"
    assert d["HDR-HSTS"] == h["HDR-HSTS"] == "pass"  # Strapi's helmet sends a year of HSTS
    assert d["HDR-FRAMING"] == h["HDR-FRAMING"] == "pass"
    assert h["HDR-SERVER-BANNER"] == "fail"  # nginx announces its version unless server_tokens is off
    # CSP unsafe-inline −20 and universal CORS −50: 30, D. Hardened: 100 plus +30 extra credit (referrer,
    # frame-ancestors, CORP, COOP) = 130, A+.
    assert default["grades"]["web"] == {"score": 30, "grade": "D"}
    assert hardened["grades"]["web"] == {"score": 130, "grade": "A+"}


def test_tls_checks_and_grades_on_each_certificate(nginx, tmp_path):
    import subprocess

    env = cli_env(tmp_path)
    for kind in ("good", "expired", "wronghost", "untrusted"):
        subprocess.run([*console_cmd(), "profile", "add", kind, "--url", nginx.url(kind), "--ca-bundle",
                        str(nginx.ca_pem)], env=env, check=True, capture_output=True)
    out = subprocess.run([*console_cmd(), "scan", "good", "expired", "wronghost", "untrusted", "--format", "json"],
                         env=env, capture_output=True, text=True)
    servers = {s["profile"]: s for s in json.loads(out.stdout)["servers"]}
    tls = lambda name: {f["check_id"]: f for f in servers[name]["findings"] if f["check_id"].startswith("TLS-")}  # noqa

    good = tls("good")
    assert {k: v["status"] for k, v in good.items()} == {
        "TLS-AVAILABLE": "pass", "TLS-CERT-TRUST": "pass", "TLS-CERT-HOSTNAME": "pass", "TLS-CERT-EXPIRY": "pass",
        "TLS-CERT-LIFETIME": "pass", "TLS-PROTO-13": "pass", "TLS-CIPHER": "pass", "TLS-CERT-KEY": "pass",
        "TLS-CHAIN-SERVED": "pass", "TLS-PROTO-LEGACY": good["TLS-PROTO-LEGACY"]["status"]}
    assert good["TLS-PROTO-LEGACY"]["status"] in ("pass", "skip")  # skip when the local OpenSSL cannot offer 1.0/1.1
    assert servers["good"]["grades"]["tls"] == {"grade": "A+"}

    # the broken ones cannot be scanned over HTTPS, but the TLS checks say exactly why
    assert servers["expired"]["reachable"] is False and "grades" not in servers["expired"]
    assert tls("expired")["TLS-CERT-EXPIRY"]["status"] == "fail" and "expired" in tls("expired")["TLS-CERT-EXPIRY"]["title"]
    assert tls("wronghost")["TLS-CERT-HOSTNAME"]["status"] == "fail"
    assert tls("untrusted")["TLS-CERT-TRUST"]["status"] == "fail"
    assert tls("untrusted")["TLS-CERT-HOSTNAME"]["status"] == "skip"


def test_served_project_directory_is_caught(nginx, tmp_path):
    import subprocess

    env = cli_env(tmp_path)
    subprocess.run([*console_cmd(), "profile", "add", "leaky", "--url", nginx.url("leaky"), "--ca-bundle",
                    str(nginx.ca_pem)], env=env, check=True, capture_output=True)
    out = subprocess.run([*console_cmd(), "scan", "leaky", "--format", "json", "--check", "EXP-ENV-FILES",
                          "--check", "EXP-DB-EXPORT"], env=env, capture_output=True, text=True)
    found = {f["check_id"]: f for f in json.loads(out.stdout)["servers"][0]["findings"]}
    assert found["EXP-ENV-FILES"]["status"] == "fail" and found["EXP-ENV-FILES"]["evidence"]["served"] == ["/.env"]
    assert found["EXP-DB-EXPORT"]["status"] == "fail" and "/.tmp/data.db" in found["EXP-DB-EXPORT"]["evidence"]["served"]
    assert "tobemodified" not in out.stdout  # the file's content is never echoed
    assert out.returncode == 5


def test_public_url_is_checked_as_its_own_surface(nginx, tmp_path):
    """Admin URL hardened, public API URL left as is: the worse surface decides, evidence shows both."""
    import subprocess

    env = cli_env(tmp_path)
    subprocess.run([*console_cmd(), "profile", "add", "split", "--url", nginx.url("hardened"), "--public-url",
                    nginx.url("good"), "--ca-bundle", str(nginx.ca_pem)], env=env, check=True, capture_output=True)
    out = subprocess.run([*console_cmd(), "scan", "split", "--format", "json", "--check", "HDR-CORS", "--check",
                          "HDR-POWERED-BY", "--check", "TLS-CERT-TRUST"], env=env, capture_output=True, text=True)
    found = {f["check_id"]: f for f in json.loads(out.stdout)["servers"][0]["findings"]}
    cors = found["HDR-CORS"]
    assert cors["status"] == "fail" and nginx.url("good") in cors["title"]
    assert cors["evidence"]["surfaces"] == {
        nginx.url("hardened"): {"status": "pass", "title": cors["evidence"]["surfaces"][nginx.url("hardened")]["title"]},
        nginx.url("good"): {"status": "fail", "title": cors["evidence"]["surfaces"][nginx.url("good")]["title"]}}
    assert found["HDR-POWERED-BY"]["status"] == "fail"
    assert found["TLS-CERT-TRUST"]["status"] == "pass" and len(found["TLS-CERT-TRUST"]["evidence"]["surfaces"]) == 2


def _scan(env, *names_and_checks):
    import subprocess

    out = subprocess.run([*console_cmd(), "scan", *names_and_checks, "--format", "json"], env=env,
                         capture_output=True, text=True, timeout=180)
    return out, json.loads(out.stdout) if out.stdout.strip() else None


def _add(env, name, url, ca):
    import subprocess

    subprocess.run([*console_cmd(), "profile", "add", name, "--url", url, "--ca-bundle", str(ca)], env=env,
                   check=True, capture_output=True)


def test_duplicated_and_malformed_headers_are_graded_not_crashed(nginx, tmp_path):
    env = cli_env(tmp_path)
    _add(env, "weird", nginx.url("weird"), nginx.ca_pem)
    out, doc = _scan(env, "weird", "--check", "HDR-HSTS", "--check", "HDR-CSP")
    found = {f["check_id"]: f for f in doc["servers"][0]["findings"]}
    assert found["HDR-CSP"]["status"] == "fail" and found["HDR-CSP"]["evidence"]["observatory"]["result"] in (
        "csp-header-invalid", "csp-implemented-with-unsafe-inline", "csp-not-implemented")
    assert found["HDR-HSTS"]["status"] in ("fail", "warn")  # two contradictory headers are not a pass
    assert all(f["status"] != "error" for f in found.values())


@pytest.mark.parametrize("kind,words", [
    ("loop", "redirect"),
    ("down", "502"),
    ("blocking", "403"),
    ("halfchain", "not trusted"),
])
def test_bad_proxies_end_in_a_clear_message(nginx, tmp_path, kind, words):
    env = cli_env(tmp_path)
    _add(env, kind, nginx.url(kind), nginx.ca_pem)
    out, doc = _scan(env, kind)
    # incomplete (4): the server could not be assessed; a broken chain is itself a failed high check (5)
    assert out.returncode == (5 if kind == "halfchain" else 4), out.stderr
    server = doc["servers"][0]
    if kind == "halfchain":
        trust = next(f for f in server["findings"] if f["check_id"] == "TLS-CERT-TRUST")
        assert trust["status"] == "fail"
    assert words in (server.get("error") or "") and words in out.stderr
    assert "Traceback" not in out.stderr


def test_a_tls_handshake_that_never_completes_is_bounded(tmp_path):
    """A host that accepts the connection and never answers the TLS hello: a timeout, reported."""
    import socket
    import subprocess
    import threading
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held = []

    def accept_and_stall():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)  # never read, never answered, never closed

    threading.Thread(target=accept_and_stall, daemon=True).start()
    try:
        env = cli_env(tmp_path)
        port = listener.getsockname()[1]
        subprocess.run([*console_cmd(), "profile", "add", "slow", "--url", f"https://127.0.0.1:{port}"],
                       env=env, check=True, capture_output=True)
        started = time.monotonic()
        out, doc = _scan(env, "slow")
        took = time.monotonic() - started
        assert took < 120, took
        assert out.returncode in (4, 5) and "Traceback" not in out.stderr
        error = doc["servers"][0]["error"]
        assert "did not answer" in error or "timed out" in error.lower() or "too slow" in error.lower(), error
    finally:
        listener.close()
        for conn in held:
            conn.close()


def test_chain_and_key_checks(nginx, tmp_path):
    env = cli_env(tmp_path)
    _add(env, "good", nginx.url("good"), nginx.ca_pem)
    _add(env, "half", nginx.url("halfchain"), nginx.ca_pem)
    out, doc = _scan(env, "good", "half", "--check", "TLS-CHAIN-SERVED", "--check", "TLS-CERT-KEY", "--check",
                     "HDR-HSTS-PRELOAD")
    good, half = ({f["check_id"]: f for f in s["findings"]} for s in doc["servers"])
    assert good["TLS-CHAIN-SERVED"]["status"] == "pass"  # signed by the root itself: nothing else to send
    assert half["TLS-CHAIN-SERVED"]["status"] == "fail" and "Only the leaf" in half["TLS-CHAIN-SERVED"]["title"]
    assert good["TLS-CERT-KEY"]["status"] == "pass" and good["TLS-CERT-KEY"]["evidence"]["signature_hash"] == "sha256"
    assert good["HDR-HSTS-PRELOAD"]["status"] == "info"  # a year of HSTS, but no preload flag
