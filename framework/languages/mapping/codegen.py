"""Generated code: a mapping becomes plain Python functions, compiled once with ``compile()``.

A :class:`Function` writes the statements of one function of the subject ``_e`` (the
event, or an item inside ``@arrayPath``...): objects and arrays are built in place, paths
are read inline (each step read once per function and reused while it is in scope), and
the cheap directives write their own statements (``generate``); the others are resolvers
(closures) that the function calls.

Safety (:class:`framework.core.source.Source`, shared with the payload validator): the
source holds only generated names (``_e``, ``_M``... for fixed roles, ``_k<n>`` for bound
values, ``_v<n>`` for locals), spaces, operators and a fixed vocabulary of keywords,
builtins and methods (:data:`VOCABULARY` here). Every value from the mapping (keys, path
steps, literals, template text, resolvers) is an object bound to a ``_k<n>`` name in the
function's own namespace, which has no other builtins; :meth:`Source.line` refuses any other
text (a quote, a backslash, a digit, an unknown word), so nothing from a mapping can ever be
read as code. Size and nesting are bounded per function: past :data:`MAX_LINES` lines or
:data:`MAX_INDENT` levels a sub-mapping becomes a function of its own, objects and arrays of
more than :data:`MAX_ITEMS` entries are built in parts, and paths of more than
:data:`MAX_INLINE_STEPS` steps are read by a getter; so no mapping reaches the limits of
Python's compiler.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from framework.core.source import Source

from .base import Code, Resolver
from .missing import MISSING
from .paths import Path, compile_getter
from .values import child, directive_keys

SUBJECT = "_e"
"""The parameter of every generated function of a mapping: the value the mapping reads."""

MAX_LINES = 400
"""Lines of one function past which a sub-mapping gets a function of its own."""

MAX_INDENT = 8
"""Indentation levels of one function past which a sub-mapping gets a function of its own."""

MAX_ITEMS = 64
"""Entries of an object or an array built by one function; more are built in parts."""

MAX_INLINE_STEPS = 16
"""Steps of a path read inline; a longer path is read by a getter."""

VOCABULARY = frozenset(
    {
        "return",
        "if",
        "else",
        "while",
        "break",
        "is",
        "not",
        "and",
        "or",
        "None",
        "True",
        "False",
        "type",
        "isinstance",
        "dict",
        "list",
        "str",
        "len",
        "get",
        "append",
        "update",
        "extend",
        "isspace",
    }
)
"""The words of a mapping's functions besides generated names (keywords, builtins, methods)."""

_BUILTINS: dict[str, object] = {
    "type": type,
    "isinstance": isinstance,
    "dict": dict,
    "list": list,
    "str": str,
    "len": len,
    "_M": MISSING,
}
_CONSTANTS = {None: "None", True: "True", False: "False"}


class Compiler(Protocol):
    """What a :class:`Function` asks of the mapping compiler."""

    def compile(self, value: object, location: str) -> Resolver:
        """A function of its own for the (valid) mapping ``value`` at ``location``."""
        ...

    def directive(self, name: str, argument: Any, location: str, code: Code) -> str:
        """Write directive ``name`` with its ``argument``; the name holding its value."""
        ...


def parts(entries: list[Any]) -> list[list[Any]]:
    """``entries`` (more than :data:`MAX_ITEMS`) cut into at most :data:`MAX_ITEMS` parts
    (each part of more than :data:`MAX_ITEMS` is to be cut again)."""
    size = max(MAX_ITEMS, -(-len(entries) // MAX_ITEMS))
    return [entries[start : start + size] for start in range(0, len(entries), size)]


def generated(compiler: Compiler, write: Callable[[Function], str]) -> Resolver:
    """The function of the subject whose statements ``write`` writes, returning the name
    it gives."""
    code = Function(compiler)
    code.line(f"return {write(code)}")
    resolver: Resolver = code.build(SUBJECT)
    return resolver


class Function(Source):
    """The statements, bound values and known paths of one generated function of the
    subject (a :class:`~.base.Code`)."""

    def __init__(self, compiler: Compiler) -> None:
        super().__init__(VOCABULARY, _BUILTINS)
        self._compiler = compiler
        self._defined: set[str] = set(_CONSTANTS.values())
        self._paths: dict[Path, str] = {(): SUBJECT}

    def compile(self, value: object, location: str) -> Resolver:
        """A function of its own for the (valid) mapping ``value`` at ``location``."""
        return self._compiler.compile(value, location)

    def value(self, mapping: object, location: str) -> str:
        """Write the statements resolving ``mapping``; the name holding its value."""
        if isinstance(mapping, dict):
            keys = directive_keys(mapping)
            if self._full():
                return self.call(self._compiler.compile(mapping, location), defined=not keys)
            if keys:
                name = keys[0]
                return self._compiler.directive(name, mapping[name], child(location, name), self)
            return _container(list(mapping.items()), location, True, self)
        if isinstance(mapping, list):
            if self._full():
                return self.call(self._compiler.compile(mapping, location), defined=True)
            return _container(list(enumerate(mapping)), location, False, self)
        return self._constant(mapping)

    def path(self, path: Path) -> str:
        """Write the statements reading ``path`` from the subject, step by step from the
        longest prefix already read in scope; the name holding its value."""
        known = self._paths
        if path in known:
            return known[path]
        if len(path) > MAX_INLINE_STEPS:
            known[path] = self.call(compile_getter(path))
            return known[path]
        start = len(path) - 1
        while path[:start] not in known:
            start -= 1
        cursor = known[path[:start]]
        for end in range(start + 1, len(path) + 1):
            step = path[end - 1]
            read = self.bind(compile_getter((step,)))
            step_name = self.bind(step)
            if isinstance(step, str):
                fast = f"{cursor}.get({step_name}, _M) if type({cursor}) is dict"
            else:
                fits = f"type({cursor}) is list and len({cursor}) > {step_name}"
                fast = f"{cursor}[{step_name}] if {fits}"
            out = self.temp()
            self.line(f"{out} = {fast} else _M if {cursor} is _M else {read}({cursor})")
            known[path[:end]] = cursor = out
        return cursor

    def temp(self, *, defined: bool = False) -> str:
        """A new local name; ``defined``: its value is never MISSING."""
        name = self.local()
        if defined:
            self._defined.add(name)
        return name

    def is_defined(self, name: str) -> bool:
        """Whether the value ``name`` holds is never MISSING."""
        return name in self._defined

    def call(self, resolver: Resolver, *, defined: bool = False) -> str:
        """Write a call of ``resolver`` with the subject; the name holding its result."""
        function = self.bind(resolver)
        out = self.temp(defined=defined)
        self.line(f"{out} = {function}({SUBJECT})")
        return out

    def function(self, write: Callable[[Code], str]) -> Resolver:
        """A function of its own whose statements ``write`` writes, returning the name it gives."""
        return generated(self._compiler, write)

    @contextmanager
    def block(self) -> Iterator[None]:
        """Indent the statements written inside; paths read there are forgotten after."""
        known = dict(self._paths)
        try:
            with super().block():
                yield
        finally:
            self._paths = known

    def _full(self) -> bool:
        return self._indent > MAX_INDENT or len(self._lines) > MAX_LINES

    def _constant(self, value: object) -> str:
        if value is MISSING:
            return "_M"
        if value is None or type(value) is bool:
            return _CONSTANTS[value]
        name = self.bind(value)
        self._defined.add(name)
        return name


def _container(entries: list[tuple[Any, Any]], location: str, keyed: bool, code: Code) -> str:
    """Write an object (``keyed``: entries are keys and mappings) or an array (indices and
    mappings): a new one, without the entries that are MISSING; the name holding it."""
    if len(entries) > MAX_ITEMS:
        return _in_parts(entries, location, keyed, code)
    values = [(key, code.value(item, child(location, key))) for key, item in entries]
    values = [(key, name) for key, name in values if name != "_M"]
    leading = 0
    while leading < len(values) and code.is_defined(values[leading][1]):
        leading += 1
    out = code.temp(defined=True)
    if keyed:
        items = ", ".join(f"{code.bind(key)}: {name}" for key, name in values[:leading])
        code.line(f"{out} = {{{items}}}")
    else:
        code.line(f"{out} = [{', '.join(name for _, name in values[:leading])}]")
    for key, name in values[leading:]:
        store = f"{out}[{code.bind(key)}] = {name}" if keyed else f"{out}.append({name})"
        code.line(store if code.is_defined(name) else f"if {name} is not _M: {store}")
    return out


def _in_parts(entries: list[tuple[Any, Any]], location: str, keyed: bool, code: Code) -> str:
    """A large object or array built in parts, each by a function of its own."""
    names = [
        code.call(code.function(functools.partial(_container, part, location, keyed)), defined=True)
        for part in parts(entries)
    ]
    join = "update" if keyed else "extend"
    for name in names[1:]:
        code.line(f"{names[0]}.{join}({name})")
    return names[0]
