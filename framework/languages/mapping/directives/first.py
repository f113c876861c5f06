"""``@first`` (our extension): the first of several mappings that has a value.

"Has a value" means: not MISSING, not null, and not a string that is empty or only white
space. ``0`` and ``false`` are values. No option has a value: MISSING. Options after the
first one that has a value are not resolved.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from ..base import Code, Directive
from ..codegen import MAX_ITEMS, parts
from ..values import child


def _has_value(name: str) -> str:
    """:func:`~..values.has_value` of the value ``name`` holds, as generated code."""
    return (
        f"{name} is not _M and {name} is not None"
        f" and (not isinstance({name}, str) or ({name} and not {name}.isspace()))"
    )


def generate_first(argument: Any, location: str, code: Code) -> str:
    """Resolve the options in turn (the argument is a non-empty array of mappings)."""
    return _first(list(enumerate(argument)), location, code)


def _first(options: list[tuple[int, Any]], location: str, code: Code) -> str:
    """One loop that stops at the first option with a value; more than :data:`MAX_ITEMS`
    options are taken in parts, each the first of its options, in a function of its own."""
    out = code.temp()
    code.line("while True:")
    with code.block():
        # generators: each option's statements are written just before its test
        values: Iterator[str] = (
            (code.value(item, child(location, index)) for index, item in options)
            if len(options) <= MAX_ITEMS
            else (
                code.call(code.function(partial(_first, part, location))) for part in parts(options)
            )
        )
        for value in values:
            code.line(f"if {_has_value(value)}:")
            with code.block():
                code.line(f"{out} = {value}")
                code.line("break")
        code.line(f"{out} = _M")
        code.line("break")
    return out


FIRST = Directive("@first", generate=generate_first)
