"""The "Send" action: the event as JSON to the webhook URL, or a batch as a JSON array.

- One event: ``<method> <url>`` with the ``data`` field (by default the whole event) as a
  JSON object.
- A batch (``DestinationRunner.process_batch``): one request per chunk of at most
  ``batch_size`` events, whose body is a JSON array of their ``data`` objects, in input
  order.
- Headers: the framework's (``User-Agent``, ``Accept``, ``Content-Type:
  application/json``), then the custom ``headers``, then, with a shared secret, the
  signature (see :func:`signature_headers`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from typing import Any

from framework import Action, Field, HttpRequest

SIGNATURE_HEADER = "X-Signature"
ALL_EVENT_TYPES = " or ".join(
    f'type = "{kind}"' for kind in ("track", "identify", "page", "screen", "group", "alias")
)

FIELDS = {
    "data": Field(
        label="Data",
        description="The JSON object to send: by default the whole event.",
        type="object",
        required=True,
        default={"@path": "$"},
    ),
}


def signature_headers(secret: str) -> Callable[[bytes], dict[str, str]]:
    """The signing hook: ``X-Signature: sha256=<hex>``, the lowercase hexadecimal
    HMAC-SHA256 of the exact body bytes, keyed with the UTF-8 bytes of the shared secret."""

    def sign(body: bytes) -> dict[str, str]:
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return {SIGNATURE_HEADER: f"sha256={digest}"}

    return sign


def _request(settings: Mapping[str, Any], body: Any) -> HttpRequest:
    secret = settings.get("shared_secret")
    return HttpRequest(
        settings["method"],
        settings["url"],
        json=body,
        headers=dict(settings.get("headers") or {}),
        sign=signature_headers(secret.get_secret_value()) if secret is not None else None,
    )


def send_one(settings: Mapping[str, Any], payload: Mapping[str, Any]) -> HttpRequest:
    """One event: its ``data`` object as the body."""
    return _request(settings, payload["data"])


def send_many(settings: Mapping[str, Any], payloads: list[Mapping[str, Any]]) -> HttpRequest:
    """A chunk of events: the array of their ``data`` objects as the body."""
    return _request(settings, [payload["data"] for payload in payloads])


def batch_size(settings: Mapping[str, Any]) -> int:
    """The most events per batch request: the ``batch_size`` setting."""
    size: int = settings["batch_size"]
    return size


send = Action(
    title="Send",
    description="Send the event as JSON to the webhook URL; a batch is sent as a JSON array.",
    fields=FIELDS,
    perform=send_one,
    perform_batch=send_many,
    max_batch_size=batch_size,
    default_subscription=ALL_EVENT_TYPES,
)
