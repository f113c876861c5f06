"""``@liquid``: a Liquid template rendered with the event as its variables.

The template is parsed once, when compiling (see :mod:`~..liquid_engine` for the disabled
tags and filters and the limits on size, numbers and work). Values are written as
python-liquid writes them (a float ``1.0`` as ``1.0``, where upstream's liquidjs writes
``1``). A failure while rendering (a limit reached, a filter given a wrong argument)
raises :class:`~framework.core.errors.MappingResolutionError`, never quoting a value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from framework.core.errors import MappingResolutionError

from ..base import Context, Directive, Resolver
from ..liquid_engine import (
    LiquidRenderError,
    LiquidTemplateError,
    parse_liquid,
    render,
    variable_paths,
)


def compile_liquid(argument: Any, location: str, context: Context) -> Resolver:
    """Parse the template (the argument is a valid template string)."""
    template = parse_liquid(argument)

    def resolve_liquid(event: Mapping[str, Any]) -> Any:
        try:
            return render(template, event if isinstance(event, Mapping) else {})
        except LiquidRenderError as error:
            raise MappingResolutionError(f"{location}: {error}") from error

    return resolve_liquid


def _references(argument: Any, add: Callable[[str], None], walk: Callable[[object], None]) -> None:
    if isinstance(argument, str):
        try:
            template = parse_liquid(argument)
        except LiquidTemplateError:
            return
        for path in variable_paths(template):
            add(path)


LIQUID = Directive("@liquid", compile_liquid, _references)
