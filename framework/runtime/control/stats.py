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

Two stores, chosen by :func:`framework.runtime.control.opened.open_delivery_stats` from
the control store's URL: :class:`~framework.runtime.control.sqlite_stats.SqliteDeliveryStats`,
a SQLite file beside the control store's (WAL), and
:class:`~framework.runtime.control.redis_stats.RedisDeliveryStats`, keys under
``actions:stats:`` in the control store's Redis (per-minute hashes expiring on their own).
This module holds what they share.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from framework.core.errors import ActionsError

if TYPE_CHECKING:
    pass

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
class Group:
    """A failure group's part of one flush: how many, the latest time, the newest samples."""

    count: int = 0
    latest_at: float = 0.0
    samples: deque[Sample] = field(default_factory=lambda: deque(maxlen=SAMPLES_PER_CODE))

    def add(self, count: int, latest_at: float, samples: Iterable[Sample]) -> None:
        self.count += count
        self.latest_at = max(self.latest_at, latest_at)
        self.samples.extend(samples)


@dataclass
class Batch:
    """What a flush writes: counts by (connection, minute, kind), groups by (connection,
    code)."""

    counts: Counter[tuple[str, int, str]] = field(default_factory=Counter)
    groups: dict[tuple[str, str], Group] = field(default_factory=dict)

    def merge(self, other: Batch) -> None:
        self.counts.update(other.counts)
        for key, group in other.groups.items():
            mine = self.groups.setdefault(key, Group())
            mine.add(group.count, group.latest_at, group.samples)
            ordered = sorted(mine.samples, key=lambda sample: sample.at)
            mine.samples = deque(ordered, maxlen=SAMPLES_PER_CODE)


class BufferedStats(ABC):
    """Recording into memory and flushing through :meth:`_write`, for both stores."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._pending = Batch()
        self._pending_lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._forgot_at = float("-inf")

    def record(self, connection: str, kind: Kind, at: float, count: int = 1) -> None:
        """See :meth:`DeliveryStats.record`."""
        minute = minute_of(at)
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
            group = self._pending.groups.setdefault((connection, code), Group())
            group.add(1, at, [sample])

    def flush(self) -> None:
        """See :meth:`DeliveryStats.flush`."""
        with self._flush_lock:
            with self._pending_lock:
                batch, self._pending = self._pending, Batch()
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
    def _write(self, batch: Batch) -> None:
        """Add ``batch`` to the store, all of it or nothing."""


def minute_of(at: float) -> int:
    """The start of ``at``'s minute, in Unix seconds."""
    return int(at // 60) * 60


def series_of(
    rows: Iterable[tuple[int, str, int]], first: int, minutes: int
) -> list[dict[str, int]]:
    """``minutes`` zero-filled points from ``first`` on, with the counts of ``rows``."""
    points = [{"minute": first + 60 * i, **dict.fromkeys(KINDS, 0)} for i in range(minutes)]
    for minute, kind, count in rows:
        index = (minute - first) // 60
        if 0 <= index < minutes and kind in KINDS:
            points[index][kind] += count
    return points
