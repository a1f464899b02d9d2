"""The console's own connections (strapi_console/wire.py) against servers that mean harm: answers built to
desync a kept connection, to make the console hold memory out of proportion to what it reads, to send
something the console must never send, or to break a protocol callback. Real loopback servers: raw sockets
for HTTP/1.1 (tests/test_wire.py's ``Scripted``), the h2 package over TLS for HTTP/2."""

from __future__ import annotations

import asyncio
import tracemalloc

import httpx
import pytest

from strapi_console import errors
from strapi_console.wire import Pool, split
from test_wire import OK, client_for, scripted  # noqa: F401  (a fixture)


@pytest.fixture(autouse=True)
async def no_callback_errors():
    """Any exception that escaped a protocol callback (asyncio reports it to the loop's handler: "Exception in
    callback", "Fatal error on transport") fails the test: one server's answer must never break the loop's
    machinery, whatever it sends."""
    loop = asyncio.get_running_loop()
    seen: list[dict] = []
    before = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: seen.append(context))
    yield
    loop.set_exception_handler(before)
    assert not seen, [str(c.get("message")) + " " + repr(c.get("exception")) for c in seen]


async def test_an_answer_with_content_length_and_chunked_is_not_followed_on_that_connection(scripted):
    """Both framings at once (RFC 9112 §6.3: a sign of response smuggling, to be treated as an error): the reader
    reads the chunks (as h11 did), something in between may have read the length. Whatever follows on that connection is not
    trusted to be the next answer: the next request goes on a new connection."""
    both = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 3\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nb\r\n{\"data\":1}\n\r\n0\r\n\r\n")
    server, url = await scripted(lambda n, head: both if n == 1 else OK)
    async with client_for(url) as client:
        assert (await client.call("GET", "/admin/information"))["data"] == 1
        assert (await client.call("GET", "/admin/information"))["data"] == 1
    assert server.connections == 2


async def test_a_body_of_endless_one_byte_chunks_costs_memory_as_its_size(scripted):
    """A chunked body of 50,000 one-byte chunks (300 KB on the wire, 50 KB of body): kept as 50,000 objects it
    held ~3.4 MB, sixty-odd bytes per byte read, so a body at the 8 MB limit held half a gigabyte."""
    pieces = 50_000
    answer = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
              + b"1\r\nx\r\n" * pieces + b"0\r\n\r\n")
    _, url = await scripted(lambda n, head: answer)
    pool = Pool(verify=None, http2=False)
    where, target = split(url + "/admin/information")
    tracemalloc.start()
    try:
        got = await pool.exchange(b"GET", where, target, [(b"Host", where.host_header)], b"", {"read": 10.0},
                                  8 * 1024 * 1024)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        await pool.aclose()
    assert b"".join(got.chunks) == b"x" * pieces
    assert held < 10 * pieces, f"{held} bytes held for a {pieces}-byte body"


@pytest.mark.parametrize("location", ["http://127.0.0.1:99999/admin", "http://[::1/admin", "http://127.0.0.1:x/"])
async def test_a_redirect_to_something_that_is_no_url_is_reported_not_raised(scripted, location):
    """A Location the URL parser refuses (a port out of range, an open bracket): the redirect is not followed
    and the operator reads what it pointed at, never a ValueError's traceback."""
    answer = b"HTTP/1.1 302 Found\r\nLocation: " + location.encode() + b"\r\nContent-Length: 0\r\n\r\n"
    server, url = await scripted(lambda n, head: answer)
    async with client_for(url) as client:
        with pytest.raises(errors.UnexpectedShape, match="redirected to"):
            await client.call("GET", "/admin/information")
    assert len(server.heads) == 1


# --- HTTP/2 ----------------------------------------------------------------------------------------------


class RawH2:
    """A TLS server on loopback that speaks HTTP/2 with the h2 package as far as the handshake and the request,
    then lets ``script(conn, transport, stream)`` answer: with h2's own calls or with raw frames written past
    h2 (what a hostile server sends is not bound by h2's state machine). The requests' headers are recorded
    as received (the server's own inbound checks off, to see what the console really sent)."""

    def __init__(self, script, tmp_path) -> None:
        import ssl

        import trustme

        self.script, self.tmp_path = script, tmp_path
        self.requests: list[list[tuple[bytes, bytes]]] = []
        self.connections = 0
        self.ca = trustme.CA()
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ca.issue_cert("127.0.0.1").configure_cert(self.context)
        self.context.set_alpn_protocols(["h2"])

    async def start(self):
        from strapi_console.config import Profile

        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(lambda: _RawConn(self), "127.0.0.1", 0, ssl=self.context)
        bundle = self.tmp_path / f"ca-{id(self)}.pem"
        self.ca.cert_pem.write_to_path(str(bundle))
        return Profile("h2", f"https://127.0.0.1:{self.server.sockets[0].getsockname()[1]}", ca_bundle=str(bundle))


class _RawConn(asyncio.Protocol):
    def __init__(self, server: RawH2) -> None:
        import h2.config
        import h2.connection

        self.server = server
        self.conn = h2.connection.H2Connection(config=h2.config.H2Configuration(
            client_side=False, header_encoding=None, validate_inbound_headers=False))

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.server.connections += 1
        self.conn.initiate_connection()
        transport.write(self.conn.data_to_send())

    def data_received(self, data: bytes) -> None:
        import h2.events
        import h2.exceptions

        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            events = []  # the raw frames this server wrote past h2 confuse its own state: not its concern
        for event in events:
            if isinstance(event, h2.events.RequestReceived):
                self.server.requests.append(list(event.headers))
                asyncio.get_running_loop().create_task(self.server.script(self.conn, self.transport, event.stream_id))
        if not self.transport.is_closing():
            self.transport.write(self.conn.data_to_send())


@pytest.fixture
async def raw_h2(tmp_path):
    made: list[RawH2] = []

    async def make(script):
        server = RawH2(script, tmp_path)
        made.append(server)
        return server, await server.start()

    yield make
    for server in made:
        server.server.close()


def h2_client(profile):
    from strapi_console.client import StrapiClient
    from strapi_console.secrets import Credentials

    return StrapiClient(profile, Credentials(kind="admin-token", access_token="t0ken"))


def _frame(frame) -> bytes:
    return frame.serialize()


async def _ok(conn, transport, stream) -> None:
    conn.send_headers(stream, [(b":status", b"200"), (b"content-type", b"application/json")])
    conn.send_data(stream, b'{"data":1}', end_stream=True)
    transport.write(conn.data_to_send())


@pytest.mark.parametrize("value", ["a\r\nX-Injected: 1", "a\nb", "a\x00b"])
async def test_a_header_value_with_a_line_break_or_nul_is_never_sent_over_http2(raw_h2, value):
    """HTTP/1.1 refuses them (strapi_console.http1, as h11 did); h2 sends any bytes HPACK can carry, and RFC 9113 §8.2.1 forbids CR, LF and
    NUL in a field value: a proxy that turns the request back into HTTP/1.1 would cut it into two headers."""
    server, profile = await raw_h2(_ok)
    async with h2_client(profile) as client:
        assert (await client.call("GET", "/admin/information"))["data"] == 1
        with pytest.raises(errors.ConsoleError):
            await client.http.send("GET", "/admin/information", headers={"X-Test": value}, retries=0)
        assert (await client.call("GET", "/admin/information"))["data"] == 1  # the connection serves on
    assert len(server.requests) == 2 and not any(name == b"x-test" for r in server.requests for name, _ in r)


async def test_requests_in_flight_when_the_server_says_goaway_gracefully_are_answered(raw_h2):
    """A graceful GOAWAY (nginx sends one after ``keepalive_requests``, default 1000, which a fleet scan reaches)
    names the last stream the server will still answer: those requests must get their answers, while new ones
    go on a new connection. Closing the old connection as the next request arrived failed them."""
    from hyperframe.frame import GoAwayFrame

    async def script(conn, transport, stream):
        if stream == 5:  # the third request: the server will answer the streams it has, then no more
            goaway = GoAwayFrame(0)
            goaway.last_stream_id = stream
            transport.write(goaway.serialize())
        await asyncio.sleep(0.3 if stream <= 5 else 0.0)
        if not transport.is_closing():
            await _ok(conn, transport, stream)

    server, profile = await raw_h2(script)
    async with h2_client(profile) as client:
        first = [asyncio.create_task(client.http.send("GET", "/admin/information", retries=0)) for _ in range(3)]
        await asyncio.sleep(0.15)  # the GOAWAY has arrived; the three answers are due at 0.3 s
        later = await asyncio.gather(*(client.call("GET", "/admin/information") for _ in range(3)))
        answers = await asyncio.gather(*first, return_exceptions=True)
    assert [getattr(a, "status", a) for a in answers] == [200] * 3 and [a["data"] for a in later] == [1] * 3
    assert server.connections == 2


async def test_a_ping_flood_from_a_server_that_reads_nothing_does_not_grow_the_consoles_buffer(tmp_path):
    """The server floods PINGs and reads nothing: every PING wants an acknowledgement the console cannot send,
    and each one stayed in memory (2 MB of a 2.5 MB flood). Once the server takes nothing, the console reads
    nothing more either; the request ends on its read timeout."""
    import socket

    from hyperframe.frame import PingFrame

    from strapi_console.http import ssl_context

    ping = PingFrame(0)
    ping.opaque_data = b"12345678"
    batch, flood = ping.serialize() * 1000, 2_500_000

    async def script(conn, transport, stream):
        transport.pause_reading()  # from now on the server reads nothing
        await asyncio.sleep(0.1)
        sent = 0
        while sent < flood and not transport.is_closing():
            if transport.get_write_buffer_size() > 256 * 1024:  # the console reads no more: nor can it be made to
                await asyncio.sleep(0.01)
                continue
            transport.write(batch)
            sent += len(batch)
            await asyncio.sleep(0)

    server = RawH2(script, tmp_path)
    listening = socket.socket()
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a server that takes little, at once
    listening.bind(("127.0.0.1", 0))
    server.server = await asyncio.get_running_loop().create_server(lambda: _RawConn(server), sock=listening,
                                                                   ssl=server.context)
    bundle = tmp_path / "ca.pem"
    server.ca.cert_pem.write_to_path(str(bundle))
    pool = Pool(verify=ssl_context(str(bundle)), http2=True)
    where, target = split(f"https://127.0.0.1:{listening.getsockname()[1]}/admin/information")
    try:
        request = asyncio.create_task(pool.exchange(b"GET", where, target, [(b"Host", where.host_header)], b"",
                                                    {"read": 1.0}, 1000))
        while not pool._h2:
            await asyncio.sleep(0.001)
        connection = next(iter(pool._h2.values()))  # a slow path: the kernel takes little of what it sends
        connection.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        held = 0
        while not request.done():
            held = max(held, connection.transport.get_write_buffer_size())
            await asyncio.sleep(0.02)
        with pytest.raises(httpx.ReadTimeout):
            request.result()
    finally:
        await pool.aclose()
        server.server.close()
    assert held < 1_000_000, f"{held} bytes of answers to the server's frames held"


async def test_a_tls_server_that_never_finishes_its_handshake_fails_each_request_on_its_own_connect_timeout(tmp_path):
    """A port that accepts and then says nothing (a stalled TLS terminator): the first request's connection
    decides whether the server speaks HTTP/2 and the others wait for it. They waited, then tried one after the
    other, each a whole connect timeout: the sixth request's turn came after the deadline. Each request now
    reads the handshake problem, within its own time."""
    from strapi_console.client import StrapiClient
    from strapi_console.config import Profile
    from strapi_console.secrets import Credentials

    accepted: list[asyncio.StreamWriter] = []

    async def silent(reader, writer):
        accepted.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    bundle = tmp_path / "ca.pem"
    import trustme

    trustme.CA().cert_pem.write_to_path(str(bundle))
    profile = Profile("stall", f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}", ca_bundle=str(bundle))
    try:
        async with StrapiClient(profile, Credentials(kind="admin-token", access_token="t0ken"), deadline=2) as client:
            client.http._timeout = {**client.http._timeout, "connect": 0.5}
            failures = await asyncio.gather(*(client.http.send("GET", "/admin/information", retries=0)
                                              for _ in range(6)), return_exceptions=True)
    finally:
        for writer in accepted:
            writer.close()
        server.close()
    assert all(isinstance(f, errors.TimedOut) and "TLS handshake" in str(f) for f in failures), failures


async def test_a_request_given_up_mid_answer_closes_its_connection(scripted):
    """The server stops in the middle of an answer and the caller gives up (asyncio.timeout around a call): the
    cut connection is never used again, and is closed then, not left open for the server (the pool no longer
    knows it: closing the session would not close it)."""
    two = OK.replace(b'{"data":1}', b'{"data":2}')
    server, url = await scripted(lambda n, head: OK[:40] if n == 1 else two)
    async with client_for(url) as client:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await client.call("GET", "/admin/information")
        assert [(await client.call("GET", "/admin/information"))["data"] for _ in range(2)] == [2, 2]
        await asyncio.sleep(0.1)
        assert server.writers[0].is_closing()  # the server saw the cut connection end
    assert server.connections == 2
