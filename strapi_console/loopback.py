"""Plain HTTP only to this machine, checked where the connection is made.

A profile may use ``http://`` without ``allow_http`` only when the server is this machine. A name
proves nothing: ``localhost`` or ``cms.localhost`` is whatever ``/etc/hosts``, NSS or a DNS server says
it is, and the answer may change between two lookups (DNS rebinding). The profile's URL is checked by
name when it is saved (:func:`strapi_console.config.is_loopback_host`, so a config can be written
offline); what decides is this transport, under the HTTP session, for every plain-HTTP request:

1. the host name is resolved once for the request (``socket.getaddrinfo``);
2. every address it resolves to must be loopback (127.0.0.0/8 or ::1); otherwise nothing is sent and
   :class:`~strapi_console.errors.InsecureURLError` says where the name pointed, with the
   ``--allow-http`` hint;
3. the connection is made to one of those checked addresses: the request's host is replaced by the
   address (the ``Host`` header keeps the name), so nothing resolves the name a second time.

Why not check before handing the request to httpx: httpx (httpcore, anyio) would resolve the name
again to connect, and a resolver answering 127.0.0.1 to the check and another address to the connect
would pass. Pinning the checked address in the transport makes the checked address the connected one.
The addresses are tried in the resolver's order (``localhost`` often gives ::1 first while Strapi
listens on IPv4 only), each of them checked. HTTPS requests pass through untouched: TLS verification
needs the name, and the name's certificate is what protects them.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket

import httpx

from . import wire
from .config import ALLOW_HTTP_HINT, Profile
from .errors import InsecureURLError


@functools.lru_cache(maxsize=1024)
def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_loopback_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


async def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to for a TCP connection, in the resolver's order, once each."""
    loop = asyncio.get_running_loop()
    infos = await loop.run_in_executor(None, lambda: socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM))
    out: list[str] = []
    for info in infos[:64]:  # a resolver's answer is untrusted input too: bounded
        address = str(info[4][0])
        if address not in out:
            out.append(address)
    return out


def _refused(host: str, addresses: list[str]) -> InsecureURLError:
    where = ", ".join(addresses[:4]) + (" …" if len(addresses) > 4 else "") if addresses else "no address"
    return InsecureURLError(
        f"'{host}' resolves to {where}, not only to this machine (loopback): plain HTTP would carry the "
        "password and tokens across the network unencrypted. Nothing was sent.", hint=ALLOW_HTTP_HINT)


class LoopbackOnlyTransport(httpx.AsyncBaseTransport):
    """Sends plain-HTTP requests only to checked loopback addresses, pinned for the connection."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        addresses = await checked(url.scheme, url.host, url.port)
        if addresses is None:
            return await self.inner.handle_async_request(request)
        response = await _first_answer(addresses, lambda address: self.inner.handle_async_request(httpx.Request(
            request.method, url.copy_with(host=address), headers=request.headers, stream=request.stream,
            extensions=request.extensions)))
        response.request = request
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class LoopbackOnlyPool(LoopbackOnlyTransport, wire.Direct):
    """The same checks around the console's own connections, for requests the session sends as parts."""

    inner: wire.Pool

    async def exchange(self, method: bytes, where: wire.Origin, target: bytes, headers: wire.Headers, body: bytes,
                       timeouts: dict, limit: int, connect_to: str | None = None) -> wire.Answer:
        addresses = await checked(where.scheme, where.host, where.port)
        if addresses is None:
            return await self.inner.exchange(method, where, target, headers, body, timeouts, limit, connect_to)
        return await _first_answer(addresses, lambda address: self.inner.exchange(
            method, where, target, headers, body, timeouts, limit, address))


async def _first_answer(addresses: list[str], send):
    """``send(address)`` to each checked address in turn until one connects: a ConnectError means nothing was
    sent, so the next address may answer; the last failure is raised when none does."""
    failure: httpx.ConnectError | None = None
    for address in addresses:
        try:
            return await send(address)
        except httpx.ConnectError as exc:
            failure = exc
    assert failure is not None
    raise failure


async def checked(scheme: str, host: str, port: int | None) -> list[str] | None:
    """The addresses a plain-HTTP request to ``host`` may connect to, each checked to be loopback, in the
    resolver's order; None when nothing needs pinning (HTTPS, or a loopback address given literally).
    Raises InsecureURLError when any address is not loopback, httpx.ConnectError when the name does not
    resolve."""
    if scheme != "http":
        return None
    literal = _address(host)
    if literal is not None:
        if not is_loopback_address(literal):
            raise _refused(host, [str(literal)])
        return None
    try:
        addresses = await resolve(host, port or 80)
    except (socket.gaierror, UnicodeError) as exc:  # reported like any failed lookup
        raise httpx.ConnectError(f"could not resolve {host}: {exc}") from exc
    if not addresses or not all((ip := _address(a)) is not None and is_loopback_address(ip) for a in addresses):
        raise _refused(host, addresses)
    return addresses


def guard(profile: Profile, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncBaseTransport | None:
    """The transport a profile's session must use: a plain-HTTP profile without ``allow_http`` gets its
    requests checked and pinned (around the given transport, or a default one); others are unchanged."""
    if profile.allow_http or not profile.is_plain_http:
        return transport
    if transport is None:
        return LoopbackOnlyPool(wire.transport(verify=None, http2=False))  # plain HTTP: no TLS context
    return LoopbackOnlyTransport(transport)
