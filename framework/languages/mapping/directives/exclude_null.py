"""``@excludeWhenNull``: the value, left out (MISSING) when it is null.

In an object or array value, properties that are null are removed at any depth (null
array items are kept: removing them would shift the others). The value is copied, never
changed in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..base import Context, Directive, Resolver
from ..missing import MISSING


def compile_exclude_when_null(argument: Any, location: str, context: Context) -> Resolver:
    """Compile the mapping whose nulls are excluded."""
    value = context.compile(argument, location)

    def resolve_exclude_when_null(event: Mapping[str, Any]) -> Any:
        result = value(event)
        if result is None:
            return MISSING
        return _without_nulls(result)

    return resolve_exclude_when_null


def _without_nulls(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [_without_nulls(item) for item in value]
    return value


EXCLUDE_WHEN_NULL = Directive("@excludeWhenNull", compile_exclude_when_null)
