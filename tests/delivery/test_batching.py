"""Workers batch the work items of a route whose action sends batches (the Webhook): one
request per group of at most ``batch_size`` items, each item with its own outcome (an
invalid event fails alone; a failed request gives each of its items its own retry or dead
letter), on both queues, against a receiver on loopback. The runtime's clock is fixed, so
the events the receiver gets (``receivedAt``, ``timestamp``) are the same on every run."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from destinations.webhook import destination as webhook
from framework import Latency
from framework.engine.operator import OperatorConfig
from framework.runtime.delivery.backends import open_queue
from framework.runtime.delivery.config import (
    DeliveryOptions,
    DestinationConfig,
    RuntimeConfig,
    SourceConfig,
)
from framework.runtime.delivery.queue import DeadLetterFilter, Retry
from framework.runtime.delivery.runtime import Runtime
from tests.delivery.support import WRITE_KEY, drained, post_batch
from tests.waiting import wait_for
from tests.webhook.receiver import Received, WebhookReceiver
from tests.webhook.support import SECRET, hmac_signature

CLOCK = 1_767_225_600.0  # 2026-01-01T00:00:00Z, the runtime's only time
PAYLOAD = {"data": {"@path": "$.properties.payload"}}  # a mapping an event can fail
SHOWN_HEADERS = ("accept", "content-type", "user-agent", "x-signature", "x-team")


@pytest.fixture(params=["sqlite", "redis"])
def queue_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each queue backend in turn: a SQLite file of the test's own, or the tests' Redis."""
    if request.param == "redis":
        url: str = request.getfixturevalue("redis_url")
        return url
    return f"sqlite:///{tmp_path / 'queue.db'}"


@contextmanager
def webhook_runtime(
    queue_url: str,
    receiver: WebhookReceiver,
    settings: dict[str, Any],
    *,
    mapping: dict[str, Any] | None = None,
    **delivery: Any,
) -> Iterator[Runtime]:
    """A runtime (workers not started) with one source feeding the Webhook at ``receiver``
    (its ``settings`` and ``mapping``), retries due at once, closed on exit."""
    hook = DestinationConfig(
        id="webhook",
        slug="webhook",
        settings={"url": f"{receiver.url}/hook", **settings},
        mappings={"send": mapping} if mapping else {},
    )
    config = RuntimeConfig(
        queue_url,
        DeliveryOptions(backoff=0.0, **delivery),
        (SourceConfig("shop", WRITE_KEY, (hook,)),),
    )
    runtime = Runtime(
        config,
        {"webhook": webhook},
        operator=OperatorConfig(allow_private_targets=True),  # the receiver is on loopback
        clock=lambda: CLOCK,
    )
    try:
        yield runtime
    finally:
        runtime.close()


def event(number: int, payload: object = None) -> dict[str, Any]:
    """A track event numbered ``number``; ``properties.payload`` is ``{"n": number}``
    unless given."""
    return {
        "type": "track",
        "event": "Order Completed",
        "userId": f"user-{number}",
        "messageId": f"m-{number}",
        "properties": {"payload": {"n": number} if payload is None else payload},
    }


def ids(received: Received) -> list[str]:
    """The messageIds of a request's array, in order."""
    return [item["messageId"] for item in received.body]


def deliver(runtime: Runtime, events: list[dict[str, Any]]) -> None:
    """Queue ``events`` as one Tracking API call, then start the workers (so that they
    find every item due at once) and wait until the queue is empty."""
    assert post_batch(runtime, events) == len(events)
    runtime.start()
    wait_for(lambda: drained(runtime.queue), what="the queue to empty")


def route_of(runtime: Runtime) -> str:
    source = runtime.routing.source(WRITE_KEY)
    assert source is not None
    [route] = source.routes
    return route.id


@pytest.mark.parametrize(
    ("count", "batch_size", "sizes"),
    [
        pytest.param(7, 3, [3, 3, 1], id="7 by 3"),
        pytest.param(150, 100, [100, 50], id="a batch larger than one claim"),
        pytest.param(3, 1, [1, 1, 1], id="one by one, still arrays"),
    ],
)
def test_n_events_go_in_ceil_n_over_k_requests_each_an_array_in_order(
    queue_url: str, count: int, batch_size: int, sizes: list[int]
) -> None:
    events = [event(n) for n in range(1, count + 1)]
    with WebhookReceiver() as receiver:
        with webhook_runtime(queue_url, receiver, {"batch_size": batch_size}) as runtime:
            deliver(runtime, events)
            route = route_of(runtime)
        received = receiver.received()
    assert len(received) == math.ceil(count / batch_size) == len(sizes)
    assert all(isinstance(got.body, list) for got in received), "arrays, even of one"
    in_order = sorted(received, key=lambda got: int(ids(got)[0].split("-")[1]))
    assert [len(got.body) for got in in_order] == sizes
    assert [i for got in in_order for i in ids(got)] == [e["messageId"] for e in events]
    assert {(got.method, got.path) for got in received} == {("POST", "/hook")}
    assert runtime.metrics.delivered.value(route) == count, "counted per item"
    assert f"actions_delivery_latency_seconds_count {count}" in runtime.metrics.render()


def test_one_invalid_event_fails_alone_and_the_others_go_in_one_request(
    queue_url: str,
) -> None:
    events = [event(1), event(2), event(3, payload="not an object"), event(4), event(5)]
    with WebhookReceiver() as receiver:
        with webhook_runtime(
            queue_url, receiver, {"batch_size": 10}, mapping=PAYLOAD, max_attempts=3
        ) as runtime:
            deliver(runtime, events)
            route = route_of(runtime)
            [letter] = runtime.queue.dead_letters(DeadLetterFilter())
        received = receiver.received()
    assert [got.body for got in received] == [[{"n": 1}, {"n": 2}, {"n": 4}, {"n": 5}]]
    assert (letter.message_id, letter.code, letter.reason, letter.attempts) == (
        "m-3",
        "PAYLOAD_VALIDATION_FAILED",
        "terminal",
        1,
    )
    assert letter.message.startswith("data: ")
    assert runtime.metrics.delivered.value(route) == 4
    assert runtime.metrics.failed.value("PAYLOAD_VALIDATION_FAILED", "terminal") == 1
    assert runtime.metrics.retries.value("PAYLOAD_VALIDATION_FAILED") == 0


def fail_first(message_id: str, status: int = 500) -> Callable[[Any], int]:
    """An answer: ``status`` to the first request holding ``message_id``, 200 otherwise."""
    seen: list[bool] = []

    def answer(body: Any) -> int:
        if not seen and message_id in [item["messageId"] for item in body]:
            seen.append(True)
            return status
        return 200

    return answer


def test_a_failing_request_retries_its_items_and_only_them(queue_url: str) -> None:
    events = [event(n) for n in range(1, 6)]
    with WebhookReceiver(fail_first("m-3")) as receiver:
        with webhook_runtime(queue_url, receiver, {"batch_size": 2}) as runtime:
            deliver(runtime, events)
            assert runtime.queue.dead_letters(DeadLetterFilter()) == []
        received = receiver.received()
    failed = [got for got in received if "m-3" in ids(got)]
    assert [sorted(ids(got)) for got in failed] == [["m-3", "m-4"], ["m-3", "m-4"]], (
        "the failed chunk's items, retried together (nothing else was due)"
    )
    delivered = sorted(i for got in received for i in ids(got) if got is not failed[0])
    assert delivered == [e["messageId"] for e in events], "each delivered once"
    assert len(received) == 4
    assert runtime.metrics.retries.value("SERVER_ERROR") == 2, "one retry per item"
    assert runtime.metrics.delivered.value(route_of(runtime)) == 5


def test_each_item_of_a_failed_request_gets_its_own_decision(queue_url: str) -> None:
    """One request carries an item on its last attempt and one on its first: the failure
    dead-letters the first (``exhausted``) and retries the second."""
    with WebhookReceiver(fail_first("m-1")) as receiver:
        with webhook_runtime(queue_url, receiver, {"batch_size": 10}, max_attempts=2) as runtime:
            assert post_batch(runtime, [event(1)]) == 1
            [first] = runtime.queue.claim(1, 60.0, CLOCK)  # its first attempt failed:
            runtime.queue.complete([Retry(first, CLOCK, "SERVER_ERROR", "HTTP 500")], CLOCK)
            deliver(runtime, [event(2)])
            [letter] = runtime.queue.dead_letters(DeadLetterFilter())
        received = receiver.received()
    assert [sorted(ids(got)) for got in received] == [["m-1", "m-2"], ["m-2"]]
    assert (letter.message_id, letter.code, letter.reason, letter.attempts) == (
        "m-1",
        "SERVER_ERROR",
        "exhausted",
        2,
    )
    assert runtime.metrics.retries.value("SERVER_ERROR") == 1
    assert runtime.metrics.failed.value("SERVER_ERROR", "exhausted") == 1


def test_a_refused_request_dead_letters_each_of_its_items(queue_url: str) -> None:
    events = [event(n) for n in range(1, 6)]
    with WebhookReceiver(fail_first("m-3", status=400)) as receiver:
        with webhook_runtime(queue_url, receiver, {"batch_size": 2}) as runtime:
            deliver(runtime, events)
            letters = runtime.queue.dead_letters(DeadLetterFilter())
        received = receiver.received()
    assert sorted((d.message_id, d.reason, d.attempts) for d in letters) == [
        ("m-3", "terminal", 1),
        ("m-4", "terminal", 1),
    ]
    assert len(received) == 3
    assert runtime.metrics.delivered.value(route_of(runtime)) == 3


def test_items_in_flight_stay_within_the_concurrency(queue_url: str) -> None:
    """With 4 slots, batches hold at most 4 items, and the next is claimed only once the
    slots are free again: the requests come one after the other, in queue order."""
    events = [event(n) for n in range(1, 11)]
    with WebhookReceiver() as receiver:
        with webhook_runtime(queue_url, receiver, {"batch_size": 10}, concurrency=4) as runtime:
            deliver(runtime, events)
        received = receiver.received()
    assert [ids(got) for got in received] == [
        ["m-1", "m-2", "m-3", "m-4"],
        ["m-5", "m-6", "m-7", "m-8"],
        ["m-9", "m-10"],
    ]


def test_a_batch_cut_short_at_stop_releases_each_of_its_items(queue_url: str) -> None:
    receiver = WebhookReceiver(latency=Latency(3600.0))  # answers only when stopped
    settings = {"batch_size": 10}
    with receiver, webhook_runtime(queue_url, receiver, settings, shutdown_grace=0.0) as runtime:
        assert post_batch(runtime, [event(n) for n in range(1, 4)]) == 3
        runtime.start()
        wait_for(lambda: len(receiver.received()) == 1, what="the batch request")
        # leaving the block closes the runtime first: the request under way is cut short
    queue = open_queue(queue_url)
    try:
        assert queue.depth() == {"queued": 3, "in_flight": 0, "retry_scheduled": 0}
        again = queue.claim(10, 60.0, CLOCK)
    finally:
        queue.close()
    assert sorted((item.message_id, item.attempts) for item in again) == [
        ("m-1", 1),
        ("m-2", 1),
        ("m-3", 1),
    ], "released: claimable at once, the cut attempt not counted"
    assert runtime.metrics.delivered.value(route_of(runtime)) == 0


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def test_the_batched_requests_the_workers_send(
    tmp_path: Path, snapshot_json: SnapshotAssertion
) -> None:
    """The requests as the receiver got them (one shape whatever the queue): signed, custom
    header, the events as the ingress stored them, in chunks of 2."""
    settings = {
        "batch_size": 2,
        "method": "PUT",
        "shared_secret": SECRET,
        "headers": {"X-Team": "growth"},
    }
    events = [event(1), event(2), {**event(3), "context": {"ip": "192.0.2.1"}}]
    with WebhookReceiver() as receiver:
        with webhook_runtime(f"sqlite:///{tmp_path / 'queue.db'}", receiver, settings) as runtime:
            deliver(runtime, events)
        received = sorted(receiver.received(), key=lambda got: ids(got)[0])
    for got in received:
        assert got.headers["x-signature"] == hmac_signature(got.raw)
    shown = [
        {
            "method": got.method,
            "path": got.path,
            "headers": {name: got.headers[name] for name in SHOWN_HEADERS if name in got.headers},
            "json": got.body,
        }
        for got in received
    ]
    assert shown == snapshot_json
