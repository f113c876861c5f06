"""``@path``: read a value from the event; the path is parsed once, when compiling."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from ...errors import MappingResolutionError
from ..base import INVALID, Context, Directive, Resolver
from ..missing import MISSING
from ..paths import Getter, PathSyntaxError, compile_getter, parse_path
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
        return _dynamic_path(context.compile(argument, location), location)
    context.problem(
        location, f"@path must be a path string or a directive, but it is {kind_of(argument)}"
    )
    return INVALID


@lru_cache(maxsize=256)
def _cached_getter(text: str) -> Getter:
    return compile_getter(parse_path(text))


def _dynamic_path(source: Resolver, location: str) -> Resolver:
    """Resolve the path per event; MISSING/null gives MISSING, anything else not a path fails."""

    def resolve_dynamic_path(event: Mapping[str, Any]) -> Any:
        text = source(event)
        if text is MISSING or text is None:
            return MISSING
        if not isinstance(text, str):
            raise MappingResolutionError(
                f"{location}: @path resolved to {kind_of(text)}, not to a path string"
            )
        try:
            getter = _cached_getter(text)
        except PathSyntaxError as error:
            raise MappingResolutionError(f"{location}: {error}") from error
        return getter(event)

    return resolve_dynamic_path


def _references(argument: Any, add: Callable[[str], None], walk: Callable[[object], None]) -> None:
    if isinstance(argument, str):
        add(argument)
    else:
        walk(argument)


PATH = Directive("@path", compile_path, _references)
