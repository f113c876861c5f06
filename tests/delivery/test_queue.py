"""The SQLite queue: de-duplication, claims and leases, outcomes, dead letters, replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from framework.delivery.backends import open_queue
from framework.delivery.config import ConfigError
from framework.delivery.queue import (
    Dead,
    DeadLetterFilter,
    Delivered,
    Message,
    Retry,
)
from framework.delivery.sqlite_queue import SqliteQueue

T0 = 1_000_000.0


def message(message_id: str, routes: tuple[str, ...] = ("d/a",)) -> Message:
    return Message("shop", message_id, f'{{"messageId": "{message_id}"}}', T0, routes)


@pytest.fixture
def queue(tmp_path: Path) -> SqliteQueue:
    found = open_queue(f"sqlite:///{tmp_path / 'q.db'}")
    assert isinstance(found, SqliteQueue)
    return found


def test_enqueue_makes_one_item_per_route_and_skips_a_message_seen_before(
    queue: SqliteQueue,
) -> None:
    assert queue.enqueue([message("m1", ("d/a", "d/b")), message("m2")]) == 2
    assert queue.enqueue([message("m1", ("d/a", "d/b")), message("m3")]) == 1  # m1 again
    assert queue.depth() == {"queued": 4, "in_flight": 0, "retry_scheduled": 0}
    items = queue.claim(10, lease=30, now=T0)
    assert sorted((i.message_id, i.route, i.attempts) for i in items) == [
        ("m1", "d/a", 1),
        ("m1", "d/b", 1),
        ("m2", "d/a", 1),
        ("m3", "d/a", 1),
    ]
    assert queue.depth()["in_flight"] == 4


def test_forgetting_old_messages_lets_them_in_again(queue: SqliteQueue) -> None:
    queue.enqueue([message("m1")])
    assert queue.forget(before=T0 + 1) == 1
    assert queue.enqueue([message("m1")]) == 1


def test_an_item_in_flight_is_claimed_again_only_after_its_lease(queue: SqliteQueue) -> None:
    queue.enqueue([message("m1")])
    [first] = queue.claim(10, lease=30, now=T0)
    assert queue.claim(10, lease=30, now=T0 + 29) == []
    [again] = queue.claim(10, lease=30, now=T0 + 31)  # the first worker died
    assert (again.id, again.attempts) == (first.id, 2)
    queue.complete([Retry(first, T0 + 100, "TIMEOUT", "late")], now=T0 + 32)  # stale: ignored
    assert queue.depth() == {"queued": 0, "in_flight": 1, "retry_scheduled": 0}
    queue.complete([Delivered(again)], now=T0 + 33)
    assert sum(queue.depth().values()) == 0


def test_a_retry_waits_until_its_time(queue: SqliteQueue) -> None:
    queue.enqueue([message("m1")])
    [item] = queue.claim(1, lease=30, now=T0)
    queue.complete([Retry(item, T0 + 5, "RATE_LIMITED", "HTTP 429")], now=T0)
    assert queue.depth()["retry_scheduled"] == 1
    assert queue.claim(1, lease=30, now=T0 + 4) == []
    [again] = queue.claim(1, lease=30, now=T0 + 5)
    assert again.attempts == 2


def test_dead_letters_are_listed_filtered_shown_and_replayed(queue: SqliteQueue) -> None:
    queue.enqueue([message("m1"), message("m2"), message("m3")])
    one, two, three = sorted(queue.claim(3, lease=30, now=T0), key=lambda i: i.message_id)
    queue.complete([Dead(one, "INVALID_AUTHENTICATION", "HTTP 401", "terminal")], now=T0 + 10)
    queue.complete([Dead(two, "SERVER_ERROR", "HTTP 503", "exhausted")], now=T0 + 20)
    queue.complete([Delivered(three)], now=T0 + 20)
    letters = queue.dead_letters(DeadLetterFilter())
    assert [(d.message_id, d.code, d.reason, d.attempts) for d in letters] == [
        ("m1", "INVALID_AUTHENTICATION", "terminal", 1),
        ("m2", "SERVER_ERROR", "exhausted", 1),
    ]
    assert [d.message_id for d in queue.dead_letters(DeadLetterFilter(since=T0 + 15))] == ["m2"]
    assert [d.message_id for d in queue.dead_letters(DeadLetterFilter(until=T0 + 15))] == ["m1"]
    shown = queue.dead_letter(letters[0].id)
    assert shown is not None
    assert (shown.event, shown.enqueued_at, shown.failed_at) == ('{"messageId": "m1"}', T0, T0 + 10)
    assert queue.replay(DeadLetterFilter(code="SERVER_ERROR"), now=T0 + 50) == 1
    assert [d.message_id for d in queue.dead_letters(DeadLetterFilter())] == ["m1"]
    [replayed] = queue.claim(5, lease=30, now=T0 + 50)
    assert (replayed.message_id, replayed.attempts, replayed.enqueued_at) == ("m2", 1, T0 + 50)


def test_the_queue_survives_reopening(tmp_path: Path) -> None:
    first = SqliteQueue(tmp_path / "q.db")
    first.enqueue([message("m1")])
    first.close()
    second = SqliteQueue(tmp_path / "q.db")
    assert second.depth()["queued"] == 1
    second.close()


def test_an_unknown_queue_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="unsupported queue 'redis'"):
        open_queue("redis://127.0.0.1:6379/0")
