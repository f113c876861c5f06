"""``@if``: ``{"exists" | "blank" | "string": m, "then": m, "else": m}``.

* ``exists``: true when the condition's value is defined and not null (``""``, ``0`` and
  ``false`` exist).
* ``blank``: upstream's meaning, kept so that existing mappings behave the same: true
  (``then``) when the value is defined, not null and not ``""``; false (``else``) when it
  *is* blank. White space is not blank here (unlike ``@first``).
* ``string`` (our extension): true when the value is a string (``""`` included), so that
  ``{"@first": [{"@if": {"string": m, "then": m}}, ...]}`` skips values of another type
  (what the ``first_string_of`` helper builds).
* ``then`` and ``else`` are optional; a missing branch gives ``MISSING``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..base import Context, Directive, Resolver
from ..missing import MISSING
from ..values import child


def _exists(value: object) -> bool:
    return value is not MISSING and value is not None


def _not_blank(value: object) -> bool:
    return _exists(value) and not (isinstance(value, str) and not value)


def _string(value: object) -> bool:
    return isinstance(value, str)


_TESTS: dict[str, Callable[[object], bool]] = {
    "exists": _exists,
    "blank": _not_blank,
    "string": _string,
}


def compile_if(argument: Any, location: str, context: Context) -> Resolver:
    """Compile the condition and the branches that are given."""
    [kind] = [key for key in _TESTS if key in argument]  # the schema allows exactly one
    test = _TESTS[kind]
    condition = context.compile(argument[kind], child(location, kind))
    branches = {
        key: context.compile(argument[key], child(location, key))
        for key in ("then", "else")
        if key in argument
    }
    then = branches.get("then")
    otherwise = branches.get("else")

    def resolve_if(event: Mapping[str, Any]) -> Any:
        branch = then if test(condition(event)) else otherwise
        return MISSING if branch is None else branch(event)

    return resolve_if


IF = Directive("@if", compile_if)
