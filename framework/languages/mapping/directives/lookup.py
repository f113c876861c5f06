"""``@path``: read a value from the event; the path is parsed once, when compiling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..base import Context, Directive, Resolver
from ..dynamic import per_event_text
from ..paths import compile_getter, parse_path


def compile_path(argument: Any, location: str, context: Context) -> Resolver:
    """A path string, or a directive giving the path string for each event (upstream allows it)."""
    if isinstance(argument, str):
        return path_getter(argument)
    return per_event_text(context.compile(argument, location), location, "@path", path_getter)


def path_getter(text: str) -> Resolver:
    """A resolver reading the (valid) path ``text``."""
    return compile_getter(parse_path(text))


def _references(argument: Any, add: Callable[[str], None], walk: Callable[[object], None]) -> None:
    if isinstance(argument, str):
        add(argument)
    else:
        walk(argument)


PATH = Directive("@path", compile_path, _references)
