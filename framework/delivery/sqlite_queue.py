"""The embedded queue: one SQLite file in WAL mode.

Enqueueing and replaying commit with ``synchronous=FULL``: on disk before they return, so
an event is durable before the ingress answers 200, even through a power cut. Workers'
claims and outcomes commit with ``synchronous=NORMAL`` (one fsync per WAL checkpoint, not
per commit): as safe against a process crash, and a power cut can only undo the last of
them, so that an item is delivered again (destinations de-duplicate by messageId) or
retried sooner, never lost.

Tables: ``seen`` (source, messageId, received_at: de-duplication), ``items`` (one row per
work item; ``due`` is when it may next be claimed: now for a queued item, the retry time for
a scheduled retry, the lease's end for an item in flight) and ``dead_letters``. One index
on ``due`` serves every claim, whatever the item's state. Several processes may share the
file (SQLite serialises writers; ``busy_timeout`` waits for the lock).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from framework.delivery.queue import (
    STATES,
    Dead,
    DeadLetter,
    DeadLetterFilter,
    Delivered,
    Message,
    Outcome,
    QueueUnavailable,
    Retry,
    State,
    WorkItem,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (
    source TEXT NOT NULL, message_id TEXT NOT NULL, received_at REAL NOT NULL,
    PRIMARY KEY (source, message_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_by_time ON seen (received_at);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL, route TEXT NOT NULL, message_id TEXT NOT NULL, event TEXT NOT NULL,
    state TEXT NOT NULL, attempts INTEGER NOT NULL, due REAL NOT NULL,
    enqueued_at REAL NOT NULL, last_code TEXT, last_message TEXT
);
CREATE INDEX IF NOT EXISTS items_by_due ON items (due);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL, route TEXT NOT NULL, message_id TEXT NOT NULL, event TEXT NOT NULL,
    code TEXT NOT NULL, message TEXT NOT NULL, reason TEXT NOT NULL,
    attempts INTEGER NOT NULL, enqueued_at REAL NOT NULL, failed_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_by_time ON dead_letters (failed_at);
"""

_CLAIM = """
UPDATE items SET state = 'in_flight', attempts = attempts + 1, due = :until
WHERE id IN (SELECT id FROM items WHERE due <= :now ORDER BY due LIMIT :limit)
RETURNING id, source, route, message_id, event, attempts, enqueued_at
"""
_BURY = """
INSERT INTO dead_letters
    (source, route, message_id, event, code, message, reason, attempts, enqueued_at, failed_at)
SELECT source, route, message_id, event, :code, :message, :reason, attempts, enqueued_at, :now
FROM items WHERE id = :id AND attempts = :attempts
"""
_LETTER_COLUMNS = (
    "id, source, route, message_id, event, code, message, reason, attempts, enqueued_at, failed_at"
)


class SqliteQueue:
    """:class:`framework.delivery.queue.Queue` in one SQLite file (created when missing)."""

    def __init__(self, path: Path, *, busy_timeout: float = 30.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()  # one writer at a time in this process: no busy waits
        self._db = _connect(path, busy_timeout, "FULL")
        self._db.executescript(_SCHEMA)
        self._worker_db = _connect(path, busy_timeout, "NORMAL")

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    def _worker_transaction(self) -> _Transaction:
        return _Transaction(self._worker_db)

    def enqueue(self, messages: Sequence[Message]) -> int:
        """See :meth:`Queue.enqueue`."""
        try:
            return self._insert(messages)
        except sqlite3.OperationalError as error:  # locked too long, disk full or failing
            raise QueueUnavailable(f"the SQLite queue {str(self.path)!r} failed: {error}") from None

    def _insert(self, messages: Sequence[Message]) -> int:
        rows: list[tuple[Any, ...]] = []
        with self._lock, self._transaction() as db:
            for m in messages:
                inserted = db.execute(
                    "INSERT OR IGNORE INTO seen VALUES (?, ?, ?)",
                    (m.source, m.message_id, m.received_at),
                )
                if inserted.rowcount == 1:
                    rows += [
                        (m.source, route, m.message_id, m.event, m.received_at, m.received_at)
                        for route in m.routes
                    ]
            db.executemany(
                "INSERT INTO items (source, route, message_id, event, state, attempts, due, "
                "enqueued_at) VALUES (?, ?, ?, ?, 'queued', 0, ?, ?)",
                rows,
            )
        return len({(row[0], row[2]) for row in rows})

    def claim(self, limit: int, lease: float, now: float) -> list[WorkItem]:
        """See :meth:`Queue.claim`."""
        with self._lock, self._worker_transaction() as db:
            rows = db.execute(_CLAIM, {"until": now + lease, "now": now, "limit": limit})
            return [WorkItem(*row) for row in rows.fetchall()]

    def complete(self, outcomes: Sequence[Outcome], now: float) -> None:
        """See :meth:`Queue.complete`. A retry or a dead letter reported by a worker whose
        lease ran out (the item was claimed again since: more attempts) changes nothing."""
        delivered = [(o.item.id,) for o in outcomes if isinstance(o, Delivered)]
        retries = [
            (o.at, o.code, o.message, o.item.id, o.item.attempts)
            for o in outcomes
            if isinstance(o, Retry)
        ]
        dead = [
            {
                "code": o.code,
                "message": o.message,
                "reason": o.reason,
                "now": now,
                "id": o.item.id,
                "attempts": o.item.attempts,
            }
            for o in outcomes
            if isinstance(o, Dead)
        ]
        with self._lock, self._worker_transaction() as db:
            db.executemany("DELETE FROM items WHERE id = ?", delivered)
            db.executemany(
                "UPDATE items SET state = 'retry_scheduled', due = ?, last_code = ?, "
                "last_message = ? WHERE id = ? AND attempts = ?",
                retries,
            )
            db.executemany(_BURY, dead)
            db.executemany("DELETE FROM items WHERE id = :id AND attempts = :attempts", dead)

    def depth(self) -> dict[State, int]:
        """See :meth:`Queue.depth`."""
        with self._lock:
            rows = self._db.execute("SELECT state, count(*) FROM items GROUP BY state")
            counts = dict(rows.fetchall())
        return {state: counts.get(state, 0) for state in STATES}

    def forget(self, before: float) -> int:
        """See :meth:`Queue.forget`."""
        with self._lock, self._worker_transaction() as db:
            return db.execute("DELETE FROM seen WHERE received_at < ?", (before,)).rowcount

    def dead_letters(self, which: DeadLetterFilter, limit: int | None = None) -> list[DeadLetter]:
        """See :meth:`Queue.dead_letters`."""
        where, values = _where(which)
        query = f"SELECT {_LETTER_COLUMNS} FROM dead_letters{where} ORDER BY failed_at, id"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        with self._lock:
            return [DeadLetter(*row) for row in self._db.execute(query, values).fetchall()]

    def dead_letter(self, letter_id: int) -> DeadLetter | None:
        """See :meth:`Queue.dead_letter`."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {_LETTER_COLUMNS} FROM dead_letters WHERE id = ?", (letter_id,)
            ).fetchone()
        return DeadLetter(*row) if row else None

    def replay(self, which: DeadLetterFilter, now: float) -> int:
        """See :meth:`Queue.replay`."""
        where, values = _where(which)
        with self._lock, self._transaction() as db:
            db.execute(
                "INSERT INTO items (source, route, message_id, event, state, attempts, due, "
                f"enqueued_at) SELECT source, route, message_id, event, 'queued', 0, ?, ? "
                f"FROM dead_letters{where} ORDER BY failed_at, id",
                (now, now, *values),
            )
            return db.execute(f"DELETE FROM dead_letters{where}", values).rowcount

    def close(self) -> None:
        """See :meth:`Queue.close`."""
        with self._lock:
            self._db.close()
            self._worker_db.close()


def _connect(path: Path, busy_timeout: float, synchronous: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute(f"PRAGMA synchronous = {synchronous}")
    return db


def _where(which: DeadLetterFilter) -> tuple[str, tuple[Any, ...]]:
    clauses: list[str] = []
    values: list[Any] = []
    for clause, value in (
        ("failed_at >= ?", which.since),
        ("failed_at < ?", which.until),
        ("code = ?", which.code),
    ):
        if value is not None:
            clauses.append(clause)
            values.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(values)


class _Transaction:
    """``BEGIN IMMEDIATE`` (take the write lock at once) ... ``COMMIT``, or ``ROLLBACK`` on
    an exception."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> sqlite3.Connection:
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")
