"""``@literal``: its value, resolved as a mapping (as upstream: directives inside it are
resolved). Upstream uses it to give a value that would otherwise be read differently,
such as ``{"@literal": false}``."""

from __future__ import annotations

from typing import Any

from ..base import Context, Directive, Resolver


def compile_literal(argument: Any, location: str, context: Context) -> Resolver:
    """The argument is compiled like any mapping."""
    return context.compile(argument, location)


LITERAL = Directive("@literal", compile_literal)
