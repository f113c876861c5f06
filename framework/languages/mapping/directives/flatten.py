"""``@flatten``: ``{"value": <mapping>, "separator": text, "omitArrays": bool}``: the value's
leaves in one object keyed by their joined paths (see :func:`~..flatten.flatten`). A value
that is not an object or array (MISSING included) gives ``{}``, as upstream."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..base import Context, Directive, Resolver
from ..flatten import flatten
from ..values import child


def compile_flatten(argument: Any, location: str, context: Context) -> Resolver:
    """Compile the value; keep the separator and the array option."""
    value = context.compile(argument["value"], child(location, "value"))
    separator: str = argument["separator"]
    omit_arrays: bool = argument.get("omitArrays", False)

    def resolve_flatten(event: Mapping[str, Any]) -> Any:
        return flatten(value(event), separator=separator, omit_arrays=omit_arrays)

    return resolve_flatten


FLATTEN = Directive("@flatten", compile_flatten)
