"""The worker pool: claims due work items in batches, delivers up to ``concurrency`` of
them at once as coroutines on the engine's loop, and records their outcomes in batches.

One pump coroutine talks to the queue. Whenever a quarter of the delivery slots (at most
``CLAIM_BATCH``) is free, or nothing is in flight, it claims items to fill them,
``CLAIM_BATCH`` per call (one transaction or round trip), for as long as the queue has due
items; it starts one task per item, or, for a route whose action sends batches
(``perform_batch``), one task per group of that route's items of at most its maximum batch
size, delivered as one request (``DestinationRunner.process_batch_async``). Every item of
a group gets its own outcome (one event can fail validation while the others are
delivered; a failed request gives each of its items its own retry or dead letter). The
pump records every finished outcome at once; while it waits for the queue, more outcomes
pile up, so batches grow with load.

The routing can be replaced while the pool runs (:meth:`WorkerPool.use`: the control plane
changed a connection): items claimed from then on go through the new routes, deliveries
under way finish through the old ones, and an old routing's connection pools are closed
once none of its deliveries is left. Each outcome is also counted, and each failure kept as
a sample, in the delivery statistics, when the pool has them (``stats``).

Stopping (:meth:`WorkerPool.stop`) claims nothing more, lets the deliveries under way
finish for at most ``shutdown_grace`` seconds, records them, and releases the items whose
delivery was cut short, so that another worker takes them at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from framework.engine.results import ErrorInfo, Result
from framework.runtime.delivery.config import DeliveryOptions
from framework.runtime.delivery.logs import log
from framework.runtime.delivery.metrics import RuntimeMetrics
from framework.runtime.delivery.policy import Skipped, outcome, stale
from framework.runtime.delivery.queue import (
    AsyncQueue,
    Dead,
    Delivered,
    Outcome,
    QueueUnavailable,
    Retry,
    WorkItem,
)
from framework.runtime.delivery.routes import Route, Routing

if TYPE_CHECKING:
    from framework.runtime.control.stats import DeliveryStats

CLAIM_BATCH = 64  # items claimed per queue call
POLL_SECONDS = 0.05  # how often an idle pump looks for due items
FORGET_EVERY = 60.0  # seconds between sweeps of old de-duplication records
_BACKOFF_ON_ERROR = 1.0  # seconds the pump waits after the queue failed


class WorkerPool:
    """Delivers what ``queue`` holds, through ``routing``; ``start`` then ``stop``, both
    on the engine's loop."""

    def __init__(
        self,
        queue: AsyncQueue,
        routing: Routing,
        options: DeliveryOptions,
        metrics: RuntimeMetrics,
        *,
        clock: Callable[[], float] = time.time,
        poll: float = POLL_SECONDS,
        stats: DeliveryStats | None = None,
    ) -> None:
        self._queue = queue
        self._routing = routing
        self._generation = 0  # of the routing: bumped by each use()
        self._retired: list[tuple[int, Routing]] = []
        self._stats = stats
        self._options = options
        self._metrics = metrics
        self._clock = clock
        self._poll = poll
        # Claim once a quarter of the slots (at most CLAIM_BATCH) is free: batches form
        # without the pool draining between claims.
        self._claim_threshold = min(CLAIM_BATCH, max(1, options.concurrency // 4))
        self._deliveries: dict[asyncio.Task[list[Outcome]], list[WorkItem]] = {}
        self._generations: dict[asyncio.Task[list[Outcome]], int] = {}
        self._finished: list[Outcome] = []
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._pump: asyncio.Task[None] | None = None

    @property
    def in_flight(self) -> int:
        """Work items whose delivery is under way."""
        return sum(len(items) for items in self._deliveries.values())

    def start(self) -> None:
        """Start the pump (on the running loop)."""
        self._pump = asyncio.create_task(self._pump_loop(), name="delivery-pump")

    def wake(self) -> None:
        """New items were queued (by the ingress in this process): look now."""
        self._wakeup.set()

    def use(self, routing: Routing) -> None:
        """Deliver the items claimed from now on through ``routing``; the one it replaces
        is closed once its deliveries under way are done."""
        self._retired.append((self._generation, self._routing))
        self._routing = routing
        self._generation += 1
        self._wakeup.set()

    async def _close_retired(self) -> None:
        """Close the replaced routings none of whose deliveries is under way."""
        oldest = min(self._generations.values(), default=self._generation)
        done = [routing for generation, routing in self._retired if generation < oldest]
        self._retired = [(g, routing) for g, routing in self._retired if g >= oldest]
        for routing in done:
            await routing.aclose()

    async def stop(self) -> None:
        """Claim nothing more; let deliveries under way finish within ``shutdown_grace``;
        record them; release the rest at once."""
        self._stopping = True
        self._wakeup.set()
        if self._pump is not None:
            await self._pump
        cut_short: list[WorkItem] = []
        if self._deliveries:
            _, pending = await asyncio.wait(self._deliveries, timeout=self._options.shutdown_grace)
            for task in pending:
                task.cancel()
                cut_short += self._deliveries.pop(task)
            await asyncio.gather(*pending, return_exceptions=True)
        finished, self._finished = self._finished, []
        self._generations.clear()
        try:
            await self._record(finished)
            if cut_short:
                await self._queue.release(cut_short, self._clock())
        except Exception as error:  # their leases end: another worker takes them then
            self._log_queue_failure(error)
        await self._close_retired()
        log(logging.INFO, "workers stopped", released=len(cut_short), finished=len(finished))

    async def _pump_loop(self) -> None:
        next_sweep = self._clock()
        while not self._stopping:
            self._wakeup.clear()
            finished, self._finished = self._finished, []
            if self._retired:
                await self._close_retired()
            try:  # on failure, unrecorded items are claimed again when their leases end
                await self._record(finished)
                claimed = await self._claim()
                if self._clock() >= next_sweep:
                    await self._queue.forget(self._clock() - self._options.dedupe_window)
                    next_sweep = self._clock() + FORGET_EVERY
            except Exception as error:  # the queue failed (Redis down, disk): keep going
                self._log_queue_failure(error)
                await asyncio.sleep(_BACKOFF_ON_ERROR)
                continue
            if claimed == 0 and not self._finished:
                with contextlib.suppress(TimeoutError):  # a poll: items may come due
                    await asyncio.wait_for(self._wakeup.wait(), self._poll)

    async def _claim(self) -> int:
        """Claim items for the free slots and start their deliveries; how many were
        claimed (0: none was due, or too few slots are free)."""
        room = self._options.concurrency - self.in_flight
        if room < self._claim_threshold and self._deliveries:
            return 0  # wait for enough free slots to claim a batch's worth
        claimed = await self._claim_up_to(room)
        now = self._clock()
        given_up: list[Outcome] = []
        due: list[WorkItem] = []
        for item in claimed:
            dead = stale(item, self._options, now)
            if dead is None:
                due.append(item)
            else:
                given_up.append(dead)
        given_up += self._start(due)
        if self._stats is not None:
            for gone in given_up:
                _count(self._stats, gone, None, now)
        await self._record(given_up)
        return len(claimed)

    async def _claim_up_to(self, room: int) -> list[WorkItem]:
        """Due items for ``room`` slots: ``CLAIM_BATCH`` per queue call, while the queue
        gives as many as asked. A call failing after the first ends the claim with what the
        others gave (claimed items are leased: they must be delivered or released); the
        failure is logged, and the next claim meets it again."""
        claimed: list[WorkItem] = []
        while len(claimed) < room:
            asked = min(room - len(claimed), CLAIM_BATCH)
            try:
                got = await self._queue.claim(asked, self._options.lease, self._clock())
            except Exception as error:
                if not claimed:
                    raise
                self._log_queue_failure(error)
                break
            claimed += got
            if len(got) < asked:
                break
        return claimed

    def _start(self, items: list[WorkItem]) -> list[Outcome]:
        """Start the deliveries of ``items``: grouped by route, one task per item, or per
        group of at most the route's batch size when its action sends batches. The
        outcomes of items whose route is not configured (dead letters) are returned."""
        routes: dict[tuple[str, str], list[WorkItem]] = {}
        for item in items:
            routes.setdefault((item.source, item.route), []).append(item)
        unknown: list[Outcome] = []
        for (source, route_id), group in routes.items():
            route = self._routing.route(source, route_id)
            if route is None:
                message = f"route {route_id!r} of source {source!r} is not configured"
                unknown += [Dead(item, "UNKNOWN_ROUTE", message, "terminal") for item in group]
                continue
            size = route.runner.max_batch_size
            if size is None:
                for item in group:
                    self._launch(route, [item], batched=False)
            else:
                for first in range(0, len(group), size):
                    self._launch(route, group[first : first + size], batched=True)
        return unknown

    def _launch(self, route: Route, items: list[WorkItem], *, batched: bool) -> None:
        task = asyncio.create_task(self._deliver(route, items, batched=batched))
        self._deliveries[task] = items
        self._generations[task] = self._generation
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[list[Outcome]]) -> None:
        self._generations.pop(task, None)
        if self._deliveries.pop(task, None) is None or task.cancelled():
            return  # cut short at stop: released, not recorded
        self._finished += task.result()
        self._wakeup.set()

    async def _record(self, outcomes: list[Outcome]) -> None:
        if outcomes:
            now = self._clock()
            await self._queue.complete(outcomes, now)
            self._observe(outcomes, now)

    def _log_queue_failure(self, error: Exception) -> None:
        said = {"error": error.message} if isinstance(error, QueueUnavailable) else {}
        log(logging.ERROR, "queue operation failed", error_type=type(error).__name__, **said)

    def _observe(self, outcomes: Sequence[Outcome], now: float) -> None:
        """Metrics and log lines for recorded outcomes (no secret: names, ids, codes and
        messages the runner already redacted)."""
        for done in outcomes:
            item = done.item
            where = {"source": item.source, "route": item.route, "message_id": item.message_id}
            if isinstance(done, Skipped):
                self._metrics.skipped.inc(item.route)
                log(logging.INFO, "skipped", **where, attempts=item.attempts, reason=done.reason)
            elif isinstance(done, Delivered):
                self._metrics.delivered.inc(item.route)
                self._metrics.latency.observe(max(0.0, now - item.enqueued_at))
                log(logging.DEBUG, "delivered", **where, attempts=item.attempts)
            elif isinstance(done, Retry):
                self._metrics.retries.inc(done.code)
                log(
                    logging.INFO,
                    "retry scheduled",
                    **where,
                    attempts=item.attempts,
                    code=done.code,
                    delay=round(max(0.0, done.at - now), 3),
                )
            elif isinstance(done, Dead):
                self._metrics.failed.inc(done.code, done.reason)
                log(
                    logging.WARNING,
                    "dead-lettered",
                    **where,
                    attempts=item.attempts,
                    code=done.code,
                    reason=done.reason,
                    error=done.message,
                )

    async def _deliver(
        self, route: Route, items: list[WorkItem], *, batched: bool
    ) -> list[Outcome]:
        """Each item's outcome, from its event's result: one request for all of them when
        ``batched`` (the runner sends the valid ones as one chunk). An event that cannot
        be read fails alone; a failure outside the runner (a bug) fails each item, each
        retried by its own attempts."""
        results: dict[WorkItem, Result] = {}
        read: list[WorkItem] = []
        events: list[object] = []
        for item in items:
            try:
                events.append(json.loads(item.event))
                read.append(item)
            except Exception as error:  # not what the ingress stored: never holds up others
                results[item] = _unexpected(item, error)
        try:
            runner = route.runner
            if batched:
                found = await runner.process_batch_async(events)
            else:
                found = [result for event in events for result in await runner.process_async(event)]
            results.update(zip(read, found, strict=True))  # one result per event and route
        except Exception as error:  # a bug here must not stop the pool; retried
            results.update((item, _unexpected(item, error)) for item in read)
        now = self._clock()
        outcomes = [outcome(item, results[item], self._options, now) for item in items]
        if self._stats is not None:
            for done in outcomes:
                _count(self._stats, done, results[done.item], now)
        return outcomes


def _count(stats: DeliveryStats, done: Outcome, result: Result | None, now: float) -> None:
    """Count an outcome in the delivery statistics of its connection (the destination id
    its route starts with), and keep a failure as a sample: its event, its request and the
    destination's answer (both already redacted by the runner; no request for an item
    given up before any attempt)."""
    item = done.item
    connection = item.route.split("/", 1)[0]
    if isinstance(done, Skipped):
        return
    if isinstance(done, Delivered):
        stats.record(connection, "delivered", now)
        return
    stats.record(connection, "retrying" if isinstance(done, Retry) else "dead_lettered", now)
    answer = {"code": done.code, "message": done.message}
    request = result.request if result is not None else None
    stats.record_failure(
        connection,
        done.code,
        message=done.message,
        at=now,
        event=item.event,
        request=request,
        response=answer,
    )


def _unexpected(item: WorkItem, error: Exception) -> Result:
    """The result of an item whose delivery failed outside the runner (a bug): retryable."""
    info = ErrorInfo("UNEXPECTED_ERROR", f"delivery failed: {type(error).__name__}", retryable=True)
    return Result(item.message_id, None, "failed", error=info)
