"""A progress bar for ``actions send`` on a terminal: shown on standard error when it is a
terminal and the events file is large (at least :data:`MIN_EVENTS` events), never for
standard input or when standard error is a file or a pipe.

::

    [##############----------------]  47% 5,640/12,000 events  1,930/s
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from framework.tooling.cli.common import ndjson_lines

MIN_EVENTS = 1_000
WIDTH = 30
_CLEAR = "\r\x1b[K"  # to the start of the line, and erase it


class Progress:
    """Counts events against ``total`` and redraws the bar at most every ``interval``
    seconds, or at once after :meth:`clear` (a result line was printed on the terminal)."""

    def __init__(
        self,
        total: int,
        stream: TextIO,
        *,
        clock: Callable[[], float] = time.monotonic,
        interval: float = 0.1,
    ) -> None:
        self.total = total
        self.done = 0
        self._stream = stream
        self._clock = clock
        self._interval = interval
        self._started = clock()
        self._drawn_at: float | None = None

    def advance(self, count: int = 1) -> None:
        """``count`` more events done (a batch's worth at once)."""
        self.done += count
        now = self._clock()
        if self._drawn_at is None or now - self._drawn_at >= self._interval:
            self._draw(now)

    def clear(self) -> None:
        """Take the bar off the line (before printing on the same terminal)."""
        if self._drawn_at is not None:
            self._stream.write(_CLEAR)
            self._drawn_at = None

    def finish(self) -> None:
        """Draw the final state and end the line."""
        self._draw(self._clock())
        self._stream.write("\n")
        self._stream.flush()

    def _draw(self, now: float) -> None:
        share = min(self.done / self.total, 1.0) if self.total else 1.0
        filled = round(share * WIDTH)
        rate = self.done / (now - self._started) if now > self._started else 0.0
        self._stream.write(
            f"{_CLEAR}[{'#' * filled}{'-' * (WIDTH - filled)}] {share:4.0%} "
            f"{self.done:,}/{self.total:,} events  {rate:,.0f}/s"
        )
        self._stream.flush()
        self._drawn_at = now


def progress_for(source: str, stream: TextIO) -> Progress | None:
    """A bar for the events file ``source`` on ``stream``, or ``None`` when none is wanted:
    standard input or another file that is not a regular one (read twice, a pipe would
    lose its events), a stream that is not a terminal, or fewer than :data:`MIN_EVENTS`.
    The lines are counted as :func:`~framework.tooling.cli.common.read_events` reads them."""
    path = Path(source)
    if source == "-" or not stream.isatty() or not path.is_file():
        return None
    try:
        with path.open("rb") as lines:
            total = sum(1 for _ in ndjson_lines(lines))
    except OSError:
        return None  # reading the events reports the problem
    return Progress(total, stream) if total >= MIN_EVENTS else None
