"""``@first`` (our extension): the first of several mappings that has a value.

"Has a value" means: not MISSING, not null, and not a string that is empty or only white
space. ``0`` and ``false`` are values. No option has a value: MISSING.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..base import Context, Directive, Resolver
from ..missing import MISSING
from ..values import child


def compile_first(argument: Any, location: str, context: Context) -> Resolver:
    """Compile each option (the argument is a non-empty array of mappings)."""
    options = tuple(
        context.compile(item, child(location, index)) for index, item in enumerate(argument)
    )

    def resolve_first(event: Mapping[str, Any]) -> Any:
        for option in options:
            value = option(event)
            # has_value(value), inlined: this runs for every option of every event.
            if value is MISSING or value is None:
                continue
            if isinstance(value, str) and (not value or value.isspace()):
                continue
            return value
        return MISSING

    return resolve_first


FIRST = Directive("@first", compile_first)
