"""The console's HTTP/2 connections (strapi_console/wire.py, H2) against a TLS server on loopback that speaks
HTTP/2 with the h2 package and does what each test scripts: a tight stream limit, a reset stream, a GOAWAY
before a request was processed, a body over the limit, a header bomb, a stalled answer, no status."""

from __future__ import annotations

import asyncio
import ssl

import h2.config
import h2.connection
import h2.events
import h2.settings
import httpx
import pytest
import trustme
from hypothesis import given, settings
from hypothesis import strategies as st

from strapi_console import errors
from strapi_console.client import StrapiClient
from strapi_console.config import Profile
from strapi_console.secrets import Credentials

JSON = [(b"content-type", b"application/json")]


class H2Server:
    """``answer(n, path)`` → what request n gets: ("ok", body) | ("reset",) | ("goaway",) | ("stall",) |
    ("headers", extra header list) | ("nostatus",). Counts connections and the most streams open at once."""

    def __init__(self, answer, max_streams: int = 100) -> None:
        self.answer, self.max_streams = answer, max_streams
        self.connections = 0
        self.requests = 0
        self.open = 0
        self.most_open = 0
        self.resets = 0  # streams the client reset
        self.headers: list = []  # each request's header fields, as HPACK decoded them
        ca = trustme.CA()
        self.ca = ca
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert("127.0.0.1").configure_cert(self.context)
        self.context.set_alpn_protocols(["h2"])

    async def start(self, tmp_path) -> Profile:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(lambda: _Conn(self), "127.0.0.1", 0, ssl=self.context)
        bundle = tmp_path / "ca.pem"
        self.ca.cert_pem.write_to_path(str(bundle))
        return Profile("h2", f"https://127.0.0.1:{self.server.sockets[0].getsockname()[1]}", ca_bundle=str(bundle))

    def close(self) -> None:
        self.server.close()


class _Conn(asyncio.Protocol):
    def __init__(self, server: H2Server) -> None:
        self.server = server
        self.conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False))

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.server.connections += 1
        self.conn.initiate_connection()
        self.conn.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: self.server.max_streams})
        transport.write(self.conn.data_to_send())

    def data_received(self, data: bytes) -> None:
        for event in self.conn.receive_data(data):
            if isinstance(event, h2.events.StreamReset):
                self.server.resets += 1
            if isinstance(event, h2.events.RequestReceived):
                self.server.requests += 1
                self.server.open += 1
                self.server.most_open = max(self.server.most_open, self.server.open)
                path = dict(event.headers)[b":path"]
                self.server.headers.append(list(event.headers))
                asyncio.get_running_loop().create_task(self._answer(event.stream_id, path, self.server.requests))
        self.transport.write(self.conn.data_to_send())

    async def _answer(self, stream: int, path: bytes, n: int) -> None:
        what = self.server.answer(n, path)
        await asyncio.sleep(0.02)  # requests overlap
        kind = what[0]
        if kind == "ok":
            body = what[1]
            self.conn.send_headers(stream, [(b":status", b"200"), *JSON, (b"content-length", b"%d" % len(body))])
            while body:
                if self.conn.streams.get(stream) is None or self.conn.streams[stream].closed:
                    break  # the client reset it
                size = min(self.conn.local_flow_control_window(stream), self.conn.max_outbound_frame_size, len(body))
                if size <= 0:
                    self.transport.write(self.conn.data_to_send())
                    await asyncio.sleep(0.01)
                    continue
                self.conn.send_data(stream, body[:size])
                body = body[size:]
                self.transport.write(self.conn.data_to_send())
                await asyncio.sleep(0.001)  # a frame at a time, as a real server streams a large body
            self.conn.end_stream(stream)
        elif kind == "reset":
            self.conn.reset_stream(stream, 2)
        elif kind == "goaway":
            self.conn.close_connection(last_stream_id=0)
        elif kind == "stall":
            self.conn.send_headers(stream, [(b":status", b"200"), *JSON])
        elif kind == "headers":
            self.conn.send_headers(stream, [(b":status", b"200"), *JSON, *what[1]], end_stream=True)
        elif kind == "empty":  # empty DATA frames, what[1] of them, before the body
            self.conn.send_headers(stream, [(b":status", b"200"), *JSON])
            for sent in range(what[1]):
                if self.conn.streams.get(stream) is None or self.conn.streams[stream].closed:
                    break  # the client reset it
                self.conn.send_data(stream, b"")
                if sent % 1024 == 0:
                    self.transport.write(self.conn.data_to_send())
                    await asyncio.sleep(0)
            else:
                self.conn.send_data(stream, OK[1], end_stream=True)
        elif kind == "nostatus":
            self.conn.send_headers(stream, [(b":status", b"2xx"), *JSON], end_stream=True)
        self.server.open -= 1
        if not self.transport.is_closing():
            self.transport.write(self.conn.data_to_send())
            if kind == "goaway":
                self.transport.close()


@pytest.fixture
async def h2server(tmp_path):
    made: list[H2Server] = []

    async def make(answer, **kw) -> tuple[H2Server, Profile]:
        server = H2Server(answer, **kw)
        made.append(server)
        return server, await server.start(tmp_path)

    yield make
    for server in made:
        server.close()


def client_for(profile: Profile) -> StrapiClient:
    return StrapiClient(profile, Credentials(kind="admin-token", access_token="t0ken"))


OK = ("ok", b'{"data":1}')


async def test_the_servers_stream_limit_is_kept_and_every_request_answered(h2server):
    server, profile = await h2server(lambda n, path: OK, max_streams=2)
    async with client_for(profile) as client:
        answers = await asyncio.gather(*(client.call("GET", "/admin/information") for _ in range(12)))
    assert [a["data"] for a in answers] == [1] * 12
    assert server.connections == 1 and server.most_open <= 2


async def test_a_reset_stream_fails_its_request_only(h2server):
    server, profile = await h2server(lambda n, path: ("reset",) if path == b"/bad" else OK)
    async with client_for(profile) as client:
        good, bad = await asyncio.gather(client.call("GET", "/admin/information"),
                                         client.http.send("GET", "/bad", retries=0), return_exceptions=True)
        assert good["data"] == 1
        assert isinstance(bad, errors.Unreachable) and "closed the connection" in str(bad)
        assert (await client.call("GET", "/admin/information"))["data"] == 1
    assert server.connections == 1


async def test_a_request_the_server_did_not_process_before_goaway_goes_on_a_new_connection(h2server):
    server, profile = await h2server(lambda n, path: ("goaway",) if n == 1 else OK)
    async with client_for(profile) as client:
        assert (await client.http.send("GET", "/admin/information", retries=0)).status == 200
    assert server.connections == 2 and server.requests == 2


async def test_a_body_over_the_limit_is_cut_and_the_connection_serves_on(h2server):
    server, profile = await h2server(lambda n, path: ("ok", b'{"data":"' + b"x" * 2_000_000 + b'"}') if n == 1 else OK)
    async with client_for(profile) as client:
        client.http.max_body = 100_000
        with pytest.raises(errors.TooLarge):
            await client.call("GET", "/admin/information")
        assert (await client.call("GET", "/admin/information"))["data"] == 1
    assert server.connections == 1 and server.resets == 1  # the rest of the big body was refused


async def test_an_answer_of_endless_empty_data_frames_is_refused_and_the_connection_serves_on(h2server):
    """Empty DATA frames never grow the body (so never meet its limit) and keep the read timeout from firing, and
    each costs some microseconds of h2 and the console: sent without end, they held a core until the request's
    deadline. At most MAX_CHUNKS DATA frames an answer (as chunks over HTTP/1.1); then the stream is reset."""
    from strapi_console import http1

    from strapi_console.wire import Pool, split

    server, profile = await h2server(lambda n, path: ("empty", 16 * http1.MAX_CHUNKS) if n == 1 else OK)
    pool = Pool(verify=ssl.create_default_context(cafile=profile.ca_bundle), http2=True)
    where, target = split(profile.url + "/admin/information")
    try:
        with pytest.raises(httpx.RemoteProtocolError, match="DATA frames"):
            await pool.exchange(b"GET", where, target, [(b"Host", where.host_header)], b"", {"read": 10.0}, 1 << 20)
        answer = await pool.exchange(b"GET", where, target, [(b"Host", where.host_header)], b"", {"read": 10.0},
                                     1 << 20)
        assert b"".join(answer.chunks) == OK[1]
    finally:
        await pool.aclose()
    assert server.connections == 1 and server.resets == 1


async def test_a_header_bomb_is_refused(h2server):
    bomb = [(b"x-filler-%d" % i, b"a" * 1000) for i in range(100)]  # 100 KB of header fields
    _, profile = await h2server(lambda n, path: ("headers", bomb))
    async with client_for(profile) as client:
        with pytest.raises(errors.Unreachable, match="closed the connection|not HTTP"):
            await client.http.send("GET", "/admin/information", retries=0)


async def test_a_stalled_answer_times_out(h2server):
    _, profile = await h2server(lambda n, path: ("stall",))
    async with StrapiClient(profile, Credentials(kind="admin-token", access_token="t0ken"), deadline=600) as client:
        client.http._timeout = {**client.http._timeout, "read": 0.5}
        with pytest.raises(errors.TimedOut):  # the read timeout, long before the deadline (or this bound)
            await asyncio.wait_for(client.http.send("GET", "/admin/information", retries=0), 30)


async def test_an_answer_without_a_valid_status_is_an_error(h2server):
    _, profile = await h2server(lambda n, path: ("nostatus",))
    async with client_for(profile) as client:
        with pytest.raises(errors.ConsoleError):
            await client.http.send("GET", "/admin/information", retries=0)


async def test_the_requests_fields_are_lowercase_and_credentials_never_enter_the_hpack_table(h2server):
    """The console readies its own header lines for HTTP/2 (h2's outbound checks are off): the server's h2,
    checking what it receives, takes them; the token travels as a never-indexed literal (a compression attack
    on the connection cannot guess it from the table), the other fields may be indexed."""
    from hpack import NeverIndexedHeaderTuple

    server, profile = await h2server(lambda n, path: OK)
    async with client_for(profile) as client:
        await client.call("GET", "/admin/information", params={"a": "1"})
        await client.call("GET", "/admin/information")
    assert server.requests == 2
    for fields in server.headers:
        names = [name for name, _ in fields]
        assert names[:4] == [b":method", b":authority", b":scheme", b":path"]
        assert all(name == name.lower() for name in names) and b"host" not in names and b"connection" not in names
        secure = [(name, value) for name, value in fields if isinstance(name, bytes) and name == b"authorization"]
        assert secure == [(b"authorization", b"Bearer t0ken")]
        kinds = {name: type(field) for field in fields for name in [field[0]]}
        assert kinds[b"authorization"] is NeverIndexedHeaderTuple
        assert kinds[b"user-agent"] is not NeverIndexedHeaderTuple


@pytest.mark.parametrize("name, value, refused", [
    (b"X-Fine", b" padded ", None), (b"", b"v", "illegal header name"), (b"x y", b"v", "illegal header name"),
    (b"te", b"gzip", "TE header"), (b"TE", b"trailers", None), (b"x", b"a\r\nb", "line break"),
])
def test_a_header_line_is_readied_for_http2_or_refused(name, value, refused):
    from strapi_console import wire

    lines = [(b"Host", b"h"), (b"Connection", b"keep-alive"), (name, value)]
    if refused:
        with pytest.raises(httpx.LocalProtocolError, match=refused):
            wire._h2_fields(lines, b"h")
    else:
        assert wire._h2_fields(lines, b"h") == [(name.lower(), value.strip())]


def _by_h2(lines: list, authority: bytes) -> list | None:
    """What h2's own outbound normalisation and checks (the console's before it readied its fields itself) made
    of the same lines after the same pseudo-headers; None when they refused them."""
    from h2.exceptions import ProtocolError
    from h2.utilities import HeaderValidationFlags, normalize_outbound_headers, validate_outbound_headers

    flags = HeaderValidationFlags(is_client=True, is_trailer=False, is_response_header=False, is_push_promise=False)
    pseudo = [(b":method", b"GET"), (b":authority", authority), (b":scheme", b"https"), (b":path", b"/")]
    try:
        fields = list(validate_outbound_headers(normalize_outbound_headers(pseudo + lines, None), flags))
    except (ProtocolError, IndexError):  # IndexError: h2's way of refusing an empty name
        return None
    return [(type(field), field[0], field[1]) for field in fields[len(pseudo):]]


_NAMES = st.sampled_from([b"Host", b"host", b"HOST", b"te", b"TE", b"Connection", b"Keep-Alive", b"upgrade",
                          b"Transfer-Encoding", b"proxy-connection", b"Cookie", b"Authorization",
                          b"proxy-authorization", b"x-a", b"content-length", b":path", b":authority", b"", b" x",
                          b"x ", b"a b", b"\xc3\xa9"])
_VALUES = st.sampled_from([b"", b" ", b"h", b" h ", b"H", b"other", b"h:443", b"trailers", b" Trailers ", b"gzip",
                           b"a\r\nb", b"\x0bv\x0c", b"x" * 25, b" " + b"x" * 19, b"\xff", b"a\tb", b"close"])


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.tuples(_NAMES, _VALUES), max_size=4))
def test_no_header_line_h2_would_have_refused_is_sent(lines):
    """The console readies its own HTTP/2 fields (h2's outbound checks off): whatever h2 refused, it refuses too
    (it may refuse more: names h2 trimmed, values with CR, LF or NUL), and what both send is the same field for
    field, as literals of the same kind, but for the Host, which the :authority replaces. A Host that names
    another server than the :authority, or a second one, h2 refused; dropped quietly, the request would go
    where the caller did not say (over HTTP/1.1 that Host is sent as given)."""
    from strapi_console import wire

    by_h2 = _by_h2(lines, b"h")
    try:
        ours = [(type(field), field[0], field[1]) for field in wire._h2_fields(lines, b"h")]
    except httpx.LocalProtocolError:
        return
    assert by_h2 is not None, f"h2 refused {lines!r}, the console sent {ours!r}"
    assert ours == [field for field in by_h2 if field[1] != b"host"]


@pytest.mark.parametrize("lines, refused", [
    ([(b"Host", b"other")], "Host"),
    ([(b"Host", b"h"), (b"host", b"h")], "multiple Host"),
    ([(b"Host", b" h ")], None),
])
def test_a_host_other_than_the_authority_is_never_sent_over_http2(lines, refused):
    from strapi_console import wire

    if refused:
        with pytest.raises(httpx.LocalProtocolError, match=refused):
            wire._h2_fields(lines, b"h")
    else:
        assert wire._h2_fields(lines, b"h") == []
