"""Flow control through the whole runtime (ingress -> queue -> workers -> an API on
loopback): a destination answering 429 with ``Retry-After: 1`` for two seconds gets nothing
more than its probes in that window and then recovers with nothing dead-lettered; a
destination's rate limit is never exceeded."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from aiohttp import web

from framework.engine.loop import engine_loop
from framework.runtime.delivery.queue import DeadLetterFilter
from framework.runtime.web import WebServer
from tests.delivery.conftest import MakeRuntime
from tests.delivery.support import drained, order, post_batch, wait_for


class RecordingApi:
    """``POST /transactions/``: 201 and the ``trans_source_id`` recorded, or 429 with
    ``Retry-After: 1`` for ``refuse_for`` seconds from the first request. Each arrival's
    time (this process's monotonic clock) and answer are kept."""

    def __init__(self, refuse_for: float = 0.0) -> None:
        self.refuse_for = refuse_for
        self.arrivals: list[tuple[float, int]] = []
        self.applied: list[str] = []
        self._lock = threading.Lock()
        self._server = WebServer(self._handle, "127.0.0.1", 0)

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        body = json.loads(await request.read())
        now = time.monotonic()
        with self._lock:
            first = self.arrivals[0][0] if self.arrivals else now
            status = 429 if now - first < self.refuse_for else 201
            self.arrivals.append((now, status))
            if status == 201:
                self.applied.append(body["trans_source_id"])
        if status == 429:
            return web.json_response(
                {"errors": ["slow down"]}, status=429, headers={"Retry-After": "1"}
            )
        return web.json_response({"status": "success"}, status=201)

    @contextmanager
    def serving(self) -> Iterator[str]:
        url = engine_loop().run(self._server.start())
        try:
            yield url
        finally:
            engine_loop().run(self._server.stop())

    def count(self) -> int:
        with self._lock:
            return len(self.applied)


EVENTS = 40
MAX_IN_FLIGHT = 4


def test_a_throttled_destination_gets_only_its_probes_then_recovers(
    make_runtime: MakeRuntime,
) -> None:
    api = RecordingApi(refuse_for=2.0)
    with api.serving() as url:
        runtime = make_runtime(
            url,
            concurrency=64,
            max_attempts=8,
            backoff="50ms",
            destination={"max_in_flight": MAX_IN_FLIGHT},
        )
        post_batch(runtime, [order(n) for n in range(EVENTS)])
        wait_for(lambda: drained(runtime.queue), what="every event to be delivered")
        letters = runtime.queue.dead_letters(DeadLetterFilter())
        metrics = engine_loop().run(runtime.metrics_text())
    first = api.arrivals[0][0]
    in_window = [status for at, status in api.arrivals if at - first < api.refuse_for]
    assert set(in_window) == {429}
    # the first wave (at most max_in_flight requests under way when the first 429 came
    # back), then one probe per one-second pause: the second probe comes after the window
    assert len(in_window) <= MAX_IN_FLIGHT + 1, in_window
    assert sorted(api.applied) == sorted(f"order-{n}" for n in range(EVENTS)), "exactly once"
    assert letters == []
    throttled = next(
        line
        for line in metrics.splitlines()
        if line.startswith("actions_destination_throttled_seconds{")
    )
    assert float(throttled.split()[-1]) >= 2.0


@pytest.mark.parametrize("rate", [50])
def test_a_rate_limit_is_never_exceeded(make_runtime: MakeRuntime, rate: int) -> None:
    api = RecordingApi()
    with api.serving() as url:
        runtime = make_runtime(url, concurrency=64, destination={"rate_limit": rate})
        posted = time.monotonic()  # before the first start: the 100th comes 99 / rate later
        post_batch(runtime, [order(n) for n in range(100)])
        wait_for(lambda: api.count() == 100, what="100 deliveries")
    last = max(at for at, _ in api.arrivals)
    # a bound load can only make longer; measured from the first arrival instead, a late
    # first arrival on a busy machine would look like a burst
    assert last - posted >= 99 / rate - 0.001
