"""A synchronous :class:`framework.runtime.delivery.queue.Queue` over an asynchronous one, for the
command line and tests: each call runs the async queue's coroutine on one event loop
thread and waits for its result. The async queue only ever runs on that loop (a Redis
connection pool is bound to the loop it was first used on). Calling from that loop's own
thread is refused: code there awaits the async queue instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from framework.engine.loop import LoopThread
from framework.runtime.delivery.queue import (
    AsyncQueue,
    DeadLetter,
    DeadLetterFilter,
    Message,
    Outcome,
    State,
    WorkItem,
)


class BlockingQueue:
    """``queue``'s operations, each run on ``loop`` to its end; safe from any other
    thread."""

    def __init__(self, queue: AsyncQueue, loop: LoopThread) -> None:
        self.queue = queue
        self._loop = loop

    def enqueue(self, messages: Sequence[Message]) -> int:
        """See :meth:`Queue.enqueue`."""
        return self._loop.run(self.queue.enqueue(messages))

    def claim(self, limit: int, lease: float, now: float) -> list[WorkItem]:
        """See :meth:`Queue.claim`."""
        return self._loop.run(self.queue.claim(limit, lease, now))

    def complete(self, outcomes: Sequence[Outcome], now: float) -> None:
        """See :meth:`Queue.complete`."""
        self._loop.run(self.queue.complete(outcomes, now))

    def release(self, items: Sequence[WorkItem], now: float) -> None:
        """See :meth:`Queue.release`."""
        self._loop.run(self.queue.release(items, now))

    def depth(self) -> dict[State, int]:
        """See :meth:`Queue.depth`."""
        return self._loop.run(self.queue.depth())

    def forget(self, before: float) -> int:
        """See :meth:`Queue.forget`."""
        return self._loop.run(self.queue.forget(before))

    def dead_letters(self, which: DeadLetterFilter, limit: int | None = None) -> list[DeadLetter]:
        """See :meth:`Queue.dead_letters`."""
        return self._loop.run(self.queue.dead_letters(which, limit))

    def dead_letter(self, letter_id: int) -> DeadLetter | None:
        """See :meth:`Queue.dead_letter`."""
        return self._loop.run(self.queue.dead_letter(letter_id))

    def replay(self, which: DeadLetterFilter, now: float) -> int:
        """See :meth:`Queue.replay`."""
        return self._loop.run(self.queue.replay(which, now))

    def close(self) -> None:
        """See :meth:`Queue.close`."""
        self._loop.run(self.queue.close())
