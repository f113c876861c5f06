"""Nothing lost, nothing doubled (a): with 30% of Perkville's answers faulty, of every kind
the sandbox injects, every event ends delivered exactly once; ingress and workers in one
process, on either queue."""

from __future__ import annotations

from collections import Counter

import pytest

from destinations.perkville.sandbox import Faults, PerkvilleSandbox
from framework import FAULT_KINDS
from framework.runtime.delivery.queue import DeadLetterFilter
from tests.delivery.conftest import MakeRuntime
from tests.delivery.support import SETTINGS, drained, order, post_batch, wait_for

EVENTS = 200


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_every_event_is_delivered_exactly_once_through_faults(
    make_runtime: MakeRuntime, request: pytest.FixtureRequest, backend: str
) -> None:
    queue = request.getfixturevalue("redis_url") if backend == "redis" else None
    # slow faults last an hour (the stop ends them): every one outlasts the time-out
    faults = Faults(rate=0.3, kinds=FAULT_KINDS, seed=1, slow_seconds=3600, retry_after=0.05)
    events = [order(n, email=f"f{n % 7}@example.com", revenue=n % 5 + 1) for n in range(EVENTS)]
    with PerkvilleSandbox(SETTINGS, faults=faults) as sandbox:
        runtime = make_runtime(
            sandbox.url,
            queue=queue,
            concurrency=8,
            timeout="250ms",  # below slow_seconds: slow answers time out
            max_attempts=40,  # 0.3**40: never exhausted
            backoff="10ms",
            max_backoff="100ms",
        )
        for start in range(0, EVENTS, 50):
            post_batch(runtime, events[start : start + 50])
        wait_for(lambda: drained(runtime.queue), what="the queue to drain")
        injected = sandbox.injected()
        balances = sandbox.balances()
        applied = sandbox.applied()
        duplicates = sandbox.duplicates()
    expected: Counter[str] = Counter()
    for event in events:
        expected[event["properties"]["email"]] += event["properties"]["revenue"]
    assert set(injected) == set(FAULT_KINDS)  # every kind happened
    assert applied == EVENTS  # each event applied once...
    assert balances == {email: float(total) for email, total in expected.items()}
    assert duplicates > 0  # ...though some were sent again after an ambiguous failure
    assert runtime.queue.dead_letters(DeadLetterFilter()) == []
    assert runtime.metrics.retries.value("RATE_LIMITED") > 0
    assert runtime.metrics.retries.value("TIMEOUT") > 0
    assert runtime.metrics.delivered.value("perkville/award_points/default") == EVENTS
