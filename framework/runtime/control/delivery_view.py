"""What the control plane shows of one connection's delivery, and its replay: the last
hour's counts per minute, the current rate, the latest failures by error code and the
connection's dead letters (those of its routes, whose ids start with ``"<connection>/"``).

Everything shown comes from the delivery statistics and the queue as they hold it: the
view adds nothing of its own (failure samples are stored already redacted; a dead letter
is shown without its event).
"""

from __future__ import annotations

import json
from typing import Any

from framework.runtime.control.stats import DeliveryStats
from framework.runtime.delivery.durations import iso_time
from framework.runtime.delivery.queue import DeadLetter, DeadLetterFilter, Queue

MINUTES = 60  # points of the series: the last hour
RATE_MINUTES = 5  # the rate is the mean of delivered per minute over these last minutes
DEAD_LETTERS_SHOWN = 50  # the newest dead letters listed


def delivery_view(
    stats: DeliveryStats, queue: Queue, connection: str, now: float
) -> dict[str, Any]:
    """The delivery of ``connection`` at Unix time ``now``, as JSON:

    - ``series``: :data:`MINUTES` points, oldest first, zero-filled, the last holding
      ``now``: ``minute`` (its start, ISO 8601 UTC) and the counts ``delivered``, ``failed``,
      ``retrying``, ``dead_lettered`` (see :mod:`framework.runtime.control.stats`);
    - ``rate_per_minute``: deliveries per minute over the last :data:`RATE_MINUTES` minutes;
    - ``failures``: by error code, latest first: ``code``, ``count``, ``latest_at`` and
      ``samples`` (newest first: ``at``, ``message``, ``event`` (the event, parsed),
      ``request`` and ``response`` as stored);
    - ``dead_letters``: the newest :data:`DEAD_LETTERS_SHOWN` of the connection's dead
      letters, newest first: ``id``, ``message_id``, ``code``, ``message``, ``failed_at``;
      ``dead_letter_count``: how many it has in all.
    """
    points = stats.series(connection, now, MINUTES)
    delivered = sum(point["delivered"] for point in points[-RATE_MINUTES:])
    letters = queue.dead_letters(_letters_of(connection, None))
    return {
        "series": [{**point, "minute": iso_time(point["minute"])} for point in points],
        "rate_per_minute": delivered / RATE_MINUTES,
        "failures": [_failure(group) for group in stats.failures(connection)],
        "dead_letters": [_letter(d) for d in reversed(letters[-DEAD_LETTERS_SHOWN:])],
        "dead_letter_count": len(letters),
    }


def replay(queue: Queue, connection: str, code: str | None, now: float) -> int:
    """Queue ``connection``'s dead letters again (only those with error ``code`` when one
    is given), attempts from zero; how many."""
    return queue.replay(_letters_of(connection, code), now)


def _letters_of(connection: str, code: str | None) -> DeadLetterFilter:
    return DeadLetterFilter(code=code, route_prefix=f"{connection}/")


def _failure(group: dict[str, Any]) -> dict[str, Any]:
    samples = [
        {**sample, "at": iso_time(sample["at"]), "event": _parsed(sample["event"])}
        for sample in group["samples"]
    ]
    return {**group, "latest_at": iso_time(group["latest_at"]), "samples": samples}


def _letter(letter: DeadLetter) -> dict[str, Any]:
    return {
        "id": letter.id,
        "message_id": letter.message_id,
        "code": letter.code,
        "message": letter.message,
        "failed_at": iso_time(letter.failed_at),
    }


def _parsed(event: str) -> Any:
    """The event's JSON text as a value; the text itself when it is not JSON."""
    try:
        return json.loads(event)
    except ValueError:
        return event
