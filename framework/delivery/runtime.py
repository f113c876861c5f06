"""The delivery runtime of one process: the queue, the routes, the metrics, and
optionally the worker pool; ``accept`` is what the ingress calls for each Tracking API
request.

``actions serve --config`` runs ingress and workers in one process; ``actions serve
--config --no-workers`` the ingress alone; ``actions worker --config`` workers alone.
Processes configured with the same file share the queue.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import httpx

from framework.definition import Destination
from framework.delivery.backends import open_queue
from framework.delivery.config import RuntimeConfig
from framework.delivery.intake import IntakeError, events_of, read_body, write_key
from framework.delivery.metrics import Gauge, RuntimeMetrics
from framework.delivery.queue import Message, QueueUnavailable
from framework.delivery.routes import Routing
from framework.delivery.worker import WorkerPool


class Runtime:
    """Everything the ingress and the workers of one process share."""

    def __init__(
        self,
        config: RuntimeConfig,
        destinations: Mapping[str, Destination],
        *,
        workers: bool = True,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.routing = Routing(config, destinations, transport=transport)
        self.queue = open_queue(config.queue_url)
        self.metrics = RuntimeMetrics()
        self.metrics.gauges.append(
            Gauge(
                "actions_queue_depth",
                "Work items in the queue, by state.",
                "state",
                lambda: {state: float(n) for state, n in self.queue.depth().items()},
            )
        )
        self._clock = clock
        self.pool = (
            WorkerPool(self.queue, self.routing, config.delivery, self.metrics, clock=clock)
            if workers
            else None
        )

    def start(self) -> None:
        """Start the workers, if this process runs them."""
        if self.pool is not None:
            self.pool.start()

    def accept(
        self, call: str, raw: bytes, *, encoding: str | None, authorization: str | None
    ) -> int:
        """Store the events of one Tracking API call durably (one work item per matching
        route) and return how many events it held; :class:`IntakeError` for a refusal,
        :class:`QueueUnavailable` when the queue cannot store them (nothing stored)."""
        try:
            document = read_body(raw, encoding, call)
            source = self.routing.source(write_key(authorization, document))
            if source is None:
                raise IntakeError(401, "UNAUTHORIZED", "the write key is not configured")
            now = self._clock()
            events = events_of(call, document, now)
        except IntakeError as error:
            self.metrics.rejected.inc(error.code)
            raise
        messages = [
            Message(source.name, event["messageId"], text, now, routes)
            for event, text in events
            if (routes := source.routes_for(event))
        ]
        if messages:
            try:
                self.queue.enqueue(messages)
            except QueueUnavailable as error:
                self.metrics.rejected.inc(error.code)
                raise
            if self.pool is not None:
                self.pool.wake()
        self.metrics.received.inc(source.name, amount=len(events))
        return len(events)

    def close(self) -> None:
        """Stop the workers (finishing deliveries under way), close connections."""
        if self.pool is not None:
            self.pool.stop()
        self.routing.close()
        self.queue.close()
