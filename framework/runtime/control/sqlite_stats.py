"""Delivery statistics in a SQLite file beside the control store (see
:mod:`framework.runtime.control.stats`)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from framework.runtime.control.stats import (
    SAMPLES_PER_CODE,
    Batch,
    BufferedStats,
    StatsUnavailable,
    minute_of,
    series_of,
)
from framework.runtime.delivery.sqlite_queue import immediate_transaction

if TYPE_CHECKING:
    pass

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


class SqliteDeliveryStats(BufferedStats):
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
        last = minute_of(now)
        first = last - 60 * (minutes - 1)
        with self._connection() as db:
            rows = db.execute(
                "SELECT minute, kind, count FROM counts "
                "WHERE connection = ? AND minute BETWEEN ? AND ?",
                (connection, first, last),
            ).fetchall()
        return series_of(rows, first, minutes)

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

    def _write(self, batch: Batch) -> None:
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
