"""Generated Python source that cannot hold anything but our own code: :class:`Source`
writes the statements of one function whose only words are generated names (``_x``,
``_k<n>`` bound to values, ``_v<n>`` locals) and a given vocabulary, checks every
statement as it is written, and compiles the function once, with no builtins but those
given. The mapping language and the payload validator generate their functions with it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any


@functools.cache
def _statement(vocabulary: frozenset[str]) -> re.Pattern[str]:
    """Generated names, the vocabulary, spaces and operators: all a statement may hold."""
    words = "|".join(sorted(vocabulary))
    return re.compile(rf"(?:[ ().,:=\[\]{{}}<>!]+|(?:_[A-Za-z]|_[kv][0-9]+|{words})\b)*", re.ASCII)


class Source:
    """The statements of one generated function, and the values its names are bound to.

    ``vocabulary``: the only words its statements may hold besides generated names;
    ``namespace``: the names it starts with (the builtins it uses...); it has no others.
    """

    def __init__(self, vocabulary: frozenset[str], namespace: Mapping[str, object]) -> None:
        self._statement = _statement(vocabulary)
        self._lines: list[str] = []
        self._indent = 1
        self._namespace: dict[str, object] = {"__builtins__": {}, **namespace}
        self._strings: dict[str, str] = {}
        self._locals = 0

    def bind(self, value: object) -> str:
        """A name bound to ``value`` in the function's namespace (one per distinct string)."""
        if type(value) is str and value in self._strings:
            return self._strings[value]
        name = f"_k{len(self._namespace)}"
        self._namespace[name] = value
        if type(value) is str:
            self._strings[value] = name
        return name

    def local(self) -> str:
        """A new local name."""
        self._locals += 1
        return f"_v{self._locals}"

    def line(self, text: str) -> None:
        """Write one statement; refuse text other than generated names, the vocabulary,
        spaces and operators (see the module)."""
        if not self._statement.fullmatch(text):
            raise RuntimeError(f"refused generated statement {text!r}")
        self._lines.append("    " * self._indent + text)

    @contextmanager
    def block(self) -> Iterator[None]:
        """Indent the statements written inside."""
        self._indent += 1
        try:
            yield
        finally:
            self._indent -= 1

    def build(self, *parameters: str) -> Callable[..., Any]:
        """The function of ``parameters`` (generated names), compiled once."""
        signature = f"_f({', '.join(parameters)})"
        if not self._statement.fullmatch(signature):
            raise RuntimeError(f"refused generated signature {signature!r}")
        source = "\n".join([f"def {signature}:", *self._lines, ""])
        namespace = dict(self._namespace)
        exec(compile(source, "<generated>", "exec"), namespace)  # our own source (see the module)
        function: Callable[..., Any] = namespace["_f"]  # type: ignore[assignment]
        return function
