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


_SAMPLE_CONTEXT = {"library": {"name": "analytics-python", "version": "2.3.0"}, "ip": "192.0.2.1"}


def make_track_event(event: str = "Test Event", **overrides: Any) -> dict[str, Any]:
    """A complete, deterministic Segment track event; ``overrides`` replace top-level keys
    (``properties={...}``, ``messageId=None`` to leave a key out, ...)."""
    return _event(
        {"type": "track", "event": event, "properties": {}, "userId": "user-1234"}, overrides
    )


def make_identify_event(**overrides: Any) -> dict[str, Any]:
    """A complete, deterministic Segment identify event."""
    return _event({"type": "identify", "traits": {}, "userId": "user-1234"}, overrides)


def _event(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    event = {
        **base,
        "anonymousId": "anon-1234",
        "messageId": "test-message-id",
        "timestamp": "2026-01-01T00:00:00.000Z",
        "context": dict(_SAMPLE_CONTEXT),
        **overrides,
    }
    return {key: value for key, value in event.items() if value is not None}
