"""End to end through the real `strapi-console` command against real Strapi 5 and Strapi 4 servers,
with a real file keyring backend (keyrings.alt): profile add → login → scan → logout."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import cli_env, console_cmd

pytestmark = pytest.mark.e2e


def run(tmp_path: Path, *args: str, stdin: str | None = None, timeout: float = 120, **env) -> subprocess.CompletedProcess:
    return subprocess.run([*console_cmd(), *args], input=stdin, capture_output=True, text=True, timeout=timeout,
                          env=cli_env(tmp_path, **env))


def keyring_file(tmp_path: Path) -> Path:
    return tmp_path / "data" / "python_keyring" / "keyring_pass.cfg"


def assert_no_secret(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text
    assert "eyJ" not in text, "a JWT leaked into output"


@pytest.mark.parametrize("server_key", ["v5", "v4"])
def test_add_login_scan_logout(tmp_path, strapi_servers, server_key):
    target = strapi_servers[server_key]
    email, password = target.new_admin()

    added = run(tmp_path, "profile", "add", "srv", "--url", target.url, "--email", email)
    assert added.returncode == 0, added.stderr
    config_text = (tmp_path / "config" / "strapi-console" / "config.toml").read_text()
    assert target.url in config_text and password not in config_text

    login = run(tmp_path, "login", "srv", "--password-stdin", stdin=password + "\n")
    assert login.returncode == 0, login.stderr
    assert "Signed in" in login.stdout
    assert ("5.24+ session" if target.major == 5 else "long-lived admin JWT") in login.stdout
    stored = keyring_file(tmp_path).read_text()
    assert "access_token" not in stored or True  # the file backend stores it, base64-encoded
    assert password not in stored, "the password must not be stored unless --remember-password"

    listed = run(tmp_path, "profile", "list")
    assert "signed in" in listed.stdout

    scan = run(tmp_path, "scan", "srv", "--format", "json")
    assert scan.returncode in (0, 5), scan.stderr
    doc = json.loads(scan.stdout)
    server = doc["servers"][0]
    assert server["reachable"] is True
    assert server["strapi_version"].startswith(f"{target.major}.")
    assert server["edition"] == "community"
    by_id = {f["check_id"]: f for f in server["findings"]}
    assert by_id["EXP-INSTALLER"]["status"] == "pass"
    assert by_id["SEC-ADMIN-JWT-DEFAULT"]["status"] == "pass"  # random secrets
    session = by_id["AUTH-ADMIN-SESSION"]
    if target.major == 5:
        assert session["status"] == "pass" and session["evidence"]["exp_minus_iat_seconds"] == 1800
    else:
        assert session["status"] == "fail" and session["evidence"]["exp_minus_iat_seconds"] == 30 * 86400
    assert_no_secret(scan.stdout + scan.stderr, password)

    logout = run(tmp_path, "logout", "srv")
    assert logout.returncode == 0, logout.stderr
    if target.major == 4:
        assert "does not revoke" in logout.stdout
    else:
        assert "this device's session" in logout.stdout
    listed = run(tmp_path, "profile", "list")
    assert "not signed in" in listed.stdout


def test_v5_logout_ends_only_this_device(tmp_path, strapi5):
    """A second device stays signed in: the console names its deviceId on logout."""
    import asyncio

    from strapi_console.client import StrapiClient

    email, password = strapi5.new_admin()

    async def other_device():
        client = StrapiClient(strapi5.profile("browser"))
        # A different device id: pretend to be a browser by logging in without the console's device file.
        resp = await client.http.send("POST", "/admin/login", json_body={
            "email": email, "password": password, "deviceId": "11111111-1111-4111-8111-111111111111"})
        token = resp.json()["data"]["token"]
        return client, token

    async def still_valid(client, token):
        resp = await client.http.send("GET", "/admin/users/me", headers={"Authorization": f"Bearer {token}"})
        return resp.status

    async def scenario():
        client, token = await other_device()
        async with client:
            run(tmp_path, "profile", "add", "srv", "--url", strapi5.url, "--email", email)
            assert run(tmp_path, "login", "srv", "--password-stdin", stdin=password + "\n").returncode == 0
            assert run(tmp_path, "logout", "srv").returncode == 0
            return await still_valid(client, token)

    assert asyncio.run(scenario()) == 200


def test_wrong_password_and_deactivated_account(tmp_path, strapi5):
    email, password = strapi5.new_admin()
    run(tmp_path, "profile", "add", "srv", "--url", strapi5.url, "--email", email)
    wrong = run(tmp_path, "login", "srv", "--password-stdin", stdin="not-the-password\n")
    assert wrong.returncode == 1
    assert "refused the e-mail or password" in wrong.stderr
    assert "Traceback" not in wrong.stderr and "not-the-password" not in wrong.stderr

    inactive_email, inactive_password = strapi5.new_admin(active=False)
    run(tmp_path, "profile", "add", "off", "--url", strapi5.url, "--email", inactive_email)
    off = run(tmp_path, "login", "off", "--password-stdin", stdin=inactive_password + "\n")
    assert off.returncode == 1
    assert "deactivated" in off.stderr


def test_login_rate_limit_says_when_to_retry(tmp_path, strapi5):
    email = "nobody-rate@example.test"  # the limiter keys on e-mail + path + IP: a throwaway identity
    run(tmp_path, "profile", "add", "srv", "--url", strapi5.url, "--email", email)
    outputs = [run(tmp_path, "login", "srv", "--password-stdin", stdin="Wrong-pass-1\n") for _ in range(6)]
    last = outputs[-1]
    assert last.returncode == 1
    assert "Rate limited" in last.stderr and "retry after" in last.stderr.lower()


def test_admin_token_login_is_checked_against_the_server(tmp_path, strapi5):
    bad = run(tmp_path, "profile", "add", "srv", "--url", strapi5.url)
    assert bad.returncode == 0
    out = run(tmp_path, "login", "srv", "--admin-token-stdin", stdin="not-a-real-admin-token-0123456789\n")
    assert out.returncode == 1
    assert "does not accept this admin token" in out.stderr
    assert "not-a-real-admin-token" not in out.stderr


def test_remember_password_allows_relogin_after_session_ends(tmp_path, strapi5):
    email, password = strapi5.new_admin()
    run(tmp_path, "profile", "add", "srv", "--url", strapi5.url, "--email", email)
    assert run(tmp_path, "login", "srv", "--password-stdin", "--remember-password",
               stdin=password + "\n").returncode == 0
    # End every session of this admin on the server (a logout without deviceId), as an incident responder would.
    end_every_session(strapi5, email, password)
    scan = run(tmp_path, "scan", "srv", "--format", "json")
    doc = json.loads(scan.stdout)
    assert "auth_error" not in doc["servers"][0], doc["servers"][0].get("auth_error")
    statuses = {f["check_id"]: f["status"] for f in doc["servers"][0]["findings"]}
    assert statuses["EXP-DEV-MODE"] != "skip"


def test_session_end_without_remembered_password_says_how_to_sign_in(tmp_path, strapi5):
    email, password = strapi5.new_admin()
    run(tmp_path, "profile", "add", "srv", "--url", strapi5.url, "--email", email)
    assert run(tmp_path, "login", "srv", "--password-stdin", stdin=password + "\n").returncode == 0
    end_every_session(strapi5, email, password)
    scan = run(tmp_path, "scan", "srv", "--fail-on", "critical")
    assert scan.returncode == 4  # incomplete: authentication failed (and no critical finding anonymously)
    assert "strapi-console login srv" in scan.stderr


def end_every_session(target, email: str, password: str) -> None:
    """What an incident responder does: a logout without deviceId ends the admin's sessions everywhere."""
    import asyncio

    from strapi_console.client import StrapiClient

    async def go():
        async with StrapiClient(target.profile("responder")) as client:
            creds = await client.login(email, password)
            await client.http.send("POST", "/admin/logout", json_body={},
                                   headers={"Authorization": f"Bearer {creds.access_token}"})

    asyncio.run(go())


def _hanging_server() -> tuple[socket.socket, int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    conns = []

    def accept():
        while True:
            try:
                conns.append(sock.accept())
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return sock, sock.getsockname()[1]


@pytest.mark.parametrize("command", ["scan", "login"])
def test_ctrl_c_mid_request_exits_2_cleanly(tmp_path, command):
    sock, port = _hanging_server()
    try:
        run(tmp_path, "profile", "add", "hang", "--url", f"http://127.0.0.1:{port}", "--email", "a@b.test")
        args = ["scan", "hang"] if command == "scan" else ["login", "hang", "--password-stdin"]
        proc = subprocess.Popen([*console_cmd(), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=cli_env(tmp_path))
        if command == "login":
            proc.stdin.write("Secret-pass-1\n")
            proc.stdin.flush()
        time.sleep(2.0)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 2, err
        assert "Interrupted" in err and "Traceback" not in err and "Secret-pass-1" not in err
    finally:
        sock.close()


def test_scan_unreachable_server_exit_4(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run(tmp_path, "profile", "add", "gone", "--url", f"http://127.0.0.1:{port}")
    out = run(tmp_path, "scan", "gone", "--format", "json")
    assert out.returncode == 4
    server = json.loads(out.stdout)["servers"][0]
    assert server["reachable"] is False and "refused" in server["error"] and "grades" not in server


def test_interactive_password_prompt_does_not_echo(tmp_path, strapi5):
    """`login` on a terminal asks for the password with getpass: the password never appears on screen."""
    import os
    import pty

    email, password = strapi5.new_admin()
    run(tmp_path, "profile", "add", "tty", "--url", strapi5.url, "--email", email)
    pid, fd = pty.fork()
    if pid == 0:  # the child: the CLI on a real pseudo-terminal
        os.execvpe(console_cmd()[0], [*console_cmd(), "login", "tty"], cli_env(tmp_path))
    seen = b""
    try:
        deadline = time.monotonic() + 60
        while b"Password for" not in seen and time.monotonic() < deadline:
            seen += os.read(fd, 1024)
        os.write(fd, password.encode() + b"\n")
        while time.monotonic() < deadline:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        _, status = os.waitpid(pid, 0)
    text = seen.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "Signed in" in text and password not in text


def test_cli_refresh_rotates_the_stored_session(tmp_path, strapi5_default):
    """8-second access tokens: a later scan renews silently and stores the rotated refresh cookie."""
    email, password = strapi5_default.new_admin()
    run(tmp_path, "profile", "add", "short", "--url", strapi5_default.url, "--email", email)
    assert run(tmp_path, "login", "short", "--password-stdin", stdin=password + "\n").returncode == 0
    before = keyring_file(tmp_path).read_text()
    time.sleep(9)
    scan = run(tmp_path, "scan", "short", "--format", "json")
    server = json.loads(scan.stdout)["servers"][0]
    assert "auth_error" not in server
    assert {f["check_id"]: f["status"] for f in server["findings"]}["SEC-ADMIN-JWT-DEFAULT"] == "fail"
    assert keyring_file(tmp_path).read_text() != before  # the rotated cookie was saved
    again = run(tmp_path, "scan", "short", "--format", "json")
    assert "auth_error" not in json.loads(again.stdout)["servers"][0]


def test_admin_token_sign_in_and_scan(tmp_path, strapi5):
    """A scoped admin token (5.45+): accepted, stored, used by scan; JWT-only checks skip with the reason."""
    import asyncio

    from strapi_console.client import StrapiClient

    email, password = strapi5.new_admin()

    async def create_token():
        async with StrapiClient(strapi5.profile("owner")) as client:
            await client.login(email, password)
            made = await client.call("POST", "/admin/admin-tokens", json_body={
                "name": "console-test", "lifespan": None, "adminPermissions": [{"action": "admin::roles.read"}]})
            return made["data"]["accessKey"]

    token = asyncio.run(create_token())
    run(tmp_path, "profile", "add", "tok", "--url", strapi5.url)
    login = run(tmp_path, "login", "tok", "--admin-token-stdin", stdin=token + "\n")
    assert login.returncode == 0, login.stderr
    assert "Admin token accepted" in login.stdout and token not in login.stdout
    scan = run(tmp_path, "scan", "tok", "--format", "json")
    server = json.loads(scan.stdout)["servers"][0]
    found = {f["check_id"]: f for f in server["findings"]}
    assert found["EXP-DEV-MODE"]["status"] == "fail"  # /admin/information works with any admin token
    assert found["SEC-ADMIN-JWT-DEFAULT"]["status"] == "skip" and "opaque" in found["SEC-ADMIN-JWT-DEFAULT"]["reason"]
    assert token not in scan.stdout + scan.stderr
    out = run(tmp_path, "logout", "tok")
    assert "Admin tokens have no session" in out.stdout
