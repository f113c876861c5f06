"""Batches: ``DestinationRunner.process_batch`` sends the webhook's events in chunks of at
most ``batch_size``, one JSON array per request, and reports every event on its own."""

from __future__ import annotations

import json
from typing import Any

import pytest

from destinations.webhook.send import ALL_EVENT_TYPES
from framework import ActionSubscription, RetryPolicy
from framework.testing import CapturingTransport, replies, reply
from tests.webhook.support import SECRET, SETTINGS, hmac_signature, runner, track


def chunks(transport: CapturingTransport) -> list[list[str]]:
    """The messageIds of each request's array, request by request."""
    return [[item["messageId"] for item in json.loads(r.content)] for r in transport.requests]


@pytest.mark.parametrize(
    ("count", "batch_size", "expected"),
    [
        pytest.param(5, 2, [2, 2, 1], id="5 by 2"),
        pytest.param(4, 2, [2, 2], id="exact"),
        pytest.param(3, 100, [3], id="the default is larger"),
        pytest.param(3, 1, [1, 1, 1], id="one by one, still arrays"),
        pytest.param(1, 1000, [1], id="largest allowed"),
    ],
)
def test_events_are_sent_in_chunks_of_the_batch_size(
    count: int, batch_size: int, expected: list[int]
) -> None:
    events = [track(n) for n in range(1, count + 1)]
    transport = CapturingTransport()
    with runner({**SETTINGS, "batch_size": batch_size}, transport) as run:
        results = run.process_batch(events)
    assert [len(chunk) for chunk in chunks(transport)] == expected
    assert [item for chunk in chunks(transport) for item in chunk] == [
        f"m-{n}" for n in range(1, count + 1)
    ], "every event once, in input order"
    assert [(r.message_id, r.action, r.status) for r in results] == [
        (f"m-{n}", "send", "delivered") for n in range(1, count + 1)
    ]


def test_each_result_shows_the_request_of_its_chunk() -> None:
    events = [track(n) for n in range(1, 6)]
    with runner({**SETTINGS, "batch_size": 2}) as run:
        results = run.process_batch(events)
    shown = [[item["messageId"] for item in r.request["json"]] for r in results if r.request]
    assert shown == [["m-1", "m-2"], ["m-1", "m-2"], ["m-3", "m-4"], ["m-3", "m-4"], ["m-5"]]


def test_the_default_batch_size_is_100() -> None:
    events = [track(n) for n in range(250)]
    transport = CapturingTransport()
    with runner(SETTINGS, transport) as run:
        results = run.process_batch(events)
    assert [len(chunk) for chunk in chunks(transport)] == [100, 100, 50]
    assert {r.status for r in results} == {"delivered"}


def test_an_invalid_event_fails_alone_and_the_others_are_delivered() -> None:
    subscriptions = [
        ActionSubscription("send", ALL_EVENT_TYPES, {"data": {"@path": "$.properties"}})
    ]
    events: list[object] = [
        track(1),
        track(2, properties="not an object"),
        "not an event",
        track(3),
        {"type": "unknown", "messageId": "m-skip"},
        track(4),
        track(5),
    ]
    transport = CapturingTransport()
    with runner({**SETTINGS, "batch_size": 2}, transport, subscriptions=subscriptions) as run:
        results = run.process_batch(events)
    outcome = [
        (r.message_id, r.status, r.error.code if r.error else None, r.request is None)
        for r in results
    ]
    assert outcome == [
        ("m-1", "delivered", None, False),
        ("m-2", "failed", "PAYLOAD_VALIDATION_FAILED", True),
        (None, "failed", "INVALID_EVENT", True),
        ("m-3", "delivered", None, False),
        ("m-skip", "skipped", None, True),
        ("m-4", "delivered", None, False),
        ("m-5", "delivered", None, False),
    ]
    assert results[1].error is not None
    assert results[1].error.message == "data: expected an object (mapped from $.properties)"
    assert [json.loads(r.content) for r in transport.requests] == [
        [{"n": 1}, {"n": 3}],
        [{"n": 4}, {"n": 5}],
    ], "the valid payloads, chunked after the invalid ones are set aside"


def test_a_failing_chunk_fails_only_its_own_events_as_retryable() -> None:
    transport = CapturingTransport(replies(reply(200), reply(500, {"message": "down"}), reply(200)))
    with runner({**SETTINGS, "batch_size": 2}, transport) as run:
        results = run.process_batch([track(n) for n in range(1, 6)])
    assert [(r.message_id, r.status) for r in results] == [
        ("m-1", "delivered"),
        ("m-2", "delivered"),
        ("m-3", "failed"),
        ("m-4", "failed"),
        ("m-5", "delivered"),
    ]
    for failed in results[2:4]:
        assert failed.error is not None
        assert (failed.error.code, failed.error.retryable) == ("SERVER_ERROR", True)
        assert failed.error.message == "HTTP 500 Internal Server Error: down"
        assert failed.request is not None
        assert [item["messageId"] for item in failed.request["json"]] == ["m-3", "m-4"]
    assert len(transport.requests) == 3


def test_a_retried_chunk_repeats_the_same_bytes_and_signature() -> None:
    transport = CapturingTransport(replies(reply(503), reply(200)))
    settings = {**SETTINGS, "batch_size": 10, "shared_secret": SECRET}
    with runner(settings, transport, retry=RetryPolicy(max_attempts=2)) as run:
        results = run.process_batch([track(1), track(2)])
    assert [r.status for r in results] == ["delivered", "delivered"]
    first, again = transport.requests
    assert first.content == again.content
    assert first.headers["x-signature"] == again.headers["x-signature"]
    assert first.headers["x-signature"] == hmac_signature(first.content)


def test_a_dry_run_batch_builds_each_chunk_without_sending() -> None:
    transport = CapturingTransport()
    settings = {**SETTINGS, "batch_size": 2, "shared_secret": SECRET}
    with runner(settings, transport, dry_run=True) as run:
        results = run.process_batch([track(1), track(2), track(3)])
    assert transport.requests == []
    assert [r.status for r in results] == ["dry_run"] * 3
    first = results[0].request
    assert first is not None
    body = json.dumps(first["json"], separators=(",", ":")).encode()
    assert first["headers"]["X-Signature"] == hmac_signature(body)
    assert SECRET not in json.dumps([r.to_json() for r in results])


def test_an_empty_batch_sends_nothing() -> None:
    transport = CapturingTransport()
    with runner(SETTINGS, transport) as run:
        assert run.process_batch([]) == []
    assert transport.requests == []


def test_single_events_are_not_batched() -> None:
    transport = CapturingTransport()
    with runner({**SETTINGS, "batch_size": 2}, transport) as run:
        results = [result for n in range(1, 4) for result in run.process(track(n))]
    assert [r.status for r in results] == ["delivered"] * 3
    bodies: list[Any] = [json.loads(r.content) for r in transport.requests]
    assert [body["messageId"] for body in bodies] == ["m-1", "m-2", "m-3"], "objects, not arrays"
