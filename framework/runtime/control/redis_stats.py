"""Delivery statistics in the control store's Redis (see
:mod:`framework.runtime.control.stats`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from framework.runtime.control.stats import (
    KEEP_SECONDS,
    SAMPLES_PER_CODE,
    Batch,
    BufferedStats,
    StatsUnavailable,
    minute_of,
    series_of,
)

if TYPE_CHECKING:
    import redis


class RedisDeliveryStats(BufferedStats):
    """:class:`DeliveryStats` in Redis, keys under ``prefix``; for connection ``C``:
    ``{C}:m:MINUTE`` (a hash of counts by kind, expiring after :data:`KEEP_SECONDS`),
    ``{C}:codes`` (failures by code), ``{C}:latest`` (a sorted set: codes by their latest
    failure) and ``{C}:samples:CODE`` (a list, newest first, trimmed to
    :data:`SAMPLES_PER_CODE`); ``connections`` names the connections with failure groups.
    ``client`` is a Redis URL or a client (made with ``decode_responses=True``)."""

    def __init__(
        self,
        client: str | redis.Redis,
        *,
        prefix: str = "actions:stats",
        clock: Callable[[], float] = time.time,
    ) -> None:
        import redis  # noqa: PLC0415 (an optional extra)

        super().__init__(clock)
        self._redis = (
            redis.Redis.from_url(
                client, decode_responses=True, socket_connect_timeout=2.0, socket_timeout=10.0
            )
            if isinstance(client, str)
            else client
        )
        self._errors = redis.RedisError
        self._prefix = prefix
        settings = self._redis.connection_pool.connection_kwargs
        where = f"{settings.get('host', 'localhost')}:{settings.get('port', 6379)}"
        self._where = f"{where}/{settings.get('db', 0)}"

    def series(self, connection: str, now: float, minutes: int = 60) -> list[dict[str, int]]:
        """See :meth:`DeliveryStats.series`."""
        first = minute_of(now) - 60 * (minutes - 1)
        starts = [first + 60 * i for i in range(minutes)]
        with self._calling():
            pipe = self._redis.pipeline(transaction=False)
            for start in starts:
                pipe.hgetall(self._key(connection, f"m:{start}"))
            hashes: list[dict[str, str]] = pipe.execute()
        rows = [
            (start, kind, int(n))
            for start, counts in zip(starts, hashes, strict=True)
            for kind, n in counts.items()
        ]
        return series_of(rows, first, minutes)

    def failures(self, connection: str) -> list[dict[str, Any]]:
        """See :meth:`DeliveryStats.failures`."""
        with self._calling():
            latest = cast(
                list[tuple[str, float]],
                self._redis.zrevrange(self._key(connection, "latest"), 0, -1, withscores=True),
            )
            if not latest:
                return []
            codes = [code for code, _ in latest]
            pipe = self._redis.pipeline(transaction=False)
            pipe.hmget(self._key(connection, "codes"), codes)
            for code in codes:
                pipe.lrange(self._key(connection, f"samples:{code}"), 0, -1)
            counts, *samples = pipe.execute()
        return [
            {
                "code": code,
                "count": int(count or 0),
                "latest_at": at,
                "samples": [json.loads(text) for text in texts],
            }
            for (code, at), count, texts in zip(latest, counts, samples, strict=True)
        ]

    def forget(self, before: float) -> None:
        """See :meth:`DeliveryStats.forget`: the minutes expire on their own; failure
        groups whose latest failure is older go, with their samples."""
        with self._calling():
            connections = cast(set[str], self._redis.smembers(f"{self._prefix}:connections"))
            for connection in connections:
                latest = self._key(connection, "latest")
                old = cast(list[str], self._redis.zrangebyscore(latest, "-inf", f"({before!r}"))
                pipe = self._redis.pipeline(transaction=True)
                if old:
                    pipe.zrem(latest, *old)
                    pipe.hdel(self._key(connection, "codes"), *old)
                    pipe.delete(*(self._key(connection, f"samples:{code}") for code in old))
                pipe.zcard(latest)
                if pipe.execute()[-1] == 0:
                    self._redis.srem(f"{self._prefix}:connections", connection)

    def close(self) -> None:
        """See :meth:`DeliveryStats.close`."""
        self._redis.close()

    def _write(self, batch: Batch) -> None:
        keep = KEEP_SECONDS + 60
        with self._calling():
            pipe = self._redis.pipeline(transaction=True)
            for (connection, minute, kind), n in batch.counts.items():
                key = self._key(connection, f"m:{minute}")
                pipe.hincrby(key, kind, n)
                pipe.expire(key, keep)
            for (connection, code), group in batch.groups.items():
                codes, latest = self._key(connection, "codes"), self._key(connection, "latest")
                samples = self._key(connection, f"samples:{code}")
                pipe.sadd(f"{self._prefix}:connections", connection)
                pipe.hincrby(codes, code, group.count)
                pipe.zadd(latest, {code: group.latest_at}, gt=True)
                pipe.lpush(samples, *(json.dumps(s.to_json()) for s in group.samples))
                pipe.ltrim(samples, 0, SAMPLES_PER_CODE - 1)
                for key in (codes, latest, samples):
                    pipe.expire(key, keep)
            pipe.execute()

    def _key(self, connection: str, part: str) -> str:
        return f"{self._prefix}:{{{connection}}}:{part}"

    @contextmanager
    def _calling(self) -> Iterator[None]:
        """Redis failing as :class:`StatsUnavailable`, naming the error's type only."""
        try:
            yield
        except self._errors as error:
            raise StatsUnavailable(
                f"the delivery statistics at {self._where} failed: {type(error).__name__}"
            ) from None
