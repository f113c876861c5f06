"""``@literal``: its value, resolved as a mapping (as upstream: directives inside it are
resolved). Upstream uses it to give a value that would otherwise be read differently,
such as ``{"@literal": false}``."""

from __future__ import annotations

from typing import Any

from ..base import Code, Directive


def generate_literal(argument: Any, location: str, code: Code) -> str:
    """The argument is resolved like any mapping."""
    return code.value(argument, location)


LITERAL = Directive("@literal", generate=generate_literal)
