"""The durable queue's interface, and the records that cross it.

One **work item** per (event, route): a route is one subscription of one configured
destination of one source, so an action that keeps failing never holds up another. Each
item moves through::

    queued --claim--> in_flight --+--> delivered        (removed)
      ^                           +--> retry scheduled  (queued again at a later time)
      |                           +--> dead-lettered    (moved to the dead-letter store)
      +--- lease expired ---------+   (the worker died: claimable again)

A claim is a **lease**: an in-flight item whose worker did not report back before the
lease ends becomes claimable again, which is how a worker killed mid-delivery loses
nothing. Delivery is therefore at least once; destinations de-duplicate by messageId
(Perkville's ``trans_source_id``), so a re-delivery never counts twice.

**Enqueue de-duplicates** by messageId per source for ``dedupe_window`` seconds: a client
re-sending a batch (Segment's libraries retry) adds nothing.

A worker that stops with items claimed but not started **releases** them: they are
claimable again at once, and the attempt the claim counted is given back.

Two faces: :class:`AsyncQueue`, awaited by the ingress and the workers on the process's
event loop (:func:`framework.runtime.delivery.backends.open_async_queue`), and :class:`Queue`,
called from synchronous code such as ``actions dlq`` and tests
(:func:`framework.runtime.delivery.backends.open_queue`). Implementations:

- ``sqlite:///PATH`` (embedded, WAL: one machine):
  :class:`framework.runtime.delivery.sqlite_queue.SqliteQueue` is the synchronous queue;
  :class:`framework.runtime.delivery.threaded_queue.ThreadedSqliteQueue` the asynchronous one, a
  writer thread that commits all the enqueues waiting for it in one transaction (group
  commit).
- ``redis://host:port/db`` (a stream and a consumer group, for several machines):
  :class:`framework.runtime.delivery.redis_queue.RedisQueue` is asynchronous;
  :class:`framework.runtime.delivery.blocking_queue.BlockingQueue` runs it on the engine's loop
  for synchronous callers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from framework.core.errors import ActionsError

State = Literal["queued", "in_flight", "retry_scheduled"]
STATES: tuple[State, ...] = ("queued", "in_flight", "retry_scheduled")


class QueueUnavailable(ActionsError):
    """The queue's store cannot be reached or written (Redis down, a disk error): the
    operation did not happen and may be tried again. The message names the store, never
    its credentials."""

    code = "QUEUE_UNAVAILABLE"
    retryable = True


@dataclass(frozen=True)
class Message:
    """An accepted event (JSON text with messageId and receivedAt set) and the routes it
    goes to."""

    source: str
    message_id: str
    event: str
    received_at: float
    routes: tuple[str, ...]


@dataclass(frozen=True)
class WorkItem:
    """A claimed item. ``id`` is the store's own (a row number in SQLite, an entry id in
    Redis); ``attempts`` counts this one; ``enqueued_at`` is when it was first queued (the
    age limit counts from it)."""

    id: int | str
    source: str
    route: str
    message_id: str
    event: str
    attempts: int
    enqueued_at: float


@dataclass(frozen=True)
class Delivered:
    """The item's event was delivered (or its route had nothing to send)."""

    item: WorkItem


@dataclass(frozen=True)
class Retry:
    """Try the item again at Unix time ``at``; ``code`` and ``message`` say why."""

    item: WorkItem
    at: float
    code: str
    message: str


@dataclass(frozen=True)
class Dead:
    """Give the item up: a terminal failure, exhausted attempts or too old (``reason``)."""

    item: WorkItem
    code: str
    message: str
    reason: Literal["terminal", "exhausted", "expired"]


Outcome = Delivered | Retry | Dead


@dataclass(frozen=True)
class DeadLetter:
    """An event a route gave up on: what, why, how often tried, and when."""

    id: int
    source: str
    route: str
    message_id: str
    event: str
    code: str
    message: str
    reason: str
    attempts: int
    enqueued_at: float
    failed_at: float


@dataclass(frozen=True)
class DeadLetterFilter:
    """Which dead letters: failed at or after ``since``, before ``until``, with ``code``, of
    a route whose id starts with ``route_prefix`` (``"<connection>/"``: one connection's)."""

    since: float | None = None
    until: float | None = None
    code: str | None = None
    route_prefix: str | None = None


class Queue(Protocol):
    """A durable work queue of (event, route) items with leases and a dead-letter store.

    Every method is safe to call from several threads; several processes may share one
    queue (ingress in one, workers in others). A store that cannot be reached raises
    :class:`QueueUnavailable`.
    """

    def enqueue(self, messages: Sequence[Message]) -> int:
        """Store the messages durably (one item per route) before returning; a message
        whose (source, messageId) was seen within the de-duplication window is skipped.
        Returns how many messages were new."""
        ...

    def claim(self, limit: int, lease: float, now: float) -> list[WorkItem]:
        """Up to ``limit`` items that are due (queued, retry time reached, or lease
        expired), now in flight until ``now + lease``, each attempt counted."""
        ...

    def complete(self, outcomes: Sequence[Outcome], now: float) -> None:
        """Record what happened to claimed items, all at once."""
        ...

    def release(self, items: Sequence[WorkItem], now: float) -> None:
        """Give back claimed items that were not started (the worker stops): claimable
        again from ``now``, their attempt not counted. An item whose lease ran out (claimed
        again since) is left alone."""
        ...

    def depth(self) -> dict[State, int]:
        """How many items are in each state."""
        ...

    def forget(self, before: float) -> int:
        """Drop de-duplication records of messages received before ``before``; how many."""
        ...

    def dead_letters(self, which: DeadLetterFilter, limit: int | None = None) -> list[DeadLetter]:
        """Dead letters matching ``which``, oldest failure first."""
        ...

    def dead_letter(self, letter_id: int) -> DeadLetter | None:
        """One dead letter by id."""
        ...

    def replay(self, which: DeadLetterFilter, now: float) -> int:
        """Queue the matching dead letters again (attempts from zero, age from ``now``) and
        remove them from the store; how many."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class AsyncQueue(Protocol):
    """:class:`Queue` for coroutines: the same operations with the same contracts, awaited
    on an event loop, never blocking it. A queue may be bound to the loop it was opened on
    (Redis's connections are): use it from that loop only.
    """

    async def enqueue(self, messages: Sequence[Message]) -> int:
        """See :meth:`Queue.enqueue`: the messages are durable once this returns."""
        ...

    async def claim(self, limit: int, lease: float, now: float) -> list[WorkItem]:
        """See :meth:`Queue.claim`."""
        ...

    async def complete(self, outcomes: Sequence[Outcome], now: float) -> None:
        """See :meth:`Queue.complete`."""
        ...

    async def release(self, items: Sequence[WorkItem], now: float) -> None:
        """See :meth:`Queue.release`."""
        ...

    async def depth(self) -> dict[State, int]:
        """See :meth:`Queue.depth`."""
        ...

    async def forget(self, before: float) -> int:
        """See :meth:`Queue.forget`."""
        ...

    async def dead_letters(
        self, which: DeadLetterFilter, limit: int | None = None
    ) -> list[DeadLetter]:
        """See :meth:`Queue.dead_letters`."""
        ...

    async def dead_letter(self, letter_id: int) -> DeadLetter | None:
        """See :meth:`Queue.dead_letter`."""
        ...

    async def replay(self, which: DeadLetterFilter, now: float) -> int:
        """See :meth:`Queue.replay`."""
        ...

    async def close(self) -> None:
        """See :meth:`Queue.close`."""
        ...
