"""Segment's HTTP Tracking API, as the ingress accepts it: the write key, the body (gzip,
size limits, JSON), and the events of a call, each checked against Segment's spec and
stamped.

A call is refused whole (an :class:`IntakeError`: an HTTP status, a stable code, and a
message that says what is wrong without echoing what was sent) only for what Segment
refuses whole: no or an unknown write key (401), a body that is not gzip or JSON or is past
Segment's size limit (400), and a single call (``/v1/track``, …) whose event is invalid
(400). The events of a batch are judged one by one, as Segment does: the valid ones are
accepted (the call is answered 200 even when none is), each invalid one is a
:class:`Dropped` with a reason code:

- ``NOT_AN_OBJECT``: the item is not a JSON object;
- ``INVALID_JSON``: it holds what strict JSON refuses (a lone UTF-16 surrogate, an integer
  of more than 4,300 digits, a number that is not a finite double, nesting past 64);
- ``TOO_LARGE``: it is past 32 KB;
- ``MISSING_USER_ID``: it has neither ``userId`` nor ``anonymousId`` (Segment's
  ``no_user_anon_id``);
- ``INVALID_EVENT``: it departs otherwise from Segment's spec for its type (no ``event``
  name for a track, an empty id, a field of the wrong type, an unknown type).

Sizes are Segment's limits, measured on what the client sent once decompressed: a single
call's body at most 32 KB, a batch's body at most 500 KB, and each event of a batch at most
32 KB, measured as its compact UTF-8 JSON text (no spaces, no escapes JSON does not
require): never more than the bytes the client wrote for it, save a few for a number
written in an unusual form (``1E2`` is re-written ``100.0``). A body of at most 32 KB
cannot hold a larger event, so its events are not measured.

An accepted event loses its top-level nulls (Segment's libraries send ``"anonymousId":
null``) and ``writeKey``; the ``context`` and ``integrations`` objects of a batch are merged
under each event's own (the event's keys win) and its ``sentAt`` is the default of each
event; ``messageId``, when missing, is derived from the content (so a re-sent event keeps
it); then :mod:`framework.runtime.delivery.timestamps` sets ``receivedAt``, ``originalTimestamp``
and ``timestamp``.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from framework.authoring.event_schemas import EVENT_TYPES, IDENTITY_KEYS, event_problems
from framework.core.events import with_message_id
from framework.core.json_text import Document, JsonTextError, dump_json, parse_document
from framework.runtime.delivery.conformance import conforms
from framework.runtime.delivery.timestamps import Receipt, with_times

MAX_EVENT_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024
CALLS = (*EVENT_TYPES, "batch")
_MERGED = ("context", "integrations")  # a batch's objects, merged under each event's own
_INHERITED = ("sentAt",)  # a batch's values, each event's default
_SHOWN_PROBLEMS = 5
_SHOWN_ID = 100  # characters of a dropped event's messageId that are reported

NOT_AN_OBJECT = "NOT_AN_OBJECT"
INVALID_JSON = "INVALID_JSON"
TOO_LARGE = "TOO_LARGE"
MISSING_USER_ID = "MISSING_USER_ID"
INVALID_EVENT = "INVALID_EVENT"


class IntakeError(Exception):
    """A request the ingress refuses: ``status``, ``code`` and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Body:
    """A call's body: its JSON object (``document.value``) and its size in bytes, once
    decompressed."""

    document: Document
    size: int


@dataclass(frozen=True)
class Dropped:
    """An event of a batch left out: its place in the batch, its ``messageId`` (when it is
    a string; cut to 100 characters), the reason code, and what is wrong (a phrase after
    "the event": never a value sent)."""

    index: int
    message_id: str | None
    reason: str
    problem: str


@dataclass(frozen=True)
class Accepted:
    """The events of a call: each accepted one with its JSON text, and those dropped."""

    events: list[tuple[dict[str, Any], str]]
    dropped: list[Dropped]


class _Drop(Exception):
    def __init__(self, reason: str, problem: str) -> None:
        super().__init__(problem)
        self.reason, self.problem = reason, problem


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


def read_body(raw: bytes, encoding: str | None, call: str) -> Body:
    """The JSON object of a ``call``'s body (gunzipped when ``Content-Encoding: gzip``),
    within Segment's size limit for that call. What strict JSON refuses is refused here
    when it is in a single call's event or outside the events of a batch; inside an event
    of a batch, it drops that event alone (:func:`events_of`)."""
    limit = MAX_BATCH_BYTES if call == "batch" else MAX_EVENT_BYTES
    encoding = (encoding or "identity").strip().lower()
    if encoding == "gzip":
        raw = _gunzip(raw, limit, call)
    elif encoding != "identity":
        raise IntakeError(400, "UNSUPPORTED_ENCODING", "Content-Encoding must be gzip or none")
    if len(raw) > limit:
        raise _too_large(f"the {call} body is {len(raw)} bytes", limit)
    try:
        document = parse_document(raw)
    except JsonTextError as error:
        raise IntakeError(400, "MALFORMED_JSON", f"the request body is {error}") from None
    if not isinstance(document.value, dict):
        raise IntakeError(400, "MALFORMED_JSON", "the request body must be a JSON object")
    outside = document.value
    if call == "batch":  # the events are judged one by one
        outside = {key: value for key, value in outside.items() if key != "batch"}
    problem = document.problem(outside)
    if problem is not None:
        raise IntakeError(400, "MALFORMED_JSON", f"the request body is {problem}")
    return Body(document, len(raw))


def events_of(call: str, body: Body, now: float) -> Accepted:
    """The events of the call, received at Unix time ``now``: each accepted one as it is
    stored (see the module) with its JSON text, and those of a batch that were dropped;
    :class:`IntakeError` for a batch that is not a non-empty array, or a single call whose
    event is invalid."""
    received = Receipt.at(now)
    document: dict[str, Any] = body.document.value
    if call != "batch":
        try:
            return Accepted([_event(document, call, {}, received)], [])
        except _Drop as drop:
            raise IntakeError(400, INVALID_EVENT, f"the event {drop.problem}") from None
    batch = document.get("batch")
    if not isinstance(batch, list) or not batch:
        raise IntakeError(400, "INVALID_BATCH", "batch: expected a non-empty array of events")
    shared = {
        key: document[key] for key in (*_MERGED, *_INHERITED) if document.get(key) is not None
    }
    accepted = Accepted([], [])
    for index, item in enumerate(batch):
        try:
            event = _check_item(item, body, f"/batch/{index}")
            accepted.events.append(_event(event, None, shared, received))
        except _Drop as drop:
            accepted.dropped.append(Dropped(index, _message_id(item), drop.reason, drop.problem))
    return accepted


def _check_item(item: object, body: Body, pointer: str) -> dict[str, Any]:
    """An item of a batch as an object that strict JSON accepts, within Segment's size
    limit; :class:`_Drop` saying why it is not (a single call's body is checked whole by
    :func:`read_body`)."""
    if not isinstance(item, dict):
        raise _Drop(NOT_AN_OBJECT, "is not a JSON object")
    problem = body.document.problem(item, pointer)
    if problem is not None:  # its reason alone: the pointer may hold the sender's keys
        raise _Drop(INVALID_JSON, f"is not valid JSON: {problem.reason}")
    if body.size > MAX_EVENT_BYTES:  # a smaller batch holds no larger event
        size = len(dump_json(item, compact=True).encode())
        if size > MAX_EVENT_BYTES:
            raise _Drop(TOO_LARGE, _too_large(f"is {size} bytes", MAX_EVENT_BYTES).message)
    return item


def _event(
    item: dict[str, Any], call: str | None, shared: Mapping[str, Any], received: Receipt
) -> tuple[dict[str, Any], str]:
    """One event as stored, with its text; :class:`_Drop` saying why it cannot be."""
    event = _with_batch_values(shared, item)
    if call is not None and event.setdefault("type", call) != call:
        raise _Drop(INVALID_EVENT, f"has a type other than {call!r}, the type of /v1/{call}")
    if not conforms(event):
        problems = event_problems(event)
        if problems:
            listed = "; ".join(str(p) for p in problems[:_SHOWN_PROBLEMS])
            raise _Drop(_reason(event), f"does not follow Segment's spec: {listed}")
    event = with_times(with_message_id(event), received)
    return event, dump_json(event, compact=True)


def _with_batch_values(shared: Mapping[str, Any], item: Mapping[str, Any]) -> dict[str, Any]:
    """The item without its nulls and ``writeKey``, over its batch's values."""
    own = {key: value for key, value in item.items() if value is not None}
    own.pop("writeKey", None)
    if not shared:
        return own
    event = {**shared, **own}
    for key in _MERGED:
        if isinstance(shared.get(key), dict) and isinstance(own.get(key), dict):
            event[key] = {**shared[key], **own[key]}
    return event


def _reason(event: Mapping[str, Any]) -> str:
    kind = event.get("type")
    anonymous = all(key not in event for key in IDENTITY_KEYS)
    return (
        MISSING_USER_ID if kind in EVENT_TYPES and kind != "alias" and anonymous else INVALID_EVENT
    )


def _message_id(item: object) -> str | None:
    """A dropped item's ``messageId`` as it may be reported: a string (cut short), and
    valid Unicode (a log line cannot hold a lone surrogate)."""
    found = item.get("messageId") if isinstance(item, dict) else None
    if not isinstance(found, str) or not found:
        return None
    shown = found[:_SHOWN_ID]
    try:
        shown.encode()
    except UnicodeEncodeError:
        return None
    return shown


def _gunzip(raw: bytes, limit: int, call: str) -> bytes:
    """Decompress at most ``limit + 1`` bytes (no decompression bomb)."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, limit + 1)
    except zlib.error:
        raise IntakeError(400, "MALFORMED_GZIP", "the body is not valid gzip") from None
    if len(out) > limit:
        raise _too_large(f"the {call} body is more than {limit} bytes once decompressed", limit)
    if not inflater.eof:
        raise IntakeError(400, "MALFORMED_GZIP", "the gzip body is truncated")
    return out


def _too_large(what: str, limit: int) -> IntakeError:
    """Segment answers 400 (not 413) past its limits."""
    return IntakeError(
        400, TOO_LARGE, f"{what}; Segment's limit is {limit} bytes ({limit // 1024} KB)"
    )
