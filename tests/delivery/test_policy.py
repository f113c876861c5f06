"""What an attempt's result means: delivered, a retry (back-off with jitter, Retry-After),
or a dead letter (terminal, exhausted, expired); and claimed items not to attempt."""

from __future__ import annotations

from framework import ErrorInfo, Result
from framework.runtime.delivery.config import DeliveryOptions
from framework.runtime.delivery.policy import outcome, retry_delay, stale
from framework.runtime.delivery.queue import Dead, Delivered, Retry, WorkItem

OPTIONS = DeliveryOptions(max_attempts=5, max_age=3600, backoff=1.0, max_backoff=60.0)
T0 = 1_000_000.0


def item(attempts: int, enqueued_at: float = T0) -> WorkItem:
    return WorkItem(1, "shop", "d/a", "m1", "{}", attempts, enqueued_at)


def failed(code: str, retryable: bool, retry_after: float | None = None) -> Result:
    return Result("m1", "a", "failed", error=ErrorInfo(code, "why", retryable, retry_after))


def upper(low: float, high: float) -> float:
    return high


def test_delivered_ends_the_item() -> None:
    assert outcome(item(1), Result("m1", "a", "delivered"), OPTIONS, T0) == Delivered(item(1))


def test_a_failure_that_is_not_retryable_is_terminal() -> None:
    done = outcome(item(1), failed("INVALID_AUTHENTICATION", False), OPTIONS, T0)
    assert done == Dead(item(1), "INVALID_AUTHENTICATION", "why", "terminal")


def test_retries_back_off_exponentially_with_full_jitter() -> None:
    assert [retry_delay(n, OPTIONS, None, upper) for n in (1, 2, 3, 8)] == [1.0, 2.0, 4.0, 60.0]
    assert retry_delay(3, OPTIONS, None, lambda low, high: low) == 0.0
    done = outcome(item(2), failed("SERVER_ERROR", True), OPTIONS, T0, upper)
    assert done == Retry(item(2), T0 + 2.0, "SERVER_ERROR", "why")


def test_retry_after_is_honoured() -> None:
    done = outcome(item(1), failed("RATE_LIMITED", True, retry_after=7.5), OPTIONS, T0, upper)
    assert done == Retry(item(1), T0 + 7.5, "RATE_LIMITED", "why")


def test_the_last_attempt_exhausts_and_the_age_limit_expires() -> None:
    done = outcome(item(5), failed("TIMEOUT", True), OPTIONS, T0)
    assert done == Dead(item(5), "TIMEOUT", "why", "exhausted")
    old = item(2, enqueued_at=T0 - 3599)
    assert outcome(old, failed("TIMEOUT", True), OPTIONS, T0, upper) == Dead(
        old, "TIMEOUT", "why", "expired"
    )


def test_claimed_items_not_to_attempt() -> None:
    assert stale(item(5), OPTIONS, T0) is None
    lost = stale(item(6), OPTIONS, T0)
    assert lost is not None
    assert (lost.code, lost.reason) == ("WORKER_LOST", "exhausted")
    expired = stale(item(1, enqueued_at=T0 - 3601), OPTIONS, T0)
    assert expired is not None
    assert (expired.code, expired.reason) == ("EXPIRED", "expired")
