"""Directives whose text argument is itself computed per event (``{"@path": {"@path": ...}}``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from framework.core.errors import MappingResolutionError

from .base import Resolver
from .missing import MISSING
from .paths import TextSyntaxError
from .values import kind_of


def per_event_text(
    source: Resolver, location: str, directive: str, build: Callable[[str], Resolver]
) -> Resolver:
    """Resolve ``source`` to a string for each event, ``build`` a resolver from it (cached
    per distinct text) and apply it. MISSING or null give MISSING; a non-string, or a text
    that ``build`` rejects with a :class:`~.paths.TextSyntaxError`, raises
    :class:`MappingResolutionError` naming the position, never the text (the event's)."""
    cached = lru_cache(maxsize=256)(build)

    def resolve_per_event(event: Mapping[str, Any]) -> Any:
        text = source(event)
        if text is MISSING or text is None:
            return MISSING
        if not isinstance(text, str):
            raise MappingResolutionError(
                f"{location}: {directive} resolved to {kind_of(text)}, not to a string"
            )
        try:
            resolver = cached(text)
        except TextSyntaxError as error:
            raise MappingResolutionError(
                f"{location}: the {directive} text read from the event does not parse "
                f"(position {error.position})"
            ) from error
        return resolver(event)

    return resolve_per_event
