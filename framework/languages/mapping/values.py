"""Small helpers about mapping values: directive detection, kinds, JSON pointers, copies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .missing import MISSING

DIRECTIVE_PREFIX = "@"


def directive_keys(value: Mapping[Any, Any]) -> list[str]:
    """The ``@``-prefixed keys of an object, in order."""
    return [key for key in value if isinstance(key, str) and key.startswith(DIRECTIVE_PREFIX)]


def is_directive(value: object) -> bool:
    """Whether ``value`` is an object with at least one ``@``-prefixed key."""
    return isinstance(value, Mapping) and bool(directive_keys(value))


def kind_of(value: object) -> str:
    """Describe a value's JSON kind for messages: ``"a string"``, ``"an object"``, ..."""
    if value is MISSING:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a directive" if is_directive(value) else "an object"
    if isinstance(value, list | tuple):
        return "an empty array" if not value else "an array"
    return f"a {type(value).__name__}"


def child(location: str, key: str | int) -> str:
    """The JSON pointer of ``key`` under ``location`` (RFC 6901 escaping; the root is ``""``)."""
    token = str(key).replace("~", "~0").replace("/", "~1")
    return f"{location}/{token}"


def has_value(value: object) -> bool:
    """Not MISSING, not None, and not a string that is empty or only white space."""
    if value is MISSING or value is None:
        return False
    return not (isinstance(value, str) and (not value or value.isspace()))


def plain_json(value: Any) -> Any:
    """A copy of a mapping in plain containers: any mapping becomes a dict and a tuple a list.
    Other values are kept as they are, for validation to accept or reject."""
    if isinstance(value, Mapping):
        return {key: plain_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(item) for item in value]
    return value
