"""The embedded queue: one SQLite file in WAL mode.

Enqueueing and replaying commit with ``synchronous=FULL``: on disk before they return, so
an event is durable before the ingress answers 200, even through a power cut. Workers'
claims and outcomes commit with ``synchronous=NORMAL`` (one fsync per WAL checkpoint, not
per commit): as safe against a process crash, and a power cut can only undo the last of
them, so that an item is delivered again (destinations de-duplicate by messageId) or
retried sooner, never lost.

Every operation is a :class:`Step`: a function of a connection, and the connection it
needs. :class:`SqliteQueue` runs each call as one transaction; :meth:`SqliteQueue.run_group`
runs several steps as one, which is how
:class:`framework.runtime.delivery.threaded_queue.ThreadedSqliteQueue` commits many callers'
enqueues with one fsync. A claim or a completion of many items is one transaction either
way.

Tables: ``seen`` (source, messageId, received_at: de-duplication), ``items`` (one row per
work item; ``due`` is when it may next be claimed: now for a queued item, the retry time for
a scheduled retry, the lease's end for an item in flight) and ``dead_letters``. One index
on ``due`` serves every claim, whatever the item's state. Several processes may share the
file (SQLite serialises writers; ``busy_timeout`` waits for the lock).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar, cast

from framework.runtime.delivery.queue import (
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

T = TypeVar("T")
Mode = Literal["durable", "worker", "read"]


@dataclass(frozen=True)
class Step(Generic[T]):
    """One queue operation: ``run`` on the connection of ``mode``: ``durable``
    (``synchronous=FULL``, in a transaction), ``worker`` (``synchronous=NORMAL``, in a
    transaction) or ``read`` (no transaction)."""

    mode: Mode
    run: Callable[[sqlite3.Connection], T]


class SqliteQueue:
    """:class:`framework.runtime.delivery.queue.Queue` in one SQLite file (created when missing).
    :class:`QueueUnavailable` when the file cannot be opened, read or written."""

    def __init__(self, path: Path, *, busy_timeout: float = 30.0) -> None:
        self.path = path
        self._lock = threading.Lock()  # one writer at a time in this process: no busy waits
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = _connect(path, busy_timeout, "FULL")
            self._db.executescript(_SCHEMA)
            self._worker_db = _connect(path, busy_timeout, "NORMAL")
        except (OSError, sqlite3.DatabaseError) as error:
            raise self._unavailable(error) from None

    def run_group(self, steps: Sequence[Step[Any]]) -> list[Any]:
        """Run ``steps`` (all of one mode) in order, as one transaction: all of them happen
        or none; their results."""
        modes = {step.mode for step in steps}
        if len(modes) != 1:
            raise ValueError(f"a group runs steps of one mode, not {sorted(modes)}")
        [mode] = modes
        try:
            with self._lock:
                if mode == "read":
                    return [step.run(self._db) for step in steps]
                db = self._db if mode == "durable" else self._worker_db
                with immediate_transaction(db):
                    return [step.run(db) for step in steps]
        except sqlite3.ProgrammingError:  # a bug (or the queue closed), not the store
            raise
        except sqlite3.DatabaseError as error:  # locked too long, disk full or failing, ...
            raise self._unavailable(error) from None

    def run(self, step: Step[T]) -> T:
        """Run one step (in a transaction of its own)."""
        return cast(T, self.run_group([step])[0])

    def enqueue(self, messages: Sequence[Message]) -> int:
        """See :meth:`Queue.enqueue`."""
        return self.run(enqueue_step(messages))

    def claim(self, limit: int, lease: float, now: float) -> list[WorkItem]:
        """See :meth:`Queue.claim`."""
        return self.run(claim_step(limit, lease, now))

    def complete(self, outcomes: Sequence[Outcome], now: float) -> None:
        """See :meth:`Queue.complete`. A retry or a dead letter reported by a worker whose
        lease ran out (the item was claimed again since: more attempts) changes nothing."""
        self.run(complete_step(outcomes, now))

    def release(self, items: Sequence[WorkItem], now: float) -> None:
        """See :meth:`Queue.release`."""
        self.run(release_step(items, now))

    def depth(self) -> dict[State, int]:
        """See :meth:`Queue.depth`."""
        return self.run(depth_step())

    def forget(self, before: float) -> int:
        """See :meth:`Queue.forget`."""
        return self.run(forget_step(before))

    def dead_letters(self, which: DeadLetterFilter, limit: int | None = None) -> list[DeadLetter]:
        """See :meth:`Queue.dead_letters`."""
        return self.run(dead_letters_step(which, limit))

    def dead_letter(self, letter_id: int) -> DeadLetter | None:
        """See :meth:`Queue.dead_letter`."""
        return self.run(dead_letter_step(letter_id))

    def replay(self, which: DeadLetterFilter, now: float) -> int:
        """See :meth:`Queue.replay`."""
        return self.run(replay_step(which, now))

    def close(self) -> None:
        """See :meth:`Queue.close`."""
        with self._lock:
            self._db.close()
            self._worker_db.close()

    def _unavailable(self, error: Exception) -> QueueUnavailable:
        return QueueUnavailable(f"the SQLite queue {str(self.path)!r} failed: {error}")


def enqueue_step(messages: Sequence[Message]) -> Step[int]:
    """See :meth:`Queue.enqueue`."""
    return Step("durable", lambda db: _insert(db, messages))


def claim_step(limit: int, lease: float, now: float) -> Step[list[WorkItem]]:
    """See :meth:`Queue.claim`."""
    values = {"until": now + lease, "now": now, "limit": limit}
    return Step("worker", lambda db: [WorkItem(*row) for row in db.execute(_CLAIM, values)])


def complete_step(outcomes: Sequence[Outcome], now: float) -> Step[None]:
    """See :meth:`SqliteQueue.complete`."""
    return Step("worker", lambda db: _record(db, outcomes, now))


def release_step(items: Sequence[WorkItem], now: float) -> Step[None]:
    """See :meth:`Queue.release`: queued again, due at ``now``, one attempt fewer."""
    rows = [(now, item.id, item.attempts) for item in items]

    def release(db: sqlite3.Connection) -> None:
        db.executemany(
            "UPDATE items SET state = 'queued', attempts = attempts - 1, due = ? "
            "WHERE id = ? AND attempts = ? AND state = 'in_flight'",
            rows,
        )

    return Step("worker", release)


def depth_step() -> Step[dict[State, int]]:
    """See :meth:`Queue.depth`."""

    def depth(db: sqlite3.Connection) -> dict[State, int]:
        counts = dict(db.execute("SELECT state, count(*) FROM items GROUP BY state").fetchall())
        return {state: counts.get(state, 0) for state in STATES}

    return Step("read", depth)


def forget_step(before: float) -> Step[int]:
    """See :meth:`Queue.forget`."""
    return Step(
        "worker",
        lambda db: db.execute("DELETE FROM seen WHERE received_at < ?", (before,)).rowcount,
    )


def dead_letters_step(which: DeadLetterFilter, limit: int | None) -> Step[list[DeadLetter]]:
    """See :meth:`Queue.dead_letters`."""
    where, values = _where(which)
    query = f"SELECT {_LETTER_COLUMNS} FROM dead_letters{where} ORDER BY failed_at, id"
    if limit is not None:
        query += f" LIMIT {int(limit)}"
    return Step("read", lambda db: [DeadLetter(*row) for row in db.execute(query, values)])


def dead_letter_step(letter_id: int) -> Step[DeadLetter | None]:
    """See :meth:`Queue.dead_letter`."""

    def show(db: sqlite3.Connection) -> DeadLetter | None:
        query = f"SELECT {_LETTER_COLUMNS} FROM dead_letters WHERE id = ?"
        row = db.execute(query, (letter_id,)).fetchone()
        return DeadLetter(*row) if row else None

    return Step("read", show)


def replay_step(which: DeadLetterFilter, now: float) -> Step[int]:
    """See :meth:`Queue.replay`."""
    where, values = _where(which)

    def replay(db: sqlite3.Connection) -> int:
        db.execute(
            "INSERT INTO items (source, route, message_id, event, state, attempts, due, "
            f"enqueued_at) SELECT source, route, message_id, event, 'queued', 0, ?, ? "
            f"FROM dead_letters{where} ORDER BY failed_at, id",
            (now, now, *values),
        )
        return db.execute(f"DELETE FROM dead_letters{where}", values).rowcount

    return Step("durable", replay)


def _insert(db: sqlite3.Connection, messages: Sequence[Message]) -> int:
    rows: list[tuple[Any, ...]] = []
    for m in messages:
        inserted = db.execute(
            "INSERT OR IGNORE INTO seen VALUES (?, ?, ?)", (m.source, m.message_id, m.received_at)
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


def _record(db: sqlite3.Connection, outcomes: Sequence[Outcome], now: float) -> None:
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
    db.executemany("DELETE FROM items WHERE id = ?", delivered)
    db.executemany(
        "UPDATE items SET state = 'retry_scheduled', due = ?, last_code = ?, "
        "last_message = ? WHERE id = ? AND attempts = ?",
        retries,
    )
    db.executemany(_BURY, dead)
    db.executemany("DELETE FROM items WHERE id = :id AND attempts = :attempts", dead)


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
        ("instr(route, ?) = 1", which.route_prefix),  # the route starts with it
    ):
        if value is not None:
            clauses.append(clause)
            values.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(values)


@contextmanager
def immediate_transaction(db: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` (take the write lock at once) ... ``COMMIT``; ``ROLLBACK`` when
    the body or the commit failed (unless SQLite rolled back already)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    finally:
        if db.in_transaction:
            db.execute("ROLLBACK")
