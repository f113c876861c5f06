"""A fast check that an event follows Segment's spec for its type: the same rules as
:func:`framework.authoring.event_schemas.event_problems` (the schemas in ``schemas/events/``), read
from the same schemas, without a JSON Schema validator per event.

It answers only "conforms" or "does not"; the ingress asks ``event_problems`` for the
messages of an event that does not. The schemas use a small set of keywords (``type``,
``const``, ``minLength``, ``required``, ``anyOf`` of ``required``; ``format`` is not
asserted, as the validator does not assert it); a schema with any other keyword is never
checked here but always by the validator, so both always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from framework.authoring.event_schemas import EVENT_TYPES, event_schema

_ANNOTATIONS = {"description", "format", "title", "$schema"}
_TYPES: dict[str, Callable[[object], bool]] = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
}

Check = Callable[[Mapping[str, Any]], bool]


def conforms(event: Mapping[str, Any]) -> bool | None:
    """True or False when the fast check applies to the event's type; None when only the
    validator can tell (an unknown type, or a schema outside the subset)."""
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        return None
    check = _check(kind)
    return None if check is None else check(event)


@cache
def _check(kind: str) -> Check | None:
    schema = event_schema(kind)
    if set(schema) - _ANNOTATIONS - {"type", "properties", "required", "anyOf"}:
        return None
    properties: dict[str, Callable[[object], bool]] = {}
    for name, spec in schema["properties"].items():
        rule = _rule(spec)
        if rule is None:
            return None
        properties[name] = rule
    required = tuple(schema.get("required", ()))
    options = [tuple(option.get("required", ())) for option in schema.get("anyOf", [])]
    if any(set(option) != {"required"} for option in schema.get("anyOf", [])):
        return None

    def check(event: Mapping[str, Any]) -> bool:
        if any(name not in event for name in required):
            return False
        if options and not any(all(n in event for n in option) for option in options):
            return False
        return all(rule(event[name]) for name, rule in properties.items() if name in event)

    return check


def _rule(spec: Mapping[str, Any]) -> Callable[[object], bool] | None:
    """The check of one property's schema, or None outside the subset."""
    if set(spec) - _ANNOTATIONS - {"type", "const", "minLength"}:
        return None
    if "const" in spec:
        constant = spec["const"]
        return lambda value: value == constant and type(value) is type(constant)
    names = spec.get("type")
    kinds = [names] if isinstance(names, str) else list(names or [])
    if not kinds or any(kind not in _TYPES for kind in kinds):
        return None
    tests = [_TYPES[kind] for kind in kinds]
    shortest = spec.get("minLength", 0)

    def rule(value: object) -> bool:
        if not any(test(value) for test in tests):
            return False
        return not isinstance(value, str) or len(value) >= shortest

    return rule
