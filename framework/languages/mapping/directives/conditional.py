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

from collections.abc import Callable
from typing import Any

from ..base import Code, Directive
from ..values import child


def _exists(name: str) -> str:
    return f"{name} is not _M and {name} is not None"


def _not_blank(name: str) -> str:
    return f"{_exists(name)} and (not isinstance({name}, str) or {name})"


def _string(name: str) -> str:
    return f"isinstance({name}, str)"


_TESTS: dict[str, Callable[[str], str]] = {
    "exists": _exists,
    "blank": _not_blank,
    "string": _string,
}
"""Each kind of condition: the test of the value a name holds, as generated code."""


def generate_if(argument: Any, location: str, code: Code) -> str:
    """Resolve the condition, then only the branch it chooses."""
    [kind] = [key for key in _TESTS if key in argument]  # the schema allows exactly one
    condition = code.value(argument[kind], child(location, kind))
    out = code.temp()
    code.line(f"if {_TESTS[kind](condition)}:")
    for branch in ("then", "else"):
        if branch == "else":
            code.line("else:")
        with code.block():
            value = (
                code.value(argument[branch], child(location, branch))
                if branch in argument
                else "_M"
            )
            code.line(f"{out} = {value}")
    return out


IF = Directive("@if", generate=generate_if)
