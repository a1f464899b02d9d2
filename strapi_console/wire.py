"""The console's HTTP connections on asyncio protocols: HTTP/1.1 with :mod:`strapi_console.http1` reading
every answer (h11's rules, without its machinery), and HTTP/2 with h2 (its state machine and HPACK) when TLS
negotiates it.

Why not httpcore's connection pool: a fleet scan sends tens of thousands of small requests, and the
pool's bookkeeping (every connection's state walked several times per request, anyio locks and
semaphores, a network stream of awaited reads under every response, trace logging) cost more CPU than
parsing the answers, over HTTP/1.1 and HTTP/2 alike. Here a connection is an :class:`asyncio.Protocol`:
bytes arrive in ``data_received``, go straight into the HTTP/1.1 reader (h11's rules, held to h11's verdict
in the tests) or h2 (the strict parser httpcore uses too), so a hostile answer is refused as before, and one
future per request wakes its caller when the answer is complete.

What it keeps of an HTTP client's duties:

- **Bounds**: an answer's status line and headers at most 64 KB, however they arrive; a body is read at
  most to the request's ``max_body`` extension (plus one piece, so the caller sees it is over), then the
  connection (HTTP/2: the stream) is dropped; at most ``http1.MAX_CHUNKS`` chunks (HTTP/2: DATA frames, empty
  ones too, which never grow the body and keep the read timeout from firing). A read that waits longer than the ``read`` timeout between
  two arrivals fails.
- **Reuse**: a connection goes back to its server's idle list only when its answer was read whole and
  cleanly (no ``Connection: close``, not read to the close, nothing after it, not framed two ways, no
  cancelled or failed request); an idle connection the server closed is never reused, one idle longer
  than ``keepalive_expiry`` is closed. A GET that fails on a reused connection before any answer arrived
  (the server closed it as it was picked) is sent once more on a new connection, as browsers do.
- **HTTP/2**: over TLS the connection offers ``h2`` by ALPN when the ``h2`` package is installed; a
  server that picks it gets one shared connection (:class:`H2`), and its answers say ``HTTP/2`` so the
  session widens the per-host cap.
- **Errors** are httpx's own types raised ``from`` the OS, TLS or parser error, so
  :func:`strapi_console.http.map_transport_error` reads them as it reads httpx's.
"""

from __future__ import annotations

import abc
import asyncio
import functools
import re
import socket
import ssl
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import httpx

from strapi_console import http1

DEFAULT_BODY_LIMIT = 64 * 1024 * 1024  # when a request names no max_body (the odd upload's answer)
KEEPALIVE_EXPIRY = 5.0
MAX_IDLE = 16  # idle connections kept per server
MAX_HEAD = http1.MAX_HEAD  # an answer's status line and headers, at most (HTTP/2: the header list)
JOIN_EVERY = 256  # body pieces kept apart before they are joined into one
Key = tuple[str, str, int]
Headers = list[tuple[bytes, bytes]]


class Origin(NamedTuple):
    """Where a request goes: scheme, host (as connected to: IDNA, no brackets), port, and the Host header."""
    scheme: str
    host: str
    port: int
    host_header: bytes


@functools.lru_cache(maxsize=4096)
def origin(prefix: str) -> Origin:
    """The origin of ``scheme://host[:port]`` as httpx reads it (IDNA, default ports, brackets)."""
    url = httpx.URL(prefix)
    port = url.port or (443 if url.scheme == "https" else 80)
    host = url.raw_host.decode("ascii")
    return Origin(url.scheme, host, port, url.netloc)


@functools.lru_cache(maxsize=1024)
def target(rest: str) -> bytes:
    """A path and query (what follows the origin in a URL) as the request target, encoded as httpx encodes it.
    Cached: a fleet scan sends the same few dozen paths to every server."""
    return httpx.URL("http://h" + rest).raw_path


def split(url: str) -> tuple[Origin, bytes]:
    """An absolute http(s) URL as its origin and request target."""
    cut = url.find("/", url.find("//") + 2)
    if cut < 0:
        return origin(url), b"/"
    return origin(url[:cut]), target(url[cut:])


@dataclass(slots=True)
class Answer:
    """A whole answer (its body at most one chunk over the request's limit)."""
    status: int
    headers: Headers
    chunks: list[bytes]
    http_version: bytes
    reason: bytes = b""


class Direct(abc.ABC):
    """A transport that takes a request as its parts (what the session already has at hand) instead of as
    httpx objects, whose construction cost as much CPU as the exchange itself. The headers must name the
    Host; ``connect_to`` is an address to connect to instead of the host (a checked loopback address)."""

    @abc.abstractmethod
    async def exchange(self, method: bytes, where: Origin, target: bytes, headers: Headers, body: bytes,
                       timeouts: dict, limit: int, connect_to: str | None = None) -> Answer:
        """The server's whole answer to one request."""


class _Exchange:
    """One request's answer as it arrives (an HTTP/1.1 connection's, or an HTTP/2 stream's)."""

    __slots__ = ("future", "status", "reason", "headers", "chunks", "size", "limit", "started", "joined", "frames")

    def __init__(self, future: asyncio.Future, limit: int) -> None:
        self.future, self.limit = future, limit
        self.status, self.reason, self.headers = 0, b"", []
        self.chunks: list[bytes] = []
        self.size = 0
        self.started = False  # any byte of the answer seen
        self.joined = 0  # pieces at the start of ``chunks`` that are already joins of many
        self.frames = 0  # HTTP/2: the answer's DATA frames so far, empty ones too

    def add(self, data: bytes) -> bool:
        """Keep a piece of the body; True once the body is over the limit. The pieces since the last join are
        joined every ``JOIN_EVERY``: a server may send its body as endless one-byte chunks (or empty HTTP/2 DATA
        frames), and each piece kept as its own object would cost some sixty bytes of memory per byte."""
        if data:
            self.size += len(data)
            chunks = self.chunks
            chunks.append(data)
            if len(chunks) - self.joined >= JOIN_EVERY:
                chunks[self.joined:] = [b"".join(chunks[self.joined:])]
                self.joined += 1
        return self.size > self.limit


class H1(asyncio.Protocol):
    """One HTTP/1.1 connection. At most one request at a time (no pipelining)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.reader = http1.Reader()
        self.ready = True  # no request on it yet, or the last one's answer read whole and cleanly
        self.transport: asyncio.Transport | None = None
        self.exchange: _Exchange | None = None
        self.closed = False
        self.used = 0  # requests sent on this connection
        self.heard = False  # whether any byte of the last request's answer arrived
        self.idle_since = 0.0
        self.h2: H2 | None = None  # the connection's protocol once the server chose HTTP/2
        self.lost = loop.create_future()  # done once asyncio has closed the socket
        self.last_read = 0.0
        self._paused = False
        self._drained: asyncio.Future | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._read_timeout: float | None = None

    # --- asyncio's side ----------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2":
            # the server speaks HTTP/2 here: the connection is handed to an HTTP/2 protocol
            self.h2 = H2(self.loop)
            transport.set_protocol(self.h2)
            self.h2.connection_made(transport)
            return
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass

    def data_received(self, data: bytes) -> None:
        self.last_read = self.loop.time()
        if self.exchange is None:  # bytes nobody asked for: this connection is not fit for another request
            self._drop()
            return
        exchange = self.exchange
        if exchange.future.done():  # after the whole answer, before its caller took it: the next answer would
            self._drop()            # be read out of step, so the connection carries no other request
            return
        exchange.started = True
        try:
            said = self.reader.feed(data, exchange)
        except http1.ProtocolError as exc:
            self._fail(httpx.RemoteProtocolError(str(exc)), exc)
            return
        if said == http1.OVER:  # the caller sees the body is over its limit; the rest is never read
            self._drop()
            exchange.future.set_result(exchange)
        elif said == http1.COMPLETE:
            exchange.future.set_result(exchange)

    def eof_received(self) -> bool:
        exchange = self.exchange
        if exchange is not None and not exchange.future.done():
            try:
                self.reader.eof()
            except http1.ProtocolError as exc:
                self._fail(httpx.RemoteProtocolError(str(exc)), exc)
            else:
                exchange.future.set_result(exchange)
        self.closed = True
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.lost.done():
            self.lost.set_result(None)
        self._stop_timer()
        if self._drained is not None and not self._drained.done():
            self._drained.set_exception(httpx.WriteError("the connection was closed while sending"))
        self._fail(httpx.RemoteProtocolError("Server disconnected without sending a complete response.")
                   if exc is None else _read_error(exc))

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    # --- the console's side --------------------------------------------------------------------------

    def reusable(self, now: float) -> bool:
        return (not self.closed and self.h2 is None and self.transport is not None and not self.transport.is_closing()
                and self.ready and now - self.idle_since < KEEPALIVE_EXPIRY)

    async def request(self, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes,
                      timeouts: dict, limit: int) -> _Exchange:
        try:
            data, keep = http1.request(method, target, headers, body)
        except http1.LocalError as exc:
            self._drop()
            raise httpx.LocalProtocolError(str(exc)) from exc
        self.ready = False
        self.reader.begin(method, keep)
        exchange = self.exchange = _Exchange(self.loop.create_future(), limit)
        self.used += 1
        try:
            self.transport.write(data)  # type: ignore[union-attr]
            if self._paused:
                await self._drain(timeouts.get("write"))
            self._arm(timeouts.get("read"))
            return await exchange.future
        except BaseException:
            self._drop()  # cancelled or failed half-way: the connection's state is unknown
            raise
        finally:
            self._stop_timer()
            self.heard = exchange.started
            self.exchange = None

    def finish(self) -> bool:
        """After an answer was read whole: ready the connection for the next request; False when it cannot
        be (the server said close, or the answer was not read cleanly)."""
        # not after an answer read to the close, with Connection: close or over HTTP/1.0, with bytes after it
        # (the next answer would be read out of step) or framed two ways
        if self.closed or not self.reader.reusable:
            self._drop()
            return False
        self.ready = True
        self.idle_since = self.loop.time()
        return True

    def close(self) -> None:
        self._drop()

    # --- inside ------------------------------------------------------------------------------------

    def _fail(self, error: Exception, cause: BaseException | None = None) -> None:
        exchange = self.exchange
        if exchange is not None and not exchange.future.done():
            if cause is not None:
                error.__cause__ = cause
            exchange.future.set_exception(error)
        self._drop()

    def _drop(self) -> None:
        self.closed = True
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    async def _drain(self, timeout: float | None) -> None:
        self._drained = self.loop.create_future()
        try:
            async with asyncio.timeout(timeout):
                await self._drained
        except TimeoutError as exc:
            raise httpx.WriteTimeout("the server did not take the request in time") from exc
        finally:
            self._drained = None

    def _arm(self, timeout: float | None) -> None:
        """The read timeout: the answer must keep arriving, at most ``timeout`` seconds between two reads.
        One timer per request, moved on only when it fires early (not at every read)."""
        if timeout is None:
            return
        self._read_timeout = timeout
        self.last_read = self.loop.time()
        self._timer = self.loop.call_at(self.last_read + timeout, self._check_read)

    def _check_read(self) -> None:
        self._timer = None
        if self.exchange is None or self._read_timeout is None:
            return
        due = self.last_read + self._read_timeout
        if self.loop.time() < due:
            self._timer = self.loop.call_at(due, self._check_read)
            return
        self._fail(httpx.ReadTimeout("the server stopped sending its answer"))

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class H2(asyncio.Protocol):
    """One HTTP/2 connection: many requests at once, each a stream (h2's state machine and HPACK).

    Bounds as for HTTP/1.1: the server's header list at most 64 KB (HPACK's decoder refuses more), a body read
    at most to the request's limit (then the stream is reset), reads bounded by the read timeout; the server's
    MAX_CONCURRENT_STREAMS is kept (requests over it wait); a GOAWAY ends the connection for new requests and
    fails the streams it says were not processed; server push is refused in the settings."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        import h2.config
        import h2.settings

        self.loop = loop
        # the console's own header lines are made ready for HTTP/2 by _h2_fields (h2's generic outbound
        # checks and normalisation were a tenth of a TLS scan's CPU); what the server sends is checked by h2
        self.conn = _h2_connection()(config=h2.config.H2Configuration(
            client_side=True, header_encoding=None, validate_inbound_headers=True,
            validate_outbound_headers=False, normalize_outbound_headers=False))
        self.conn.local_settings = h2.settings.Settings(client=True, initial_values={
            h2.settings.SettingCodes.ENABLE_PUSH: 0,
            h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 100,
            h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: MAX_HEAD})
        # not in the original RFC: some servers refuse a first SETTINGS frame that names it
        del self.conn.local_settings[h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL]
        self.transport: asyncio.Transport | None = None
        self.streams: dict[int, _Exchange] = {}
        self.max_streams = 100
        self.waiting: list[asyncio.Future] = []  # requests waiting for a stream (or a window) to free up
        self.ended = False  # closed, failed, or told to go away: no new request
        self.last_read = 0.0
        self.idle_since = loop.time()
        self.lost = loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.conn.initiate_connection()
        self.conn.increment_flow_control_window(2 ** 24)
        self._flush()

    def available(self, now: float) -> bool:
        return (not self.ended and self.transport is not None and not self.transport.is_closing()
                and (self.streams or now - self.idle_since < KEEPALIVE_EXPIRY))

    async def request(self, method: bytes, where: Origin, target: bytes, headers: Headers, body: bytes,
                      timeouts: dict, limit: int) -> Answer:
        import h2.errors
        import h2.exceptions

        while len(self.streams) >= self.max_streams and not self.ended:
            await self._wait(timeouts.get("pool"))
        if self.ended:
            raise httpx.ConnectError("the HTTP/2 connection ended")  # nothing sent: the caller may retry
        fields = _h2_fields(headers, where.host_header)
        try:
            stream = self.conn.get_next_available_stream_id()
            self.conn.send_headers(stream, [(b":method", method), (b":authority", where.host_header),
                                            (b":scheme", b"https"), (b":path", target)] + fields, end_stream=not body)
            self.conn.increment_flow_control_window(2 ** 24, stream_id=stream)
        except h2.exceptions.NoAvailableStreamIDError as exc:
            self._end()
            raise httpx.ConnectError("the HTTP/2 connection used all its stream ids") from exc
        except h2.exceptions.ProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc) or type(exc).__name__) from exc
        exchange = self.streams[stream] = _Exchange(self.loop.create_future(), limit)
        timer = None
        try:
            self._flush()
            while body:
                window = min(self.conn.local_flow_control_window(stream), self.conn.max_outbound_frame_size)
                if window <= 0:
                    await self._wait(timeouts.get("write"))
                    continue
                chunk, body = body[:window], body[window:]
                self.conn.send_data(stream, chunk, end_stream=not body)
                self._flush()
            read = timeouts.get("read")
            if read is not None:
                self.last_read = self.loop.time()
                timer = self.loop.call_at(self.last_read + read, self._check_read, stream, read)
            await exchange.future
            return Answer(exchange.status, exchange.headers, exchange.chunks, b"HTTP/2")
        except h2.exceptions.ProtocolError as exc:
            raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__) from exc
        finally:
            if timer is not None:
                timer.cancel()
            if self.streams.pop(stream, None) is not None and not exchange.future.done():
                self._reset(stream, h2.errors.ErrorCodes.CANCEL)  # cancelled or timed out: the server stops
            if not self.streams:
                self.idle_since = self.loop.time()
                if self.ended:  # told to go away, and the last stream it still answered is done
                    self.close()
            self._wake()

    def close(self) -> None:
        self._end()
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    # --- asyncio's side ----------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        import h2.events
        import h2.exceptions

        self.last_read = self.loop.time()
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError as exc:  # HPACK bombs, oversized headers, frames out of order
            self._fail_all(httpx.RemoteProtocolError(f"the server broke HTTP/2 ({type(exc).__name__}: {exc})"))
            self.close()
            return
        for event in events:
            kind = type(event)
            exchange = self.streams.get(getattr(event, "stream_id", 0) or 0)
            if kind is h2.events.ResponseReceived and exchange is not None:
                status, fields = _h2_head(event.headers)
                if status is None:
                    self._fail(event.stream_id, httpx.RemoteProtocolError("the server's answer has no valid :status"))
                    continue
                exchange.status, exchange.headers = status, fields
            elif kind is h2.events.DataReceived:
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                if exchange is not None and exchange.status and not exchange.future.done():
                    exchange.frames += 1
                    if exchange.frames > http1.MAX_CHUNKS:  # empty frames never meet the body's limit
                        self._reset(event.stream_id, 8)  # CANCEL
                        self._fail(event.stream_id, httpx.RemoteProtocolError(
                            f"the answer's body is over {http1.MAX_CHUNKS:,} DATA frames"))
                    elif exchange.add(event.data):  # the caller sees it is over; the rest is never read
                        self._reset(event.stream_id, 8)  # CANCEL
                        exchange.future.set_result(exchange)
            elif kind is h2.events.StreamEnded and exchange is not None and not exchange.future.done():
                if exchange.status:
                    exchange.future.set_result(exchange)
                else:
                    self._fail(event.stream_id, httpx.RemoteProtocolError("the server ended a stream with no answer"))
            elif kind is h2.events.StreamReset and exchange is not None:
                self._fail(event.stream_id, httpx.RemoteProtocolError(
                    f"the server reset the request's stream (error {int(event.error_code)})"))
            elif kind is h2.events.RemoteSettingsChanged:
                changed = event.changed_settings.get(3)  # MAX_CONCURRENT_STREAMS
                if changed is not None:
                    self.max_streams = max(1, min(int(changed.new_value), 100))
                    self._wake()
            elif kind is h2.events.WindowUpdated:
                self._wake()
            elif kind is h2.events.ConnectionTerminated:  # GOAWAY: streams above its last id were not processed
                self._end()
                last = event.last_stream_id if event.last_stream_id is not None else 0
                for stream in [s for s in self.streams if s > last]:
                    self._fail(stream, httpx.ConnectError("the server closed the HTTP/2 connection before "
                                                          "this request (GOAWAY)"))
            # informational answers, trailers, pings (h2 answers them), priority: nothing to do
        self._flush()

    def eof_received(self) -> bool:
        return False

    def pause_writing(self) -> None:
        """The server takes nothing more from the console: stop reading from it too. Much of what a server sends
        wants an answer (a PING's, a SETTINGS' acknowledgement); one that floods them while reading nothing would
        have the console buffer its answers without bound. Stalled, the answers in flight meet the read timeout."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self._end()
        self._fail_all(httpx.RemoteProtocolError("Server disconnected without sending a complete response.")
                       if exc is None else _read_error(exc))
        if not self.lost.done():
            self.lost.set_result(None)

    # --- inside ------------------------------------------------------------------------------------

    def _flush(self) -> None:
        out = self.conn.data_to_send()
        if out and self.transport is not None and not self.transport.is_closing():
            self.transport.write(out)

    def _reset(self, stream: int, code: int) -> None:
        import h2.exceptions

        try:
            self.conn.reset_stream(stream, code)
        except h2.exceptions.ProtocolError:
            pass  # already closed on the server's side
        self._flush()

    def _fail(self, stream: int, error: Exception) -> None:
        exchange = self.streams.get(stream)
        if exchange is not None and not exchange.future.done():
            exchange.future.set_exception(error)

    def _fail_all(self, error: Exception) -> None:
        for stream in list(self.streams):
            self._fail(stream, error)
        self._wake()

    def _end(self) -> None:
        self.ended = True
        self._wake()

    async def _wait(self, timeout: float | None) -> None:
        waiter = self.loop.create_future()
        self.waiting.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                await waiter
        except TimeoutError as exc:
            raise httpx.PoolTimeout("the server's HTTP/2 connection had no room for this request in time") from exc
        finally:
            if waiter in self.waiting:
                self.waiting.remove(waiter)

    def _wake(self) -> None:
        waiting, self.waiting = self.waiting, []
        for waiter in waiting:
            if not waiter.done():
                waiter.set_result(None)

    def _check_read(self, stream: int, timeout: float) -> None:
        exchange = self.streams.get(stream)
        if exchange is None or exchange.future.done():
            return
        due = self.last_read + timeout
        if self.loop.time() < due:
            self.loop.call_at(due, self._check_read, stream, timeout)
            return
        self._fail(stream, httpx.ReadTimeout("the server stopped sending its answer"))


# connection-specific headers HTTP/2 forbids (RFC 9113 §8.2.2); Host becomes :authority
_NOT_IN_FIELD = re.compile(rb"[\r\n\x00]")
_NOT_IN_H2 = frozenset({b"host", b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade"})


@functools.cache
def _h2_connection() -> type:
    """h2's client connection, reading on after a graceful GOAWAY. h2 takes any GOAWAY as the end of everything
    and refuses the frames after it as a protocol error, while RFC 9113 §6.8 says the streams up to the GOAWAY's
    last stream id are still answered: nginx sends one after ``keepalive_requests`` (1000) with requests in
    flight, which a fleet scan reaches. While any of those streams is open, the connection stays readable;
    :class:`H2` opens no stream on it once told to go away, and closes it when the last one ends."""
    import h2.connection

    class Connection(h2.connection.H2Connection):
        def _receive_goaway_frame(self, frame):
            frames, events = super()._receive_goaway_frame(frame)
            if any(sid <= frame.last_stream_id and stream.open for sid, stream in self.streams.items()):
                self.state_machine.state = h2.connection.ConnectionState.CLIENT_OPEN
            return frames, events

    return Connection


def _h2_fields(headers: Headers, authority: bytes) -> list:
    """A request's header lines as HTTP/2 fields, as h2's outbound normalisation and checks made them: names
    lowercased and refused unless a token; the connection-specific headers dropped (Host becomes :authority, and
    one that names anything else, or a second one, is refused: dropped quietly, the request would go elsewhere
    than the caller said, while HTTP/1.1 sends that Host as given);
    ``te`` only as ``trailers``; values with CR, LF or NUL refused (RFC 9113 §8.2.1: h2 sends whatever HPACK can
    carry, and a proxy turning the request back into HTTP/1.1 would read such a header as two) and trimmed;
    credentials (Authorization, a short Cookie) never put in the HPACK table, where a compression attack on
    the connection could guess them."""
    from hpack import NeverIndexedHeaderTuple

    out: list = []
    hosts = 0
    for name, value in headers:
        name = name.lower()
        if name in _NOT_IN_H2:
            if name == b"host":
                hosts += 1
                if hosts > 1:
                    raise httpx.LocalProtocolError("found multiple Host headers: not sent")
                if value.strip() != authority:
                    raise httpx.LocalProtocolError("a Host header other than the request's authority: not sent")
            continue
        if not http1.is_token(name):
            raise httpx.LocalProtocolError(f"illegal header name {name!r}: not sent")
        if _NOT_IN_FIELD.search(value):
            raise httpx.LocalProtocolError("a request header holds a line break or a NUL: not sent")
        value = value.strip()
        if name == b"te" and value.lower() != b"trailers":
            raise httpx.LocalProtocolError("a TE header other than 'trailers' is not sent over HTTP/2")
        if name in _NEVER_INDEXED or (name == b"cookie" and len(value) < 20):
            out.append(NeverIndexedHeaderTuple(name, value))
        else:
            out.append((name, value))
    return out


_NEVER_INDEXED = frozenset({b"authorization", b"proxy-authorization"})


def _h2_head(fields) -> tuple[int | None, Headers]:
    """An HTTP/2 answer's status and its ordinary header fields (the pseudo-headers dropped)."""
    status = None
    out: Headers = []
    for name, value in fields:
        if name == b":status":
            status = int(value) if len(value) == 3 and value.isdigit() and 200 <= int(value) <= 599 else None
        elif not name.startswith(b":"):
            out.append((name, value))
    return status, out


def _read_error(exc: BaseException) -> httpx.TransportError:
    error = httpx.ReadError(str(exc) or type(exc).__name__)
    error.__cause__ = exc
    return error


class _Body(httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    async def __aiter__(self):
        for chunk in self.chunks:
            yield chunk


class Pool(httpx.AsyncBaseTransport, Direct):
    """The connections of one session (one profile), kept per server (scheme, host, port)."""

    def __init__(self, *, verify: ssl.SSLContext | Callable[[], ssl.SSLContext] | None, http2: bool) -> None:
        # the verifying context, or what makes it on the first HTTPS connection (loading a trust store costs
        # tens of milliseconds a process: a plain-HTTP session or one that never connects skips it)
        self._verify = verify
        self.http2 = http2
        self._idle: dict[Key, list[H1]] = {}
        self._busy: set[H1] = set()
        self._h2: dict[Key, H2] = {}
        self._h2_ending: weakref.WeakSet[H2] = weakref.WeakSet()  # no new requests; closed by the last answer
        self._alpn: dict[Key, str] = {}  # what an HTTPS server chose the first time
        self._deciding: dict[Key, asyncio.Future] = {}
        self._closed = False

    def verify(self) -> ssl.SSLContext:
        if self._verify is None:
            raise httpx.ConnectError("this session has no TLS context: it was made for plain HTTP")
        if not isinstance(self._verify, ssl.SSLContext):
            self._verify = self._verify()
        return self._verify

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """httpx's way in (the session's odd request through an httpx client, a wrapping transport)."""
        url = request.url
        port = url.port or (443 if url.scheme == "https" else 80)
        where = Origin(url.scheme, url.raw_host.decode("ascii"), port, url.netloc)
        answer = await self.exchange(request.method.encode("ascii"), where, url.raw_path, request.headers.raw,
                                     await request.aread(), request.extensions.get("timeout") or {},
                                     request.extensions.get("max_body", DEFAULT_BODY_LIMIT))
        return httpx.Response(answer.status, headers=answer.headers, stream=_Body(answer.chunks),
                              extensions={"http_version": answer.http_version, "reason_phrase": answer.reason})

    async def exchange(self, method: bytes, where: Origin, target: bytes, headers: Headers, body: bytes,
                       timeouts: dict, limit: int, connect_to: str | None = None) -> Answer:
        key = (where.scheme, connect_to or where.host, where.port)
        if where.scheme == "https" and self.http2:
            for attempt in range(2):
                h2 = await self._h2_for(key, where, timeouts)
                if h2 is None:
                    break
                try:
                    return await h2.request(method, where, target, headers, body, timeouts, limit)
                except httpx.ConnectError:  # the connection ended before this request was sent: a new one
                    if attempt:
                        raise
        for attempt in range(2):
            connection, reused = await self._h1_for(key, where, timeouts)
            if connection is None:  # the server chose HTTP/2 on this new connection
                return await self._h2[key].request(method, where, target, headers, body, timeouts, limit)
            self._busy.add(connection)
            try:
                exchange = await connection.request(method, target, headers, body, timeouts, limit)
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
                if reused and attempt == 0 and not connection.heard and method in (b"GET", b"HEAD"):
                    continue  # the server closed an idle connection just as it was picked: once more, anew
                raise
            finally:
                self._busy.discard(connection)
            if connection.finish() and not self._closed:
                idle = self._idle.setdefault(key, [])
                if len(idle) < MAX_IDLE:
                    idle.append(connection)
                else:
                    connection.close()
            return Answer(exchange.status, exchange.headers, exchange.chunks, b"HTTP/1.1", exchange.reason)
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        self._closed = True
        closing = [connection for idle in self._idle.values() for connection in idle] + list(self._busy)
        self._idle.clear()
        for connection in closing:
            connection.close()
        h2, self._h2 = list(self._h2.values()) + list(self._h2_ending), {}
        for connection in h2:
            connection.close()
        waits = [c.lost for c in closing if c.h2 is None] + [c.lost for c in h2]
        if waits:  # asyncio closes each socket a loop turn later (TLS: after its close_notify): not left open
            await asyncio.wait(waits, timeout=1.0)

    # --- HTTP/1.1 ----------------------------------------------------------------------------------

    async def _h1_for(self, key: Key, where: Origin, timeouts: dict) -> tuple[H1 | None, bool]:
        idle = self._idle.get(key)
        if idle:
            now = asyncio.get_running_loop().time()
            while idle:
                connection = idle.pop()
                if connection.reusable(now):
                    return connection, True
                connection.close()
        connection = await self._connect(key, where, timeouts)
        if connection.h2 is not None:
            return None, False
        return connection, False

    async def _connect(self, key: Key, where: Origin, timeouts: dict) -> H1:
        scheme, address, port = key
        loop = asyncio.get_running_loop()
        tls = scheme == "https"
        context = self.verify() if tls else None
        if context is not None and self.http2:
            # offered on the (shared) context; a connection of any pool speaks whatever the server chose
            context.set_alpn_protocols(["http/1.1", "h2"])
        made: list[H1] = []  # the protocol, once the TCP connection is made (before any TLS handshake)

        def connected() -> H1:
            made.append(H1(loop))
            return made[0]

        try:
            async with asyncio.timeout(timeouts.get("connect")):
                _, protocol = await loop.create_connection(connected, address, port, ssl=context,
                                                           server_hostname=where.host if tls else None)
        except TimeoutError as exc:
            if made and tls:  # the server took the connection, then never finished the TLS handshake
                stalled = ssl.SSLWantReadError("the TLS handshake did not finish")
                stalled.__cause__ = exc
                raise httpx.ConnectTimeout(f"{address}:{port} did not finish the TLS handshake in time") from stalled
            raise httpx.ConnectTimeout(f"no connection to {address}:{port} in time") from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
        if tls:
            self._alpn[key] = "h2" if protocol.h2 is not None else "http/1.1"
            if protocol.h2 is not None:
                self._h2[key] = protocol.h2
        return protocol

    # --- HTTP/2 ------------------------------------------------------------------------------------

    async def _h2_for(self, key: Key, where: Origin, timeouts: dict) -> H2 | None:
        """The server's HTTP/2 connection, when it chose HTTP/2; None when it speaks HTTP/1.1. While the
        first connection to a server is being made, the others wait for what the server chooses."""
        while True:
            connection = self._h2.get(key)
            if connection is not None:
                if connection.available(asyncio.get_running_loop().time()):
                    return connection
                del self._h2[key]
                self._alpn.pop(key, None)
                if connection.streams:  # told to go away: the requests still on it are answered, then it closes
                    self._h2_ending.add(connection)
                else:
                    connection.close()
            if self._alpn.get(key) == "http/1.1":
                return None
            deciding = self._deciding.get(key)
            if deciding is None:
                break
            failure = await asyncio.shield(deciding)
            if failure is not None:
                # the connection they waited for failed: so do they, at once, rather than each trying in turn
                # (a server that accepts and never finishes its handshake cost each waiter a whole timeout more)
                raise type(failure)(str(failure)) from failure
        # the first connection to this server (or a new one after the last HTTP/2 connection ended)
        deciding = self._deciding[key] = asyncio.get_running_loop().create_future()
        failure = None
        try:
            connection = await self._connect(key, where, timeouts)
        except httpx.TransportError as exc:
            failure = exc
            raise
        finally:
            del self._deciding[key]
            deciding.set_result(failure)  # a cancelled first request leaves the others to try on their own
        if connection.h2 is not None:
            return self._h2[key]
        if not connection.closed:  # a new HTTP/1.1 connection: the next request takes it
            connection.idle_since = asyncio.get_running_loop().time()
            self._idle.setdefault(key, []).append(connection)
        return None


def transport(*, verify: ssl.SSLContext | Callable[[], ssl.SSLContext] | None, http2: bool) -> Pool:
    return Pool(verify=verify, http2=http2)
