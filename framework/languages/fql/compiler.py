"""Compiles a syntax tree (see ``nodes``) into one plain Python function.

All the work that depends only on the subscription (choosing the comparison, splitting
glob patterns, resolving field paths) happens here, once: the tree becomes Python source,
compiled once, whose function only reads the event. It takes any value, selects no
non-mapping and never raises for JSON-like values.

Value semantics:

- ``=`` / ``!=`` with a string or boolean compare exactly (no type coercion, so
  ``"123"`` does not equal ``123`` and ``"true"`` is not ``true``); ``!=`` is the
  opposite of ``=``.
- ``= null`` holds when the field is missing or null; ``!= null`` is its opposite.
- A number with ``=``, ``!=``, ``<``, ``<=``, ``>`` or ``>=`` is a numeric comparison: it
  holds only when the event value is a number (not a boolean, not a numeric string) and
  the comparison is true. ``x != 5`` is therefore false when ``x`` is missing or text.
- ``contains`` / ``match`` hold only for string values; ``match`` is a glob in which
  ``*`` matches any run of characters and every other character is literal.

A missing field reads as ``None``: no operator tells the two apart.

Safety of the generated source: it holds only names this module makes (``e``, ``_t0``,
``_v``, ``_c0``, ``_f0``, the helpers of ``_HELPERS``), keywords and fixed operators. Every
value from the subscription (field names, list indices, strings, numbers, glob tests) is
an object bound to a ``_c<n>`` name in the function's own namespace, never text in the
source, and that namespace has no builtins. Nesting is bounded per function (deeper
subtrees become functions of their own) and long paths are walked by a loop, so the
size of a subscription never reaches Python's parser limits.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, cast

from framework.core.json_text import MAX_INTEGER_DIGITS
from framework.languages.fql.nodes import And, Comparison, Field, FunctionCall, Node, Not, Or

__all__ = ["Predicate", "Program", "compile_glob", "compile_node", "generate"]

Predicate: TypeAlias = Callable[[object], bool]
_StringTest: TypeAlias = Callable[[str], bool]

#: Deepest parenthesised nesting in one generated function before a subtree is split off.
_MAX_NESTING = 16
#: Most operands of one ``and``/``or`` in one generated function (compile time stays linear).
_MAX_WIDTH = 32
#: Longest field path read inline; longer ones are walked by ``_walk``.
_INLINE_PATH = 4
_PYTHON_OPERATORS = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_ENTRY = "_matches"


def compile_node(node: Node) -> Predicate:
    """Turn ``node`` into a predicate over events."""
    program = generate(node)
    namespace = dict(program.namespace)
    for source in program.functions:  # one at a time: compile time stays linear in size
        exec(compile(source, "<fql>", "exec"), namespace)  # only our own source
    return cast(Predicate, namespace[_ENTRY])


@dataclass(frozen=True, slots=True)
class Program:
    """Generated Python: the source of each function (the last is ``_matches(e)``, the
    others are parts of it) and the ``namespace`` (helpers and constants) they run in."""

    functions: tuple[str, ...]
    namespace: Mapping[str, object]


def generate(node: Node) -> Program:
    """The Python program for ``node`` (see the module docstring for what it may hold)."""
    generator = _Generator()
    condition = generator.condition(node)
    entry = (
        f"def {_ENTRY}(e):\n"
        f"    if (_type(e) is _dict or _isinstance(e, _Mapping)) and {condition.source}:\n"
        "        return True\n"
        "    return False\n"
    )
    return Program((*generator.functions, entry), generator.namespace)


# -- runtime helpers (called by generated code) ----------------------------------------------


def _step(current: Any, name: str, index: int | None) -> Any:
    """One step of a path: ``name`` in a mapping, else ``index`` in a list, else ``None``."""
    if isinstance(current, Mapping):
        return current.get(name)
    if (
        index is not None
        and isinstance(current, Sequence)
        and not isinstance(current, str | bytes)
        and index < len(current)
    ):
        return current[index]
    return None


def _walk(current: Any, steps: tuple[tuple[str, int | None], ...]) -> Any:
    """Every step of a long path, in turn."""
    for name, index in steps:
        current = _step(current, name, index)
    return current


_HELPERS: dict[str, object] = {
    "__builtins__": {},
    "_type": type,
    "_dict": dict,
    "_isinstance": isinstance,
    "_Mapping": Mapping,
    "_str": str,
    "_bool": bool,
    "_numbers": (int, float),
    "_step": _step,
    "_walk": _walk,
}


# -- code generation -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Expr:
    """A generated expression and how deeply it nests."""

    source: str
    nesting: int


class _Generator:
    def __init__(self) -> None:
        self.namespace: dict[str, object] = dict(_HELPERS)
        self.functions: list[str] = []
        self._names: dict[Hashable, str] = {}

    def constant(self, value: object, key: Hashable) -> str:
        """The generated name bound to ``value`` (one name per distinct ``key``)."""
        name = self._names.get(key)
        if name is None:
            name = self._names[key] = f"_c{len(self._names)}"
            self.namespace[name] = value
        return name

    def literal(self, value: str | int | float) -> str:
        return self.constant(value, (type(value), value))

    def condition(self, node: Node) -> _Expr:
        match node:
            case Comparison():
                return self.comparison(node)
            case FunctionCall():
                return self.call(node)
            case Not(operand=operand):
                return self.group("not ", [operand])
            case And(operands=operands):
                return self.group(" and ", operands)
            case Or(operands=operands):
                return self.group(" or ", operands)
        raise TypeError(f"not an FQL node: {node!r}")  # pragma: no cover

    def group(self, joiner: str, operands: Sequence[Node]) -> _Expr:
        """``(a and b)``, ``(a or b)`` or ``(not a)``. Too deep operands, and runs of
        operands past ``_MAX_WIDTH``, become functions of their own."""
        parts = [self.condition(operand) for operand in operands]
        while len(parts) > _MAX_WIDTH:
            parts = [
                self.function(self.joined(joiner, parts[start : start + _MAX_WIDTH]))
                for start in range(0, len(parts), _MAX_WIDTH)
            ]
        return self.joined(joiner, parts)

    def joined(self, joiner: str, parts: Sequence[_Expr]) -> _Expr:
        parts = [part if part.nesting < _MAX_NESTING else self.function(part) for part in parts]
        text = joiner.join(part.source for part in parts)
        if len(parts) == 1:
            text = joiner + text
        return _Expr(f"({text})", 1 + max(part.nesting for part in parts))

    def function(self, expr: _Expr) -> _Expr:
        """A call of a new function that returns ``expr``."""
        name = f"_f{len(self.functions)}"
        self.functions.append(f"def {name}(e):\n    return {expr.source}\n")
        return _Expr(f"{name}(e)", 1)

    def value(self, field: Field) -> _Expr:
        """The field's value, ``None`` when any step is absent. A name made of digits
        also indexes a list."""
        path = field.path
        if len(path) > _INLINE_PATH:
            steps = tuple((name, _index(name)) for name in path)
            return _Expr(f"_walk(e, {self.constant(steps, ('path', steps))})", 1)
        source = f"e.get({self.literal(path[0])})"
        for position, name in enumerate(path[1:]):
            temp = f"_t{position}"
            key = self.literal(name)
            number = _index(name)
            index = "None" if number is None else self.literal(number)
            source = (
                f"({temp}.get({key}) if _type({temp} := {source}) is _dict"
                f" else _step({temp}, {key}, {index}))"
            )
        return _Expr(source, len(path))

    def comparison(self, node: Comparison) -> _Expr:
        value = self.value(node.field)
        expected = node.value
        positive = node.operator == "="
        if expected is None or isinstance(expected, bool):
            test = "is" if positive else "is not"
            return _Expr(f"({value.source} {test} {expected})", value.nesting + 1)
        operator = _PYTHON_OPERATORS[node.operator]
        constant = self.literal(expected)
        if isinstance(expected, str):
            return _Expr(f"({value.source} {operator} {constant})", value.nesting + 1)
        return _Expr(
            f"(_isinstance(_v := {value.source}, _numbers) and _type(_v) is not _bool"
            f" and _v {operator} {constant})",
            value.nesting + 1,
        )

    def call(self, node: FunctionCall) -> _Expr:
        value = self.value(node.field)
        argument = node.argument
        if node.function == "contains":
            test = f"{self.literal(argument)} in _v"
        else:
            test = f"{self.constant(compile_glob(argument), ('glob', argument))}(_v)"
        return _Expr(f"(_isinstance(_v := {value.source}, _str) and {test})", value.nesting + 1)


def _index(name: str) -> int | None:
    """The list index a name of digits stands for (none past 4300 digits: no list is that long)."""
    digits = name.isascii() and name.isdigit() and len(name) <= MAX_INTEGER_DIGITS
    return int(name) if digits else None


# -- glob patterns ---------------------------------------------------------------------------


def compile_glob(pattern: str) -> _StringTest:
    """Compile a glob where ``*`` matches any run of characters (possibly empty).

    The common shapes (``abc``, ``abc*``, ``*abc``, ``*abc*``) become single string
    methods; others are matched part by part with ``str.find``, in linear time.
    """
    parts = pattern.split("*")
    if len(parts) == 1:
        return lambda text: text == pattern
    head, *middle, tail = parts
    middle = [part for part in middle if part]
    if not middle:
        if not tail:
            return lambda text: text.startswith(head)
        if not head:
            return lambda text: text.endswith(tail)
    elif len(middle) == 1 and not head and not tail:
        (needle,) = middle
        return lambda text: needle in text

    minimum = len(head) + len(tail) + sum(len(part) for part in middle)
    head_len, tail_len = len(head), len(tail)

    def glob(text: str) -> bool:
        if len(text) < minimum or not text.startswith(head) or not text.endswith(tail):
            return False
        start, end = head_len, len(text) - tail_len
        for part in middle:
            found = text.find(part, start, end)
            if found < 0:
                return False
            start = found + len(part)
        return True

    return glob
