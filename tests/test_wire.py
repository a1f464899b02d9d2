"""The console's own HTTP/1.1 connections (strapi_console/wire.py) against a raw loopback server that
answers byte for byte what each test scripts: reuse and its limits, a server closing an idle connection,
the bounds (headers, body, a stalled answer), informational answers, and requests that must not leave."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from strapi_console import errors
from strapi_console.client import StrapiClient
from strapi_console.config import Profile
from strapi_console.secrets import Credentials
from strapi_console.wire import DEFAULT_BODY_LIMIT, Pool, split

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"data\":1}\n"


class Scripted:
    """A loopback server: each request (its head read whole) is answered by ``answer(n, head)``'s bytes, or,
    when it returns None, the connection is closed without a word. Counts connections and requests."""

    def __init__(self, answer) -> None:
        self.answer = answer
        self.connections = 0
        self.heads: list[bytes] = []
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                if length:
                    head += await reader.readexactly(length)
                self.heads.append(head)
                out = self.answer(len(self.heads), head)
                if out is None:
                    break
                parts = out if isinstance(out, list) else [out]
                if None in parts:  # the answer breaks off: what comes before None is sent, then the connection ends
                    for part in parts[:parts.index(None)]:
                        writer.write(part)
                    await writer.drain()
                    break
                for part in parts:
                    if isinstance(part, float):
                        await asyncio.sleep(part)
                    else:
                        writer.write(part)
                        await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def close(self) -> None:
        for writer in self.writers:
            writer.close()
        self.server.close()


@pytest.fixture
async def scripted():
    servers: list[Scripted] = []

    async def make(answer) -> tuple[Scripted, str]:
        server = Scripted(answer)
        servers.append(server)
        return server, await server.start()

    yield make
    for server in servers:
        await server.close()


def client_for(url: str, **kw) -> StrapiClient:
    return StrapiClient(Profile("w", url), Credentials(kind="admin-token", access_token="t0ken"), **kw)


async def test_one_connection_carries_request_after_request(scripted):
    server, url = await scripted(lambda n, head: OK)
    async with client_for(url) as client:
        for _ in range(5):
            assert (await client.call("GET", "/admin/information"))["data"] == 1
    assert server.connections == 1 and len(server.heads) == 5


async def test_connection_close_is_honoured(scripted):
    server, url = await scripted(lambda n, head: OK.replace(b"Content-Length", b"Connection: close\r\nContent-Length"))
    async with client_for(url) as client:
        for _ in range(3):
            await client.call("GET", "/admin/information")
    assert server.connections == 3


async def test_an_idle_connection_the_server_closed_is_not_reused(scripted):
    server, url = await scripted(lambda n, head: OK)
    async with client_for(url) as client:
        await client.call("GET", "/admin/information")
        for writer in server.writers:  # the server ends its idle connection (a keep-alive timeout)
            writer.close()
        await asyncio.sleep(0.1)
        assert (await client.call("GET", "/admin/information"))["data"] == 1
    assert server.connections == 2


async def test_a_get_on_a_connection_closed_as_it_was_picked_is_sent_once_more_a_post_is_not(scripted):
    """The server closes the kept connection on the request's arrival (a race with its keep-alive timeout):
    nothing was answered, so a GET goes again on a new connection; a POST is never sent twice."""
    silent = {2, 4}  # the second and fourth requests: each the first on a kept connection
    server, url = await scripted(lambda n, head: None if n in silent else OK)
    async with client_for(url) as client:
        await client.call("GET", "/admin/information")
        assert (await client.call("GET", "/admin/information"))["data"] == 1
        assert [h.split(b" ")[0] for h in server.heads] == [b"GET", b"GET", b"GET"]
        with pytest.raises(errors.Unreachable, match="closed the connection"):
            await client.call("POST", "/admin/logout", json_body={})
    assert [h.split(b" ")[0] for h in server.heads] == [b"GET", b"GET", b"GET", b"POST"]


async def test_headers_over_the_bound_are_refused(scripted):
    """Over 64 KB of headers, whether they arrive at once or a few bytes at a time."""
    filler = b"HTTP/1.1 200 OK\r\n" + b"X-Filler: a\r\n" * 6_000
    whole = filler + b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    _, url = await scripted(lambda n, head: whole if n == 1 else [whole[i:i + 4096] for i in range(0, len(whole), 4096)])
    async with client_for(url) as client:
        for _ in range(2):
            with pytest.raises(errors.Unreachable, match="not HTTP"):
                await client.call("GET", "/admin/information")


async def test_a_body_over_the_limit_stops_the_read_and_the_connection(scripted):
    body = b"x" * 300_000
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    server, url = await scripted(lambda n, head: answer if n == 1 else OK)
    async with client_for(url) as client:
        client.http.max_body = 100_000
        with pytest.raises(errors.TooLarge):
            await client.call("GET", "/admin/information")
        assert (await client.call("GET", "/admin/information"))["data"] == 1
    assert server.connections == 2  # the cut connection was not kept


async def test_an_answer_that_stops_arriving_times_out_between_reads(scripted):
    start = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"da"
    _, url = await scripted(lambda n, head: [start, 5.0, b"ta\":1}\n"])
    async with client_for(url) as client:
        client.http._timeout = {**client.http._timeout, "read": 0.5}
        with pytest.raises(errors.TimedOut, match="did not answer in time"):
            await client.http.send("GET", "/admin/information", retries=0)


async def test_informational_answers_are_skipped(scripted):
    _, url = await scripted(lambda n, head: b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + OK)
    async with client_for(url) as client:
        assert (await client.call("GET", "/admin/information"))["data"] == 1


async def test_bytes_nobody_asked_for_spoil_the_connection(scripted):
    """One answer too many, sent with the answer or a moment after it: the next request never reads it as its
    own answer (it goes on a new connection)."""
    extra = b"HTTP/1.1 200 OK\r\n\r\n"
    server, url = await scripted(lambda n, head: {1: OK + extra, 3: [OK, 0.05, extra]}.get(n, OK))
    async with client_for(url) as client:
        for _ in range(3):
            await client.call("GET", "/admin/information")
            await asyncio.sleep(0.1)
        assert (await client.call("GET", "/admin/information"))["data"] == 1
    assert server.connections == 3


async def test_a_header_value_with_a_line_break_is_never_sent(scripted):
    server, url = await scripted(lambda n, head: OK)
    async with client_for(url) as client:
        with pytest.raises(errors.ConsoleError):
            await client.http.send("GET", "/admin/information", headers={"X-Test": "a\r\nX-Injected: 1"})
    assert not any(b"X-Injected" in head for head in server.heads)


async def test_chunked_answers_and_the_httpx_way_in(scripted):
    chunked = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5\r\n{\"dat\r\n6\r\na\":2}\n\r\n0\r\n\r\n")
    _, url = await scripted(lambda n, head: chunked)
    pool = Pool(verify=None, http2=False)  # type: ignore[arg-type]
    try:
        async with httpx.AsyncClient(transport=pool) as client:
            response = await client.get(url + "/x")
        assert response.json() == {"data": 2} and response.http_version == "HTTP/1.1"
    finally:
        await pool.aclose()


def test_urls_split_as_httpx_reads_them():
    where, target = split("http://Example.com:80/a b/ü?q=1 2")
    assert (where.scheme, where.host, where.port, where.host_header) == ("http", "example.com", 80, b"example.com")
    assert target == httpx.URL("http://example.com/a b/ü?q=1 2").raw_path
    where, target = split("https://[::1]:8443")
    assert (where.host, where.port, where.host_header, target) == ("::1", 8443, b"[::1]:8443", b"/")
    assert DEFAULT_BODY_LIMIT > 8 * 1024 * 1024


async def test_an_answer_that_breaks_off_is_asked_again_for_a_read_never_for_a_write(scripted):
    """Strapi's documentation plugin cuts answers to requests that arrive together: a GET whose answer broke off
    is sent again and gets its answer; a POST whose answer broke off is reported, sent once."""
    cut = [OK[:60], None]
    server, url = await scripted(lambda n, head: cut if n in (1, 3) else OK)
    async with client_for(url) as client:
        assert (await client.call("GET", "/admin/information"))["data"] == 1
        with pytest.raises(errors.Unreachable, match="closed the connection"):
            await client.call("POST", "/admin/information", json_body={})
    assert [h.split(b" ")[0] for h in server.heads] == [b"GET", b"GET", b"POST"]


class _Transport(asyncio.Transport):
    """Just enough of a socket's transport to drive wire.H1 by hand."""

    def __init__(self) -> None:
        super().__init__()
        self.sent, self.closed = b"", False

    def get_extra_info(self, name, default=None):
        return default

    def write(self, data) -> None:
        self.sent += data

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


async def test_bytes_after_a_whole_answer_before_its_caller_resumes_end_the_connection():
    """The answer is complete (its caller is woken) and more bytes arrive in the same loop turn: they belong to
    no request, so the connection is not kept for the next one (it would read them as its answer)."""
    from strapi_console import wire

    connection = wire.H1(asyncio.get_running_loop())
    connection.connection_made(_Transport())
    asked = asyncio.ensure_future(connection.request(b"GET", b"/", [(b"Host", b"h")], b"", {}, 1024))
    await asyncio.sleep(0)
    connection.data_received(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    connection.data_received(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nforged")
    answer = await asked
    assert answer.status == 200 and answer.chunks == [b"ok"]
    assert not connection.finish() and connection.transport.closed


async def test_a_whole_answer_alone_leaves_the_connection_ready():
    from strapi_console import wire

    connection = wire.H1(asyncio.get_running_loop())
    connection.connection_made(_Transport())
    asked = asyncio.ensure_future(connection.request(b"GET", b"/", [(b"Host", b"h")], b"", {}, 1024))
    await asyncio.sleep(0)
    connection.data_received(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    assert (await asked).chunks == [b"ok"] and connection.finish() and not connection.transport.closed
