"""The worker pool: claims due work items in batches, delivers up to ``concurrency`` of
them at once as coroutines on the engine's loop, and records their outcomes in batches.

One pump coroutine talks to the queue. It claims up to ``CLAIM_BATCH`` items per call
(one transaction or round trip) whenever at least that many delivery slots are free (or
nothing is in flight), starts one task per item, and records every finished outcome at
once; while it waits for the queue, more outcomes pile up, so batches grow with load.

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

from framework.delivery.config import DeliveryOptions
from framework.delivery.logs import log
from framework.delivery.metrics import RuntimeMetrics
from framework.delivery.policy import Skipped, outcome, stale
from framework.delivery.queue import (
    AsyncQueue,
    Dead,
    Delivered,
    Outcome,
    QueueUnavailable,
    Retry,
    WorkItem,
)
from framework.delivery.routes import Routing
from framework.results import ErrorInfo, Result

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
    ) -> None:
        self._queue = queue
        self._routing = routing
        self._options = options
        self._metrics = metrics
        self._clock = clock
        self._poll = poll
        self._deliveries: dict[asyncio.Task[Outcome], WorkItem] = {}
        self._finished: list[Outcome] = []
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._pump: asyncio.Task[None] | None = None

    @property
    def in_flight(self) -> int:
        """Deliveries under way."""
        return len(self._deliveries)

    def start(self) -> None:
        """Start the pump (on the running loop)."""
        self._pump = asyncio.create_task(self._pump_loop(), name="delivery-pump")

    def wake(self) -> None:
        """New items were queued (by the ingress in this process): look now."""
        self._wakeup.set()

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
                cut_short.append(self._deliveries.pop(task))
            await asyncio.gather(*pending, return_exceptions=True)
        finished, self._finished = self._finished, []
        try:
            await self._record(finished)
            if cut_short:
                await self._queue.release(cut_short, self._clock())
        except Exception as error:  # their leases end: another worker takes them then
            self._log_queue_failure(error)
        log(logging.INFO, "workers stopped", released=len(cut_short), finished=len(finished))

    async def _pump_loop(self) -> None:
        next_sweep = self._clock()
        while not self._stopping:
            self._wakeup.clear()
            finished, self._finished = self._finished, []
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
        room = self._options.concurrency - len(self._deliveries)
        if room < min(CLAIM_BATCH, self._options.concurrency) and self._deliveries:
            return 0  # wait for a batch's worth of free slots
        now = self._clock()
        given_up: list[Outcome] = []
        started = 0
        for item in await self._queue.claim(min(room, CLAIM_BATCH), self._options.lease, now):
            dead = stale(item, self._options, now)
            if dead is None:
                task = asyncio.create_task(self._deliver(item))
                self._deliveries[task] = item
                task.add_done_callback(self._done)
                started += 1
            else:
                given_up.append(dead)
        await self._record(given_up)
        return started

    def _done(self, task: asyncio.Task[Outcome]) -> None:
        if self._deliveries.pop(task, None) is None or task.cancelled():
            return  # cut short at stop: released, not recorded
        self._finished.append(task.result())
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

    async def _deliver(self, item: WorkItem) -> Outcome:
        route = self._routing.route(item.source, item.route)
        if route is None:
            message = f"route {item.route!r} of source {item.source!r} is not configured"
            return Dead(item, "UNKNOWN_ROUTE", message, "terminal")
        try:
            [result] = await route.runner.process_async(json.loads(item.event))
        except Exception as error:  # a bug here must not stop the pool; retried
            info = ErrorInfo(
                "UNEXPECTED_ERROR", f"delivery failed: {type(error).__name__}", retryable=True
            )
            result = Result(item.message_id, None, "failed", error=info)
        return outcome(item, result, self._options, self._clock())
