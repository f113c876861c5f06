"""Compile a mapping once: validate it, then build resolvers that do no parsing per event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from framework.core.errors import MappingError, MappingResolutionError

from .base import Resolver, constant
from .directives import DIRECTIVES
from .directives.transform import transformed
from .liquid_engine import liquid_budget
from .missing import MISSING
from .validate import checked
from .values import child, directive_keys, kind_of

INTERNAL_DIRECTIVE = "__segment_internal_directive"
"""A root key whose ``@transform`` is applied to the event before the other root fields."""


class Compiler:
    """Builds resolvers for parts of a valid mapping (plain dicts and lists, see
    :func:`plain_json`); the :class:`~.base.Context` that directives compile with."""

    def compile(self, value: object, location: str) -> Resolver:
        """Compile the valid mapping ``value`` found at JSON pointer ``location``."""
        if isinstance(value, dict):
            keys = directive_keys(value)
            if keys:
                name = keys[0]
                return DIRECTIVES[name].compile(value[name], child(location, name), self)
            return self._object(value, location)
        if isinstance(value, list):
            items = tuple(
                self.compile(item, child(location, index)) for index, item in enumerate(value)
            )
            return _build_list(items)
        return constant(value)

    def compile_root(self, document: object) -> Resolver:
        """Compile a whole mapping, with upstream's root-level ``__segment_internal_directive``."""
        if not isinstance(document, dict) or INTERNAL_DIRECTIVE not in document:
            return self.compile(document, "")
        location = child(child("", INTERNAL_DIRECTIVE), "@transform")
        apply = document[INTERNAL_DIRECTIVE]["@transform"]["apply"]
        fields = {key: item for key, item in document.items() if key != INTERNAL_DIRECTIVE}
        return transformed(
            self.compile(apply, child(location, "apply")), self._object(fields, ""), location
        )

    def _object(self, value: dict[str, Any], location: str) -> Resolver:
        fields = tuple(
            (key, self.compile(item, child(location, key))) for key, item in value.items()
        )
        return _build_object(fields)


def _build_object(fields: tuple[tuple[str, Resolver], ...]) -> Resolver:
    """A new dict per event; keys whose value is MISSING are left out."""

    def resolve_object(event: Mapping[str, Any]) -> Any:
        result = {}
        for key, resolve in fields:
            value = resolve(event)
            if value is not MISSING:
                result[key] = value
        return result

    return resolve_object


def _build_list(items: tuple[Resolver, ...]) -> Resolver:
    """A new list per event; items whose value is MISSING are left out."""

    def resolve_list(event: Mapping[str, Any]) -> Any:
        result = []
        for resolve in items:
            value = resolve(event)
            if value is not MISSING:
                result.append(value)
        return result

    return resolve_list


def compile_mapping(mapping: object) -> Resolver:
    """Validate and compile ``mapping``; raise :class:`MappingError` listing every problem.

    The returned resolver takes one event (an object) and returns the mapped value, or
    ``MISSING``. It does no parsing and no validation of the mapping.
    """
    document, problems = checked(mapping)
    if problems:
        raise MappingError(problems)
    root = Compiler().compile_root(document)

    def resolve(event: Mapping[str, Any]) -> Any:
        if type(event) is not dict and not isinstance(event, Mapping):
            raise MappingResolutionError(f"the event must be an object, but it is {kind_of(event)}")
        with liquid_budget():  # one for the whole resolution
            return root(event)

    return resolve
