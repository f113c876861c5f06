"""The Webhook destination: every event, as JSON, to a URL of the tenant's choosing.

Settings: ``url`` (http or https), ``method`` (POST, PUT or PATCH; POST by default),
``headers`` (custom headers, a text map), ``shared_secret`` (optional) and ``batch_size``
(1 to 1000 events per batch request; 100 by default). One action, ``send``
(:mod:`destinations.webhook.send`), and one preset, "Send all events".

Signature. With a shared secret, every request carries::

    X-Signature: sha256=<hex>

where ``<hex>`` is the lowercase hexadecimal HMAC-SHA256 of the exact request body bytes
(compact JSON, as sent), keyed with the UTF-8 bytes of the shared secret. A receiver
computes the same HMAC over the raw body, before parsing it, and compares the two in
constant time (``hmac.compare_digest``). The signature covers the body only: there is no
timestamp, so a receiver that must refuse replays de-duplicates on each event's
``messageId``. The secret itself is never sent and never shown in results.

Custom headers are sent as given, over the framework's defaults (``User-Agent``,
``Accept``), but they cannot set ``Content-Type``, ``Content-Length``,
``Transfer-Encoding``, ``Host``, ``Connection`` or ``X-Signature``: settings that try are
refused when the runner is built, naming the header, as are header names that are not
HTTP tokens, values with control or non-ASCII characters, and an empty shared secret.

The URL is the tenant's, so the framework's address guard applies: it must be http(s) and
resolve to public addresses only, unless the operator allows private targets
(``ACTIONS_ALLOW_PRIVATE_TARGETS=1``). Redirects are not followed: a 3xx answer fails.
"""

from __future__ import annotations

import re

from destinations.webhook.send import ALL_EVENT_TYPES, SIGNATURE_HEADER, send
from framework import Choice, Destination, Field, Preset, SecretStr, Settings, SettingsError

RESERVED_HEADERS = frozenset(
    name.lower()
    for name in (
        "Content-Type",
        "Content-Length",
        "Transfer-Encoding",
        "Host",
        "Connection",
        SIGNATURE_HEADER,
    )
)
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_HEADER_VALUE = re.compile(r"^[\t\x20-\x7e]*$")


class WebhookSettings(Settings):
    """Where and how events are sent."""

    url: str = Field(
        label="URL",
        description="Where events are sent: an http or https URL on a public address.",
        format="uri",
    )
    method: str = Field(
        label="Method",
        description="The HTTP method of every request.",
        choices=[Choice("POST", "POST"), Choice("PUT", "PUT"), Choice("PATCH", "PATCH")],
        default="POST",
    )
    headers: dict[str, str] | None = Field(
        label="Headers",
        description="Custom headers sent with every request (not Content-Type, "
        "Content-Length, Transfer-Encoding, Host, Connection or X-Signature).",
    )
    shared_secret: SecretStr | None = Field(
        label="Shared secret",
        description="When set, each request is signed: X-Signature: sha256=<hex HMAC-SHA256 "
        "of the body, keyed with this secret>.",
    )
    batch_size: int = Field(
        label="Batch size",
        description="The most events in one batch request (1 to 1000).",
        default=100,
        minimum=1,
        maximum=1000,
    )


def check_settings(settings: WebhookSettings) -> None:
    """What field declarations cannot say: a non-empty secret and the custom headers."""
    problems = []
    secret = settings.shared_secret
    if secret is not None and not secret.get_secret_value():
        problems.append("shared_secret: must not be empty (leave it out to send unsigned requests)")
    for name, value in (settings.headers or {}).items():
        if name.lower() in RESERVED_HEADERS:
            problems.append(f"headers.{name}: is set by the webhook and cannot be replaced")
        elif not _TOKEN.match(name):
            problems.append(f"headers: {name!r} is not a valid header name")
        elif not _HEADER_VALUE.match(value):
            problems.append(
                f"headers.{name}: the value must be printable ASCII, without line breaks"
            )
    if problems:
        raise SettingsError(f"invalid settings for webhook: {'; '.join(problems)}")


destination = Destination(
    name="Webhook",
    slug="webhook",
    description="Send events as JSON to a URL of your choice, in batches (a JSON array of "
    "at most batch_size events per request), optionally signed with an HMAC-SHA256 of the "
    "body.",
    settings=WebhookSettings,
    actions={"send": send},
    presets=[Preset(name="Send all events", subscription=ALL_EVENT_TYPES, action="send")],
    check_settings=check_settings,
)
