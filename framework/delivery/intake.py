"""Segment's HTTP Tracking API, as the ingress accepts it: the write key, the body (gzip,
size limits, JSON), and the events of a call, checked against Segment's spec and stamped.

Limits are Segment's: a call's body at most 32 KB (``track``, ``identify``, …), a batch at
most 500 KB and each of its events at most 32 KB. Every refusal is an :class:`IntakeError`
with an HTTP status (400, 401, 413), a stable code and a message that says what is wrong
without echoing what was sent.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Mapping
from typing import Any

from framework.delivery.conformance import conforms
from framework.delivery.durations import iso_time
from framework.event_schemas import EVENT_TYPES, event_problems
from framework.events import with_message_id
from framework.json_text import JsonTextError, parse_json

MAX_EVENT_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024
CALLS = (*EVENT_TYPES, "batch")
_BATCH_DEFAULTS = ("context", "integrations", "sentAt")  # batch-level values events inherit
_SHOWN_PROBLEMS = 5


class IntakeError(Exception):
    """A request the ingress refuses: ``status``, ``code`` and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def write_key(authorization: str | None, document: Mapping[str, Any] | None) -> str:
    """The write key: HTTP Basic auth (``writeKey:`` as the user name) or, as Segment also
    accepts, the body's ``writeKey``."""
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() != "basic":
            raise IntakeError(401, "UNAUTHORIZED", "use HTTP Basic auth with the write key")
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise IntakeError(401, "UNAUTHORIZED", "the Basic credentials are not valid") from None
        key = decoded.partition(":")[0]
        if key:
            return key
    found = document.get("writeKey") if document is not None else None
    if isinstance(found, str) and found:
        return found
    raise IntakeError(401, "UNAUTHORIZED", "a write key is required (HTTP Basic auth)")


def read_body(raw: bytes, encoding: str | None, call: str) -> dict[str, Any]:
    """The JSON object of a ``call``'s body (gunzipped when ``Content-Encoding: gzip``),
    within Segment's size limit for that call."""
    limit = MAX_BATCH_BYTES if call == "batch" else MAX_EVENT_BYTES
    encoding = (encoding or "identity").strip().lower()
    if encoding == "gzip":
        raw = _gunzip(raw, limit, call)
    elif encoding != "identity":
        raise IntakeError(400, "UNSUPPORTED_ENCODING", "Content-Encoding must be gzip or none")
    if len(raw) > limit:
        raise _too_large(f"the {call} body", len(raw), limit)
    try:
        document = parse_json(raw)
    except JsonTextError as error:
        raise IntakeError(400, "MALFORMED_JSON", f"the request body is {error}") from None
    if not isinstance(document, dict):
        raise IntakeError(400, "MALFORMED_JSON", "the request body must be a JSON object")
    return document


def events_of(call: str, document: dict[str, Any], now: float) -> list[tuple[dict[str, Any], str]]:
    """Each event of the call with its stored JSON text: top-level nulls and ``writeKey``
    removed, checked against Segment's spec for its type, ``messageId`` (derived from the
    content, so a re-sent event keeps it) and ``receivedAt`` set when missing."""
    if call == "batch":
        batch = document.get("batch")
        if not isinstance(batch, list) or not batch:
            raise IntakeError(400, "INVALID_BATCH", "batch: expected a non-empty array of events")
        shared = {key: document[key] for key in _BATCH_DEFAULTS if key in document}
        return [
            _event(item, None, shared, f"batch[{index}]", now) for index, item in enumerate(batch)
        ]
    return [_event(document, call, {}, "the event", now)]


def _event(
    item: object, call: str | None, shared: Mapping[str, Any], where: str, now: float
) -> tuple[dict[str, Any], str]:
    if not isinstance(item, dict):
        raise IntakeError(400, "INVALID_EVENT", f"{where}: an event must be a JSON object")
    # null counts as absent (Segment's libraries send "anonymousId": null)
    event = {key: value for key, value in {**shared, **item}.items() if value is not None}
    event.pop("writeKey", None)
    if call is not None and event.setdefault("type", call) != call:
        raise IntakeError(400, "INVALID_EVENT", f"{where}: type must be {call!r} at /v1/{call}")
    problems = [] if conforms(event) else event_problems(event)
    if problems:
        listed = "; ".join(str(p) for p in problems[:_SHOWN_PROBLEMS])
        raise IntakeError(400, "INVALID_EVENT", f"{where} does not follow Segment's spec: {listed}")
    event = with_message_id(event)
    event.setdefault("receivedAt", iso_time(now))
    text = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    size = len(text.encode())
    if size > MAX_EVENT_BYTES:
        raise _too_large(where, size, MAX_EVENT_BYTES)
    return event, text


def _gunzip(raw: bytes, limit: int, call: str) -> bytes:
    """Decompress at most ``limit + 1`` bytes (no decompression bomb)."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, limit + 1)
    except zlib.error:
        raise IntakeError(400, "MALFORMED_GZIP", "the body is not valid gzip") from None
    if len(out) > limit:
        raise IntakeError(
            413,
            "TOO_LARGE",
            f"the {call} body is more than {limit} bytes once decompressed; Segment's limit "
            f"is {limit} bytes ({limit // 1024} KB)",
        )
    if not inflater.eof:
        raise IntakeError(400, "MALFORMED_GZIP", "the gzip body is truncated")
    return out


def _too_large(what: str, size: int, limit: int) -> IntakeError:
    return IntakeError(
        413,
        "TOO_LARGE",
        f"{what} is {size} bytes; Segment's limit is {limit} bytes ({limit // 1024} KB)",
    )
