"""``@literal``: the argument as it is, never read as a mapping (see the package docstring)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..base import Context, Directive, Resolver, constant
from ..missing import MISSING
from ..values import JSON_SCALARS, child, copy_json, kind_of


def compile_literal(argument: Any, location: str, context: Context) -> Resolver:
    """Keep a private copy of the argument; each event gets fresh containers."""
    frozen = _freeze(argument, location, context)
    if isinstance(frozen, dict | list):

        def resolve_literal(event: Mapping[str, Any]) -> Any:
            return copy_json(frozen)

        return resolve_literal
    return constant(frozen)


def _freeze(value: Any, location: str, context: Context) -> Any:
    """Copy JSON data into plain dicts and lists (dropping MISSING), reporting non-JSON parts."""
    if value is MISSING or isinstance(value, JSON_SCALARS):
        return value
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                context.problem(location, f"object keys must be strings, but {key!r} is not")
            elif item is not MISSING:
                result[key] = _freeze(item, child(location, key), context)
        return result
    if isinstance(value, list | tuple):
        return [
            _freeze(item, child(location, index), context)
            for index, item in enumerate(value)
            if item is not MISSING
        ]
    context.problem(location, f"@literal must be JSON data, but this is {kind_of(value)}")
    return MISSING


def _no_references(
    argument: Any, add: Callable[[str], None], walk: Callable[[object], None]
) -> None:
    """A literal reads nothing from the event."""


LITERAL = Directive("@literal", compile_literal, _no_references)
