"""What the compiler and the directives share: resolver and context types, the directive record."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .missing import MISSING

Resolver = Callable[[Mapping[str, Any]], Any]
"""A compiled mapping: takes one event, returns the value (``MISSING`` when undefined)."""


class Context(Protocol):
    """What a directive's compile function may use: compile a sub-mapping, report a problem."""

    def compile(self, value: object, location: str) -> Resolver:
        """Validate and compile the mapping ``value`` found at JSON pointer ``location``."""
        ...

    def problem(self, location: str, message: str) -> None:
        """Record a problem at ``location``; compilation goes on to find the others."""
        ...


CompileFn = Callable[[Any, str, Context], Resolver]
"""``compile(argument, location_of_argument, context) -> Resolver``."""

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


INVALID: Resolver = constant(MISSING)
"""Returned after a problem was reported; never reaches a caller (compiling then fails)."""
