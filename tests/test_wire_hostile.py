"""The console's own connections (strapi_console/wire.py) against servers that mean harm: answers built to
desync a kept connection, to make the console hold memory out of proportion to what it reads, to send
something the console must never send, or to break a protocol callback. Real loopback servers: raw sockets
for HTTP/1.1 (tests/test_wire.py's ``Scripted``), the h2 package over TLS for HTTP/2."""

from __future__ import annotations

import asyncio
import tracemalloc

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
    """Both framings at once (RFC 9112 §6.3: a sign of response smuggling, to be treated as an error): h11 reads
    the chunks, something in between may have read the length. Whatever follows on that connection is not
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
