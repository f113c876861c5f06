"""The request client: turns an :class:`HttpRequest` into the exact request to send, sends it
through the async engine (keep-alive, a time-out, the destination's flow control, bounded
retries honouring ``Retry-After``), and classifies the outcome.

Every error the client raises has its message redacted with the runner's secrets: the
destination's explanation of a failed response before it is shortened, and the text of
an HTTP library's exception (which may quote a header value or the URL) before anyone sees
it.

A request with an absolute URL (a tenant's, not joined to the operator's base URL) is
``guarded``: the runner checks it with the address guard before sending it, and the client
sends it over connections the guard approves (see :mod:`framework.core.guard`).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from framework.authoring.definition import HttpRequest
from framework.core.errors import ActionsError, IntegrationError, RetryableError
from framework.core.guard import AddressGuard, absolute_url_scheme, check_scheme
from framework.core.redaction import Redactor
from framework.core.version import USER_AGENT
from framework.engine.flow import FlowControl
from framework.engine.responses import error_for_response, retry_after
from framework.engine.transport import HttpxTransport, Response, Transport

DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class PreparedRequest:
    """A fully resolved request: absolute URL, every header, the JSON body.

    ``content`` is the encoded body when :func:`prepare` made it (the bytes a signing hook
    saw); ``guarded`` says the URL is the request's own absolute URL, not the operator's
    base URL, so the address guard applies to it.
    """

    method: str
    url: str
    headers: dict[str, str]
    json: Any
    content: bytes | None = None
    guarded: bool = False

    def body(self) -> bytes | None:
        """The exact bytes sent (compact JSON; NaN and infinities are refused)."""
        if self.content is not None:
            return self.content
        return encode_json(self.json)


def encode_json(value: Any) -> bytes | None:
    """``value`` as the framework sends it: compact JSON, ``None`` for no body."""
    if value is None:
        return None
    return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()


@dataclass(frozen=True)
class RetryPolicy:
    """How often to try one request; delays grow exponentially, with full jitter.

    A ``Retry-After`` longer than ``max_delay`` is not waited for: the error is returned
    (still retryable) so that a queue can schedule the event later.
    """

    max_attempts: int = 1
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int, error: RetryableError) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or ``None`` to give up."""
        if attempt >= self.max_attempts:
            return None
        if error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.max_delay else None
        return random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


def prepare(
    request: HttpRequest, *, base_url: str | None, shared_headers: Mapping[str, str]
) -> PreparedRequest:
    """Join the URL to the base URL, encode the body and merge headers: defaults < shared <
    the request's own < those its ``sign`` hook returns for the encoded body.

    An absolute URL (``scheme://...``) is kept as it is and marked ``guarded``; a scheme
    other than http(s) is refused (``UNSAFE_URL``). Anything else is a path on the base URL.
    """
    url = request.url
    scheme = absolute_url_scheme(url)
    if scheme is not None:
        check_scheme(scheme)
    else:
        if base_url is None:
            raise IntegrationError(
                f"request URL {url!r} is relative and the destination has no base URL",
                code="INVALID_REQUEST",
            )
        url = base_url.rstrip("/") + "/" + url.lstrip("/")
    try:
        content = encode_json(request.json)
    except (TypeError, ValueError) as error:
        raise IntegrationError(
            f"request body cannot be sent as JSON ({error})", code="INVALID_REQUEST"
        ) from None
    defaults = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if request.json is not None:
        defaults["Content-Type"] = "application/json"
    signature = request.sign(content or b"") if request.sign is not None else {}
    headers = _merge_headers(defaults, shared_headers, request.headers, signature)
    return PreparedRequest(
        request.method.upper(), url, headers, request.json, content, guarded=scheme is not None
    )


def _merge_headers(*layers: Mapping[str, str]) -> dict[str, str]:
    """Later layers win; header names are case-insensitive, so ``content-type`` replaces
    ``Content-Type`` instead of sending both."""
    merged: dict[str, tuple[str, str]] = {}
    for layer in layers:
        for name, value in layer.items():
            merged[name.lower()] = (name, value)
    return dict(merged.values())


class RequestClient:
    """Sends prepared requests through the engine (on its event loop); never follows
    redirects.

    ``transport`` is the network by default: an :class:`AiohttpTransport` whose guarded
    connections go to addresses ``guard`` approves (hosts in ``trusted``, the operator's own
    base URL, are not guarded). An ``httpx.BaseTransport`` (tests: ``httpx.MockTransport``)
    or any :class:`Transport` replaces it. ``flow`` paces the requests of one destination
    (:mod:`framework.engine.flow`); a 429, or a 503 with ``Retry-After``, pauses it.
    ``redactor`` (the runner's secrets) redacts the message of every error raised.
    A transport passed in belongs to the caller, who closes it.
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: Transport | httpx.BaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        guard: AddressGuard | None = None,
        trusted: Iterable[str] = (),
        flow: FlowControl | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self._owns_transport = transport is None
        if transport is None:
            # aiohttp (as long to import as the rest of the `actions` command's start) loads
            # with the first client that uses the network, not with this module.
            from framework.engine.client import AiohttpTransport  # noqa: PLC0415

            transport = AiohttpTransport(guard=guard, trusted=trusted)
        elif isinstance(transport, httpx.BaseTransport):
            transport = HttpxTransport(transport)
        self._transport: Transport = transport
        self._timeout = timeout
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._flow = flow
        self._redactor = redactor or Redactor([])

    async def send(self, request: PreparedRequest) -> Response:
        """The 2xx response, or raise the classified :class:`IntegrationError`."""
        attempt = 1
        while True:
            try:
                return await self._attempt(request)
            except RetryableError as error:
                delay = self._retry.delay(attempt, error)
                if delay is None:
                    raise
                await self._sleep(delay)
                attempt += 1

    async def exchange(self, request: PreparedRequest) -> Response:
        """Send once (when the destination's flow control allows) and return whatever
        response came back; transport errors still raise."""
        if self._flow is None:
            return await self.send_once(request)
        probing = await self._flow.acquire()
        try:
            response = await self.send_once(request)
        finally:
            self._flow.release(probing)
        status = response.status_code
        if status == 429 or (status == 503 and "retry-after" in response.headers):
            self._flow.throttle(retry_after(response))
        return response

    async def send_once(self, request: PreparedRequest) -> Response:
        """The transport's answer, outside the destination's flow control (e.g. a token
        request to its OAuth provider); a failure's message redacted (it may quote the
        request)."""
        try:
            return await self._transport.send(request, self._timeout)
        except ActionsError as error:
            error.message = self._redactor.text(error.message)
            error.args = (error.message,)
            raise

    async def _attempt(self, request: PreparedRequest) -> Response:
        response = await self.exchange(request)
        error = error_for_response(response, self._redactor)
        if error is not None:
            raise error
        return response

    async def close(self) -> None:
        """Close the connection pool, if this client opened it."""
        if self._owns_transport:
            await self._transport.close()
