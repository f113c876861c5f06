"""The SQLite queue for coroutines: one writer thread runs every operation of the process
in order, so the event loop never waits on the disk; callers await a future the thread
resolves.

**Group commit.** When the thread takes work, it takes every operation of the same kind
that is waiting and runs them as one transaction: all the enqueues waiting (and replays:
the ``synchronous=FULL`` connection) with one fsync, or all the workers' claims,
completions, releases and sweeps (the ``synchronous=NORMAL`` connection). Each caller is
answered only once that transaction has committed, so its messages are durable when
:meth:`ThreadedSqliteQueue.enqueue` returns; a transaction that fails (the store is
:class:`QueueUnavailable`) fails every caller of its group, and nothing of the group is
stored. Reads (depth, dead letters) run one by one. An operation joins the line when its
coroutine starts; a caller cancelled after that does not undo it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from framework.runtime.delivery.queue import (
    DeadLetter,
    DeadLetterFilter,
    Message,
    Outcome,
    QueueUnavailable,
    State,
    WorkItem,
)
from framework.runtime.delivery.sqlite_queue import (
    Mode,
    SqliteQueue,
    Step,
    claim_step,
    complete_step,
    dead_letter_step,
    dead_letters_step,
    depth_step,
    enqueue_step,
    forget_step,
    release_step,
    replay_step,
)

T = TypeVar("T")
_TRANSACTIONAL: frozenset[Mode] = frozenset({"durable", "worker"})  # grouped, counted


@dataclass(frozen=True)
class _Call:
    """One caller's operation (``step`` None: close), and where to send its answer."""

    step: Step[Any] | None
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


class ThreadedSqliteQueue:
    """:class:`framework.runtime.delivery.queue.AsyncQueue` over a :class:`SqliteQueue` that only
    its writer thread uses; usable from any event loop. ``commits`` counts the
    transactions committed, by mode (``durable``: enqueues and replays; ``worker``)."""

    def __init__(self, store: SqliteQueue) -> None:
        self._store = store
        self._calls: deque[_Call] = deque()
        self._waiting = threading.Condition()
        self._closed = False
        self.commits: Counter[Mode] = Counter()
        threading.Thread(target=self._write, name="sqlite-queue-writer", daemon=True).start()

    @classmethod
    async def open(cls, path: Path, *, busy_timeout: float = 30.0) -> ThreadedSqliteQueue:
        """The queue in the SQLite file at ``path`` (created when missing), opened off the
        event loop."""
        store = await asyncio.to_thread(SqliteQueue, path, busy_timeout=busy_timeout)
        return cls(store)

    async def enqueue(self, messages: Sequence[Message]) -> int:
        """See :meth:`Queue.enqueue`."""
        return await self._submit(enqueue_step(messages))

    async def claim(self, limit: int, lease: float, now: float) -> list[WorkItem]:
        """See :meth:`Queue.claim`."""
        return await self._submit(claim_step(limit, lease, now))

    async def complete(self, outcomes: Sequence[Outcome], now: float) -> None:
        """See :meth:`SqliteQueue.complete`."""
        await self._submit(complete_step(outcomes, now))

    async def release(self, items: Sequence[WorkItem], now: float) -> None:
        """See :meth:`Queue.release`."""
        await self._submit(release_step(items, now))

    async def depth(self) -> dict[State, int]:
        """See :meth:`Queue.depth`."""
        return await self._submit(depth_step())

    async def forget(self, before: float) -> int:
        """See :meth:`Queue.forget`."""
        return await self._submit(forget_step(before))

    async def dead_letters(
        self, which: DeadLetterFilter, limit: int | None = None
    ) -> list[DeadLetter]:
        """See :meth:`Queue.dead_letters`."""
        return await self._submit(dead_letters_step(which, limit))

    async def dead_letter(self, letter_id: int) -> DeadLetter | None:
        """See :meth:`Queue.dead_letter`."""
        return await self._submit(dead_letter_step(letter_id))

    async def replay(self, which: DeadLetterFilter, now: float) -> int:
        """See :meth:`Queue.replay`."""
        return await self._submit(replay_step(which, now))

    async def close(self) -> None:
        """Finish the operations already waiting, then close the file and end the writer
        thread; later operations raise :class:`QueueUnavailable`. Closing twice is fine."""
        if not self._closed:
            await self._submit(None)

    def _submit(self, step: Step[T] | None) -> asyncio.Future[T]:
        """Put the operation in line (at once: this is not a coroutine); its answer."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._waiting:
            if self._closed:
                path = str(self._store.path)
                raise QueueUnavailable(f"the SQLite queue {path!r} is closed")
            self._closed = step is None
            self._calls.append(_Call(step, loop, future))
            self._waiting.notify()
        return future

    def _write(self) -> None:
        """The writer thread: groups of operations, in order, until the close."""
        while True:
            with self._waiting:
                while not self._calls:
                    self._waiting.wait()
                group = self._take()
            steps = [call.step for call in group if call.step is not None]
            try:
                results = self._store.run_group(steps) if steps else self._close_store()
            except Exception as error:  # every caller of the group gets it
                for call in group:
                    _answer(call, None, error)
            else:
                if steps and steps[0].mode in _TRANSACTIONAL:
                    self.commits[steps[0].mode] += 1
                for call, result in zip(group, results, strict=True):
                    _answer(call, result, None)
            if not steps:
                return

    def _close_store(self) -> list[None]:
        """The close (no steps: it is last in line); its one result."""
        self._store.close()
        return [None]

    def _take(self) -> list[_Call]:
        """The first call in line, with every other waiting call its group takes."""
        first = self._calls.popleft()
        if first.step is None or first.step.mode not in _TRANSACTIONAL:
            return [first]
        mode = first.step.mode
        group = [first]
        rest: deque[_Call] = deque()
        for call in self._calls:
            (group if call.step is not None and call.step.mode == mode else rest).append(call)
        self._calls = rest
        return group


def _answer(call: _Call, result: Any, error: Exception | None) -> None:
    """Resolve ``call``'s future on its loop (nothing when the caller's loop is gone)."""

    def settle() -> None:
        if call.future.done():  # the caller was cancelled
            return
        if error is None:
            call.future.set_result(result)
        else:  # each caller its own exception: tracebacks are per raise
            call.future.set_exception(_copy(error))

    with contextlib.suppress(RuntimeError):  # the loop is closed: no one is waiting
        call.loop.call_soon_threadsafe(settle)


def _copy(error: Exception) -> Exception:
    return QueueUnavailable(error.message) if isinstance(error, QueueUnavailable) else error
