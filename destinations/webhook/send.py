"""The "Send" action: the event as JSON to the webhook URL, or a batch as a JSON array.

- A batch: the workers and ``actions send`` group the events of the subscription and send
  one request per chunk of at most ``batch_size`` events, whose body is a JSON array of
  their ``data`` objects, in input order (an array of one when one event was at hand).
- One event (``DestinationRunner.process``, the settings page's dry run): ``<method>
  <url>`` with the ``data`` field (by default the whole event) as a JSON object.
- Headers: the framework's (``User-Agent``, ``Accept``, ``Content-Type:
  application/json``), then the custom ``headers``, then, with a shared secret, the
  signature (see :func:`signature_headers`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from framework import Action, Field, HttpRequest, Payload

if TYPE_CHECKING:
    from destinations.webhook import WebhookSettings

SIGNATURE_HEADER = "X-Signature"
ALL_EVENT_TYPES = " or ".join(
    f'type = "{kind}"' for kind in ("track", "identify", "page", "screen", "group", "alias")
)


class Event(Payload):
    """What the Send action sends for one event."""

    data: dict[str, Any] = Field(
        label="Data",
        description="The JSON object to send: by default the whole event.",
        default={"@path": "$"},
    )


def signature_headers(secret: str) -> Callable[[bytes], dict[str, str]]:
    """The signing hook: ``X-Signature: sha256=<hex>``, the lowercase hexadecimal
    HMAC-SHA256 of the exact body bytes, keyed with the UTF-8 bytes of the shared secret."""

    def sign(body: bytes) -> dict[str, str]:
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return {SIGNATURE_HEADER: f"sha256={digest}"}

    return sign


def _request(settings: WebhookSettings, body: Any) -> HttpRequest:
    secret = settings.shared_secret
    return HttpRequest(
        settings.method,
        settings.url,
        json=body,
        headers=dict(settings.headers or {}),
        sign=signature_headers(secret.get_secret_value()) if secret is not None else None,
    )


def send_one(settings: WebhookSettings, payload: Event) -> HttpRequest:
    """One event: its ``data`` object as the body."""
    return _request(settings, payload.data)


def send_many(settings: WebhookSettings, payloads: list[Event]) -> HttpRequest:
    """A chunk of events: the array of their ``data`` objects as the body."""
    return _request(settings, [payload.data for payload in payloads])


send = Action(
    title="Send",
    description="Send the event as JSON to the webhook URL; a batch is sent as a JSON array.",
    payload=Event,
    perform=send_one,
    perform_batch=send_many,
    max_batch_size=lambda settings: settings.batch_size,
    default_subscription=ALL_EVENT_TYPES,
)
