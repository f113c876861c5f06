"""``@path``: read a value from the event; the path is parsed once, when compiling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..base import INVALID, Context, Directive, Resolver
from ..dynamic import per_event_text
from ..paths import PathSyntaxError, compile_getter, parse_path
from ..values import is_directive, kind_of


def compile_path(argument: Any, location: str, context: Context) -> Resolver:
    """A path string, or a directive giving the path string for each event (upstream allows it)."""
    if isinstance(argument, str):
        try:
            return compile_getter(parse_path(argument))
        except PathSyntaxError as error:
            context.problem(location, str(error))
            return INVALID
    if is_directive(argument):
        return per_event_text(context.compile(argument, location), location, "@path", _getter)
    context.problem(
        location, f"@path must be a path string or a directive, but it is {kind_of(argument)}"
    )
    return INVALID


def _getter(text: str) -> Resolver:
    return compile_getter(parse_path(text))


def _references(argument: Any, add: Callable[[str], None], walk: Callable[[object], None]) -> None:
    if isinstance(argument, str):
        add(argument)
    else:
        walk(argument)


PATH = Directive("@path", compile_path, _references)
