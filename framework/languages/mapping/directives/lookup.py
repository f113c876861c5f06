"""``@path``: read a value from the event; the path is parsed once, when compiling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..base import Code, Directive, Resolver
from ..dynamic import per_event_text
from ..paths import compile_getter, parse_path


def generate_path(argument: Any, location: str, code: Code) -> str:
    """A path string is read inline; a directive giving the path string for each event
    (upstream allows it) is a resolver parsing each distinct path once."""
    if isinstance(argument, str):
        return code.path(parse_path(argument))
    source = code.compile(argument, location)
    return code.call(per_event_text(source, location, "@path", path_getter))


def path_getter(text: str) -> Resolver:
    """A resolver reading the (valid) path ``text``."""
    return compile_getter(parse_path(text))


def _references(argument: Any, add: Callable[[str], None], walk: Callable[[object], None]) -> None:
    if isinstance(argument, str):
        add(argument)
    else:
        walk(argument)


PATH = Directive("@path", references=_references, generate=generate_path)
