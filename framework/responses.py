"""Classifying HTTP outcomes into coded errors: what failed, and whether to retry."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

import httpx

from framework.errors import IntegrationError, InvalidAuthenticationError, RetryableError

_NOT_RETRYABLE_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    409: "CONFLICT",
    422: "UNPROCESSABLE_ENTITY",
    501: "NOT_IMPLEMENTED",
}
_RETRYABLE_CODES = {408: "REQUEST_TIMEOUT", 429: "RATE_LIMITED"}
_MESSAGE_LIMIT = 300


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


def error_for_response(response: HttpResponse) -> IntegrationError | None:
    """``None`` for a 2xx response, otherwise the coded error that describes it."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    message = f"HTTP {status} {response.reason_phrase}".rstrip()
    detail = response_message(response)
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


def error_for_transport(error: httpx.TransportError) -> RetryableError:
    """An httpx transport's time-out or connection failure (tests' transports): always
    retryable (requests carry idempotency keys)."""
    if isinstance(error, httpx.TimeoutException):
        return RetryableError(f"request timed out ({type(error).__name__})", code="TIMEOUT")
    return RetryableError(
        f"connection failed ({type(error).__name__}: {error})", code="CONNECTION_ERROR"
    )


def response_message(response: HttpResponse) -> str:
    """The destination's own explanation, from common JSON error shapes or the body text."""
    text = response.text.strip()
    try:
        body = json.loads(text)
    except ValueError:
        return text[:_MESSAGE_LIMIT]
    found = _messages(body)
    return "; ".join(dict.fromkeys(found))[:_MESSAGE_LIMIT] if found else text[:_MESSAGE_LIMIT]


def _messages(body: object) -> list[str]:
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
