"""What the compiler and the directives share: resolver, context and code types, the directive
record."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from .paths import Path

Resolver = Callable[[Mapping[str, Any]], Any]
"""A compiled mapping: takes one event, returns the value (``MISSING`` when undefined).

Inside ``@arrayPath`` and ``@transform`` the "event" is an item or an intermediate result,
which may be any value; resolvers read it with path getters, which accept any value."""


class Context(Protocol):
    """What a directive's compile function uses: compile a sub-mapping."""

    def compile(self, value: object, location: str) -> Resolver:
        """Compile the (valid) mapping ``value`` found at JSON pointer ``location``."""
        ...


class Code(Context, Protocol):
    """What a directive's generate function uses: it writes the statements of one generated
    Python function (see :mod:`.codegen`), reading the function's subject (the event).

    Source text is only ever made of the names these methods return, ``_M`` (MISSING),
    keywords, operators and a few builtins (``type``, ``isinstance``, ``str``...); every
    value from the mapping is bound to a name by :meth:`bind`. :meth:`line` refuses other
    text.
    """

    def value(self, mapping: object, location: str) -> str:
        """Write the statements resolving the (valid) sub-mapping ``mapping``; the name
        holding its value."""
        ...

    def path(self, path: Path) -> str:
        """Write the statements reading ``path`` from the subject; the name holding its value."""
        ...

    def bind(self, value: object) -> str:
        """A name bound to ``value`` in the function's namespace."""
        ...

    def temp(self, *, defined: bool = False) -> str:
        """A new local name; ``defined``: the value it will hold is never MISSING."""
        ...

    def is_defined(self, name: str) -> bool:
        """Whether the value ``name`` holds is never MISSING."""
        ...

    def call(self, resolver: Resolver, *, defined: bool = False) -> str:
        """Write a call of ``resolver`` with the subject; the name holding its result."""
        ...

    def function(self, write: Callable[[Code], str]) -> Resolver:
        """A function of its own (of the same subject) whose statements ``write`` writes,
        returning the name it gives: for parts too large for one function."""
        ...

    def line(self, text: str) -> None:
        """Write one statement at the current indentation."""
        ...

    def block(self) -> AbstractContextManager[None]:
        """Indent the statements written inside (the body of an ``if``, ``else``, ``while``)."""
        ...


CompileFn = Callable[[Any, str, Context], Resolver]
"""``compile(argument, location_of_argument, context) -> Resolver``.

The argument has passed validation against the mapping schema, so it has the shape the
schema describes, and its paths and templates parse."""

GenerateFn = Callable[[Any, str, Code], str]
"""``generate(argument, location_of_argument, code) -> name``: write the statements
resolving the (valid) argument; the name holding the directive's value."""

ReferencesFn = Callable[[Any, Callable[[str], None], Callable[[object], None]], None]
"""``references(argument, add_path, walk_mapping)``: report the event paths an argument reads."""


@dataclass(frozen=True)
class Directive:
    """One ``@name`` directive: how to compile its argument, and the paths it reads.

    A directive either writes code into the generated function (``generate``: the common,
    cheap ones) or builds a resolver that the generated function calls (``compile``): it
    has one of the two.
    Without ``references``, the argument is walked as a mapping to find nested paths.
    """

    name: str
    compile: CompileFn | None = None
    references: ReferencesFn | None = None
    generate: GenerateFn | None = None
