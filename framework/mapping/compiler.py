"""Validate and compile a mapping in one walk; the result resolves events without re-checking."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import MappingError, MappingResolutionError, Problem
from .base import INVALID, Resolver, constant
from .directives import DIRECTIVES, NOT_YET_SUPPORTED
from .missing import MISSING
from .values import JSON_SCALARS, METADATA_KEY, child, directive_keys, kind_of


class Compiler:
    """One compilation. ``compile`` returns a resolver and records every problem it finds."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, location: str, message: str) -> None:
        """Record a problem; compiling goes on so that all problems are reported at once."""
        self.problems.append(Problem(location=location, message=message))

    def compile(self, value: object, location: str) -> Resolver:
        """Compile the mapping ``value`` found at JSON pointer ``location``."""
        if value is MISSING or isinstance(value, JSON_SCALARS):
            return constant(value)
        if isinstance(value, Mapping):
            keys = directive_keys(value)
            if keys:
                return self._directive(value, keys, location)
            return self._object(value, location)
        if isinstance(value, list | tuple):
            return self._list(value, location)
        self.problem(
            location,
            "a mapping must be JSON data (object, array, string, number, boolean or null), "
            f"but this is {kind_of(value)}",
        )
        return INVALID

    def _directive(self, value: Mapping[Any, Any], keys: list[str], location: str) -> Resolver:
        names = [key for key in value if key != METADATA_KEY]
        if len(names) != 1:
            listed = ", ".join(repr(key) for key in names)
            self.problem(
                location,
                f"a directive object must have exactly one key, but it has {len(names)}: {listed}",
            )
        resolver = INVALID
        for key in keys:
            directive = DIRECTIVES.get(key)
            if directive is not None:
                resolver = directive.compile(value[key], child(location, key), self)
            elif key in NOT_YET_SUPPORTED:
                self.problem(location, f"directive {key} is not supported yet")
            else:
                known = ", ".join(sorted(DIRECTIVES))
                self.problem(location, f"unknown directive {key} (known directives: {known})")
        return resolver if len(names) == 1 else INVALID

    def _object(self, value: Mapping[Any, Any], location: str) -> Resolver:
        fields: list[tuple[str, Resolver]] = []
        for key, item in value.items():
            if not isinstance(key, str):
                self.problem(location, f"object keys must be strings, but {key!r} is not")
            elif item is not MISSING:
                fields.append((key, self.compile(item, child(location, key))))
        return _build_object(tuple(fields))

    def _list(self, value: list[Any] | tuple[Any, ...], location: str) -> Resolver:
        items = tuple(
            self.compile(item, child(location, index)) for index, item in enumerate(value)
        )
        return _build_list(items)


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
    compiler = Compiler()
    root = compiler.compile(mapping, "")
    if compiler.problems:
        raise MappingError(compiler.problems)

    def resolve(event: Mapping[str, Any]) -> Any:
        if type(event) is not dict and not isinstance(event, Mapping):
            raise MappingResolutionError(f"the event must be an object, but it is {kind_of(event)}")
        return root(event)

    return resolve
