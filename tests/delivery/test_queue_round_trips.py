"""Batches on the Redis queue: enqueueing, claiming, completing and releasing 64 items are
one command (one round trip) each.

Counted by Redis itself: with ``slowlog-log-slower-than 0`` its slow log records every
command with the address of the client that sent it (the commands a script runs are
recorded without a client address, so they are not counted)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import redis

from framework.runtime.delivery.backends import open_queue
from framework.runtime.delivery.queue import (
    Dead,
    DeadLetterFilter,
    Delivered,
    Message,
    Outcome,
    Retry,
    WorkItem,
)

BATCH = 64


@pytest.fixture
def commands(redis_url: str) -> Iterator[Callable[[Callable[[], object]], list[str]]]:
    """``commands(operation)``: run it; the names of the commands clients other than the
    test's own sent meanwhile."""
    with redis.Redis.from_url(redis_url, decode_responses=True) as admin:
        saved = admin.config_get("slowlog-*")
        admin.config_set("slowlog-log-slower-than", 0)
        admin.config_set("slowlog-max-len", 100_000)
        me = admin.client_info()["addr"]

        def run(operation: Callable[[], object]) -> list[str]:
            admin.slowlog_reset()
            operation()
            clients = {c["addr"] for c in admin.client_list()} - {me}
            logged = [
                (_text(e["client_address"]), _text(e["command"]))
                for e in admin.slowlog_get(100_000)
            ]
            return [command.split()[0] for client, command in logged if client in clients]

        try:
            yield run
        finally:
            admin.config_set("slowlog-log-slower-than", saved["slowlog-log-slower-than"])
            admin.config_set("slowlog-max-len", saved["slowlog-max-len"])


def test_batches_of_64_are_one_round_trip_each(
    redis_url: str, commands: Callable[[Callable[[], object]], list[str]]
) -> None:
    queue = open_queue(redis_url)
    try:
        queue.enqueue([Message("shop", "warm-up", "{}", time.time(), ("d/a",))])
        [warm] = queue.claim(1, lease=30, now=time.time())
        queue.complete([Delivered(warm)], now=time.time())  # scripts loaded, connected
        received = time.time()
        messages = [Message("shop", f"m{n}", "{}", received, ("d/a",)) for n in range(BATCH)]
        assert commands(lambda: queue.enqueue(messages)) == ["EVALSHA"]
        now = time.time()
        claimed: list[WorkItem] = []
        assert commands(lambda: claimed.extend(queue.claim(BATCH, 30, now))) == ["EVALSHA"]
        items = sorted(claimed, key=lambda i: int(i.message_id[1:]))
        assert [i.message_id for i in items] == [m.message_id for m in messages]
        outcomes: list[Outcome] = [
            *(Delivered(i) for i in items[:16]),
            *(Retry(i, now + 60, "TIMEOUT", "slow") for i in items[16:32]),
            *(Dead(i, "INVALID", "HTTP 400", "terminal") for i in items[32:48]),
        ]
        assert commands(lambda: queue.complete(outcomes, now)) == ["EVALSHA"]
        assert commands(lambda: queue.release(items[48:], now)) == ["EVALSHA"]
        assert queue.depth() == {"queued": 16, "in_flight": 0, "retry_scheduled": 16}
        assert len(queue.dead_letters(DeadLetterFilter())) == 16
        again = queue.claim(BATCH, 30, now)
        assert sorted((i.message_id, i.attempts) for i in again) == sorted(
            (i.message_id, 1) for i in items[48:]
        )
    finally:
        queue.close()


def _text(value: str | bytes) -> str:
    """redis-py gives the slow log's entries as bytes, even when told to decode."""
    return value.decode() if isinstance(value, bytes) else value
