"""Classifying HTTP outcomes into coded errors: what failed, and whether to retry.

A destination's error body may echo a secret (the API key it refused, say): its text is
redacted before it is shortened into the error's message, so a cut never leaves a part of
the secret to be shown. An HTTP library's exception text may quote the request (a header
value, the URL): :class:`framework.engine.http.RequestClient` redacts the messages made here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

import httpx

from framework.core.errors import IntegrationError, InvalidAuthenticationError, RetryableError
from framework.core.redaction import Redactor

_NOT_RETRYABLE_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    409: "CONFLICT",
    422: "UNPROCESSABLE_ENTITY",
    501: "NOT_IMPLEMENTED",
}
_RETRYABLE_CODES = {408: "REQUEST_TIMEOUT", 429: "RATE_LIMITED"}
_MESSAGE_LIMIT = 300  # characters of the destination's explanation kept, once redacted
_NO_SECRETS = Redactor([])


class HttpResponse(Protocol):
    """What classification reads of a response (the engine's, or an httpx one)."""

    @property
    def status_code(self) -> int: ...
    @property
    def reason_phrase(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def text(self) -> str: ...


def error_for_response(
    response: HttpResponse, redactor: Redactor = _NO_SECRETS
) -> IntegrationError | None:
    """``None`` for a 2xx response, otherwise the coded error that describes it, with the
    destination's explanation redacted by ``redactor``."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    message = f"HTTP {status} {response.reason_phrase}".rstrip()
    detail = response_message(response, redactor)
    if detail:
        message = f"{message}: {detail}"
    if status in (401, 403):
        return InvalidAuthenticationError(message, status=status)
    if status in _RETRYABLE_CODES or (status >= 500 and status != 501):
        code = _RETRYABLE_CODES.get(status, "SERVER_ERROR")
        return RetryableError(message, code=code, status=status, retry_after=retry_after(response))
    if 300 <= status < 400:
        return IntegrationError(message, code="UNEXPECTED_REDIRECT", status=status)
    return IntegrationError(
        message, code=_NOT_RETRYABLE_CODES.get(status, "HTTP_ERROR"), status=status
    )


def error_for_exception(error: Exception) -> IntegrationError:
    """What an HTTP client's exception (aiohttp's, httpx's, the system's) means for the
    request: a time-out is a retryable ``TIMEOUT``; a request that HTTP cannot carry (a
    ``ValueError`` such as a method that is not a token, an invalid URL, httpx's
    ``LocalProtocolError``) a non-retryable ``INVALID_REQUEST``; any other failure a
    retryable ``CONNECTION_ERROR`` (requests carry idempotency keys). The library's text
    is kept, unredacted (the caller that knows the secrets redacts it), except a
    ``UnicodeError``'s, which quotes a character of the value it could not encode."""
    kind = type(error).__name__
    if isinstance(error, TimeoutError | httpx.TimeoutException):
        return RetryableError(f"request timed out ({kind})", code="TIMEOUT")
    if isinstance(error, UnicodeError):
        return IntegrationError(
            f"the request cannot be sent ({kind}: a character cannot be encoded)",
            code="INVALID_REQUEST",
        )
    if isinstance(error, ValueError | httpx.InvalidURL | httpx.LocalProtocolError):
        return IntegrationError(
            f"the request cannot be sent ({kind}: {error})", code="INVALID_REQUEST"
        )
    return RetryableError(f"connection failed ({kind}: {error})", code="CONNECTION_ERROR")


def response_message(response: HttpResponse, redactor: Redactor = _NO_SECRETS) -> str:
    """The destination's own explanation, from common JSON error shapes or the body text:
    redacted, then cut to 300 characters."""
    text = response.text.strip()
    try:
        found = _messages(json.loads(text))
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to read
        found = []
    detail = "; ".join(dict.fromkeys(found)) if found else text
    return redactor.shortened(detail, _MESSAGE_LIMIT)


def _messages(body: object) -> list[str]:
    if isinstance(body, str):  # a JSON string body: shown decoded, so its escapes redact too
        return [body.strip()] if body.strip() else []
    if not isinstance(body, dict):
        return []
    found: list[str] = []
    for key in ("errors", "error_codes", "message", "detail", "error", "error_description"):
        value = body.get(key)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str) and item.strip():
                found.append(item.strip())
            elif isinstance(item, dict) and isinstance(item.get("message"), str):
                found.append(item["message"].strip())
    return found


def retry_after(response: HttpResponse) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
