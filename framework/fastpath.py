"""A fast path for validation: the same conversions, without pydantic's machinery.

For a payload whose every field has a plain type (scalars, with formats, choices,
``multiple`` and ``allow_null``, and untyped objects), the field conversions of
:mod:`framework.conversions` are applied directly. At the first problem, or for a field
without a fast path (secrets, objects with declared keys), the complete validator runs
instead: it stays the single authority on errors and their locations. A property test
checks that both always give the same result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic_core import PydanticCustomError

from framework.conversions import FORMAT_CHECKS, SCALARS, choice_check, not_blank
from framework.fields import Field

SLOW = object()
"""Returned by a check for a value it leaves to the complete validator."""

Check = Callable[[Any], Any]


# The type whose values a plain field (no format, no choices) takes unchanged.
_UNCHANGED: dict[str, type] = {"string": str, "text": str, "integer": int, "boolean": bool}


def fast_check(spec: Field, *, strict: bool) -> Check | None:
    """A check for one field, or ``None`` when the field has no fast path."""
    convert = _converter(spec, strict=strict)
    if convert is None:
        return None
    multiple, allow_null, required = spec.multiple, spec.allow_null, spec.required
    plain = spec.format is None and spec.choices is None
    unchanged = _UNCHANGED.get(spec.type) if plain and not multiple else None

    def check(value: Any) -> Any:
        if type(value) is unchanged:
            return SLOW if required and _is_blank(value) else value
        try:
            if value is None and allow_null:
                return None
            if multiple:
                items = value if isinstance(value, list) else [value]
                return [convert(item) for item in items]
            result = convert(value)
            return not_blank(result) if required else result
        except PydanticCustomError:
            return SLOW

    return check


def _is_blank(value: Any) -> bool:
    return isinstance(value, str) and (value == "" or value.isspace())


def _converter(spec: Field, *, strict: bool) -> Callable[[Any], Any] | None:
    if spec.type == "secret" or spec.properties is not None or spec.values is not None:
        return None
    if spec.type == "object":
        return _plain_object
    scalar = SCALARS[spec.type]
    unchanged = _UNCHANGED.get(spec.type)
    steps = [FORMAT_CHECKS[spec.format]] if spec.format is not None else []
    if spec.choices is not None:
        steps.append(choice_check(spec))

    def convert(value: Any) -> Any:
        result: Any = value if type(value) is unchanged else scalar(value, strict=strict)
        for step in steps:
            result = step(result)
        return result

    return convert


def _plain_object(value: Any) -> dict[str, Any]:
    if type(value) is dict and all(type(key) is str for key in value):
        return dict(value)  # a new container, as the complete validator gives
    raise PydanticCustomError("dict_type", "expected an object")
