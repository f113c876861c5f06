"""Latency: the answer comes after the transaction is applied, inspection is never delayed,
stop answers the requests still waiting, the jitter is seeded and never negative. Order
and outcomes are asserted, never durations."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
import httpx
import pytest

from destinations.perkville.sandbox import Faults, Latency, PerkvilleSandbox
from framework import Reply, SandboxRequest
from tests.sandbox.support import AUTH, SETTINGS, transaction
from tests.waiting import HANG_GUARD

LONG = Latency(3600.0)  # far beyond the hang guard: only a stop brings the answer sooner


class Observed(PerkvilleSandbox):
    """A Perkville sandbox that says when it has handled ``expected`` API requests."""

    def __init__(self, expected: int = 1, **options: Any) -> None:
        super().__init__(SETTINGS, **options)
        self.expected = expected
        self.handled = threading.Event()
        self._count = 0

    def handle(self, request: SandboxRequest) -> Reply:
        reply = super().handle(request)
        if not request.path.startswith("/sandbox/"):
            self._count += 1  # on the event loop's one thread
            if self._count == self.expected:
                self.handled.set()
        return reply


@pytest.fixture
def slow_api() -> Iterator[Observed]:
    """A sandbox whose API answers an hour after handling a request."""
    with Observed(latency=LONG) as sandbox:
        yield sandbox


def post(url: str, *, timeout: float, source: str = "t-1") -> httpx.Response:
    body = transaction(trans_source_id=source)
    return httpx.post(f"{url}/transactions/", json=body, headers=AUTH, timeout=timeout)


def test_the_transaction_is_applied_before_the_late_answer(slow_api: Observed) -> None:
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(post, slow_api.url, timeout=HANG_GUARD)
        assert slow_api.handled.wait(HANG_GUARD)
        balances = slow_api.balances()
        answered = answer.done()
        slow_api.stop()  # lets the answer come
        answer.result(timeout=HANG_GUARD)
    assert balances == {"ana@example.com": 9.99}
    assert not answered


def test_the_inspection_endpoints_answer_at_once(slow_api: Observed) -> None:
    response = httpx.get(f"{slow_api.url}/sandbox/balances", timeout=HANG_GUARD)
    assert response.status_code == 200
    assert response.json()["applied"] == 0


def test_stop_answers_the_requests_still_waiting(slow_api: Observed) -> None:
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(post, slow_api.url, timeout=HANG_GUARD)
        assert slow_api.handled.wait(HANG_GUARD)
        assert not answer.done()  # applied, its answer due in an hour
        slow_api.stop()
        assert answer.result(timeout=HANG_GUARD).status_code == 201


def test_many_requests_wait_at_once_and_stop_answers_them_all() -> None:
    count = 500
    sandbox = Observed(expected=count, latency=LONG)
    url = sandbox.start()

    async def send_all() -> list[int]:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(url, connector=connector) as session:

            async def send(number: int) -> int:
                body = transaction(trans_source_id=f"t-{number}")
                async with session.post("/transactions/", json=body, headers=AUTH) as reply:
                    return reply.status

            sending = [asyncio.ensure_future(send(number)) for number in range(count)]
            assert await asyncio.to_thread(sandbox.handled.wait, HANG_GUARD)
            assert not any(task.done() for task in sending)  # all applied, none answered
            await asyncio.to_thread(sandbox.stop)
            return await asyncio.gather(*sending)

    try:
        statuses = asyncio.run(send_all())
    finally:
        sandbox.stop()
    assert statuses == [201] * count
    assert sandbox.applied() == count


def test_a_dropped_connection_comes_late_too() -> None:
    sandbox = Observed(latency=LONG, faults=Faults(rate=1.0, kinds=("applied_drop",)))
    with sandbox, ThreadPoolExecutor(1) as pool:
        answer = pool.submit(post, sandbox.url, timeout=HANG_GUARD)
        assert sandbox.handled.wait(HANG_GUARD)
        dropped = answer.done()  # not yet: the drop is due with the answer
        sandbox.stop()
        failure = answer.exception(timeout=HANG_GUARD)
    assert not dropped
    assert isinstance(failure, httpx.RemoteProtocolError)
    assert sandbox.applied() == 1


def delays(latency: Latency, path: str = "/transactions/", kind: str | None = None) -> set[float]:
    sandbox = PerkvilleSandbox(SETTINGS, latency=latency, faults=Faults(slow_seconds=2.0))
    return {sandbox.answer_delay(path, kind) for _ in range(200)}


def test_the_jitter_is_uniform_around_the_latency() -> None:
    drawn = delays(Latency(0.05, 0.02, seed=3))
    assert len(drawn) > 100
    assert all(0.03 <= delay <= 0.07 for delay in drawn)
    assert min(drawn) < 0.035
    assert max(drawn) > 0.065


def test_the_jitter_never_makes_a_delay_negative() -> None:
    drawn = delays(Latency(0.01, 0.05, seed=3))
    assert min(drawn) == 0.0  # the draws below -0.01, clamped
    assert max(drawn) > 0.05


def test_the_same_seed_gives_the_same_jitter() -> None:
    def sequence(seed: int) -> list[float]:
        sandbox = PerkvilleSandbox(SETTINGS, latency=Latency(0.05, 0.02, seed=seed))
        return [sandbox.answer_delay("/transactions/", None) for _ in range(20)]

    sequences = [sequence(4), sequence(4), sequence(5)]
    assert sequences[0] == sequences[1] != sequences[2]


def test_without_jitter_every_delay_is_the_latency() -> None:
    assert delays(Latency(0.05)) == {0.05}
    assert delays(Latency()) == {0.0}


def test_a_slow_fault_adds_its_delay_and_inspection_has_none() -> None:
    assert delays(Latency(0.05), kind="slow") == {2.05}
    assert delays(Latency(0.05), kind="applied_slow") == {2.05}
    assert delays(Latency(0.05, 0.02), path="/sandbox/balances") == {0.0}


def test_the_jitter_leaves_the_fault_sequence_alone() -> None:
    def faults_drawn(latency: Latency) -> list[str | None]:
        sandbox = PerkvilleSandbox(SETTINGS, latency=latency, faults=Faults(0.5, seed=11))
        drawn = []
        for _ in range(30):
            sandbox.answer_delay("/transactions/", None)
            drawn.append(sandbox.pick_fault("/transactions/"))
        return drawn

    assert faults_drawn(Latency(0.05, 0.02, seed=1)) == faults_drawn(Latency())


@pytest.mark.parametrize(("seconds", "jitter"), [(-0.1, 0.0), (0.0, -0.1)])
def test_a_negative_latency_is_refused(seconds: float, jitter: float) -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        Latency(seconds, jitter)
