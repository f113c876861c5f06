"""Directives whose text argument is itself computed per event (``{"@path": {"@path": ...}}``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from ..errors import MappingResolutionError
from .base import Resolver
from .missing import MISSING
from .values import kind_of


def per_event_text(
    source: Resolver, location: str, directive: str, build: Callable[[str], Resolver]
) -> Resolver:
    """Resolve ``source`` to a string for each event, ``build`` a resolver from it (cached
    per distinct text) and apply it. MISSING or null give MISSING; a non-string, or a text
    that ``build`` rejects with a ``ValueError``, raises :class:`MappingResolutionError`."""
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
        except ValueError as error:
            raise MappingResolutionError(f"{location}: {error}") from error
        return resolver(event)

    return resolve_per_event
