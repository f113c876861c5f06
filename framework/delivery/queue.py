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

Implementations: :class:`framework.delivery.sqlite_queue.SqliteQueue` (``sqlite:///PATH``,
embedded, WAL: one machine) and :class:`framework.delivery.redis_queue.RedisQueue`
(``redis://host:port/db``: a stream and a consumer group, for several machines);
:func:`framework.delivery.backends.open_queue` picks one by URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from framework.errors import ActionsError

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
    """Which dead letters: failed at or after ``since``, before ``until``, with ``code``."""

    since: float | None = None
    until: float | None = None
    code: str | None = None


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
