"""What a delivery attempt's result means for its work item: delivered (or skipped: nothing
to send), a retry at some later time, or a dead letter."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from framework.engine.results import Result
from framework.runtime.delivery.config import DeliveryOptions
from framework.runtime.delivery.queue import Dead, Delivered, Outcome, Retry, WorkItem


@dataclass(frozen=True)
class Skipped(Delivered):
    """The item ends with nothing sent: its action declined the event, for ``reason``
    (the runner's, redacted). The queue records it as it records a delivery."""

    reason: str


def retry_delay(
    attempts: int,
    options: DeliveryOptions,
    retry_after: float | None,
    jitter: Callable[[float, float], float] = random.uniform,
) -> float:
    """Seconds before the next attempt: what ``Retry-After`` asked for when given, else
    exponential back-off with full jitter (``backoff * 2**(attempts-1)``, at most
    ``max_backoff``)."""
    if retry_after is not None:
        return retry_after
    return jitter(0.0, min(options.max_backoff, options.backoff * 2 ** (attempts - 1)))


def outcome(
    item: WorkItem,
    result: Result,
    options: DeliveryOptions,
    now: float,
    jitter: Callable[[float, float], float] = random.uniform,
) -> Outcome:
    """The outcome of ``item`` given its attempt's ``result``.

    Delivered ends the item, and so does ``skipped`` (nothing to send: :class:`Skipped`,
    with the runner's reason). A failure that is not
    retryable is a terminal dead letter; a retryable one is retried unless the attempts
    are used up (``exhausted``) or the next attempt would come after ``max_age`` since the
    item was queued (``expired``).
    """
    error = result.error
    if result.status == "skipped":
        return Skipped(item, result.reason or "nothing to send")
    if result.status != "failed" or error is None:
        return Delivered(item)
    if not error.retryable:
        return Dead(item, error.code, error.message, "terminal")
    if item.attempts >= options.max_attempts:
        return Dead(item, error.code, error.message, "exhausted")
    at = now + retry_delay(item.attempts, options, error.retry_after, jitter)
    if at - item.enqueued_at > options.max_age:
        return Dead(item, error.code, error.message, "expired")
    return Retry(item, at, error.code, error.message)


def stale(item: WorkItem, options: DeliveryOptions, now: float) -> Dead | None:
    """A claimed item not to attempt at all: its leases ran out more often than attempts
    are allowed (a worker died delivering it each time: ``WORKER_LOST``), or it waited
    longer than ``max_age`` (``EXPIRED``, e.g. while no worker ran)."""
    if item.attempts > options.max_attempts:
        message = f"no worker reported back after {item.attempts - 1} attempts"
        return Dead(item, "WORKER_LOST", message, "exhausted")
    if now - item.enqueued_at > options.max_age:
        return Dead(item, "EXPIRED", "not delivered within delivery.max_age", "expired")
    return None
