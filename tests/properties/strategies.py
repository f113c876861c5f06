"""Hypothesis strategies for JSON data and Segment-like events."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

KEYS = st.sampled_from(
    [
        "type",
        "event",
        "name",
        "userId",
        "properties",
        "traits",
        "context",
        "total",
        "email",
        "a",
        "b",
        "items",
        "0",
        "plan.name",
        "with space",
        "",
    ]
)


def json_values() -> st.SearchStrategy[Any]:
    """Any JSON value, small."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**53), 2**53),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=10),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)
        ),
        max_leaves=12,
    )


def json_events() -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects shaped loosely like Segment events (and often not)."""
    return st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(["track", "identify", "page"]) | json_values(),
            "event": st.sampled_from(["Order Completed", "Order Refunded", "a"]) | json_values(),
            "properties": st.dictionaries(KEYS, json_values(), max_size=5) | json_values(),
            "traits": st.dictionaries(KEYS, json_values(), max_size=3),
            "context": st.dictionaries(KEYS, json_values(), max_size=3),
            "userId": json_values(),
            "messageId": st.text(max_size=8),
        },
    )
