"""The delivery runtime of one process: the queue, the routes, the metrics, and
optionally the worker pool, all on the engine's event loop; ``accept`` is what the ingress
awaits for each Tracking API request.

``actions serve --config`` runs ingress and workers in one process; ``actions serve
--config --no-workers`` the ingress alone; ``actions worker --config`` workers alone.
Processes configured with the same file share the queue.

With a control plane (``store``: the connections stored beside the queue), the routes are
the file's destinations and the stored connections'. A watcher polls the store's revision
every :data:`WATCH_SECONDS` and applies a change at once: new routing for the ingress and
the workers, without a restart; queued items keep their routes (a route id names the
connection, its action and preset), so nothing queued is lost or delivered twice. A change
that cannot be applied (a stored connection the runtime cannot build) is logged and the
routing stays as it was. ``stats`` (the delivery statistics) count the workers' outcomes;
the watcher writes them out on each tick.

The constructor, :meth:`Runtime.start` and :meth:`Runtime.close` are called from ordinary
(synchronous) code and run their work on the loop; ``queue`` is a synchronous view of the
same queue for the command line and tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from framework.authoring.definition import Destination
from framework.core.errors import ActionsError
from framework.engine.loop import engine_loop
from framework.engine.operator import OperatorConfig
from framework.engine.transport import Transport
from framework.runtime.delivery.backends import open_async_queue
from framework.runtime.delivery.blocking_queue import BlockingQueue
from framework.runtime.delivery.config import DestinationConfig, RuntimeConfig
from framework.runtime.delivery.intake import IntakeError, events_of, read_body, write_key
from framework.runtime.delivery.logs import log, logger
from framework.runtime.delivery.metrics import Gauge, RuntimeMetrics
from framework.runtime.delivery.queue import Message, QueueUnavailable, State
from framework.runtime.delivery.routes import Attached, Routing, Source
from framework.runtime.delivery.worker import WorkerPool

if TYPE_CHECKING:
    from framework.runtime.control.connections import Connection
    from framework.runtime.control.opened import Control

WATCH_SECONDS = 0.2  # how often the store's revision is read
# what trying whether a connection can be built sends through: nothing is ever sent
_NO_NETWORK = httpx.MockTransport(lambda _: httpx.Response(503))


class Runtime:
    """Everything the ingress and the workers of one process share. ``operator`` is the
    operator's configuration (endpoints, private targets), built where the process starts;
    ``transport`` replaces the network (tests); ``control`` is the control plane's store
    and statistics (see the module), closed with the runtime. ``control_revision`` is the
    store's revision the routing follows."""

    def __init__(
        self,
        config: RuntimeConfig,
        destinations: Mapping[str, Destination],
        *,
        workers: bool = True,
        operator: OperatorConfig | None = None,
        transport: Transport | httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        control: Control | None = None,
    ) -> None:
        self.config = config
        self.control = control
        self._destinations = destinations
        self._operator = operator
        self._transport = transport
        store = self._store = control.store if control is not None else None
        stats = self._stats = control.stats if control is not None else None
        self._watcher: asyncio.Task[None] | None = None
        self.control_revision = store.revision() if store is not None else 0
        self.routing = self._routing(store.list() if store is not None else ())
        self._loop = engine_loop()
        self.async_queue = self._loop.run(open_async_queue(config.queue_url))
        self.queue = BlockingQueue(self.async_queue, self._loop)
        self.metrics = RuntimeMetrics()
        self._depth: dict[State, int] = {}
        self.metrics.gauges += [
            Gauge(
                "actions_queue_depth",
                "Work items in the queue, by state.",
                "state",
                lambda: {state: float(n) for state, n in self._depth.items()},
            ),
            *self._flow_gauges(),
        ]
        self._clock = clock
        self.pool = (
            WorkerPool(
                self.async_queue,
                self.routing,
                config.delivery,
                self.metrics,
                clock=clock,
                stats=stats,
            )
            if workers
            else None
        )

    def _routing(self, connections: Iterable[Connection]) -> Routing:
        """The file's routes and those of the stored connections (not the file's own,
        which the store holds as read-only copies). A stored connection this process
        cannot build (its source left the file, its destination was uninstalled) is
        logged and left out: it never keeps the others, or the process, from running."""
        attached = [_attached(connection) for connection in connections if not connection.readonly]
        try:
            return self._build_routing(attached)
        except ActionsError:
            pass  # find which connection it is: building each alone says
        usable = []
        for candidate in attached:
            try:  # built without the network: nothing to close
                self._build_routing([candidate], transport=_NO_NETWORK)
            except ActionsError as error:
                name = candidate.destination.id
                log(logging.ERROR, "connection left out", connection=name, error=error.message)
            else:
                usable.append(candidate)
        return self._build_routing(usable)

    def _build_routing(
        self,
        attached: list[Attached],
        transport: Transport | httpx.BaseTransport | None = None,
    ) -> Routing:
        return Routing(
            self.config,
            self._destinations,
            operator=self._operator,
            transport=transport or self._transport,
            attached=attached,
        )

    def _flow_gauges(self) -> list[Gauge]:
        def flows() -> dict[str, Any]:
            return self.routing.flows

        return [
            Gauge(
                "actions_destination_in_flight",
                "Requests under way, by destination (source/id).",
                "destination",
                lambda: {name: float(flow.in_flight) for name, flow in flows().items()},
            ),
            Gauge(
                "actions_destination_requests_started",
                "Requests started since the process started, by destination.",
                "destination",
                lambda: {name: float(flow.started) for name, flow in flows().items()},
            ),
            Gauge(
                "actions_destination_rate_limit",
                "Configured requests per second, by destination (absent: no limit).",
                "destination",
                lambda: {
                    name: flow.limits.rate
                    for name, flow in flows().items()
                    if flow.limits.rate is not None
                },
            ),
            Gauge(
                "actions_destination_throttled_seconds",
                "Seconds the destination paused sending at its own request (429, 503).",
                "destination",
                lambda: {name: flow.throttled_seconds for name, flow in flows().items()},
            ),
        ]

    def start(self) -> None:
        """Start the workers, if this process runs them, and the control plane's
        watcher, if it has one."""
        self._loop.run(self._start())

    async def _start(self) -> None:
        if self.pool is not None:
            self.pool.start()
        if self.control is not None:
            self._watcher = asyncio.create_task(self._watch(), name="control-watcher")

    async def _watch(self) -> None:
        """Apply the store's changes and write the statistics out, every tick. A store or
        a disk failing is tried again on the next tick, and logged once until it recovers
        or fails otherwise."""
        failing: str | None = None
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            try:
                await self._follow_store()
                if self._stats is not None:
                    await asyncio.to_thread(self._stats.flush)
            except Exception as error:
                said = error.message if isinstance(error, ActionsError) else type(error).__name__
                if said != failing:
                    log(logging.ERROR, "control plane unavailable", error=said)
                failing = said
            else:
                if failing is not None:
                    log(logging.INFO, "control plane available again")
                failing = None

    async def _follow_store(self) -> None:
        """Swap in the routing of the store's connections when its revision changed."""
        store = self._store
        if store is None:
            return
        revision = await asyncio.to_thread(store.revision)
        if revision == self.control_revision:
            return
        connections = await asyncio.to_thread(store.list)
        try:
            routing = self._routing(connections)
        except ActionsError as error:  # checked when saved: only a bug or a lost key
            log(logging.ERROR, "connections not applied", revision=revision, error=error.message)
            self.control_revision = revision
            return
        retired, self.routing = self.routing, routing
        if self.pool is not None:
            self.pool.use(routing)
        else:
            await retired.aclose()
        self.control_revision = revision
        log(logging.INFO, "connections applied", revision=revision)

    async def accept(
        self, call: str, raw: bytes, *, encoding: str | None, authorization: str | None
    ) -> int:
        """Store the valid events of one Tracking API call durably (one work item per
        route that takes it) and return how many there were; :class:`IntakeError` for a
        refusal, :class:`QueueUnavailable` when the queue cannot store them (nothing stored).
        The invalid events of a batch, and the events no route takes (not stored), are
        counted and logged (messageId and reason, never their content) once the others are
        stored."""
        try:
            body = read_body(raw, encoding, call)
            source = self.routing.source(write_key(authorization, body.document.value))
            if source is None:
                raise IntakeError(401, "UNAUTHORIZED", "the write key is not configured")
            now = self._clock()
            accepted = events_of(call, body, now)
        except IntakeError as error:
            self.metrics.rejected.inc(error.code)
            raise
        messages: list[Message] = []
        unrouted: list[Mapping[str, Any]] = []
        for event, text in accepted.events:
            routes = source.routes_for(event)
            if routes:
                messages.append(Message(source.name, event["messageId"], text, now, routes))
            else:
                unrouted.append(event)
        if messages:
            try:
                await self.async_queue.enqueue(messages)
            except QueueUnavailable as error:
                self.metrics.rejected.inc(error.code)
                raise
            if self.pool is not None:
                self.pool.wake()
        self.metrics.received.inc(source.name, amount=len(accepted.events))
        for skipped in unrouted:
            self._unrouted(source, skipped)
        for drop in accepted.dropped:
            self.metrics.dropped.inc(source.name, drop.reason)
            log(
                logging.WARNING,
                "event dropped",
                source=source.name,
                index=drop.index,
                message_id=drop.message_id,
                reason=drop.reason,
                error=f"the event {drop.problem}",
            )
        return len(accepted.events)

    def _unrouted(self, source: Source, event: Mapping[str, Any]) -> None:
        """Count, and log at debug, an event no route takes (it is not queued): with each
        destination's reason, such as the one Perkville declares for identify calls."""
        kind = event["type"]  # an accepted event has one of Segment's types
        self.metrics.unrouted.inc(source.name, kind)
        if logger.isEnabledFor(logging.DEBUG):  # the reasons are worked out only for the log
            log(
                logging.DEBUG,
                "event not routed",
                source=source.name,
                message_id=event["messageId"],
                type=kind,
                reasons=source.unrouted(event),
            )

    async def metrics_text(self) -> str:
        """Every metric in Prometheus's text format (the queue's depth read now)."""
        try:
            self._depth = await self.async_queue.depth()
        except QueueUnavailable:
            self._depth = {}  # the other metrics are still worth a scrape
        return self.metrics.render()

    def close(self) -> None:
        """Stop the workers (deliveries under way finish within ``shutdown_grace``; the
        rest are released at once), close connections and the queue."""
        self._loop.run(self.aclose())

    async def aclose(self) -> None:
        """:meth:`close`, on the engine's loop."""
        try:
            if self._watcher is not None:
                self._watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._watcher
            if self.pool is not None:
                await self.pool.stop()
        finally:
            if self.control is not None:
                await asyncio.to_thread(self.control.close)
            await self.routing.aclose()
            await self.async_queue.close()


def _attached(connection: Connection) -> Attached:
    """A stored connection as the routing takes it."""
    destination = DestinationConfig(
        connection.name,
        connection.destination,
        dict(connection.settings),
        {action: dict(mapping) for action, mapping in connection.mappings.items()},
    )
    return Attached(
        connection.source, destination, connection.enabled, dict(connection.subscriptions)
    )
