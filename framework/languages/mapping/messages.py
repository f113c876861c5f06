"""Problems from schema errors: the JSON pointer of the value, and what was expected of it.

Messages use the schema's words: the ``title`` of the failing subschema names what is
expected ("should be a path string or a directive but it is a number").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from framework.core.errors import Problem

from .missing import MISSING
from .values import child, kind_of


def problem_of(error: Any) -> Problem:
    """The :class:`Problem` a jsonschema ``ValidationError`` stands for."""
    location = ""
    for step in error.absolute_path:
        location = child(location, step)
    if "propertyNames" in error.absolute_schema_path:
        return Problem(location, _KEY_MESSAGES[error.validator](error))
    return Problem(location, _MESSAGES[error.validator](error))


def _keys(names: Iterable[object]) -> str:
    listed = [repr(name) for name in names]
    return f"key{'s' if len(listed) > 1 else ''} {', '.join(listed)}"


def _show(value: object) -> str:
    if value is MISSING:
        return "undefined"
    # a value of a mapping: JSON data (checked first, by validate.checked)
    return json.dumps(value, ensure_ascii=False, allow_nan=False, default=repr)


def _expected(error: Any) -> str:
    return f"should be {error.schema['title']} but it is {kind_of(error.instance)}"


def _enum(error: Any) -> str:
    choices = ", ".join(str(choice) for choice in error.validator_value)
    return f"should be one of {choices} but it is {_show(error.instance)}"


def _required(error: Any) -> str:
    missing = [key for key in error.validator_value if key not in error.instance]
    return f"should have the {_keys(missing)}"


def _unknown(error: Any) -> str:
    allowed = list(error.schema.get("properties", {}))
    extra = [key for key in error.instance if key not in allowed]
    return f"has an unknown {_keys(extra)} (allowed: {', '.join(allowed)})"


def _one_of(error: Any) -> str:
    keys = [key for option in error.validator_value for key in option["required"]]
    present = [key for key in keys if key in error.instance]
    found = f"the {_keys(present)}" if present else "none"
    return f"should have exactly one of the {_keys(keys)}, but it has {found}"


def _directive_keys(error: Any) -> str:
    """``maxProperties`` is used by the ``directive`` definition only."""
    keys = ", ".join(repr(key) for key in error.instance)
    return (
        "a directive should have one @-prefixed key (and optionally _metadata), "
        f"but it has {len(error.instance)} keys: {keys}"
    )


def _length(error: Any) -> str:
    limit = error.validator_value
    return f"should have at most {limit} characters, but it has {len(error.instance)}"


def _unknown_directive(error: Any) -> str:
    known = ", ".join(error.validator_value)
    return f"unknown directive {error.instance} (known directives: {known})"


def _items(least: bool) -> Callable[[Any], str]:
    def message(error: Any) -> str:
        limit = error.validator_value
        noun = "item" if limit == 1 else "items"
        bound = "at least" if least else "at most"
        return f"should have {bound} {limit} {noun}, but it has {len(error.instance)}"

    return message


_MESSAGES: dict[str, Callable[[Any], str]] = {
    "type": _expected,
    "not": _expected,
    "enum": _enum,
    "required": _required,
    "additionalProperties": _unknown,
    "oneOf": _one_of,
    "maxProperties": _directive_keys,
    "minItems": _items(least=True),
    "maxItems": _items(least=False),
    "maxLength": _length,
    "format": lambda error: str(error.cause),
}
"""Message for each keyword the schema uses (outside ``propertyNames``)."""

_KEY_MESSAGES: dict[str, Callable[[Any], str]] = {
    "type": lambda error: f"has the key {error.instance!r}, but keys must be strings",
    "enum": _unknown_directive,
    "not": lambda error: f"has the key {error.instance!r}, which should be {error.schema['title']}",
}
"""Message for each keyword the schema uses on object keys (``propertyNames``)."""
