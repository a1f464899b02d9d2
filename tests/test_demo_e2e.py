"""`strapi-console demo`: installs and starts the bundled Strapi, signs in, and cleans up on exit."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time

import pytest

import conftest
from conftest import cli_env, console_cmd

pytestmark = pytest.mark.e2e


def _start_demo(env):
    demo = subprocess.Popen([*console_cmd(), "demo", "--no-tui"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    ready = ""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and "Ready:" not in ready:
        line = demo.stdout.readline()
        if not line and demo.poll() is not None:
            pytest.fail(f"demo exited early: {demo.stderr.read()}")
        ready += line
    if "Ready:" not in ready:
        demo.send_signal(signal.SIGINT)
        pytest.fail(f"the demo was not ready within 240 s: {ready[-500:]}")
    return demo, int(ready.split("Ready: ", 1)[1].split()[0].rstrip(".").rsplit(":", 1)[1])


def test_demo_runs_a_signed_in_insecure_strapi_and_cleans_up(tmp_path):
    conftest._install(conftest.demo_project_dir())  # reuse the suite's npm install
    env = cli_env(tmp_path, XDG_CACHE_HOME=conftest.REAL_CACHE)
    # the operator's own production profile happens to be named "demo": the demo must leave it alone
    mine = subprocess.run([*console_cmd(), "profile", "add", "demo", "--url", "https://cms.example.test",
                           "--tag", "production"], env=env, capture_output=True, text=True)
    assert mine.returncode == 0, mine.stderr
    demo, port = _start_demo(env)
    url = f"http://127.0.0.1:{port}"
    try:
        listed = subprocess.run([*console_cmd(), "profile", "list", "--json"], env=env, capture_output=True,
                                text=True)
        profiles = {p["name"]: p for p in json.loads(listed.stdout)}
        assert profiles["demo"]["url"] == "https://cms.example.test" and profiles["demo-2"]["url"] == url
        plain = subprocess.run([*console_cmd(), "profile", "list"], env=env, capture_output=True, text=True).stdout
        assert "signed in" in next(line for line in plain.splitlines() if "demo-2" in line)

        scan = subprocess.run([*console_cmd(), "scan", "demo-2", "--format", "json"], env=env, capture_output=True,
                              text=True, timeout=120)
        assert scan.returncode == 5
        f = {x["check_id"]: x for x in json.loads(scan.stdout)["servers"][0]["findings"]}
        assert f["SEC-ADMIN-JWT-DEFAULT"]["status"] == "fail"  # template default secrets
        assert f["EXP-INSTALLER"]["status"] == "pass"

        # deliberately insecure: the Public role can write and anyone can register
        import asyncio

        from strapi_console.http import HttpSession

        async def public_state():
            http = HttpSession(url)
            try:
                create = await http.send("POST", "/api/articles", json_body={"data": {}})
                users = await http.send("GET", "/api/users")
                return create.status, users.status
            finally:
                await http.aclose()

        create_status, users_status = asyncio.run(public_state())
        assert create_status == 400  # validation error, not 403: the Public role may create
        assert users_status == 200
    finally:
        demo.send_signal(signal.SIGINT)
        out, err = demo.communicate(timeout=60)
    assert demo.returncode == 0, err
    assert "Traceback" not in err
    listed = subprocess.run([*console_cmd(), "profile", "list", "--json"], env=env, capture_output=True, text=True)
    assert [(p["name"], p["url"]) for p in json.loads(listed.stdout)] == [("demo", "https://cms.example.test")]
    assert "uses 'demo-2' and leaves yours alone" in err
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "the demo server is still running"


def _port_closes(port: int, within: float = 20.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("how", ["SIGTERM", "SIGHUP", "SIGKILL"])
def test_a_killed_demo_leaves_no_insecure_strapi_running(tmp_path, how):
    """The demo Strapi is deliberately insecure: however the console ends (stopped by a service manager,
    its terminal closed, killed outright), the server goes with it; when there is a chance to, the demo
    profile and its session go too."""
    conftest._install(conftest.demo_project_dir())
    env = cli_env(tmp_path, XDG_CACHE_HOME=conftest.REAL_CACHE)
    demo, port = _start_demo(env)
    demo.send_signal(getattr(signal, how))
    demo.communicate(timeout=60)
    assert _port_closes(port), f"the demo server still listens after {how}"
    listed = subprocess.run([*console_cmd(), "profile", "list"], env=env, capture_output=True, text=True)
    if how != "SIGKILL":  # SIGKILL leaves no chance to tidy up: only the server is guaranteed to go
        assert listed.stdout.startswith("No profiles"), listed.stdout


def test_headless_demo_scan_without_a_keyring_is_signed_in_and_complete(tmp_path):
    """The README's headless demo on a machine without a keyring (over SSH, in CI): `demo --no-tui --scan`
    scans in the demo's own process, so the session that lives only in its memory is used, and the scan is
    complete (nothing skipped for want of credentials, a grade). The session is never written anywhere."""
    conftest._install(conftest.demo_project_dir())
    env = cli_env(tmp_path, XDG_CACHE_HOME=conftest.REAL_CACHE, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    done = subprocess.run([*console_cmd(), "demo", "--no-tui", "--scan", "--format", "json"], env=env,
                          capture_output=True, text=True, timeout=420)
    assert done.returncode == 5, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    server = json.loads(done.stdout)["servers"][0]
    findings = {f["check_id"]: f for f in server["findings"]}
    unsigned = [c for c, f in findings.items() if f["status"] == "skip" and "no admin credentials" in f.get("reason", "")]
    assert unsigned == [], f"skipped for want of a session: {unsigned}"
    assert server["grades"]["posture"]["grade"] == "F" and server["coverage"] >= 0.8
    assert findings["SEC-ADMIN-JWT-DEFAULT"]["status"] == "fail"
    assert findings["AUTH-PUBLIC-WRITE"]["status"] == "fail"
    assert "memory" in done.stderr
    import re

    assert not re.search(r"login demo(?! --end-user)", done.stdout + done.stderr)
    # the session lived in memory only: no file the run could write holds a token
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"eyJ" not in path.read_bytes(), f"a JWT was written to {path}"
    listed = subprocess.run([*console_cmd(), "profile", "list"], env=env, capture_output=True, text=True)
    assert listed.stdout.startswith("No profiles")
    port = int(server["url"].rsplit(":", 1)[1])
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "the demo server is still running"
