"""Facts about incoming Segment events that every destination relies on."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

# Transport metadata that changes when the same event is sent again.
_VOLATILE_KEYS = frozenset({"messageId", "receivedAt", "sentAt"})


def derived_message_id(event: Mapping[str, Any]) -> str:
    """A deterministic id for an event without ``messageId``: ``derived-`` and 128 bits of the
    SHA-256 of its canonical JSON, leaving out ``receivedAt`` and ``sentAt`` so that a retry
    or a replay of the same event gets the same id."""
    content = {key: value for key, value in event.items() if key not in _VOLATILE_KEYS}
    # Hashed, never written: NaN and a lone surrogate (which no entry point lets through)
    # still give an id rather than an error.
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "derived-" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def with_message_id(event: dict[str, Any]) -> dict[str, Any]:
    """The event itself when it has a non-empty string ``messageId``; otherwise a copy with a
    derived one, so that every event can be de-duplicated downstream."""
    message_id = event.get("messageId")
    if isinstance(message_id, str) and message_id.strip():
        return event
    return {**event, "messageId": derived_message_id(event)}
