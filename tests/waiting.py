"""How tests wait for something that happens elsewhere (another thread, another process):
until it has happened, bounded only by :data:`HANG_GUARD`, which turns a hang into a
failure. No test passes or fails by how long something took, so a busy machine only makes
the suite slower."""

from __future__ import annotations

import time
from collections.abc import Callable

HANG_GUARD = 120.0  # seconds: far beyond any wait on a busy machine; never a measurement
POLL = 0.01  # seconds between two looks at a condition another process changes


def wait_for(
    done: Callable[[], bool], seconds: float = HANG_GUARD, what: str = "condition"
) -> None:
    """Return once ``done()`` holds, looking every :data:`POLL` seconds; fail saying
    ``what`` if it still does not hold after ``seconds`` (a hang guard, not a deadline)."""
    give_up = time.monotonic() + seconds
    while not done():
        if time.monotonic() > give_up:
            raise AssertionError(f"gave up waiting for {what} after {seconds:g} s")
        time.sleep(POLL)
