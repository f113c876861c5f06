"""Deeply nested documents for the tests of nesting limits."""

from __future__ import annotations

from typing import Any


def in_objects(depth: int, leaf: Any) -> Any:
    """``leaf`` inside ``depth`` objects, each holding the next under the key ``k``."""
    value = leaf
    for _ in range(depth):
        value = {"k": value}
    return value
