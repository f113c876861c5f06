"""An accepted event's four times, as Segment's spec (Common fields, Timestamps) sets them:

- ``receivedAt``: when the ingress received the call; always the ingress's, a client's own
  ``receivedAt`` is replaced.
- ``originalTimestamp``: the time the client gave: its ``originalTimestamp`` when it sent
  one, else its ``timestamp``, kept as sent; absent when it gave neither.
- ``timestamp``: that time corrected for the client's clock skew, ``receivedAt -
  (sentAt - originalTimestamp)``, when the event (or its batch) carries ``sentAt`` and both
  times can be read; the client's time as sent when there is no ``sentAt`` (or it cannot
  be read); ``receivedAt`` when the client gave no time or one that cannot be read.
- ``sentAt``: kept as sent.

Times are read with :meth:`datetime.fromisoformat` (ISO 8601; ``Z`` or an offset, UTC when
none is given); a corrected time is written like ``receivedAt``:
``2026-11-20T09:00:00.123Z``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from framework.runtime.delivery.durations import iso


@dataclass(frozen=True)
class Receipt:
    """When the ingress received a call: the time, and as ``receivedAt`` writes it."""

    when: datetime
    text: str

    @classmethod
    def at(cls, seconds: float) -> Receipt:
        """The receipt of a call received at Unix time ``seconds``."""
        when = datetime.fromtimestamp(seconds, UTC)
        return cls(when, iso(when))


def with_times(event: dict[str, Any], received: Receipt) -> dict[str, Any]:
    """``event`` with ``receivedAt``, ``originalTimestamp`` and ``timestamp`` set as the
    module describes."""
    stamped = {**event, "receivedAt": received.text}
    original = event.get("originalTimestamp", event.get("timestamp"))
    if original is None:
        stamped["timestamp"] = received.text
        return stamped
    stamped["originalTimestamp"] = original
    stamped["timestamp"] = _corrected(original, event.get("sentAt"), received)
    return stamped


def _corrected(original: object, sent: object, received: Receipt) -> object:
    when = _read(original)
    if when is None:
        return received.text
    sent_at = _read(sent)
    if sent_at is None:
        return original
    try:
        return iso(received.when - (sent_at - when))
    except OverflowError:  # times near year 1 or 9999: no correction can be written
        return original


def _read(value: object) -> datetime | None:
    """An ISO 8601 time (UTC when it names no offset), or None."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when
