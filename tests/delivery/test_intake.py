"""Segment's Tracking API calls as the ingress reads them: the write key, gzip, Segment's
size limits and malformed JSON (400), a single call's invalid event (400), and the stamps
it adds. The per-event judgement of batches: tests/delivery/test_ingress_semantics.py."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest

from framework.core.events import derived_message_id
from framework.runtime.delivery.intake import (
    MAX_BATCH_BYTES,
    IntakeError,
    events_of,
    read_body,
    write_key,
)
from tests.delivery.support import basic, order

NOW = 1_795_000_000.0  # 2026-11-18T11:06:40Z


def refused(call: object) -> IntakeError:
    with pytest.raises(IntakeError) as raised:
        call()  # type: ignore[operator]
    return raised.value


def test_the_write_key_comes_from_basic_auth_or_the_body() -> None:
    assert write_key(basic("wk"), None) == "wk"
    assert write_key(None, {"writeKey": "from-body"}) == "from-body"
    assert refused(lambda: write_key(None, {})).status == 401
    assert refused(lambda: write_key("Bearer x", None)).message == (
        "use HTTP Basic auth with the write key"
    )
    assert refused(lambda: write_key("Basic %%%", None)).message == (
        "the Basic credentials are not valid"
    )
    empty_user = "Basic " + base64.b64encode(b":pw").decode()
    assert write_key(empty_user, {"writeKey": "k"}) == "k"


def accepted(call: str, document: object) -> list[tuple[dict[str, Any], str]]:
    """The accepted events of a call whose body is ``document``; none may be dropped."""
    result = events_of(call, read_body(json.dumps(document).encode(), None, call), NOW)
    assert result.dropped == []
    return result.events


def test_a_gzip_body_is_read() -> None:
    body = json.dumps(order(1)).encode()
    assert read_body(gzip.compress(body), "gzip", "track").document.value == order(1)


@pytest.mark.parametrize(
    ("raw", "encoding", "call", "status", "message"),
    [
        (b"{", None, "track", 400, "the request body is not valid JSON: Expecting property"),
        (b"[1]", None, "track", 400, "the request body must be a JSON object"),
        (b"\xff", None, "track", 400, "the request body is not UTF-8"),
        (b'{"a": NaN}', None, "track", 400, "the request body is not valid JSON"),
        (b"not gzip", "gzip", "track", 400, "the body is not valid gzip"),
        (gzip.compress(b"{}")[:-12], "gzip", "track", 400, "the gzip body is truncated"),
        (b"{}", "br", "track", 400, "Content-Encoding must be gzip or none"),
        (
            b" " * (32 * 1024 + 1),
            None,
            "track",
            400,
            "the track body is 32769 bytes; Segment's limit is 32768 bytes (32 KB)",
        ),
        (
            b" " * (MAX_BATCH_BYTES + 1),
            None,
            "batch",
            400,
            "the batch body is 512001 bytes; Segment's limit is 512000 bytes (500 KB)",
        ),
        (
            gzip.compress(b" " * 10_000_000),
            "gzip",
            "batch",
            400,
            "the batch body is more than 512000 bytes once decompressed",
        ),
    ],
)
def test_bodies_that_are_refused(
    raw: bytes, encoding: str | None, call: str, status: int, message: str
) -> None:
    error = refused(lambda: read_body(raw, encoding, call))
    assert (error.status, message in error.message) == (status, True), error.message


def test_events_get_a_message_id_and_received_at_when_missing_and_lose_the_write_key() -> None:
    sent = {"event": "Checked In", "userId": "u1", "anonymousId": None, "writeKey": "wk"}
    [(event, text)] = accepted("track", sent)
    assert event["type"] == "track"
    assert "writeKey" not in event
    assert "anonymousId" not in event
    content = {"event": "Checked In", "userId": "u1", "type": "track"}
    assert event["messageId"] == derived_message_id(content)  # the same when sent again
    assert event["receivedAt"] == "2026-11-18T11:06:40.000Z"
    assert json.loads(text) == event
    [(event, _)] = accepted("track", order(1))
    assert event["messageId"] == "order-1"


def test_a_batch_shares_its_context_with_events_that_have_none() -> None:
    document = {
        "batch": [order(1), {**order(2), "context": {"ip": "own"}}],
        "context": {"ip": "shared"},
        "sentAt": "2026-11-20T09:00:00Z",
    }
    events = [event for event, _ in accepted("batch", document)]
    assert [e["context"]["ip"] for e in events] == ["shared", "own"]
    assert {e["sentAt"] for e in events} == {"2026-11-20T09:00:00Z"}


@pytest.mark.parametrize(
    ("call", "document", "message"),
    [
        ("batch", {"batch": []}, "batch: expected a non-empty array of events"),
        ("batch", {"batch": {"type": "track"}}, "batch: expected a non-empty array of events"),
        ("track", {"event": "x"}, "the event does not follow Segment's spec: /: needs userId"),
        ("identify", order(1), "the event has a type other than 'identify', the type of /v1/"),
        ("alias", {"userId": "u"}, "'previousId' is a required property"),
        ("group", {"userId": "u"}, "'groupId' is a required property"),
    ],
)
def test_invalid_single_calls_and_batches_are_refused_saying_which_and_why(
    call: str, document: dict[str, object], message: str
) -> None:
    body = read_body(json.dumps(document).encode(), None, call)
    error = refused(lambda: events_of(call, body, NOW))
    assert error.status == 400
    assert error.code == ("INVALID_BATCH" if call == "batch" else "INVALID_EVENT")
    assert message in error.message, error.message
