"""The delivery view of one connection over a real SQLite queue and statistics: the last
hour per minute, the rate, failures by code, and only that connection's dead letters,
listed and replayed (all, or by code)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from framework.runtime.control.delivery_view import delivery_view, replay
from framework.runtime.control.sqlite_stats import SqliteDeliveryStats
from framework.runtime.delivery.queue import Dead, DeadLetterFilter, Message
from framework.runtime.delivery.sqlite_queue import SqliteQueue

T0 = 1_800_000_000.0  # 2027-01-15T08:00:00Z, the start of a minute
SECRET = "card-4242-SECRET"  # in every queued event: never shown with a dead letter


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[SqliteQueue]:
    opened = SqliteQueue(tmp_path / "queue.db")
    yield opened
    opened.close()


@pytest.fixture
def stats(tmp_path: Path) -> Iterator[SqliteDeliveryStats]:
    opened = SqliteDeliveryStats(tmp_path / "control.stats.db", clock=lambda: T0)
    yield opened
    opened.close()


def _bury(queue: SqliteQueue, letters: list[tuple[str, str]], at: float) -> None:
    """Dead letters failed at ``at``, one per (route, code), in that order."""
    messages = [
        Message("shop", f"m-{at}-{i}", json.dumps({"card": SECRET}), at, (route,))
        for i, (route, _) in enumerate(letters)
    ]
    queue.enqueue(messages)
    items = queue.claim(len(letters), 30.0, at)
    codes = {m.message_id: code for m, (_, code) in zip(messages, letters, strict=True)}
    queue.complete([Dead(i, codes[i.message_id], "gave up", "terminal") for i in items], at)


def test_the_series_holds_the_last_hour_and_the_rate_the_last_five_minutes(
    stats: SqliteDeliveryStats, queue: SqliteQueue
) -> None:
    now = T0 + 3600 + 30
    stats.record("pk", "delivered", now - 6 * 60, count=100)  # before the rate's minutes
    stats.record("pk", "delivered", now - 4 * 60, count=7)
    stats.record("pk", "delivered", now, count=3)
    stats.record("pk", "retrying", now - 65)
    stats.record("pk", "delivered", now - 3600, count=1000)  # an hour ago: not shown
    stats.record("other", "delivered", now, count=50)
    stats.flush()
    view = delivery_view(stats, queue, "pk", now)
    series = view["series"]
    assert len(series) == 60
    assert series[0]["minute"] == "2027-01-15T08:01:00.000Z"
    assert series[-1] == {
        "minute": "2027-01-15T09:00:00.000Z",
        "delivered": 3,
        "failed": 0,
        "retrying": 0,
        "dead_lettered": 0,
    }
    assert series[-2] == {
        "minute": "2027-01-15T08:59:00.000Z",
        "delivered": 0,
        "failed": 1,
        "retrying": 1,
        "dead_lettered": 0,
    }
    assert sum(point["delivered"] for point in series) == 110
    assert view["rate_per_minute"] == 2.0  # (7 + 3) / 5


def test_failures_are_shown_by_code_with_their_samples_as_stored(
    stats: SqliteDeliveryStats, queue: SqliteQueue
) -> None:
    request = {"url": "https://api.example/x", "headers": {"Authorization": "Bearer [REDACTED]"}}
    for at, code in ((T0, "TIMEOUT"), (T0 + 1, "TIMEOUT"), (T0 + 2, "UNAUTHORIZED")):
        stats.record_failure(
            "pk",
            code,
            message=f"{code} happened",
            at=at,
            event='{"messageId": "m-1"}',
            request=request,
            response={"code": code, "message": "no"},
        )
    stats.flush()
    [unauthorized, timeout] = delivery_view(stats, queue, "pk", T0)["failures"]
    assert unauthorized == {
        "code": "UNAUTHORIZED",
        "count": 1,
        "latest_at": "2027-01-15T08:00:02.000Z",
        "samples": [
            {
                "at": "2027-01-15T08:00:02.000Z",
                "message": "UNAUTHORIZED happened",
                "event": {"messageId": "m-1"},
                "request": request,
                "response": {"code": "UNAUTHORIZED", "message": "no"},
            }
        ],
    }
    assert (timeout["code"], timeout["count"]) == ("TIMEOUT", 2)
    assert [s["at"] for s in timeout["samples"]] == [
        "2027-01-15T08:00:01.000Z",
        "2027-01-15T08:00:00.000Z",
    ]


def test_only_the_connections_dead_letters_are_listed_newest_first(
    stats: SqliteDeliveryStats, queue: SqliteQueue
) -> None:
    _bury(queue, [("pk/order/0", "TIMEOUT"), ("pkx/order/0", "TIMEOUT")], T0)
    _bury(queue, [("other/order/0", "BAD"), ("pk/order/1", "UNAUTHORIZED")], T0 + 5)
    view = delivery_view(stats, queue, "pk", T0 + 10)
    [newest, oldest] = view["dead_letters"]
    assert view["dead_letter_count"] == 2
    assert newest == {
        "id": newest["id"],
        "message_id": f"m-{T0 + 5}-1",
        "code": "UNAUTHORIZED",
        "message": "gave up",
        "failed_at": "2027-01-15T08:00:05.000Z",
    }
    assert (oldest["message_id"], oldest["code"]) == (f"m-{T0}-0", "TIMEOUT")
    assert SECRET not in json.dumps(view)  # a dead letter is listed without its event


def test_at_most_fifty_dead_letters_are_listed(
    stats: SqliteDeliveryStats, queue: SqliteQueue
) -> None:
    _bury(queue, [(f"pk/order/{i}", "TIMEOUT") for i in range(52)], T0)
    view = delivery_view(stats, queue, "pk", T0)
    ids = [letter["id"] for letter in view["dead_letters"]]
    every = [letter.id for letter in queue.dead_letters(DeadLetterFilter())]
    assert view["dead_letter_count"] == 52
    assert ids == every[:1:-1]  # the fifty newest, newest first


def test_replay_requeues_only_the_connections_dead_letters(queue: SqliteQueue) -> None:
    _bury(
        queue,
        [
            ("pk/order/0", "TIMEOUT"),
            ("pk/order/1", "UNAUTHORIZED"),
            ("pk/order/2", "TIMEOUT"),
            ("pkx/order/0", "TIMEOUT"),
            ("other/order/0", "TIMEOUT"),
        ],
        T0,
    )
    assert replay(queue, "pk", "TIMEOUT", T0 + 1) == 2
    assert queue.depth()["queued"] == 2
    left = sorted((d.route, d.code) for d in queue.dead_letters(DeadLetterFilter()))
    assert left == [
        ("other/order/0", "TIMEOUT"),
        ("pk/order/1", "UNAUTHORIZED"),
        ("pkx/order/0", "TIMEOUT"),
    ]
    assert replay(queue, "pk", None, T0 + 2) == 1
    assert replay(queue, "pk", None, T0 + 3) == 0
    requeued = sorted(item.route for item in queue.claim(10, 30.0, T0 + 3))
    assert requeued == ["pk/order/0", "pk/order/1", "pk/order/2"]
    assert len(queue.dead_letters(DeadLetterFilter())) == 2
