"""The client's error mapping against a real loopback server sending odd, truncated and hostile answers.

Whatever comes back, the client either returns parsed JSON or raises a ConsoleError with a title and a
message a person can act on, and never echoes a secret it holds.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile_server import Canned, HostileServer
from strapi_console import errors
from strapi_console.client import StrapiClient
from strapi_console.config import Profile
from strapi_console.secrets import Credentials

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6MX0.c2VjcmV0LXNpZ25hdHVyZQ"
SECRET_COOKIE = "refresh-cookie-value-abcdef"


@pytest.fixture(scope="module")
def hostile():
    server = HostileServer()
    yield server
    server.close()


def client_for(server: HostileServer, **kw) -> StrapiClient:
    creds = Credentials(kind="admin-token", access_token=TOKEN)
    return StrapiClient(Profile("h", server.url), creds, **kw)


async def call(server, path="/admin/information", method="GET", **kw):
    async with client_for(server, **kw) as client:
        return await client.call(method, path)


def err(status: int, name: str, message: str) -> bytes:
    return json.dumps({"data": None, "error": {"status": status, "name": name, "message": message,
                                               "details": {}}}).encode()


CASES = [
    (Canned(200, {"Content-Type": "text/html"}, b"<!doctype html><html><title>Strapi Admin</title>"),
     errors.NotJSON, "HTML page where JSON was expected"),
    (Canned(200, {"Content-Type": "application/json"}, b'{"data": {"strapiV'), errors.NotJSON, "truncated or invalid"),
    (Canned(200, {"Content-Type": "application/json"}, b'{"data": 1}', declared_length=50), errors.Unreachable,
     "closed the connection"),
    (Canned(401, body=err(401, "UnauthorizedError", "Missing or invalid credentials")), errors.SignedOut,
     "strapi-console login h"),
    (Canned(403, body=err(403, "PolicyError", "Policy Failed")), errors.Forbidden, "lacks the permission for GET /admin/information"),
    (Canned(429, {"Content-Type": "application/json", "X-RateLimit-Reset": "4102444800"},
            err(429, "RateLimitError", "Too many requests")), errors.RateLimited, "retry after"),
    (Canned(500, body=err(500, "InternalServerError", "Internal Server Error")), errors.ServerFailure, "Strapi logs"),
    (Canned(502, {"Content-Type": "text/html"}, b"<html>Bad Gateway</html>"), errors.ServerFailure, "proxy"),
    (Canned(405, {"Content-Type": "text/plain"}, b"Method Not Allowed"), errors.FeatureAbsent, "lacks it"),
    (Canned(200, {"Content-Type": "text/plain"}, b"hello"), errors.NotJSON, "text/plain"),
    (Canned(301, {"Location": "https://evil.example/steal", "Content-Type": "text/plain"}, b""),
     errors.UnexpectedShape, "redirected to https://evil.example/steal"),
]


@pytest.mark.parametrize("canned,kind,words", CASES, ids=[c[1].__name__ + str(i) for i, c in enumerate(CASES)])
async def test_each_failure_has_its_own_message(hostile, canned, kind, words):
    hostile.set("GET", "/admin/information", canned)
    with pytest.raises(kind) as info:
        await call(hostile)
    assert words in str(info.value)
    assert TOKEN not in str(info.value)


async def test_cross_host_redirect_never_carries_the_token(hostile):
    other = HostileServer()
    try:
        other.set("GET", "/steal", Canned(200, body=b'{"data":{}}'))
        hostile.set("GET", "/admin/information", Canned(302, {"Location": f"{other.url}/steal"}, b""))
        with pytest.raises(errors.UnexpectedShape):
            await call(hostile)
        assert other.requests == []
    finally:
        other.close()


async def test_same_origin_redirect_is_followed(hostile):
    hostile.set("GET", "/admin/information", Canned(307, {"Location": "/admin/information2"}, b""))
    hostile.set("GET", "/admin/information2", Canned(200, body=b'{"data":{"strapiVersion":"5.54.0"}}'))
    assert (await call(hostile))["data"]["strapiVersion"] == "5.54.0"


async def test_server_that_never_answers_times_out(hostile):
    hostile.set("GET", "/admin/information", Canned(hang=True))
    async with client_for(hostile, deadline=1.5) as client:
        with pytest.raises(errors.TimedOut):
            await client.call("GET", "/admin/information")


async def test_one_byte_a_second_is_cut_by_the_deadline(hostile):
    hostile.set("GET", "/admin/information", Canned(body=b'{"data":{"x":"' + b"a" * 100 + b'"}}', drip=0.2))
    async with client_for(hostile, deadline=2.0) as client:
        with pytest.raises(errors.TimedOut):
            await client.call("GET", "/admin/information")


async def test_huge_body_is_refused(hostile):
    hostile.set("GET", "/admin/information", Canned(body=b'{"data":"' + b"x" * (9 * 1024 * 1024) + b'"}'))
    with pytest.raises(errors.UnexpectedShape, match="more than 8 MB"):
        await call(hostile)


async def test_retries_idempotent_requests_on_503_then_succeeds(hostile):
    hostile.set("GET", "/admin/information", Canned(503, {"Content-Type": "text/plain"}, b"busy"))

    async def heal():
        await asyncio.sleep(0.2)
        hostile.set("GET", "/admin/information", Canned(200, body=b'{"data":{"ok":true}}'))

    healer = asyncio.create_task(heal())
    assert (await call(hostile))["data"] == {"ok": True}
    await healer


async def test_post_is_never_retried(hostile):
    hostile.requests.clear()
    hostile.set("POST", "/admin/logout", Canned(503, {"Content-Type": "text/plain"}, b"busy"))
    with pytest.raises(errors.ServerFailure):
        await call(hostile, "/admin/logout", "POST")
    assert [r for r in hostile.requests if r[1] == "/admin/logout"].__len__() == 1


async def test_user_agent_and_bearer_are_sent(hostile):
    hostile.requests.clear()
    hostile.set("GET", "/admin/information", Canned(200, body=b'{"data":{}}'))
    await call(hostile)
    _, _, headers = hostile.requests[-1]
    assert headers["user-agent"].startswith("strapi-console/")
    assert headers["authorization"] == f"Bearer {TOKEN}"


async def test_v4_style_html_server_is_reported_as_not_strapi(hostile):
    hostile.set("GET", "/admin/init", Canned(200, {"Content-Type": "text/html"}, b"<html>Welcome to nginx</html>"))
    async with client_for(hostile) as client:
        info = await client.anonymous_info()
    assert info.reachable and "not like a Strapi server" in info.error


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status=st.sampled_from([200, 201, 204, 301, 400, 401, 403, 404, 405, 409, 413, 429, 500, 502, 503, 504, 599]),
       ctype=st.sampled_from(["application/json", "text/html", "text/plain", "", "application/json; charset=utf-8"]),
       body=st.one_of(st.binary(max_size=300),
                      st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                                   lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
                                   max_leaves=10).map(lambda v: json.dumps(v).encode()),
                      st.just(err(400, "ValidationError", f"bad password {TOKEN} cookie={SECRET_COOKIE}"))),
       truncate=st.booleans())
def test_any_answer_is_json_or_a_console_error(hostile, status, ctype, body, truncate):
    headers = {"Content-Type": ctype} if ctype else {}
    hostile.set("GET", "/admin/information",
                Canned(status, headers, body, declared_length=len(body) + 5 if truncate and body else None))

    async def attempt():
        async with client_for(hostile, deadline=5) as client:
            return await client.call("GET", "/admin/information")

    try:
        asyncio.run(attempt())
    except errors.ConsoleError as exc:
        text = str(exc)
        assert exc.title and exc.message
        assert TOKEN not in text and SECRET_COOKIE not in text


async def test_dns_failure_names_the_host():
    async with StrapiClient(Profile("dns", "https://no-such-host.invalid")) as client:
        with pytest.raises(errors.Unreachable) as info:
            await client.call("GET", "/admin/init", auth=False)
    assert "no-such-host.invalid" in str(info.value) and "DNS" in str(info.value)


def test_validation_error_names_fields_and_drops_echoed_values():
    """The shape Strapi 5 sends for a refused body (recorded from the real server), plus yup's typeError
    form that puts the value inside the message."""
    import json as _json

    import httpx

    from strapi_console.http import Response, map_status

    body = {"data": None, "error": {"status": 400, "name": "ValidationError", "message": "3 errors occurred",
            "details": {"errors": [
                {"path": ["password"], "message": "password must contain at least one number",
                 "name": "ValidationError", "value": "hunter-two-pw"},
                {"path": ["firstname"], "message": 'firstname must be a `string` type, but the final value was: '
                 '`"hunter-three"`.', "name": "ValidationError", "value": "hunter-three"},
                {"path": ["currentPassword"], "message": "currentPassword is a required field"}]}}}
    resp = Response("PUT", "http://127.0.0.1/admin/users/me", 400,
                    httpx.Headers({"content-type": "application/json"}), _json.dumps(body).encode(), 0.01)
    message = str(map_status(resp))
    assert ("3 errors occurred: password must contain at least one number; firstname must be a `string` type; "
            "currentPassword is a required field") in message
    assert "hunter" not in message


async def test_profiles_of_one_server_share_its_concurrency_cap():
    """Two profiles of the same server (an admin and a read-only one, say) scanned at once: the server
    never holds more than 6 of the console's requests, however many profiles point at it."""
    from strapi_console.http import HttpSession

    server = HostileServer()
    try:
        server.set("GET", "/slow", Canned(body=b"{}", delay=0.15))
        sessions = [HttpSession(server.url), HttpSession(server.url)]
        await asyncio.gather(*(s.send("GET", "/slow") for s in sessions for _ in range(12)))
        assert server.max_in_flight == 6
        other = HostileServer()  # another server has slots of its own
        try:
            other.set("GET", "/slow", Canned(body=b"{}", delay=0.15))
            there = HttpSession(other.url)
            server.max_in_flight = 0
            await asyncio.gather(*(s.send("GET", "/slow") for s in (sessions[0], there) for _ in range(12)))
            assert server.max_in_flight == 6 and other.max_in_flight == 6
            await there.aclose()
        finally:
            other.close()
        for s in sessions:
            await s.aclose()
    finally:
        server.close()
