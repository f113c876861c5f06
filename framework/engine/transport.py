"""What carries a prepared request: the :class:`Transport` interface, the :class:`Response`
it returns, and :class:`HttpxTransport`, which lets an httpx transport (the test kit's
``httpx.MockTransport``) stand in for the network.

The network itself is :class:`framework.engine.client.AiohttpTransport`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from framework.responses import error_for_transport

if TYPE_CHECKING:
    from framework.http import PreparedRequest


@dataclass(frozen=True)
class Response:
    """A response as the framework classifies it: status, headers (case-insensitive
    look-ups), the whole body."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes
    reason_phrase: str = ""

    @property
    def text(self) -> str:
        """The body as text (UTF-8; undecodable bytes replaced)."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON (``ValueError`` when it is not)."""
        return json.loads(self.content)


class Transport(Protocol):
    """Sends one request and returns its response, whatever the status. A time-out or a
    connection failure is a retryable ``TIMEOUT`` or ``CONNECTION_ERROR``
    (:class:`framework.errors.RetryableError`); the address guard's refusals pass through."""

    async def send(self, request: PreparedRequest, timeout: float) -> Response:
        """The response to ``request`` (``timeout``: seconds for the whole exchange)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class HttpxTransport:
    """An httpx transport as a :class:`Transport` (tests and the test kit: requests reach
    ``httpx.MockTransport`` handlers, called on the engine's loop, one at a time)."""

    def __init__(self, transport: httpx.BaseTransport) -> None:
        self.transport = transport

    async def send(self, request: PreparedRequest, timeout: float) -> Response:
        outgoing = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=request.body(),
            extensions={"timeout": httpx.Timeout(timeout).as_dict()},
        )
        try:
            response = self.transport.handle_request(outgoing)
            content = response.read()
        except httpx.TransportError as error:
            raise error_for_transport(error) from None
        return Response(response.status_code, response.headers, content, response.reason_phrase)

    async def close(self) -> None:
        self.transport.close()
