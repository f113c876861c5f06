"""Per-destination flow control (framework.engine.flow), on a virtual clock: the rate limit
spaces request starts exactly, the in-flight limit holds, a 429 pauses the whole
destination with one probe after the pause, and a pause too long to wait for is a
retryable THROTTLED error."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from framework import HttpRequest, RetryableError
from framework.engine.flow import DEFAULT_PAUSE, FlowControl, FlowLimits
from framework.engine.http import RequestClient, prepare
from framework.engine.loop import engine_loop
from framework.testing import CapturingTransport, replies, reply


class VirtualClock:
    """Time that passes only when a coroutine sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def run(coroutine: object) -> object:
    return engine_loop().run(coroutine)  # type: ignore[arg-type]


async def let_every_task_run_as_far_as_it_can() -> None:
    """Give the other tasks on this loop turns until each waits on something: turns of the
    loop, not time, so the same on a busy machine. (Each blocked request here needs one or
    two turns; twenty is the margin.)"""
    for _ in range(20):
        await asyncio.sleep(0)


def test_a_rate_limit_spaces_request_starts_evenly() -> None:
    clock = VirtualClock()
    flow = FlowControl(FlowLimits(rate=50), clock=clock, sleep=clock.sleep)
    starts: list[float] = []

    async def send_all() -> None:
        for _ in range(101):
            async with flow.slot():
                starts.append(clock.now)

    run(send_all())
    assert (len(starts) - 1) / (starts[-1] - starts[0]) == pytest.approx(50)
    gaps = {round(b - a, 9) for a, b in itertools.pairwise(starts)}
    assert gaps == {0.02}, "no burst: every start is 1/rate after the previous one"


def test_the_in_flight_limit_holds() -> None:
    flow = FlowControl(FlowLimits(max_in_flight=3))
    peak = 0

    async def scenario() -> int:
        release = asyncio.Event()

        async def request() -> None:
            nonlocal peak
            async with flow.slot():
                peak = max(peak, flow.in_flight)
                await release.wait()

        tasks = [asyncio.create_task(request()) for _ in range(10)]
        await let_every_task_run_as_far_as_it_can()
        waiting_at_limit = flow.in_flight
        release.set()
        await asyncio.gather(*tasks)
        return waiting_at_limit

    assert run(scenario()) == 3
    assert peak == 3
    assert (flow.in_flight, flow.started) == (0, 10)


def test_a_pause_holds_everyone_back_and_one_probe_goes_first() -> None:
    clock = VirtualClock()
    flow = FlowControl(clock=clock, sleep=clock.sleep)
    order: list[str] = []

    async def scenario() -> None:
        flow.throttle(2.0)
        probe_sent = asyncio.Event()
        probe_answered = asyncio.Event()

        async def probe() -> None:
            async with flow.slot():
                order.append("probe sent")
                probe_sent.set()
                await probe_answered.wait()
                order.append("probe answered")

        async def other(name: str) -> None:
            async with flow.slot():
                order.append(name)

        first = asyncio.create_task(probe())
        await probe_sent.wait()
        others = [asyncio.create_task(other(f"request {n}")) for n in range(3)]
        await let_every_task_run_as_far_as_it_can()
        assert order == ["probe sent"], "the others wait for the probe's answer"
        probe_answered.set()
        await asyncio.gather(first, *others)

    run(scenario())
    assert clock.slept == [2.0], "the pause was waited out once"
    assert order == ["probe sent", "probe answered", "request 0", "request 1", "request 2"]
    assert flow.throttled_seconds == 2.0


def test_overlapping_pauses_count_their_union() -> None:
    clock = VirtualClock()
    flow = FlowControl(clock=clock, sleep=clock.sleep)
    flow.throttle(1.0)
    flow.throttle(3.0)
    flow.throttle(None)  # 429 without Retry-After: the default pause, within the longer one
    assert flow.throttled_seconds == 3.0
    assert DEFAULT_PAUSE < 3.0


def test_a_pause_longer_than_the_wait_limit_is_a_retryable_throttle() -> None:
    clock = VirtualClock()
    flow = FlowControl(clock=clock, sleep=clock.sleep, max_wait=10.0)
    flow.throttle(60.0)

    async def attempt() -> None:
        async with flow.slot():
            pass

    with pytest.raises(RetryableError) as raised:
        run(attempt())
    assert raised.value.code == "THROTTLED"
    assert raised.value.retry_after == pytest.approx(60.0)
    assert flow.started == 0


@pytest.mark.parametrize(
    ("status", "headers", "pause"),
    [
        (429, {"Retry-After": "7"}, 7.0),
        (429, {}, DEFAULT_PAUSE),
        (503, {"Retry-After": "5"}, 5.0),
        (503, {}, 0.0),  # an ordinary server error: no pause
        (500, {"Retry-After": "5"}, 0.0),
    ],
)
def test_the_client_pauses_the_destination_on_429_and_503(
    status: int, headers: dict[str, str], pause: float
) -> None:
    clock = VirtualClock()
    flow = FlowControl(clock=clock, sleep=clock.sleep)
    transport = CapturingTransport(replies(reply(status, headers=headers)))
    client = RequestClient(transport=transport, flow=flow)
    request = prepare(HttpRequest("GET", "https://api.example/x"), base_url=None, shared_headers={})
    response = run(client.exchange(request))
    assert response.status_code == status  # type: ignore[attr-defined]
    assert flow.throttled_seconds == pause
