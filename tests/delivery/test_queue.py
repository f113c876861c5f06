"""The queue's contract, for both implementations (SQLite, and Redis Streams on a real
server) and both faces: de-duplication, claims and leases, outcomes, releases, dead
letters, replay; then what is particular to each.

The contract runs on the synchronous SQLite queue, on the asynchronous one (its writer
thread) driven from the engine's event loop, and on the Redis queue, which is asynchronous
only: its synchronous face drives it from the engine's loop, so one run covers both."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from framework.engine.loop import engine_loop
from framework.runtime.delivery.backends import open_async_queue, open_queue
from framework.runtime.delivery.blocking_queue import BlockingQueue
from framework.runtime.delivery.config import ConfigError
from framework.runtime.delivery.local_redis import LocalRedis
from framework.runtime.delivery.queue import (
    Dead,
    DeadLetterFilter,
    Delivered,
    Message,
    Queue,
    QueueUnavailable,
    Retry,
)
from framework.runtime.delivery.redis_queue import RedisQueue
from framework.runtime.delivery.sqlite_queue import SqliteQueue

LEASE = 0.3  # seconds: the lease tests wait it out for real (Redis measures idle time)
# A claim that must find nothing to take over: SQLite is asked at the time of the last claim
# (its lease has not ended then), Redis for entries idle this long, so a machine too busy
# to make the next call within LEASE cannot end a lease early
NOT_YET = 3600.0


def message(message_id: str, routes: tuple[str, ...] = ("d/a",)) -> Message:
    return Message("shop", message_id, f'{{"messageId": "{message_id}"}}', time.time(), routes)


def open_async_face(url: str) -> BlockingQueue:
    """The asynchronous queue at ``url``, each call awaited on the engine's loop."""
    loop = engine_loop()
    return BlockingQueue(loop.run(open_async_queue(url)), loop)


def consumer_of(queue: Queue) -> str:
    """The Redis consumer name of a queue :func:`open_queue` opened."""
    assert isinstance(queue, BlockingQueue)
    assert isinstance(queue.queue, RedisQueue)
    return queue.queue.consumer


@pytest.fixture(params=["sqlite", "sqlite-async", "redis"])
def queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Queue]:
    url = (
        request.getfixturevalue("redis_url")
        if request.param == "redis"
        else f"sqlite:///{tmp_path / 'q.db'}"
    )
    opened = open_async_face(url) if request.param == "sqlite-async" else open_queue(url)
    yield opened
    opened.close()


def test_enqueue_makes_one_item_per_route_and_skips_a_message_seen_before(queue: Queue) -> None:
    assert queue.enqueue([message("m1", ("d/a", "d/b")), message("m2")]) == 2
    assert queue.enqueue([message("m1", ("d/a", "d/b")), message("m3")]) == 1  # m1 again
    assert queue.depth() == {"queued": 4, "in_flight": 0, "retry_scheduled": 0}
    items = queue.claim(10, lease=30, now=time.time())
    assert sorted((i.message_id, i.route, i.attempts) for i in items) == [
        ("m1", "d/a", 1),
        ("m1", "d/b", 1),
        ("m2", "d/a", 1),
        ("m3", "d/a", 1),
    ]
    assert queue.depth() == {"queued": 0, "in_flight": 4, "retry_scheduled": 0}
    assert queue.claim(10, lease=30, now=time.time()) == []


def test_claims_take_at_most_the_limit_oldest_first(queue: Queue) -> None:
    queue.enqueue([message(f"m{n}") for n in range(5)])
    assert [i.message_id for i in queue.claim(3, lease=30, now=time.time())] == ["m0", "m1", "m2"]
    assert [i.message_id for i in queue.claim(3, lease=30, now=time.time())] == ["m3", "m4"]


def test_forgetting_old_messages_lets_them_in_again(queue: Queue) -> None:
    queue.enqueue([message("m1")])
    assert queue.forget(before=time.time() + 1) == 1
    assert queue.enqueue([message("m1")]) == 1


def test_an_item_in_flight_is_claimed_again_only_after_its_lease(queue: Queue) -> None:
    queue.enqueue([message("m1")])
    claimed_at = time.time()
    [first] = queue.claim(10, lease=LEASE, now=claimed_at)
    assert queue.claim(10, lease=NOT_YET, now=claimed_at) == []
    time.sleep(LEASE + 0.1)  # the first worker died: its lease runs out (what is tested)
    claimed_at = time.time()
    [again] = queue.claim(10, lease=LEASE, now=claimed_at)
    assert (again.id, again.attempts) == (first.id, 2)
    stale = Retry(first, time.time() + 100, "TIMEOUT", "late")
    queue.complete([stale], now=time.time())  # reported after the lease: ignored
    queue.release([first], now=time.time())  # likewise
    assert queue.depth() == {"queued": 0, "in_flight": 1, "retry_scheduled": 0}
    assert queue.claim(10, lease=NOT_YET, now=claimed_at) == []
    queue.complete([Delivered(again)], now=time.time())
    assert sum(queue.depth().values()) == 0


def test_a_retry_waits_until_its_time(queue: Queue) -> None:
    queue.enqueue([message("m1")])
    now = time.time()
    [item] = queue.claim(1, lease=30, now=now)
    queue.complete([Retry(item, now + 5, "RATE_LIMITED", "HTTP 429")], now=now)
    assert queue.depth() == {"queued": 0, "in_flight": 0, "retry_scheduled": 1}
    assert queue.claim(1, lease=30, now=now + 4) == []
    [again] = queue.claim(1, lease=30, now=now + 5)
    assert (again.message_id, again.attempts, again.enqueued_at) == ("m1", 2, item.enqueued_at)


def test_released_items_are_claimable_at_once_and_keep_their_attempts(queue: Queue) -> None:
    queue.enqueue([message("m1"), message("m2")])
    now = time.time()
    one, two = sorted(queue.claim(2, lease=30, now=now), key=lambda i: i.message_id)
    queue.complete([Retry(two, now, "RATE_LIMITED", "HTTP 429")], now=now)
    [two] = queue.claim(1, lease=30, now=now)
    assert [(i.message_id, i.attempts) for i in (one, two)] == [("m1", 1), ("m2", 2)]
    queue.release([one, two], now=now)
    assert queue.depth() == {"queued": 2, "in_flight": 0, "retry_scheduled": 0}
    again = sorted(queue.claim(5, lease=30, now=now), key=lambda i: i.message_id)
    assert [(i.message_id, i.attempts, i.enqueued_at) for i in again] == [
        ("m1", 1, one.enqueued_at),
        ("m2", 2, two.enqueued_at),
    ]
    queue.complete([Delivered(i) for i in again], now=now)
    assert sum(queue.depth().values()) == 0


def test_dead_letters_are_listed_filtered_shown_and_replayed(queue: Queue) -> None:
    queue.enqueue([message("m1"), message("m2"), message("m3")])
    t0 = time.time()
    one, two, three = sorted(queue.claim(3, lease=30, now=t0), key=lambda i: i.message_id)
    queue.complete([Dead(one, "INVALID_AUTHENTICATION", "HTTP 401", "terminal")], now=t0 + 10)
    queue.complete([Dead(two, "SERVER_ERROR", "HTTP 503 ✗", "exhausted")], now=t0 + 20)
    queue.complete([Delivered(three)], now=t0 + 20)
    letters = queue.dead_letters(DeadLetterFilter())
    assert [(d.message_id, d.code, d.message, d.reason, d.attempts) for d in letters] == [
        ("m1", "INVALID_AUTHENTICATION", "HTTP 401", "terminal", 1),
        ("m2", "SERVER_ERROR", "HTTP 503 ✗", "exhausted", 1),
    ]
    assert [d.message_id for d in queue.dead_letters(DeadLetterFilter(since=t0 + 15))] == ["m2"]
    assert [d.message_id for d in queue.dead_letters(DeadLetterFilter(until=t0 + 15))] == ["m1"]
    assert [d.message_id for d in queue.dead_letters(DeadLetterFilter(), limit=1)] == ["m1"]
    shown = queue.dead_letter(letters[0].id)
    assert shown is not None
    assert (shown.event, shown.enqueued_at, shown.failed_at) == (
        '{"messageId": "m1"}',
        one.enqueued_at,
        t0 + 10,
    )
    assert queue.dead_letter(letters[-1].id + 1000) is None
    assert queue.replay(DeadLetterFilter(code="SERVER_ERROR"), now=t0 + 50) == 1
    assert queue.replay(DeadLetterFilter(code="SERVER_ERROR"), now=t0 + 50) == 0
    assert [d.message_id for d in queue.dead_letters(DeadLetterFilter())] == ["m1"]
    [replayed] = queue.claim(5, lease=30, now=t0 + 50)
    assert (replayed.message_id, replayed.attempts, replayed.enqueued_at) == ("m2", 1, t0 + 50)


def test_the_sqlite_queue_survives_reopening(tmp_path: Path) -> None:
    first = SqliteQueue(tmp_path / "q.db")
    first.enqueue([message("m1")])
    first.close()
    second = SqliteQueue(tmp_path / "q.db")
    assert second.depth()["queued"] == 1
    second.close()


def test_a_sqlite_queue_locked_too_long_is_unavailable(tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "q.db", busy_timeout=0.1)
    holder = sqlite3.connect(tmp_path / "q.db", isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # another process holding the write lock
        with pytest.raises(QueueUnavailable) as raised:
            queue.enqueue([message("m1")])
        assert raised.value.message.endswith("failed: database is locked")
        holder.execute("ROLLBACK")
        assert queue.enqueue([message("m1")]) == 1  # nothing was stored the first time
    finally:
        holder.close()
        queue.close()


def test_a_file_that_is_not_a_sqlite_queue_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "q.db").write_bytes(b"not a database, but long enough to be read as one" * 99)
    with pytest.raises(QueueUnavailable) as raised:
        open_queue(f"sqlite:///{tmp_path / 'q.db'}")
    assert raised.value.message.endswith("failed: file is not a database")


def test_a_redis_worker_takes_over_what_another_left_pending(redis_url: str) -> None:
    gone, other = open_queue(redis_url), open_queue(redis_url)
    try:
        gone.enqueue([message("m1"), message("m2")])
        taken = gone.claim(10, lease=LEASE, now=time.time())
        assert other.claim(10, lease=NOT_YET, now=time.time()) == []
        time.sleep(LEASE + 0.1)  # gone's lease runs out (what is tested)
        again = other.claim(10, lease=LEASE, now=time.time())
        assert [(i.id, i.attempts) for i in again] == [(i.id, 2) for i in taken]
        gone.complete([Dead(taken[0], "TIMEOUT", "late", "exhausted")], now=time.time())
        assert gone.dead_letters(DeadLetterFilter()) == []  # no longer its to decide
        other.complete([Delivered(i) for i in again], now=time.time())
        assert sum(other.depth().values()) == 0
    finally:
        gone.close()
        other.close()


def test_a_redis_consumer_leaves_the_group_on_close_only_when_nothing_is_pending(
    redis_url: str,
) -> None:
    idle, busy = open_queue(redis_url), open_queue(redis_url)
    busy.enqueue([message("m1")])
    busy.claim(1, lease=30, now=time.time())
    idle.close()
    busy.close()
    with redis.Redis.from_url(redis_url, decode_responses=True) as client:
        consumers = client.xinfo_consumers("actions:stream", "workers")
    assert [(c["name"], c["pending"]) for c in consumers] == [(consumer_of(busy), 1)]


def test_a_redis_queue_makes_its_group_again_after_redis_lost_its_data(redis_url: str) -> None:
    queue = open_queue(redis_url)
    try:
        with redis.Redis.from_url(redis_url) as client:
            client.flushdb()  # as a restart without persistence would
        queue.enqueue([message("m1")])
        assert [i.message_id for i in queue.claim(5, lease=30, now=time.time())] == ["m1"]
    finally:
        queue.close()


@pytest.mark.parametrize(
    ("setting", "unsafe", "warning"),
    [
        ("appendonly", "no", "Redis runs without appendonly"),
        ("maxmemory-policy", "allkeys-lru", "Redis may evict keys when memory is full"),
    ],
)
def test_a_redis_that_may_lose_events_is_warned_about(
    redis_url: str, caplog: pytest.LogCaptureFixture, setting: str, unsafe: str, warning: str
) -> None:
    with redis.Redis.from_url(redis_url, decode_responses=True) as client:
        safe = client.config_get(setting)[setting]
        with caplog.at_level(logging.WARNING):
            open_queue(redis_url).close()
            assert warning not in caplog.text
            client.config_set(setting, unsafe)
            try:
                open_queue(redis_url).close()
            finally:
                client.config_set(setting, safe)
    assert warning in caplog.text


def test_an_unreachable_redis_is_unavailable_and_named_without_its_password(
    tmp_path: Path,
) -> None:
    server = LocalRedis(tmp_path)  # never started: nothing listens on its port
    url = f"redis://:hunter2-SECRET@127.0.0.1:{server.port}/4"
    with pytest.raises(QueueUnavailable) as raised:
        open_queue(url)
    assert raised.value.code == "QUEUE_UNAVAILABLE"
    assert raised.value.message == (
        f"the Redis queue at 127.0.0.1:{server.port}/4 failed: ConnectionError"
    )


def test_redis_refusing_the_password_or_writes_is_named(redis_server: LocalRedis) -> None:
    url = redis_server.url(0)
    with redis.Redis.from_url(url) as client:
        client.config_set("requirepass", "right-SECRET")
        try:
            for given, error in (("", "AuthenticationError"), ("wrong", "AuthenticationError")):
                with pytest.raises(QueueUnavailable) as raised:
                    open_queue(url.replace("//", f"//:{given}@") if given else url)
                assert raised.value.message.endswith(f"failed: {error}")
            queue = open_queue(url.replace("//", "//:right-SECRET@"))
            try:
                client.execute_command("AUTH", "right-SECRET")
                client.config_set("maxmemory", "1")  # full: Redis refuses writes
                with pytest.raises(QueueUnavailable) as raised:
                    queue.enqueue([message("m1")])
                assert raised.value.message.endswith("failed: OutOfMemoryError")
                assert "SECRET" not in raised.value.message
                client.config_set("maxmemory", "0")
                client.set("actions:seen", "another program's value")
                with pytest.raises(QueueUnavailable) as raised:
                    queue.enqueue([message("m1")])
                assert raised.value.message.endswith("failed: ResponseError (WRONGTYPE)")
            finally:
                client.config_set("maxmemory", "0")
                queue.close()
        finally:
            client.config_set("requirepass", "")


def test_a_queue_that_stops_answering_is_unavailable_and_comes_back(tmp_path: Path) -> None:
    with LocalRedis(tmp_path) as server:
        queue = open_queue(server.url(1))
        try:
            server.kill()
            with pytest.raises(QueueUnavailable):
                queue.enqueue([message("m1")])
            server.start()
            assert queue.enqueue([message("m1")]) == 1  # the same client reconnects
        finally:
            queue.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis://:pw-SECRET@127.0.0.1:notaport/0", "port must be a number from 1 to 65535"),
        ("redis://:pw-SECRET@127.0.0.1:99999/0", "port must be a number from 1 to 65535"),
        ("redis://127.0.0.1:6379/queue", "database must be a number, not 'queue'"),
    ],
)
def test_a_malformed_redis_url_is_a_configuration_error(url: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        open_queue(url)
    assert raised.value.message == f"queue: the Redis URL's {message}"


def test_an_unknown_queue_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="unsupported queue 'amqp'"):
        open_queue("amqp://127.0.0.1:5672/")
    with pytest.raises(ConfigError, match="unsupported queue 'amqp'"):
        asyncio.run(open_async_queue("amqp://127.0.0.1:5672/"))
