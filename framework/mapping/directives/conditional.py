"""``@if``: ``{"exists" | "blank": <mapping>, "then": <mapping>, "else": <mapping>}``.

* ``exists``: true when the condition's value is defined and not null (``""``, ``0`` and
  ``false`` exist).
* ``blank``: upstream's meaning, kept so that existing mappings behave the same: true
  (``then``) when the value is defined, not null and not ``""``; false (``else``) when it
  *is* blank. White space is not blank here (unlike ``@first``).
* ``then`` and ``else`` are optional; a missing branch gives ``MISSING``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..base import INVALID, Context, Directive, Resolver
from ..missing import MISSING
from ..values import child, is_directive, kind_of

_CONDITIONS = ("exists", "blank")
_BRANCHES = ("then", "else")
_ALLOWED = (*_CONDITIONS, *_BRANCHES)


def _exists(value: object) -> bool:
    return value is not MISSING and value is not None


def _not_blank(value: object) -> bool:
    return _exists(value) and not (isinstance(value, str) and not value)


_TESTS: dict[str, Callable[[object], bool]] = {"exists": _exists, "blank": _not_blank}


def compile_if(argument: Any, location: str, context: Context) -> Resolver:
    """Check the shape, compile the condition and both branches."""
    if not isinstance(argument, Mapping) or is_directive(argument):
        context.problem(
            location,
            "@if must be an object with a condition ('exists' or 'blank') and 'then'/'else', "
            f"but it is {kind_of(argument)}",
        )
        return INVALID
    ok = True
    for key in argument:
        if key not in _ALLOWED:
            ok = False
            context.problem(
                child(location, str(key)),
                f"@if has an unknown key {key!r} (allowed: {', '.join(_ALLOWED)})",
            )
    conditions = [key for key in _CONDITIONS if key in argument]
    if not conditions:
        ok = False
        context.problem(location, "@if needs a condition: 'exists' or 'blank'")
    elif len(conditions) > 1:
        ok = False
        context.problem(location, "@if must have one condition, but it has 'exists' and 'blank'")
    parts = {
        key: context.compile(argument[key], child(location, key))
        for key in _ALLOWED
        if key in argument
    }
    if not ok:
        return INVALID
    test = _TESTS[conditions[0]]
    condition = parts[conditions[0]]
    then = parts.get("then")
    otherwise = parts.get("else")

    def resolve_if(event: Mapping[str, Any]) -> Any:
        branch = then if test(condition(event)) else otherwise
        return MISSING if branch is None else branch(event)

    return resolve_if


IF = Directive("@if", compile_if)
