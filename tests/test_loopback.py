"""Plain HTTP without allow_http goes only to addresses resolved, at connection time, to loopback, and the
connection uses the address that was checked (a resolver answering differently later changes nothing).

Name resolution cannot be steered from a test otherwise, so the resolver is replaced at the
``socket.getaddrinfo`` level (what every lookup of the console ends in); ``localhost`` itself is resolved
by the machine's real resolver.
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from hostile_server import Canned, HostileServer
from strapi_console.client import StrapiClient
from strapi_console.config import Profile
from strapi_console.errors import InsecureURLError, Unreachable

REAL_GETADDRINFO = socket.getaddrinfo


@pytest.fixture(scope="module")
def server():
    srv = HostileServer()
    srv.set("GET", "/_health", Canned(status=204, body=b""))
    yield srv
    srv.close()


class FakeResolver:
    """Answers for some names (one list per lookup, the last one repeated), the real resolver for the rest."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in self.answers:
            return REAL_GETADDRINFO(host, port, family, type, proto, flags)
        self.asked.append(name)
        turn = self.answers[name]
        addresses = turn[min(len(self.asked_for(name)) - 1, len(turn) - 1)]
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, int(port or 0), 0, 0) if ":" in a else (a, int(port or 0))) for a in addresses]

    def asked_for(self, name: str) -> list[str]:
        return [n for n in self.asked if n == name]


def probe(url: str, **kw) -> int:
    async def run():
        async with StrapiClient(Profile("lb", url, **kw)) as client:
            return (await client.probe("GET", "/_health", retries=0)).status
    return asyncio.run(run())


def test_localhost_resolving_to_loopback_is_allowed(server):
    before = len(server.requests)
    assert probe(f"http://localhost:{server.port}") == 204
    method, path, headers = server.requests[before]
    assert (method, path) == ("GET", "/_health") and headers["host"] == f"localhost:{server.port}"


@pytest.mark.parametrize("answer", [["203.0.113.7"], ["127.0.0.1", "203.0.113.7"], ["::ffff:203.0.113.7"], []])
def test_a_localhost_name_resolving_elsewhere_is_refused(server, monkeypatch, answer):
    monkeypatch.setattr(socket, "getaddrinfo", FakeResolver({"evil.localhost": [answer]}))
    before = len(server.requests)
    with pytest.raises(InsecureURLError) as caught:
        probe(f"http://evil.localhost:{server.port}")
    err = caught.value
    assert "'evil.localhost' resolves to" in err.message and "Nothing was sent" in err.message
    assert "203.0.113.7" in err.message or not answer
    assert "--allow-http" in (err.hint or "")
    assert len(server.requests) == before


def test_the_checked_address_is_the_connected_one(server, monkeypatch):
    """A rebinding resolver (loopback first, elsewhere after) cannot move the connection: one lookup per
    request, and the connection goes to the address that lookup gave."""
    resolver = FakeResolver({"rebind.localhost": [["127.0.0.1"], ["203.0.113.7"]]})
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    before = len(server.requests)
    assert probe(f"http://rebind.localhost:{server.port}") == 204
    assert resolver.asked_for("rebind.localhost") == ["rebind.localhost"]
    assert server.requests[before][2]["host"] == f"rebind.localhost:{server.port}"
    # the next request looks again, sees the new answer, and is refused
    with pytest.raises(InsecureURLError):
        probe(f"http://rebind.localhost:{server.port}")


def test_every_loopback_address_is_tried_in_order(server, monkeypatch):
    """localhost often resolves to ::1 first while the server listens on IPv4 only."""
    monkeypatch.setattr(socket, "getaddrinfo", FakeResolver({"dual.localhost": [["::1", "127.0.0.1"]]}))
    assert probe(f"http://dual.localhost:{server.port}") == 204


def test_a_name_that_does_not_resolve_is_reported_as_such(monkeypatch):
    def fail(*a, **kw):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(Unreachable, match="could not be resolved"):
        probe("http://gone.localhost:9")


def test_a_non_loopback_address_in_a_profile_built_in_code_is_refused():
    with pytest.raises(InsecureURLError, match="203.0.113.7"):
        probe("http://203.0.113.7:9")


def test_allow_http_and_https_are_not_checked(server):
    from strapi_console import loopback

    assert loopback.guard(Profile("a", "http://lan.example:1337", allow_http=True), None) is None
    assert loopback.guard(Profile("s", "https://cms.example.com"), None) is None
    assert isinstance(loopback.guard(Profile("l", "http://localhost:1337"), None),
                      loopback.LoopbackOnlyTransport)
    assert probe(f"http://127.0.0.1:{server.port}") == 204  # a loopback address needs no lookup
