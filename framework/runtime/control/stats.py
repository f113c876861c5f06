"""Delivery statistics per connection, for the control plane's delivery view: outcomes
counted per minute, and the latest failures kept as samples, grouped by error code.

What is counted, per connection (the first part of a route id) and minute:

- ``delivered``: an attempt that succeeded;
- ``retrying``: an attempt that failed and will be tried again;
- ``dead_lettered``: an attempt after which the item was given up (a dead letter);
- ``failed``: every failed attempt, so ``retrying`` plus ``dead_lettered`` (a failure
  recorded as ``failed`` itself is one whose fate was not said).

Counts are kept :data:`KEEP_SECONDS` (two hours); a failure group (connection, code) keeps
its count since it first appeared and the latest :data:`SAMPLES_PER_CODE` samples (the
event, the request as the runner redacted it, the destination's answer), and is dropped
with its samples once its latest failure is older than that. Samples are stored as given:
redacting the request is the caller's job.

Recording never blocks: :meth:`DeliveryStats.record` and
:meth:`DeliveryStats.record_failure` only add to memory (they are called on the engine's
loop for every outcome); :meth:`DeliveryStats.flush` writes what piled up in one
transaction (one SQLite transaction, one Redis ``MULTI``), and what it could not write
stays in memory for the next flush. The runtime flushes every tick of its watcher and when
it closes; old data is dropped by a flush at most once a minute.

Two stores, chosen by :func:`open_delivery_stats` from the control store's URL:
:class:`SqliteDeliveryStats`, a SQLite file beside the control store's (WAL), and
:class:`RedisDeliveryStats`, keys under ``actions:stats:`` in the control store's Redis
(per-minute hashes expiring on their own).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast

from framework.core.errors import ActionsError
from framework.runtime.delivery.config import ConfigError, redis_package_needed
from framework.runtime.delivery.sqlite_queue import immediate_transaction

if TYPE_CHECKING:
    import redis

Kind = Literal["delivered", "failed", "retrying", "dead_lettered"]
KINDS: tuple[Kind, ...] = ("delivered", "failed", "retrying", "dead_lettered")
KEEP_SECONDS = 2 * 3600  # how long counts and failure groups are kept
SAMPLES_PER_CODE = 5  # failure samples kept per (connection, code)
FORGET_EVERY = 60.0  # seconds between two sweeps of old data by flush()
_FAILED_TOO: frozenset[str] = frozenset({"retrying", "dead_lettered"})


class StatsUnavailable(ActionsError):
    """The statistics' store cannot be read or written (a disk error, Redis down). The
    message names the store, never its credentials."""

    code = "STATS_UNAVAILABLE"
    retryable = True


class DeliveryStats(Protocol):
    """Counts and failure samples per connection; every method is safe from any thread."""

    def record(self, connection: str, kind: Kind, at: float, count: int = 1) -> None:
        """Count ``count`` outcomes of ``kind`` at Unix time ``at`` (in memory)."""
        ...

    def record_failure(
        self,
        connection: str,
        code: str,
        *,
        message: str,
        at: float,
        event: str,
        request: dict[str, Any] | None,
        response: dict[str, Any] | None,
    ) -> None:
        """Keep a failure with error ``code`` as a sample (in memory): its ``event`` (JSON
        text), the ``request`` sent (already redacted) and the ``response``."""
        ...

    def flush(self) -> None:
        """Write what was recorded since the last flush, and drop old data once a minute;
        :class:`StatsUnavailable` when the store fails (the data stays for the next)."""
        ...

    def series(self, connection: str, now: float, minutes: int = 60) -> list[dict[str, int]]:
        """One point per minute, oldest first, the last holding ``now``: ``minute`` (its
        start, Unix seconds) and the count of each kind, zero when nothing happened."""
        ...

    def failures(self, connection: str) -> list[dict[str, Any]]:
        """The failure groups, latest failure first: ``code``, ``count``, ``latest_at`` and
        ``samples`` (newest first: ``at``, ``message``, ``event``, ``request``,
        ``response``)."""
        ...

    def forget(self, before: float) -> None:
        """Drop the minutes ended by ``before`` (Redis drops them itself, as they expire)
        and the failure groups whose latest failure is older, with their samples (a group
        still failing keeps its newest samples, however old)."""
        ...

    def close(self) -> None:
        """Release the store's connections (unflushed data is not written)."""
        ...


@dataclass(frozen=True)
class Sample:
    """One failure as kept."""

    at: float
    message: str
    event: str
    request: dict[str, Any] | None
    response: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        """The sample as :meth:`DeliveryStats.failures` gives it."""
        return {
            "at": self.at,
            "message": self.message,
            "event": self.event,
            "request": self.request,
            "response": self.response,
        }


@dataclass
class _Group:
    """A failure group's part of one flush: how many, the latest time, the newest samples."""

    count: int = 0
    latest_at: float = 0.0
    samples: deque[Sample] = field(default_factory=lambda: deque(maxlen=SAMPLES_PER_CODE))

    def add(self, count: int, latest_at: float, samples: Iterable[Sample]) -> None:
        self.count += count
        self.latest_at = max(self.latest_at, latest_at)
        self.samples.extend(samples)


@dataclass
class _Batch:
    """What a flush writes: counts by (connection, minute, kind), groups by (connection,
    code)."""

    counts: Counter[tuple[str, int, str]] = field(default_factory=Counter)
    groups: dict[tuple[str, str], _Group] = field(default_factory=dict)

    def merge(self, other: _Batch) -> None:
        self.counts.update(other.counts)
        for key, group in other.groups.items():
            mine = self.groups.setdefault(key, _Group())
            mine.add(group.count, group.latest_at, group.samples)
            ordered = sorted(mine.samples, key=lambda sample: sample.at)
            mine.samples = deque(ordered, maxlen=SAMPLES_PER_CODE)


class _BufferedStats(ABC):
    """Recording into memory and flushing through :meth:`_write`, for both stores."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._pending = _Batch()
        self._pending_lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._forgot_at = float("-inf")

    def record(self, connection: str, kind: Kind, at: float, count: int = 1) -> None:
        """See :meth:`DeliveryStats.record`."""
        minute = _minute(at)
        with self._pending_lock:
            self._pending.counts[(connection, minute, kind)] += count
            if kind in _FAILED_TOO:
                self._pending.counts[(connection, minute, "failed")] += count

    def record_failure(
        self,
        connection: str,
        code: str,
        *,
        message: str,
        at: float,
        event: str,
        request: dict[str, Any] | None,
        response: dict[str, Any] | None,
    ) -> None:
        """See :meth:`DeliveryStats.record_failure`."""
        sample = Sample(at, message, event, request, response)
        with self._pending_lock:
            group = self._pending.groups.setdefault((connection, code), _Group())
            group.add(1, at, [sample])

    def flush(self) -> None:
        """See :meth:`DeliveryStats.flush`."""
        with self._flush_lock:
            with self._pending_lock:
                batch, self._pending = self._pending, _Batch()
            try:
                if batch.counts or batch.groups:
                    self._write(batch)
            except BaseException:
                with self._pending_lock:
                    batch.merge(self._pending)
                    self._pending = batch
                raise
            now = self._clock()
            if now - self._forgot_at >= FORGET_EVERY:
                self.forget(now - KEEP_SECONDS)
                self._forgot_at = now

    @abstractmethod
    def forget(self, before: float) -> None:
        """See :meth:`DeliveryStats.forget`."""

    @abstractmethod
    def _write(self, batch: _Batch) -> None:
        """Add ``batch`` to the store, all of it or nothing."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS counts (
    connection TEXT NOT NULL, minute INTEGER NOT NULL, kind TEXT NOT NULL,
    count INTEGER NOT NULL, PRIMARY KEY (connection, minute, kind)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS counts_by_minute ON counts (minute);
CREATE TABLE IF NOT EXISTS failures (
    connection TEXT NOT NULL, code TEXT NOT NULL, count INTEGER NOT NULL,
    latest_at REAL NOT NULL, PRIMARY KEY (connection, code)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS samples (
    id INTEGER PRIMARY KEY, connection TEXT NOT NULL, code TEXT NOT NULL,
    at REAL NOT NULL, sample TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS samples_by_group ON samples (connection, code, at);
"""
_ADD_COUNT = """
INSERT INTO counts VALUES (?, ?, ?, ?)
ON CONFLICT DO UPDATE SET count = count + excluded.count
"""
_ADD_FAILURES = """
INSERT INTO failures VALUES (?, ?, ?, ?)
ON CONFLICT DO UPDATE SET count = count + excluded.count,
    latest_at = max(latest_at, excluded.latest_at)
"""
_TRIM_SAMPLES = f"""
DELETE FROM samples WHERE connection = :connection AND code = :code AND id NOT IN (
    SELECT id FROM samples WHERE connection = :connection AND code = :code
    ORDER BY at DESC, id DESC LIMIT {SAMPLES_PER_CODE}
)
"""


class SqliteDeliveryStats(_BufferedStats):
    """:class:`DeliveryStats` in a SQLite file of its own (WAL; created when missing);
    several processes may share it."""

    def __init__(
        self, path: Path, *, clock: Callable[[], float] = time.time, busy_timeout: float = 30.0
    ) -> None:
        super().__init__(clock)
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")  # statistics: a crash may lose a tick
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.DatabaseError) as error:
            raise self._unavailable(error) from None

    def series(self, connection: str, now: float, minutes: int = 60) -> list[dict[str, int]]:
        """See :meth:`DeliveryStats.series`."""
        last = _minute(now)
        first = last - 60 * (minutes - 1)
        with self._connection() as db:
            rows = db.execute(
                "SELECT minute, kind, count FROM counts "
                "WHERE connection = ? AND minute BETWEEN ? AND ?",
                (connection, first, last),
            ).fetchall()
        return _series(rows, first, minutes)

    def failures(self, connection: str) -> list[dict[str, Any]]:
        """See :meth:`DeliveryStats.failures`."""
        with self._connection() as db:
            groups = db.execute(
                "SELECT code, count, latest_at FROM failures WHERE connection = ? "
                "ORDER BY latest_at DESC, code",
                (connection,),
            ).fetchall()
            samples = db.execute(
                "SELECT code, sample FROM samples WHERE connection = ? ORDER BY at DESC, id DESC",
                (connection,),
            ).fetchall()
        by_code: dict[str, list[dict[str, Any]]] = {}
        for code, text in samples:
            by_code.setdefault(code, []).append(json.loads(text))
        return [
            {"code": code, "count": count, "latest_at": latest, "samples": by_code.get(code, [])}
            for code, count, latest in groups
        ]

    def forget(self, before: float) -> None:
        """See :meth:`DeliveryStats.forget`."""
        with self._connection() as db, immediate_transaction(db):
            db.execute("DELETE FROM counts WHERE minute + 60 <= ?", (before,))
            db.execute(
                "DELETE FROM samples WHERE (connection, code) IN "
                "(SELECT connection, code FROM failures WHERE latest_at < ?)",
                (before,),
            )
            db.execute("DELETE FROM failures WHERE latest_at < ?", (before,))

    def close(self) -> None:
        """See :meth:`DeliveryStats.close`."""
        with self._lock:
            self._db.close()

    def _write(self, batch: _Batch) -> None:
        counts = [(*key, n) for key, n in batch.counts.items()]
        groups = [(*key, g.count, g.latest_at) for key, g in batch.groups.items()]
        samples = [
            (connection, code, sample.at, json.dumps(sample.to_json()))
            for (connection, code), group in batch.groups.items()
            for sample in group.samples
        ]
        trims = [{"connection": connection, "code": code} for connection, code in batch.groups]
        with self._connection() as db, immediate_transaction(db):
            db.executemany(_ADD_COUNT, counts)
            db.executemany(_ADD_FAILURES, groups)
            db.executemany(
                "INSERT INTO samples (connection, code, at, sample) VALUES (?, ?, ?, ?)", samples
            )
            db.executemany(_TRIM_SAMPLES, trims)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """The connection, for this thread alone; a failing store as
        :class:`StatsUnavailable`."""
        try:
            with self._lock:
                yield self._db
        except sqlite3.ProgrammingError:  # a bug (or closed), not the store
            raise
        except sqlite3.DatabaseError as error:
            raise self._unavailable(error) from None

    def _unavailable(self, error: Exception) -> StatsUnavailable:
        return StatsUnavailable(f"the delivery statistics {str(self.path)!r} failed: {error}")


class RedisDeliveryStats(_BufferedStats):
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
        first = _minute(now) - 60 * (minutes - 1)
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
        return _series(rows, first, minutes)

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

    def _write(self, batch: _Batch) -> None:
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


def open_delivery_stats(control_url: str, base: Path) -> DeliveryStats:
    """The statistics beside the control store at ``control_url``: for ``sqlite:///PATH``
    the file ``PATH`` with the suffix ``.stats.db`` (a relative ``PATH`` is under ``base``),
    for ``redis://`` or ``rediss://`` that Redis. :class:`ConfigError` for another scheme,
    or a Redis store without the redis package."""
    scheme, sep, rest = control_url.partition(":///")
    if scheme == "sqlite" and sep and rest:
        return SqliteDeliveryStats((base / rest).with_suffix(".stats.db"))
    if control_url.startswith(("redis://", "rediss://")):
        try:
            return RedisDeliveryStats(control_url)
        except ModuleNotFoundError as error:
            if error.name != "redis":
                raise
            raise redis_package_needed("control.store", "store") from None
    scheme = control_url.partition(":")[0] or control_url
    raise ConfigError(f"control.store: unsupported store {scheme!r} for delivery statistics")


def _minute(at: float) -> int:
    """The start of ``at``'s minute, in Unix seconds."""
    return int(at // 60) * 60


def _series(rows: Iterable[tuple[int, str, int]], first: int, minutes: int) -> list[dict[str, int]]:
    """``minutes`` zero-filled points from ``first`` on, with the counts of ``rows``."""
    points = [{"minute": first + 60 * i, **dict.fromkeys(KINDS, 0)} for i in range(minutes)]
    for minute, kind, count in rows:
        index = (minute - first) // 60
        if 0 <= index < minutes and kind in KINDS:
            points[index][kind] += count
    return points
