"""An HTTP/2 connection's network stream: httpcore's HTTP/2 connection on asyncio's own streams.

A server that chooses HTTP/2 is served by httpcore's HTTP/2 connection (``strapi_console/wire.py`` hands
the TLS connection over once ALPN says ``h2``). httpcore reaches the socket through this stream instead
of its anyio one, whose per-call cancel scopes cost about as much CPU as the parsing: a read or a write
is one await, bounded by ``asyncio.timeout``. Errors are httpcore's own types raised from the OS or TLS
error (``from``), so the cause (reset, certificate) stays in the chain for
:func:`strapi_console.http.map_transport_error`.
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
import typing

import httpcore

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
