"""The network under the HTTP layer: httpcore's connections on asyncio's own streams.

httpcore reaches sockets through a "network backend"; its default goes through anyio, whose per-call
cancel scopes and per-call attribute tables cost about as much CPU as the HTTP parsing itself (a fleet
scan sends tens of thousands of requests). The console runs on asyncio only, so this backend uses
asyncio's streams directly: a read or a write is one await, bounded by ``asyncio.timeout``. Errors are
httpcore's own types raised from the OS or TLS error (``from``), as the anyio backend does, so httpx
maps them the same way and :func:`strapi_console.http.map_transport_error` still finds the cause
(refused, unresolvable, certificate) in the chain.
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
import typing

import httpcore
import httpx

SOCKET_OPTION = typing.Union[tuple[int, int, int], tuple[int, int, typing.Union[bytes, bytearray]],
                             tuple[int, int, None, int]]


def _readable(sock: socket.socket | None) -> bool:
    """True when an idle connection has something to read: the server closed it, or sent junk."""
    if sock is None or sock.fileno() < 0:
        return True
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


class Stream(httpcore.AsyncNetworkStream):
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self.reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(str(exc)) from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpcore.ReadError(str(exc) or type(exc).__name__) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            self.writer.write(buffer)
            async with asyncio.timeout(timeout):
                await self.writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(str(exc)) from exc
        except (OSError, ssl.SSLError, RuntimeError) as exc:  # RuntimeError: written after close
            raise httpcore.WriteError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        self.writer.close()
        try:
            # shielded: every wait_closed() of a stream awaits one shared future, and a task cancelled while
            # awaiting it cancels that future for all (a worker cancelled at shutdown while closing a pooled
            # connection made the session's own close raise CancelledError)
            await asyncio.shield(self.writer.wait_closed())
        except (OSError, ssl.SSLError):
            pass  # the connection is gone either way

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> "Stream":
        try:
            async with asyncio.timeout(timeout):
                await self.writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            await self.aclose()
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except (OSError, ssl.SSLError) as exc:
            await self.aclose()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        return self

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":
            return _readable(self.writer.get_extra_info("socket"))
        if info == "ssl_object":
            return self.writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self.writer.get_extra_info("sockname")
        if info == "server_addr":
            return self.writer.get_extra_info("peername")
        if info == "socket":
            return self.writer.get_extra_info("socket")
        return None


class Backend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: typing.Iterable[SOCKET_OPTION] | None = None) -> Stream:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, local_addr=(local_address, 0) if local_address else None, limit=2 ** 20)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        sock = writer.get_extra_info("socket")
        if sock is not None:
            for option in socket_options or ():
                sock.setsockopt(*option)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return Stream(reader, writer)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: typing.Iterable[SOCKET_OPTION] | None = None) -> Stream:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_unix_connection(path)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        return Stream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def transport(*, verify: ssl.SSLContext, http2: bool) -> httpx.AsyncHTTPTransport:
    """httpx's transport with its connection pool on this backend (the pool's other settings as httpx sets
    them by default)."""
    out = httpx.AsyncHTTPTransport(verify=verify, http2=http2, trust_env=False)
    limits = httpx.Limits()
    out._pool = httpcore.AsyncConnectionPool(  # noqa: SLF001 - httpx offers no other way to name a backend
        ssl_context=verify, max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
        http1=True, http2=http2, network_backend=Backend())
    return out
