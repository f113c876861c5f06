"""The network: :class:`AiohttpTransport`, one keep-alive connection pool (an aiohttp
client session) per destination, on the engine's loop.

Of the clients measured on the 2-core machine, aiohttp's costs the least CPU per request
(a third of a synchronous ``httpx.Client``'s, a tenth of ``httpx.AsyncClient``'s) and keeps
thousands of requests in flight on one thread: see docs/benchmarks.md.

The address guard (:mod:`framework.core.guard`) is enforced when a connection is opened: a host
that is not ``trusted`` (the operator's own base URL) is resolved by
:class:`GuardedResolver`, which applies the guard's rules to every answer, so the address
connected to is the address checked (no DNS rebinding between check and connect); an IP
literal is checked before the request. Redirects are never followed, proxies from the
environment are never used, cookies are never kept.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable
from ipaddress import IPv4Address, ip_address
from typing import TYPE_CHECKING

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from framework.core.guard import AddressGuard
from framework.engine.responses import error_for_exception
from framework.engine.transport import Response, check_headers

if TYPE_CHECKING:
    from framework.engine.http import PreparedRequest

KEEPALIVE_SECONDS = 30.0  # an idle pooled connection is closed after this


class GuardedResolver(AbstractResolver):
    """Resolves host names through the guard (in a thread: ``getaddrinfo`` blocks), so
    that only checked addresses are connected to."""

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = await asyncio.get_running_loop().run_in_executor(
            None, self._guard.addresses, host
        )
        return [
            ResolveResult(
                hostname=host,
                host=str(address),
                port=port,
                family=socket.AF_INET if isinstance(address, IPv4Address) else socket.AF_INET6,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        """Nothing to release."""


class AiohttpTransport:
    """Requests over a pool of at most ``limit`` kept-alive connections; with a ``guard``,
    every host but the ``trusted`` ones goes through it. The session is opened on first
    use, on the running loop."""

    def __init__(
        self, *, guard: AddressGuard | None = None, trusted: Iterable[str] = (), limit: int = 256
    ) -> None:
        self._guard = guard
        self._trusted = frozenset(host.lower() for host in trusted)
        self._limit = limit
        self._session: aiohttp.ClientSession | None = None
        self._guarded: aiohttp.ClientSession | None = None

    def _session_for(self, host: str) -> aiohttp.ClientSession:
        if self._guard is None or host.lower() in self._trusted:
            if self._session is None:
                self._session = _session(_connector(self._limit))
            return self._session
        if _is_literal(host):
            self._guard.addresses(host)  # an IP literal is never resolved: check it now
        if self._guarded is None:
            resolver = GuardedResolver(self._guard)
            self._guarded = _session(_connector(self._limit, resolver))
        return self._guarded

    async def send(self, request: PreparedRequest, timeout: float) -> Response:
        check_headers(request.headers)
        try:
            url = URL(request.url)
            session = self._session_for(url.raw_host or "")
            async with session.request(
                request.method,
                url,
                headers=request.headers,
                data=request.body(),
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                content = await response.read()
                return Response(response.status, response.headers, content, response.reason or "")
        except (TimeoutError, aiohttp.ClientError, ValueError) as error:
            raise error_for_exception(error) from None

    async def close(self) -> None:
        for session in (self._session, self._guarded):
            if session is not None:
                await session.close()
        self._session = self._guarded = None


def _connector(limit: int, resolver: GuardedResolver | None = None) -> aiohttp.TCPConnector:
    if resolver is None:
        return aiohttp.TCPConnector(limit=limit, keepalive_timeout=KEEPALIVE_SECONDS)
    return aiohttp.TCPConnector(
        limit=limit, keepalive_timeout=KEEPALIVE_SECONDS, resolver=resolver, use_dns_cache=False
    )


def _session(connector: aiohttp.TCPConnector) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=connector,
        trust_env=False,  # no proxy from the environment: the guard must see the address
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=True,
        skip_auto_headers=("User-Agent",),  # prepare() sets the framework's own
    )


def _is_literal(host: str) -> bool:
    try:
        ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
