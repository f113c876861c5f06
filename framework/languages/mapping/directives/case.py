"""``@case``: ``{"operator": "lower" | "upper", "value": <mapping>}``: the value in lower or
upper case. A value that is not a string (a number, null, an object, MISSING...) is kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..base import Context, Directive, Resolver
from ..values import child


def compile_case(argument: Any, location: str, context: Context) -> Resolver:
    """Compile the value; pick the conversion once."""
    value = context.compile(argument["value"], child(location, "value"))
    convert = str.lower if argument["operator"] == "lower" else str.upper

    def resolve_case(event: Mapping[str, Any]) -> Any:
        result = value(event)
        return convert(result) if isinstance(result, str) else result

    return resolve_case


CASE = Directive("@case", compile_case)
