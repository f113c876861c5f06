"""Per-destination flow control: how many requests may be in flight, how fast they may
start, and an adaptive pause when the destination says it is overwhelmed.

- ``max_in_flight``: requests under way at once (a semaphore).
- ``rate``: requests started per second, spaced evenly (a token bucket holding one
  token, so no burst ever exceeds the rate).
- **Adaptive back-off**: a 429, or a 503 with ``Retry-After``, pauses the WHOLE
  destination for the time it asked (429 without ``Retry-After``: one second). When the
  pause ends, one request goes first as a probe; the others wait for its answer, so a
  destination still refusing costs one request per pause, not one per waiting event.
  A request that would wait longer than ``max_wait`` is not sent: it fails as a retryable
  ``THROTTLED`` error with the remaining pause as its ``retry_after``, so a queue schedules
  it for later instead of holding it (and its lease).

The counts it keeps (in flight, started, seconds paused) are what ``/metrics`` shows per
destination.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from framework.core.errors import RetryableError

DEFAULT_PAUSE = 1.0  # seconds, for a 429 without Retry-After
DEFAULT_MAX_WAIT = 10.0  # seconds a request may wait for a pause to end


@dataclass(frozen=True)
class FlowLimits:
    """A destination's limits; ``None`` is unlimited."""

    max_in_flight: int | None = None
    rate: float | None = None  # requests per second


class FlowControl:
    """The flow of requests to one destination (use it on one event loop)."""

    def __init__(
        self,
        limits: FlowLimits = FlowLimits(),
        *,
        max_wait: float = DEFAULT_MAX_WAIT,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self._max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._slots = asyncio.Semaphore(limits.max_in_flight) if limits.max_in_flight else None
        self._next_start = 0.0
        self._paused_until = 0.0
        self._probe: asyncio.Future[None] | None = None
        self._needs_probe = False
        self.in_flight = 0
        self.started = 0
        self.throttled_seconds = 0.0

    async def acquire(self) -> bool:
        """Wait for the destination's turn and take one in-flight slot for a request;
        whether the request is the probe after a pause. Pair it with :meth:`release`."""
        if self._slots is None and self.limits.rate is None and not self._held_back():
            probing = False  # the common case: nothing to wait for
        else:
            if self._slots is not None:
                await self._slots.acquire()
            try:
                probing = await self._turn()
            except BaseException:
                if self._slots is not None:
                    self._slots.release()
                raise
        self.in_flight += 1
        self.started += 1
        return probing

    def release(self, probing: bool) -> None:
        """The request :meth:`acquire` let go has its answer (or failed)."""
        self.in_flight -= 1
        if probing:
            self._end_probe()
        if self._slots is not None:
            self._slots.release()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """:meth:`acquire` and :meth:`release` around the ``async with`` block."""
        probing = await self.acquire()
        try:
            yield
        finally:
            self.release(probing)

    async def _turn(self) -> bool:
        """Wait until a request may start; whether it is the probe after a pause."""
        while True:
            probing = await self._after_pause()
            if not await self._pace() or probing or not self._held_back():
                return probing
            # a pause began while this request waited for its pace: wait for it too

    def _held_back(self) -> bool:
        return self._paused_until > self._clock() or self._needs_probe or self._probe is not None

    def throttle(self, seconds: float | None) -> None:
        """The destination answered 429 or 503: pause it for ``seconds`` (``None``: the
        default pause) from now; the next request after the pause is a probe."""
        now = self._clock()
        until = now + (DEFAULT_PAUSE if seconds is None else seconds)
        if until > self._paused_until:
            self.throttled_seconds += until - max(now, self._paused_until)
            self._paused_until = until
        self._needs_probe = True

    async def _after_pause(self) -> bool:
        """Wait out a pause and any probe under way; whether this request is the probe."""
        while True:
            remaining = self._paused_until - self._clock()
            if remaining > self._max_wait:
                raise RetryableError(
                    f"the destination asked to pause for {remaining:.1f} s more",
                    code="THROTTLED",
                    retry_after=remaining,
                )
            if remaining > 0:
                await self._sleep(remaining)
                continue
            if self._probe is not None:
                await asyncio.shield(self._probe)
                continue
            if self._needs_probe:
                self._needs_probe = False
                self._probe = asyncio.get_running_loop().create_future()
                return True
            return False

    def _end_probe(self) -> None:
        probe, self._probe = self._probe, None
        if probe is not None and not probe.done():
            probe.set_result(None)

    async def _pace(self) -> bool:
        """Space request starts ``1 / rate`` seconds apart; whether it had to wait."""
        if self.limits.rate is None:
            return False
        now = self._clock()
        start = max(now, self._next_start)
        self._next_start = start + 1.0 / self.limits.rate
        if start <= now:
            return False
        await self._sleep(start - now)
        return True
