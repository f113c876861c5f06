"""What carries a prepared request: the :class:`Transport` interface, the :class:`Response`
it returns, and :class:`HttpxTransport`, which lets an httpx transport (the test kit's
``httpx.MockTransport``) stand in for the network.

The network itself is :class:`framework.engine.client.AiohttpTransport`. Both transports
refuse the same requests before sending (:func:`check_headers`) and turn their library's
exceptions into coded errors the same way (:func:`framework.engine.responses.error_for_exception`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from framework.core.errors import IntegrationError
from framework.engine.responses import error_for_exception

if TYPE_CHECKING:
    from framework.engine.http import PreparedRequest

# The control characters aiohttp refuses in a header (all but tab): a line break in a value
# would end the header and start another (header injection).
_FORBIDDEN_IN_HEADERS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def check_headers(headers: Mapping[str, str]) -> None:
    """Refuse (non-retryable ``INVALID_REQUEST``) a request with a control character other
    than tab in a header's name or value. The message names the header when its name is
    clean, never its value: that may be a credential."""
    for name, value in headers.items():
        bad_name = _FORBIDDEN_IN_HEADERS.search(name) is not None
        if bad_name or _FORBIDDEN_IN_HEADERS.search(value):
            which = "a request header" if bad_name else repr(name)
            raise IntegrationError(
                f"{which} contains a control character (a line break?): not sent",
                code="INVALID_REQUEST",
            )


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
    (:class:`framework.core.errors.RetryableError`), a request HTTP cannot carry a non-retryable
    ``INVALID_REQUEST``; the address guard's refusals pass through."""

    async def send(self, request: PreparedRequest, timeout: float) -> Response:
        """The response to ``request`` (``timeout``: seconds for the whole exchange)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class HttpxTransport:
    """An httpx transport as a :class:`Transport` (tests and the test kit: requests reach
    ``httpx.MockTransport`` handlers, called on the engine's loop, one at a time). Header
    values are sent as UTF-8, as aiohttp sends them."""

    def __init__(self, transport: httpx.BaseTransport) -> None:
        self.transport = transport

    async def send(self, request: PreparedRequest, timeout: float) -> Response:
        check_headers(request.headers)
        try:
            outgoing = httpx.Request(
                request.method,
                request.url,
                headers=[
                    (name.encode(), value.encode()) for name, value in request.headers.items()
                ],
                content=request.body(),
                extensions={"timeout": httpx.Timeout(timeout).as_dict()},
            )
            response = self.transport.handle_request(outgoing)
            content = response.read()
        except (httpx.TransportError, httpx.InvalidURL, ValueError) as error:
            raise error_for_exception(error) from None
        return Response(response.status_code, response.headers, content, response.reason_phrase)

    async def close(self) -> None:
        self.transport.close()
