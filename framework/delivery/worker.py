"""The worker pool: claims due work items, delivers them with bounded concurrency, and
records each outcome in the queue.

One pump thread talks to the queue: it claims up to twice as many items as there are
delivery threads, hands them out, and records finished outcomes in batches (one
transaction for many). ``workers`` delivery threads each take an item, run it through its
route's :class:`DestinationRunner` (connections kept alive) and report the outcome.
"""

from __future__ import annotations

import json
import logging
import queue as threads_queue
import threading
import time
from collections.abc import Callable, Sequence

from framework.delivery.config import DeliveryOptions
from framework.delivery.logs import log
from framework.delivery.metrics import RuntimeMetrics
from framework.delivery.policy import outcome, stale
from framework.delivery.queue import (
    Dead,
    Delivered,
    Outcome,
    Queue,
    QueueUnavailable,
    Retry,
    WorkItem,
)
from framework.delivery.routes import Routing
from framework.results import ErrorInfo, Result

POLL_SECONDS = 0.05  # how often an idle pump looks for due items
FORGET_EVERY = 60.0  # seconds between sweeps of old de-duplication records
_BACKOFF_ON_ERROR = 1.0  # seconds the pump waits after the queue failed


class WorkerPool:
    """Delivers what ``queue`` holds, through ``routing``; ``start`` then ``stop``."""

    def __init__(
        self,
        queue: Queue,
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
        self._work: threads_queue.SimpleQueue[WorkItem | None] = threads_queue.SimpleQueue()
        # outcomes, and None to wake the pump (new items queued, or stop)
        self._done: threads_queue.SimpleQueue[Outcome | None] = threads_queue.SimpleQueue()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pump: threading.Thread | None = None

    def start(self) -> None:
        """Start the pump and the delivery threads."""
        self._threads = [
            threading.Thread(target=self._deliver_loop, name=f"delivery-{n}", daemon=True)
            for n in range(self._options.workers)
        ]
        for thread in self._threads:
            thread.start()
        self._pump = threading.Thread(target=self._pump_loop, name="delivery-pump", daemon=True)
        self._pump.start()

    def wake(self) -> None:
        """New items were queued (by the ingress in this process): look now."""
        self._done.put(None)

    def stop(self) -> None:
        """Finish the deliveries under way, record them, and stop. Items claimed but not
        started are queued again at once."""
        self._stopping.set()
        self._done.put(None)
        if self._pump is not None:
            self._pump.join()

    def _pump_loop(self) -> None:
        in_progress = 0
        next_sweep = self._clock()
        while not self._stopping.is_set():
            try:
                first = [self._done.get(timeout=self._poll)]
            except threads_queue.Empty:
                first = []
            outcomes = [done for done in (*first, *self._drain()) if done is not None]
            in_progress -= len(outcomes)
            try:  # on failure, unrecorded items are claimed again when their leases end
                self._record(outcomes)
                in_progress += self._claim(2 * self._options.workers - in_progress)
                if self._clock() >= next_sweep:
                    self._queue.forget(self._clock() - self._options.dedupe_window)
                    next_sweep = self._clock() + FORGET_EVERY
            except Exception as error:  # the queue failed (Redis down, disk): keep the workers
                said = {"error": error.message} if isinstance(error, QueueUnavailable) else {}
                log(
                    logging.ERROR,
                    "queue operation failed",
                    error_type=type(error).__name__,
                    **said,
                )
                self._stopping.wait(_BACKOFF_ON_ERROR)
        self._shut_down()

    def _shut_down(self) -> None:
        unstarted: list[Outcome] = []
        while True:
            try:
                item = self._work.get_nowait()
            except threads_queue.Empty:
                break
            if item is not None:
                unstarted.append(Retry(item, self._clock(), "SHUTDOWN", "the worker stopped"))
        for _ in self._threads:
            self._work.put(None)
        for thread in self._threads:
            thread.join()
        finished = [outcome for outcome in self._drain() if outcome is not None]
        if unstarted or finished:
            self._queue.complete(unstarted + finished, self._clock())
        log(logging.INFO, "workers stopped", requeued=len(unstarted), finished=len(finished))

    def _drain(self) -> list[Outcome | None]:
        outcomes: list[Outcome | None] = []
        while True:
            try:
                outcomes.append(self._done.get_nowait())
            except threads_queue.Empty:
                return outcomes

    def _claim(self, room: int) -> int:
        if room <= 0:
            return 0
        now = self._clock()
        given_up: list[Outcome] = []
        started = 0
        for item in self._queue.claim(room, self._options.lease, now):
            dead = stale(item, self._options, now)
            if dead is None:
                self._work.put(item)
                started += 1
            else:
                given_up.append(dead)
        self._record(given_up)
        return started

    def _record(self, outcomes: list[Outcome]) -> None:
        if outcomes:
            now = self._clock()
            self._queue.complete(outcomes, now)
            self._observe(outcomes, now)

    def _observe(self, outcomes: Sequence[Outcome], now: float) -> None:
        """Metrics and log lines for recorded outcomes (no secret: names, ids, codes and
        messages the runner already redacted)."""
        for done in outcomes:
            item = done.item
            where = {"source": item.source, "route": item.route, "message_id": item.message_id}
            if isinstance(done, Delivered):
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

    def _deliver_loop(self) -> None:
        while (item := self._work.get()) is not None:
            self._done.put(self._deliver(item))

    def _deliver(self, item: WorkItem) -> Outcome:
        route = self._routing.route(item.source, item.route)
        if route is None:
            message = f"route {item.route!r} of source {item.source!r} is not configured"
            return Dead(item, "UNKNOWN_ROUTE", message, "terminal")
        try:
            [result] = route.runner.process(json.loads(item.event))
        except Exception as error:  # a bug here must not kill the thread; retried
            info = ErrorInfo(
                "UNEXPECTED_ERROR", f"delivery failed: {type(error).__name__}", retryable=True
            )
            result = Result(item.message_id, None, "failed", error=info)
        return outcome(item, result, self._options, self._clock())
