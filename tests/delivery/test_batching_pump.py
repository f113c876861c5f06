"""How the worker pool groups what it claims, against a scripted queue (so every claim is
known): the items of a batching route (the Webhook) in groups of at most its batch size,
a route without ``perform_batch`` (Perkville) one item per request, an unknown route
dead-lettered, and a claim that fails after an earlier one still delivers what was
claimed. Requests go to a capturing transport; no network."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

import pytest

from destinations.perkville import destination as perkville
from destinations.webhook import destination as webhook
from framework.engine.loop import engine_loop
from framework.engine.operator import OperatorConfig
from framework.runtime.delivery.config import (
    DeliveryOptions,
    DestinationConfig,
    RuntimeConfig,
    SourceConfig,
)
from framework.runtime.delivery.metrics import RuntimeMetrics
from framework.runtime.delivery.queue import (
    DeadLetter,
    DeadLetterFilter,
    Delivered,
    Message,
    Outcome,
    QueueUnavailable,
    State,
    WorkItem,
)
from framework.runtime.delivery.routes import Routing
from framework.runtime.delivery.worker import CLAIM_BATCH, WorkerPool
from framework.testing import CapturingTransport
from tests.delivery.support import SETTINGS, WRITE_KEY, order
from tests.waiting import HANG_GUARD

HOOK = "http://127.0.0.1:9/hook"  # never connected to: the transport captures requests


class ScriptedQueue:
    """An :class:`AsyncQueue` whose claims return the scripted lists (or raise the
    scripted errors) in turn, then nothing; it records outcomes and releases."""

    def __init__(self, claims: list[list[WorkItem] | Exception]) -> None:
        self._claims = claims
        self.asked: list[int] = []
        self.completed: list[Outcome] = []
        self.released: list[WorkItem] = []
        self._expected = 0
        self._all_recorded = asyncio.Event()

    def expect(self, count: int) -> None:
        self._expected = count

    async def recorded(self) -> None:
        """Return once ``expect``'s number of outcomes were recorded."""
        async with asyncio.timeout(HANG_GUARD):
            await self._all_recorded.wait()

    async def claim(self, limit: int, lease: float, now: float) -> list[WorkItem]:
        self.asked.append(limit)
        if not self._claims:
            return []
        claimed = self._claims.pop(0)
        if isinstance(claimed, Exception):
            raise claimed
        assert len(claimed) <= limit
        return claimed

    async def complete(self, outcomes: Sequence[Outcome], now: float) -> None:
        self.completed += outcomes
        if len(self.completed) >= self._expected:
            self._all_recorded.set()

    async def release(self, items: Sequence[WorkItem], now: float) -> None:
        self.released += items

    async def forget(self, before: float) -> int:
        return 0

    async def enqueue(self, messages: Sequence[Message]) -> int:
        raise AssertionError("workers never enqueue")

    async def depth(self) -> dict[State, int]:
        raise AssertionError("workers never read the depth")

    async def dead_letters(
        self, which: DeadLetterFilter, limit: int | None = None
    ) -> list[DeadLetter]:
        raise AssertionError("workers never list dead letters")

    async def dead_letter(self, letter_id: int) -> DeadLetter | None:
        raise AssertionError("workers never read a dead letter")

    async def replay(self, which: DeadLetterFilter, now: float) -> int:
        raise AssertionError("workers never replay")

    async def close(self) -> None:
        pass


def routing(transport: CapturingTransport, batch_size: int) -> Routing:
    """One source feeding the Webhook (in batches of ``batch_size``) and Perkville."""
    hook = DestinationConfig("webhook", "webhook", {"url": HOOK, "batch_size": batch_size})
    points = DestinationConfig("perkville", "perkville", dict(SETTINGS))
    config = RuntimeConfig(
        "sqlite:///unused.db", DeliveryOptions(), (SourceConfig("shop", WRITE_KEY, (hook, points)),)
    )
    return Routing(
        config,
        {"webhook": webhook, "perkville": perkville},
        operator=OperatorConfig(allow_private_targets=True),
        transport=transport,
    )


def route_ids(routes: Routing) -> dict[str, str]:
    """Destination id -> its one route's id."""
    source = routes.source(WRITE_KEY)
    assert source is not None
    return {route.id.split("/")[0]: route.id for route in source.routes}


def item(number: int, route: str) -> WorkItem:
    event = {**order(number), "messageId": f"m-{number}"}
    return WorkItem(number, "shop", route, f"m-{number}", json.dumps(event), 1, 0.0)


def pump(queue: ScriptedQueue, routes: Routing, expected: int, **settings: Any) -> None:
    """Run a pool (its clock at 0, when the items were queued) until ``expected`` outcomes
    were recorded, then stop it."""

    async def scenario() -> None:
        queue.expect(expected)
        options = DeliveryOptions(**settings)
        pool = WorkerPool(queue, routes, options, RuntimeMetrics(), clock=lambda: 0.0)
        pool.start()
        try:
            await queue.recorded()
        finally:
            await pool.stop()
            await routes.aclose()

    engine_loop().run(scenario())


def bodies(transport: CapturingTransport, path: str) -> list[Any]:
    return [json.loads(r.content) for r in transport.requests if r.url.path.endswith(path)]


def test_one_claim_is_grouped_by_route_and_cut_at_the_batch_size() -> None:
    transport = CapturingTransport()
    routes = routing(transport, batch_size=2)
    ids = route_ids(routes)
    hook, points = ids["webhook"], ids["perkville"]
    claimed = [
        item(1, hook),
        item(2, points),
        item(3, hook),
        item(4, hook),
        item(5, points),
        item(6, "webhook/gone"),
        item(7, hook),
        item(8, hook),
    ]
    queue = ScriptedQueue([claimed])
    pump(queue, routes, expected=len(claimed))
    arrays = sorted([e["messageId"] for e in body] for body in bodies(transport, "/hook"))
    assert arrays == [["m-1", "m-3"], ["m-4", "m-7"], ["m-8"]], "per route, in claim order"
    sent = sorted(body["trans_source_id"] for body in bodies(transport, "/transactions/"))
    assert sent == ["m-2", "m-5"], "Perkville has no perform_batch: one request per item"
    outcomes = {done.item.message_id: done for done in queue.completed}
    assert sorted(outcomes) == [f"m-{n}" for n in range(1, 9)], "one outcome per item"
    gone = outcomes.pop("m-6")
    assert (type(gone).__name__, getattr(gone, "code", None)) == ("Dead", "UNKNOWN_ROUTE")
    assert all(type(done) is Delivered for done in outcomes.values())


def test_the_slots_are_filled_with_several_claims() -> None:
    transport = CapturingTransport()
    routes = routing(transport, batch_size=100)
    hook = route_ids(routes)["webhook"]
    first = [item(n, hook) for n in range(CLAIM_BATCH)]
    second = [item(n, hook) for n in range(CLAIM_BATCH, CLAIM_BATCH + 10)]
    queue = ScriptedQueue([first, second])
    pump(queue, routes, expected=CLAIM_BATCH + 10, concurrency=100)
    assert queue.asked[:2] == [CLAIM_BATCH, 100 - CLAIM_BATCH], "up to the free slots"
    assert [len(body) for body in bodies(transport, "/hook")] == [CLAIM_BATCH + 10]


def test_a_claim_failing_after_another_still_delivers_what_was_claimed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    transport = CapturingTransport()
    routes = routing(transport, batch_size=1000)
    hook = route_ids(routes)["webhook"]
    first = [item(n, hook) for n in range(CLAIM_BATCH)]
    queue = ScriptedQueue([first, QueueUnavailable("the queue is down")])
    pump(queue, routes, expected=CLAIM_BATCH)
    assert [len(body) for body in bodies(transport, "/hook")] == [CLAIM_BATCH]
    assert sorted(done.item.id for done in queue.completed) == list(range(CLAIM_BATCH))
    assert queue.released == []
    assert any(record.getMessage() == "queue operation failed" for record in caplog.records)
