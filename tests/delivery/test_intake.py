"""Segment's Tracking API calls as the ingress reads them: the write key, gzip, Segment's
size limits (413), malformed JSON and invalid events (400), and the stamps it adds."""

from __future__ import annotations

import base64
import gzip
import json

import pytest

from framework.delivery.intake import (
    MAX_BATCH_BYTES,
    MAX_EVENT_BYTES,
    IntakeError,
    events_of,
    read_body,
    write_key,
)
from framework.events import derived_message_id
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


def test_a_gzip_body_is_read() -> None:
    body = json.dumps(order(1)).encode()
    assert read_body(gzip.compress(body), "gzip", "track") == order(1)


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
            b" " * (MAX_EVENT_BYTES + 1),
            None,
            "track",
            413,
            "the track body is 32769 bytes; Segment's limit is 32768 bytes (32 KB)",
        ),
        (
            b" " * (MAX_BATCH_BYTES + 1),
            None,
            "batch",
            413,
            "the batch body is 512001 bytes; Segment's limit is 512000 bytes (500 KB)",
        ),
        (
            gzip.compress(b" " * 10_000_000),
            "gzip",
            "batch",
            413,
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
    [(event, text)] = events_of("track", dict(sent), NOW)
    assert event["type"] == "track"
    assert "writeKey" not in event
    assert "anonymousId" not in event
    content = {"event": "Checked In", "userId": "u1", "type": "track"}
    assert event["messageId"] == derived_message_id(content)  # the same when sent again
    assert event["receivedAt"] == "2026-11-18T11:06:40.000Z"
    assert json.loads(text) == event
    kept = {**order(1), "receivedAt": "2026-01-01T00:00:00Z"}
    [(event, _)] = events_of("track", kept, NOW)
    assert (event["messageId"], event["receivedAt"]) == ("order-1", "2026-01-01T00:00:00Z")


def test_a_batch_shares_its_context_with_events_that_have_none() -> None:
    document = {
        "batch": [order(1), {**order(2), "context": {"ip": "own"}}],
        "context": {"ip": "shared"},
        "sentAt": "2026-11-20T09:00:00Z",
    }
    events = [event for event, _ in events_of("batch", document, NOW)]
    assert [e["context"]["ip"] for e in events] == ["shared", "own"]
    assert {e["sentAt"] for e in events} == {"2026-11-20T09:00:00Z"}


@pytest.mark.parametrize(
    ("call", "document", "message"),
    [
        ("batch", {"batch": []}, "batch: expected a non-empty array of events"),
        ("batch", {"batch": [order(1), 7]}, "batch[1]: an event must be a JSON object"),
        (
            "batch",
            {"batch": [order(1), {"type": "track", "userId": "u"}]},
            "batch[1] does not follow Segment's spec: /: 'event' is a required property",
        ),
        ("batch", {"batch": [{"type": "nap", "userId": "u"}]}, "/type: must be one of track"),
        ("track", {"event": "x"}, "the event does not follow Segment's spec: /: needs userId"),
        ("identify", order(1), "the event: type must be 'identify' at /v1/identify"),
        ("alias", {"userId": "u"}, "'previousId' is a required property"),
        ("group", {"userId": "u"}, "'groupId' is a required property"),
    ],
)
def test_invalid_events_are_refused_saying_which_and_why(
    call: str, document: dict[str, object], message: str
) -> None:
    error = refused(lambda: events_of(call, document, NOW))
    assert error.status == 400
    assert error.code == ("INVALID_BATCH" if document == {"batch": []} else "INVALID_EVENT")
    assert message in error.message, error.message


def test_an_event_of_a_batch_over_32_kb_is_refused() -> None:
    big = {**order(2), "properties": {"blob": "x" * MAX_EVENT_BYTES}}
    error = refused(lambda: events_of("batch", {"batch": [order(1), big]}, NOW))
    assert (error.status, error.code) == (413, "TOO_LARGE")
    assert error.message.startswith("batch[1] is ")
