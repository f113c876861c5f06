"""The ingress's fast spec check agrees with the JSON Schema validator on every event."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from framework.authoring.event_schemas import EVENT_TYPES, event_problems
from framework.runtime.delivery.conformance import conforms

FIELDS = [
    "type", "userId", "anonymousId", "messageId", "timestamp", "sentAt", "context",
    "integrations", "channel", "version", "event", "properties", "traits", "name",
    "category", "groupId", "previousId", "other",
]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(EVENT_TYPES),
    st.sampled_from(["", "u1", "2026-11-20T09:00:00Z", "not a date"]),
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.floats(allow_nan=False, allow_infinity=False),
    st.just({}),
    st.just({"a": 1}),
    st.just([]),
)
EVENTS = st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=8)


@settings(max_examples=400)
@given(EVENTS, st.sampled_from(EVENT_TYPES))
def test_the_fast_check_agrees_with_the_validator(event: dict[str, Any], kind: str) -> None:
    event.setdefault("type", kind)
    fast = conforms(event)
    if fast is not None:
        assert fast == (event_problems(event) == [])


def test_the_fast_check_applies_to_every_event_type() -> None:
    identified = {"userId": "u1", "event": "x", "groupId": "g", "previousId": "p"}
    assert all(conforms({**identified, "type": kind}) is True for kind in EVENT_TYPES)
    assert conforms({"type": "nap"}) is None
