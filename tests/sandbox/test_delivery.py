"""The framework's runner delivering the example events, over real HTTP, through a
sandbox that injects faults: every good event is applied exactly once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from destinations.perkville import destination
from framework import FAULT_KINDS, DestinationRunner, RetryPolicy
from framework.testing import recording_sleep
from tests.sandbox.conftest import MakeSandbox
from tests.sandbox.support import EXPECTED_BALANCES, GOOD_EVENTS, SETTINGS, example_events

# seconds per request: far more than a loopback answer takes on a busy machine (a normal
# answer timed out would be retried, and counted as a fault), far less than a slow fault
TIMEOUT = 3.0
SLOW = 3600.0  # seconds a slow fault lasts: its client's time-out ends it, or the stop


@pytest.fixture
def waits() -> list[float]:
    """The back-off delays the runner asked for (not waited: tests never sleep)."""
    return []


def deliver(url: str, waits: list[float]) -> Iterator[tuple[str | None, str, str | None]]:
    """``(message id, status, error code)`` for each example event's result."""
    with DestinationRunner(
        destination,
        SETTINGS,
        base_url=url,
        timeout=TIMEOUT,
        retry=RetryPolicy(max_attempts=5),
        sleep=recording_sleep(waits),
    ) as runner:
        for event in example_events():
            for result in runner.process(event):
                yield result.message_id, result.status, result.error and result.error.code


def test_every_good_event_is_applied_exactly_once_through_30_percent_faults(
    make_sandbox: MakeSandbox, waits: list[float]
) -> None:
    sandbox = make_sandbox(rate=0.3, kinds=FAULT_KINDS, seed=7, slow_seconds=SLOW)
    results = list(deliver(sandbox.url, waits))
    delivered = [message_id for message_id, status, _ in results if status == "delivered"]
    assert len(delivered) == GOOD_EVENTS
    assert sandbox.balances() == EXPECTED_BALANCES
    assert sandbox.applied() == GOOD_EVENTS
    injected = sandbox.injected()
    assert len(injected) >= 4, "seed 7 gives a mix of fault kinds"
    assert sum(injected.values()) == len(waits)  # each fault cost one retry
    ambiguous = injected.get("applied_drop", 0) + injected.get("applied_slow", 0)
    assert sandbox.duplicates() == ambiguous > 0


def test_ambiguous_drops_are_retried_into_duplicates_not_double_awards(
    make_sandbox: MakeSandbox, waits: list[float]
) -> None:
    sandbox = make_sandbox(rate=0.5, kinds=("applied_drop",), seed=3)
    outcomes = {status for _, status, _ in deliver(sandbox.url, waits)}
    assert outcomes == {"delivered", "failed", "skipped"}  # failed: the bad example events
    assert sandbox.balances() == EXPECTED_BALANCES
    assert sandbox.applied() == GOOD_EVENTS
    assert sandbox.duplicates() == sandbox.injected()["applied_drop"] > 0


def test_a_429_is_retried_after_its_retry_after(
    make_sandbox: MakeSandbox, waits: list[float]
) -> None:
    sandbox = make_sandbox(rate=0.5, kinds=("429",), seed=1, retry_after=0.3)
    list(deliver(sandbox.url, waits))
    assert sandbox.applied() == GOOD_EVENTS
    assert waits == [0.3] * sandbox.injected()["429"]
    assert waits
