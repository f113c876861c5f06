"""Durations and points in time as an operator writes them: ``"250ms"``, ``"30s"``, ``"5m"``,
``"24h"``, ``"7d"`` (or a bare number of seconds); a time as ISO 8601 or as a duration ago."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_EXPECTED = 'expected a duration such as "250ms", "30s", "5m" or "24h"'


def parse_duration(text: str | float) -> float:
    """Seconds in ``text``; :class:`ValueError` saying what is expected otherwise (never
    repeating ``text``: the caller names the setting)."""
    if isinstance(text, bool):
        raise ValueError(_EXPECTED)
    if isinstance(text, int | float):
        seconds = float(text)
    else:
        match = _DURATION.match(text)
        if match is None:
            raise ValueError(_EXPECTED)
        seconds = float(match.group(1)) * _SECONDS[match.group(2) or "s"]
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


def parse_time(text: str, now: float) -> float:
    """A Unix time from ISO 8601 (``2026-11-20``, ``2026-11-20T09:00:00Z``; UTC when no
    offset is given) or a duration ago (``"2h"``: two hours before ``now``)."""
    try:
        return now - parse_duration(text)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: write ISO 8601 (2026-11-20T09:00:00Z) or a duration ago (2h)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def iso_time(seconds: float) -> str:
    """A Unix time as ISO 8601 in UTC with milliseconds: ``2026-11-20T09:00:00.123Z``."""
    return iso(datetime.fromtimestamp(seconds, UTC))


def iso(when: datetime) -> str:
    """An aware time as ISO 8601 in UTC with milliseconds: ``2026-11-20T09:00:00.123Z``."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
