"""A fleet scan's behaviour that its speed rests on, with no timing asserted (benchmarks/fleet_scan.py
measures the speed): progress for the operator, one request where several tasks need one answer, the
signed-in reads sent with the first probes, the HTTP/2 cap, the headers every request carries."""

from __future__ import annotations

import asyncio
import io
import json

import httpx
import pytest

from fake_public_apis import FakeAPIs
from strapi_console import releases
from strapi_console.cli.scan import _ScanProgress
from strapi_console.client import StrapiClient
from strapi_console.config import Profile
from strapi_console.http import HTTP2_CONCURRENCY, HttpSession, _origin, host_slots
from strapi_console.scan import FleetProgress, scan_profile, scan_profiles
from strapi_console.secrets import Credentials, SecretStore


def _json(status: int, payload) -> httpx.Response:
    return httpx.Response(status, json=payload)


NOT_FOUND = {"data": None, "error": {"status": 404, "name": "NotFoundError", "message": "Not Found"}}


# --- progress -------------------------------------------------------------------------------------


def test_progress_line_names_done_total_and_the_slowest_safely():
    out = io.StringIO()
    progress = _ScanProgress(out)
    state = FleetProgress(total=5, done=2, running={"fast": 1e12, "slow\x1b[31m": 0.0})
    progress(state)
    line = out.getvalue()
    assert "2/5 servers done" in line and "slowest still running: slow" in line
    assert "\x1b[31m" not in line  # a name is shown through safe(): no terminal escape gets through
    progress.close()
    assert out.getvalue().endswith("\r\x1b[2K")  # the line is cleared before the report


async def test_a_fleet_scan_reports_each_server_done():
    # nothing listens on these ports: each scan ends quickly with its error
    profiles = [Profile(f"p{i}", f"http://127.0.0.1:{9 + i}") for i in range(4)]
    seen: list[tuple[int, int]] = []
    results = await scan_profiles(profiles, SecretStore("memory"),
                                  progress=lambda s: seen.append((s.done, s.total)))
    assert len(results) == 4 and all(not r.reachable for r in results)
    assert seen[-1] == (4, 4) and {done for done, _ in seen} >= {1, 2, 3, 4}
    assert all(r.duration > 0 for r in results)


# --- HTTP: headers, no cookie jar, the HTTP/2 cap ------------------------------------------------


async def test_requests_carry_the_base_headers_a_request_overrides_and_no_cookie():
    sent: list[httpx.Headers] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers)
        return httpx.Response(200, json={}, headers={"Set-Cookie": "tracker=1; Path=/"})

    session = HttpSession("http://127.0.0.1:1", transport=httpx.MockTransport(answer))
    await session.send("GET", "/a")
    await session.send("GET", "/b", headers={"accept": "text/html"})
    await session.aclose()
    assert sent[0]["user-agent"].startswith("strapi-console/") and sent[0]["accept"] == "application/json"
    assert sent[1].get_list("accept") == ["text/html"]  # replaced whatever its case, not sent twice
    assert "cookie" not in sent[1]  # a cookie a server sets is never sent back


@pytest.mark.parametrize("version, limit", [(b"HTTP/1.1", 6), (b"HTTP/2", HTTP2_CONCURRENCY)])
async def test_more_requests_at_once_only_once_a_server_answers_over_http2(version, limit):
    in_flight, most = 0, 0

    async def answer(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return httpx.Response(200, json={}, extensions={"http_version": version})

    url = f"https://h2-{version.decode()}.example.test"
    session = HttpSession(url, transport=httpx.MockTransport(answer))
    await session.send("GET", "/first")
    most = 0
    await asyncio.gather(*(session.send("GET", f"/{i}") for i in range(60)))
    await session.aclose()
    assert most == limit and host_slots(_origin(url), 6).limit == limit


# --- one refresh, reads sent with the first probes, releases once ----------------------------------


async def test_a_refused_refresh_is_sent_once_for_every_request_waiting_on_it():
    refreshes = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal refreshes
        if request.url.path == "/admin/access-token":
            refreshes += 1
        return _json(401, {"data": None, "error": {"status": 401, "name": "UnauthorizedError", "message": "x"}})

    creds = Credentials(kind="session", access_token="not.a.jwt", refresh_cookie="dead")
    client = StrapiClient(Profile("s", "http://127.0.0.1:1"), creds, transport=httpx.MockTransport(answer))
    outcomes = await asyncio.gather(*(client.get(f"/admin/{i}") for i in range(5)), return_exceptions=True)
    await client.aclose()
    assert all(isinstance(o, Exception) for o in outcomes)
    assert refreshes == 1


async def test_signed_in_reads_leave_with_the_first_probes_not_after_them():
    roles_asked = asyncio.Event()
    information_waited_for_roles = None

    async def answer(request: httpx.Request) -> httpx.Response:
        nonlocal information_waited_for_roles
        path = request.url.path
        if path == "/admin/information":
            # answered only once the role list has been asked for (or after 10 s: then the test fails)
            try:
                await asyncio.wait_for(roles_asked.wait(), 10)
                information_waited_for_roles = True
            except TimeoutError:
                information_waited_for_roles = False
            return _json(200, {"data": {"strapiVersion": "5.54.0", "nodeVersion": "v20.0.0"}})
        if path == "/admin/roles":
            roles_asked.set()
            return _json(200, {"data": []})
        if path == "/admin/init":
            return _json(200, {"data": {"hasAdmin": True}})
        return _json(404, NOT_FOUND)

    store = SecretStore("memory")
    profile = Profile("s", "http://127.0.0.1:1")
    store.set("s", Credentials(kind="admin-token", access_token="opaque-admin-token"))
    result = await scan_profile(profile, store, transport=httpx.MockTransport(answer))
    assert result.reachable and result.info.strapi_version == "5.54.0"
    assert information_waited_for_roles is True


async def test_releases_are_asked_once_for_every_scan_of_a_fleet(monkeypatch):
    apis = FakeAPIs()
    monkeypatch.setenv("STRAPI_CONSOLE_GITHUB_API", apis.url)
    try:
        answers = await asyncio.gather(*(releases.shared_latest_releases(5) for _ in range(20)))
    finally:
        apis.close()
    assert all(a is answers[0] and a.source == "github" for a in answers)
    assert len([h for h in apis.hits if "releases" in h]) == 1
    json.dumps([r.to_dict() for r in answers[0].releases])  # a usable answer, not an error


def test_progress_under_the_escaping_stderr_still_redraws_its_line():
    """Inside a command, stderr escapes every control character; the progress line's own erase sequence
    must still reach the terminal (else the operator sees '\\x0d\\x1b[2K' printed), while a name stays escaped."""
    from strapi_console.display import SafeStream

    out = io.StringIO()
    progress = _ScanProgress(SafeStream(out))
    progress(FleetProgress(total=5, done=1, running={"evil\x1b]52;c;eA==\x07": 0.0}))
    line = out.getvalue()
    assert line.startswith("\r\x1b[2K") and "\\x0d" not in line
    assert "\x1b]52" not in line and "\\x1b]52" in line
