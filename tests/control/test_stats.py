"""The delivery statistics, in SQLite and in Redis alike: outcomes counted per minute (a
failed attempt counted as failed too), written only by a flush, failures grouped by code
with their five newest samples, old data dropped, and a store that fails keeps what it
could not write."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from framework.runtime.control.opened import open_delivery_stats
from framework.runtime.control.redis_stats import RedisDeliveryStats
from framework.runtime.control.sqlite_stats import SqliteDeliveryStats
from framework.runtime.control.stats import KEEP_SECONDS, DeliveryStats, StatsUnavailable
from framework.runtime.delivery.config import ConfigError
from framework.runtime.delivery.local_redis import LocalRedis
from tests.delivery.conftest import redis_server, redis_url  # noqa: F401 (fixtures)

T0 = 1_800_000_000.0  # the start of a minute
ZERO = {"delivered": 0, "failed": 0, "retrying": 0, "dead_lettered": 0}
MakeStats = Callable[..., DeliveryStats]


class Clock:
    """A clock the test sets."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "redis"])
def make_stats(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeStats]:
    """``make_stats(clock=...)``: statistics in a fresh SQLite file or Redis database,
    closed after the test."""
    made: list[DeliveryStats] = []

    def make(clock: Callable[[], float] | None = None) -> DeliveryStats:
        clock = clock or Clock(T0)
        if request.param == "sqlite":
            stats: DeliveryStats = SqliteDeliveryStats(tmp_path / "s.stats.db", clock=clock)
        else:
            stats = RedisDeliveryStats(request.getfixturevalue("redis_url"), clock=clock)
        made.append(stats)
        return stats

    yield make
    for stats in made:
        stats.close()


def _fail(stats: DeliveryStats, code: str, at: float, **sample: Any) -> dict[str, Any]:
    """Record a failure of connection ``pk``; the sample as failures() gives it back."""
    kept = {
        "message": f"{code} at {at}",
        "event": f'{{"messageId": "m-{at}"}}',
        "request": {"headers": {"Authorization": "Bearer [REDACTED]"}},
        "response": {"code": code, "message": "no"},
        **sample,
    }
    stats.record_failure("pk", code, at=at, **kept)
    return {"at": at, **kept}


def test_outcomes_are_counted_per_minute_and_zero_filled(make_stats: MakeStats) -> None:
    stats = make_stats()
    stats.record("pk", "delivered", T0 + 5)
    stats.record("pk", "delivered", T0 + 59.9)
    stats.record("pk", "delivered", T0 + 61, count=3)
    stats.record("pk", "retrying", T0 + 65)
    stats.record("pk", "dead_lettered", T0 + 70)
    stats.record("pk", "failed", T0 + 71)
    stats.record("other", "delivered", T0 + 5)
    stats.flush()
    points = stats.series("pk", T0 + 130, minutes=4)
    assert points == [
        {"minute": int(T0) - 60, **ZERO},
        {"minute": int(T0), **ZERO, "delivered": 2},
        {"minute": int(T0) + 60, "delivered": 3, "failed": 3, "retrying": 1, "dead_lettered": 1},
        {"minute": int(T0) + 120, **ZERO},
    ]
    assert len(stats.series("pk", T0 + 130)) == 60
    assert stats.series("pk", T0 + 130)[-3]["delivered"] == 2


def test_only_a_flush_writes_and_flushes_add_up(make_stats: MakeStats) -> None:
    stats = make_stats()
    stats.record("pk", "delivered", T0)
    _fail(stats, "BAD", T0)
    assert stats.series("pk", T0, minutes=1) == [{"minute": int(T0), **ZERO}]
    assert stats.failures("pk") == []
    stats.flush()
    stats.record("pk", "delivered", T0 + 1, count=2)
    _fail(stats, "BAD", T0 + 1)
    stats.flush()
    stats.flush()  # nothing new: nothing added
    assert stats.series("pk", T0, minutes=1)[0]["delivered"] == 3
    [group] = stats.failures("pk")
    assert group["count"] == 2


def test_failures_are_grouped_by_code_latest_first_with_five_samples(
    make_stats: MakeStats,
) -> None:
    stats = make_stats()
    samples = [_fail(stats, "TIMEOUT", T0 + i) for i in range(4)]
    stats.flush()
    samples += [_fail(stats, "TIMEOUT", T0 + i) for i in range(4, 7)]
    unauthorized = _fail(stats, "UNAUTHORIZED", T0 + 100, request=None, response=None)
    stats.record_failure(
        "other", "TIMEOUT", message="x", at=T0 + 200, event="{}", request=None, response=None
    )
    stats.flush()
    assert stats.failures("pk") == [
        {"code": "UNAUTHORIZED", "count": 1, "latest_at": T0 + 100, "samples": [unauthorized]},
        {
            "code": "TIMEOUT",
            "count": 7,
            "latest_at": T0 + 6,
            "samples": samples[:1:-1],  # the five newest, newest first
        },
    ]
    assert stats.failures("nobody") == []


def test_forget_drops_failure_groups_older_than_the_limit(make_stats: MakeStats) -> None:
    stats = make_stats()
    _fail(stats, "OLD", T0)
    renewed = [_fail(stats, "RENEWED", T0), _fail(stats, "RENEWED", T0 + 3600)]
    stats.flush()
    stats.forget(T0 + 1800)
    [group] = stats.failures("pk")  # a group still failing keeps its newest samples
    assert (group["code"], group["count"], group["samples"]) == ("RENEWED", 2, renewed[::-1])
    _fail(stats, "OLD", T0 + 3601)
    stats.flush()
    [old, _] = stats.failures("pk")  # a forgotten group starts again from nothing
    assert (old["code"], old["count"], len(old["samples"])) == ("OLD", 1, 1)


def test_a_flush_drops_data_older_than_two_hours(tmp_path: Path) -> None:
    clock = Clock(T0)
    stats = SqliteDeliveryStats(tmp_path / "s.stats.db", clock=clock)
    try:
        stats.record("pk", "delivered", T0)
        _fail(stats, "OLD", T0)
        stats.flush()
        clock.now = T0 + KEEP_SECONDS + 60
        stats.record("pk", "delivered", clock.now)
        stats.flush()
        assert stats.series("pk", T0, minutes=1)[0]["delivered"] == 0
        assert stats.series("pk", clock.now, minutes=1)[0]["delivered"] == 1
        assert stats.failures("pk") == []
    finally:
        stats.close()


def test_redis_minutes_expire_after_two_hours(redis_url: str) -> None:  # noqa: F811
    stats = RedisDeliveryStats(redis_url, clock=Clock(T0))
    try:
        stats.record("pk", "delivered", T0)
        stats.flush()
        with redis.Redis.from_url(redis_url) as client:
            [key] = client.keys("actions:stats:*")
            assert KEEP_SECONDS < client.ttl(key) <= KEEP_SECONDS + 60
    finally:
        stats.close()


def test_what_a_failing_store_could_not_write_is_written_by_the_next_flush(
    tmp_path: Path,
) -> None:
    with LocalRedis(tmp_path / "redis") as server:
        stats = RedisDeliveryStats(server.url(0), clock=Clock(T0))
        hidden = RedisDeliveryStats(f"redis://:pw-SECRET@127.0.0.1:{server.port}/0")
        try:
            server.kill()
            stats.record("pk", "delivered", T0)
            _fail(stats, "BAD", T0)
            with pytest.raises(StatsUnavailable) as failed:
                stats.flush()
            assert f"127.0.0.1:{server.port}/0" in str(failed.value)
            hidden.record("pk", "delivered", T0)
            with pytest.raises(StatsUnavailable) as failed:
                hidden.flush()
            assert "pw-SECRET" not in str(failed.value)
            server.start()
            stats.record("pk", "delivered", T0 + 1)
            stats.flush()
            assert stats.series("pk", T0, minutes=1)[0]["delivered"] == 2
            assert [group["count"] for group in stats.failures("pk")] == [1]
        finally:
            stats.close()
            hidden.close()


def test_the_statistics_go_beside_the_control_store(tmp_path: Path, redis_url: str) -> None:  # noqa: F811
    beside = open_delivery_stats(f"sqlite:///{tmp_path}/control.db", Path("/elsewhere"))
    relative = open_delivery_stats("sqlite:///data/control.db", tmp_path)
    in_redis = open_delivery_stats(redis_url, tmp_path)
    for stats in (beside, relative, in_redis):
        stats.close()
    assert isinstance(beside, SqliteDeliveryStats)
    assert beside.path == tmp_path / "control.stats.db"
    assert isinstance(relative, SqliteDeliveryStats)
    assert relative.path == tmp_path / "data" / "control.stats.db"
    assert relative.path.exists()
    assert isinstance(in_redis, RedisDeliveryStats)
    with pytest.raises(ConfigError, match="unsupported store 'postgres'"):
        open_delivery_stats("postgres://db/control", tmp_path)
