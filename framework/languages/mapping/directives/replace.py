"""``@replace``: replace a text in the value, and optionally a second one afterwards.

``{"pattern": p, "replacement": r, "pattern2": p2, "replacement2": r2, "ignorecase": bool,
"global": bool, "value": <mapping>}``, as upstream:

* patterns and replacements are plain text (not regular expressions, no ``$1``), at most 10
  characters each (checked by the schema); replacements default to ``""``;
* ``global`` (default true) replaces every occurrence, else the first; ``ignorecase``
  (default false) matches regardless of case; both apply to both patterns;
* the value is written as text first: booleans as ``true``/``false``, numbers as upstream
  writes them; any other value (null, MISSING, an object, an array) gives ``""``.

An empty pattern replaces nothing (upstream ignores an empty ``pattern2``; we do the same
for ``pattern``). Matching is prepared once, when compiling.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ..base import Context, Directive, Resolver
from ..text import to_text
from ..values import child

Step = Callable[[str], str]


def compile_replace(argument: Any, location: str, context: Context) -> Resolver:
    """Compile the value and one replacing step per non-empty pattern."""
    value = context.compile(argument["value"], child(location, "value"))
    count = 0 if argument.get("global", True) else 1
    ignore_case = argument.get("ignorecase", False)
    steps = tuple(
        _step(argument[pattern], argument.get(replacement, ""), count, ignore_case)
        for pattern, replacement in (("pattern", "replacement"), ("pattern2", "replacement2"))
        if argument.get(pattern)
    )

    def resolve_replace(event: Mapping[str, Any]) -> Any:
        result = value(event)
        if not isinstance(result, str):
            if not isinstance(result, int | float):  # booleans are ints
                return ""
            result = to_text(result)
        for step in steps:
            result = step(result)
        return result

    return resolve_replace


def _step(pattern: str, replacement: str, count: int, ignore_case: bool) -> Step:
    """Replace ``pattern`` by ``replacement``: all occurrences when ``count`` is 0."""
    if not ignore_case:
        limit = count or -1
        return lambda text: text.replace(pattern, replacement, limit)
    regex = re.compile(re.escape(pattern), re.IGNORECASE)

    def literal(match: re.Match[str]) -> str:
        return replacement

    return lambda text: regex.sub(literal, text, count=count)


REPLACE = Directive("@replace", compile_replace)
