"""The asynchronous SQLite queue's writer thread: operations that wait for it together
commit together (one transaction, one fsync), are answered only once committed, and fail
together; the close lets what waits finish first.

To make operations wait, another connection holds the database's write lock while an
operation of another kind (a workers' sweep, or a replay) is first in line: the writer
thread is stuck on it, and everything submitted meanwhile waits. The lock is let go by a
callback on the event loop scheduled after the submissions (callbacks run in the order
they were scheduled), so by then every operation is in line; that the loop runs it at all
while the writer waits shows the writer never blocks the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Coroutine, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from framework.runtime.delivery.queue import (
    DeadLetterFilter,
    Delivered,
    Message,
    QueueUnavailable,
    Retry,
)
from framework.runtime.delivery.sqlite_queue import SqliteQueue
from framework.runtime.delivery.threaded_queue import ThreadedSqliteQueue

CALLERS = 50
Operation = Callable[[], Coroutine[Any, Any, Any]]


def message(message_id: str) -> Message:
    return Message("shop", message_id, f'{{"messageId": "{message_id}"}}', time.time(), ("d/a",))


async def while_held(
    path: Path,
    first: Operation,
    calls: Sequence[Operation],
) -> list[Any]:
    """Run ``first`` (an operation that needs the write lock, of another kind than
    ``calls``, so not grouped with them), then ``calls`` concurrently while the writer
    thread is stuck on ``first``; the results of ``calls`` (or their exceptions), in
    order."""
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        held = asyncio.create_task(first())
        tasks = [asyncio.create_task(call()) for call in calls]
        asyncio.get_running_loop().call_soon(holder.execute, "ROLLBACK")
        await held
        return await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        holder.close()


def sweep(queue: ThreadedSqliteQueue) -> Operation:
    """A workers' operation that takes the write lock."""
    return lambda: queue.forget(0.0)


def replay(queue: ThreadedSqliteQueue) -> Operation:
    """An operation of the durable kind (as enqueues) that takes the write lock."""
    return lambda: queue.replay(DeadLetterFilter(), time.time())


def enqueued_together(path: Path) -> tuple[list[Any], int]:
    """CALLERS single-message enqueues submitted while the writer is held: each caller's
    answer (or error), and how many durable transactions were committed."""

    async def scenario() -> tuple[list[Any], int]:
        queue = await ThreadedSqliteQueue.open(path)
        try:
            calls = [lambda n=n: queue.enqueue([message(f"m{n}")]) for n in range(CALLERS)]
            answers = await while_held(path, sweep(queue), calls)
            return answers, queue.commits["durable"]
        finally:
            await queue.close()

    return asyncio.run(scenario())


def test_enqueues_waiting_together_commit_in_one_transaction(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    answers, commits = enqueued_together(path)
    assert commits == 1
    assert answers == [1] * CALLERS
    stored = SqliteQueue(path)  # what another process finds on disk
    try:
        assert stored.depth()["queued"] == CALLERS
        assert stored.enqueue([message(f"m{n}") for n in range(CALLERS)]) == 0  # all seen
    finally:
        stored.close()


def test_a_group_that_fails_fails_every_caller_and_stores_nothing(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    SqliteQueue(path).close()
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute(  # the 26th message is refused mid-transaction
            "CREATE TRIGGER refuse BEFORE INSERT ON items WHEN NEW.message_id = 'm25' "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )

    answers, commits = enqueued_together(path)
    assert commits == 0
    assert all(isinstance(answer, QueueUnavailable) for answer in answers)
    assert {answer.message for answer in answers} == {
        f"the SQLite queue {str(path)!r} failed: refused"
    }
    stored = SqliteQueue(path)
    try:
        assert stored.depth()["queued"] == 0
        assert stored.enqueue([message(f"m{n}") for n in range(25)]) == 25  # none was seen
    finally:
        stored.close()


def test_workers_claims_and_completions_are_one_transaction_each_or_merged(
    tmp_path: Path,
) -> None:
    path = tmp_path / "q.db"

    async def scenario() -> None:
        queue = await ThreadedSqliteQueue.open(path)
        try:
            await queue.enqueue([message(f"m{n}") for n in range(3 * 64)])
            now = time.time()
            items = await queue.claim(64, lease=30, now=now)
            assert (len(items), queue.commits["worker"]) == (64, 1)
            await queue.complete([Delivered(item) for item in items], now=now)
            assert queue.commits["worker"] == 2
            claims = [lambda: queue.claim(32, lease=30, now=now) for _ in range(4)]
            claimed = await while_held(path, replay(queue), claims)
            assert [len(batch) for batch in claimed] == [32] * 4
            assert len({item.id for batch in claimed for item in batch}) == 128
            assert queue.commits["worker"] == 3  # the four claims together
            retries = [Retry(item, now + 60, "TIMEOUT", "slow") for item in claimed[0]]
            done = [
                lambda: queue.complete(retries, now=now),
                lambda: queue.release(claimed[1], now=now),
                lambda: queue.claim(64, lease=30, now=now),
            ]
            _, _, taken = await while_held(path, replay(queue), done)
            assert queue.commits["worker"] == 4
            assert {i.id for i in taken} == {i.id for i in claimed[1]}  # released: due again
            assert await queue.depth() == {"queued": 0, "in_flight": 96, "retry_scheduled": 32}
        finally:
            await queue.close()

    asyncio.run(scenario())


def test_the_close_lets_waiting_operations_finish_and_refuses_later_ones(
    tmp_path: Path,
) -> None:
    path = tmp_path / "q.db"

    async def scenario() -> None:
        queue = await ThreadedSqliteQueue.open(path)
        enqueued = [lambda: queue.enqueue([message("m1")]), queue.close]
        assert await while_held(path, sweep(queue), enqueued) == [1, None]
        await queue.close()  # again: nothing to do
        with pytest.raises(QueueUnavailable) as raised:
            await queue.depth()
        assert raised.value.message == f"the SQLite queue {str(path)!r} is closed"

    asyncio.run(scenario())
    stored = SqliteQueue(path)
    try:
        assert stored.depth()["queued"] == 1
    finally:
        stored.close()
