"""What the compiler and the directives share: resolver and context types, the directive record."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

Resolver = Callable[[Mapping[str, Any]], Any]
"""A compiled mapping: takes one event, returns the value (``MISSING`` when undefined).

Inside ``@arrayPath`` and ``@transform`` the "event" is an item or an intermediate result,
which may be any value; resolvers read it with path getters, which accept any value."""


class Context(Protocol):
    """What a directive's compile function uses: compile a sub-mapping."""

    def compile(self, value: object, location: str) -> Resolver:
        """Compile the (valid) mapping ``value`` found at JSON pointer ``location``."""
        ...


CompileFn = Callable[[Any, str, Context], Resolver]
"""``compile(argument, location_of_argument, context) -> Resolver``.

The argument has passed validation against the mapping schema, so it has the shape the
schema describes, and its paths and templates parse."""

ReferencesFn = Callable[[Any, Callable[[str], None], Callable[[object], None]], None]
"""``references(argument, add_path, walk_mapping)``: report the event paths an argument reads."""


@dataclass(frozen=True)
class Directive:
    """One ``@name`` directive: how to compile its argument, and the paths it reads.

    Without ``references``, the argument is walked as a mapping to find nested paths.
    """

    name: str
    compile: CompileFn
    references: ReferencesFn | None = None


def constant(value: Any) -> Resolver:
    """A resolver always returning ``value``, which must be immutable (a scalar or MISSING)."""

    def resolve_constant(event: Mapping[str, Any]) -> Any:
        return value

    return resolve_constant
