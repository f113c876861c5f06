"""Compiles a syntax tree (see ``nodes``) into one predicate made of closures.

All the work that depends only on the subscription (choosing the comparison, splitting
glob patterns, resolving field paths) happens here, once; a predicate call only reads the
event. Predicates expect a ``Mapping`` and never raise for JSON-like values.

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
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

from framework.core.json_text import MAX_INTEGER_DIGITS
from framework.languages.fql.nodes import And, Comparison, Field, FunctionCall, Node, Not, Or

__all__ = ["Predicate", "compile_glob", "compile_node"]

Predicate: TypeAlias = Callable[[Mapping[str, Any]], bool]
_Getter: TypeAlias = Callable[[Mapping[str, Any]], Any]
_StringTest: TypeAlias = Callable[[str], bool]

_MISSING: Any = object()
_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_PLAIN_NUMBERS = frozenset({int, float})


def _is_number(value: Any) -> bool:
    return type(value) in _PLAIN_NUMBERS or (
        isinstance(value, int | float) and not isinstance(value, bool)
    )


def compile_node(node: Node) -> Predicate:
    """Turn ``node`` into a predicate over events."""
    match node:
        case Comparison():
            return _compile_comparison(node)
        case FunctionCall():
            return _compile_call(node)
        case Not(operand=operand):
            return _negate(compile_node(operand))
        case And(operands=operands):
            return _all_of(tuple(compile_node(child) for child in operands))
        case Or(operands=operands):
            return _any_of(tuple(compile_node(child) for child in operands))
    raise TypeError(f"not an FQL node: {node!r}")  # pragma: no cover


# -- field access ----------------------------------------------------------------------------


def _compile_getter(field: Field) -> _Getter:
    """Read ``field`` from an event, giving ``_MISSING`` when any step is absent.

    Each name looks up a key in a mapping; a name made of digits also indexes a list.
    """
    if len(field.path) == 1:
        (key,) = field.path

        def get_top(event: Mapping[str, Any]) -> Any:
            return event.get(key, _MISSING)

        return get_top

    steps = tuple((name, _index(name)) for name in field.path)

    def get_path(event: Mapping[str, Any]) -> Any:
        current: Any = event
        for name, index in steps:
            if type(current) is dict or isinstance(current, Mapping):
                current = current.get(name, _MISSING)
            elif (
                index is not None
                and isinstance(current, Sequence)
                and not isinstance(current, str | bytes)
                and index < len(current)
            ):
                current = current[index]
            else:
                return _MISSING
        return current

    return get_path


def _index(name: str) -> int | None:
    """The list index a name of digits stands for (none past 4300 digits: no list is that long)."""
    digits = name.isascii() and name.isdigit() and len(name) <= MAX_INTEGER_DIGITS
    return int(name) if digits else None


# -- comparisons -----------------------------------------------------------------------------


def _compile_comparison(node: Comparison) -> Predicate:
    get = _compile_getter(node.field)
    op = node.operator
    expected = node.value

    if expected is None:
        if op == "=":
            return lambda event: (value := get(event)) is None or value is _MISSING
        return lambda event: (value := get(event)) is not None and value is not _MISSING

    if isinstance(expected, bool):
        if op == "=":
            return lambda event: get(event) is expected
        return lambda event: get(event) is not expected

    if isinstance(expected, str):
        if op == "=":
            return lambda event: bool(get(event) == expected)
        return lambda event: bool(get(event) != expected)

    compare = operator.eq if op == "=" else operator.ne if op == "!=" else _ORDERING[op]

    def numeric(event: Mapping[str, Any]) -> bool:
        value = get(event)
        return _is_number(value) and compare(value, expected)

    return numeric


# -- functions -------------------------------------------------------------------------------


def _compile_call(node: FunctionCall) -> Predicate:
    get = _compile_getter(node.field)
    argument = node.argument
    if node.function == "contains":
        return lambda event: isinstance(value := get(event), str) and argument in value
    test = compile_glob(argument)
    return lambda event: isinstance(value := get(event), str) and test(value)


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


# -- boolean structure -----------------------------------------------------------------------


def _negate(predicate: Predicate) -> Predicate:
    return lambda event: not predicate(event)


def _all_of(predicates: tuple[Predicate, ...]) -> Predicate:
    if len(predicates) == 2:
        first, second = predicates
        return lambda event: first(event) and second(event)

    def all_of(event: Mapping[str, Any]) -> bool:
        for predicate in predicates:  # noqa: SIM110 - a loop is faster than all(<generator>)
            if not predicate(event):
                return False
        return True

    return all_of


def _any_of(predicates: tuple[Predicate, ...]) -> Predicate:
    if len(predicates) == 2:
        first, second = predicates
        return lambda event: first(event) or second(event)

    def any_of(event: Mapping[str, Any]) -> bool:
        for predicate in predicates:  # noqa: SIM110 - a loop is faster than any(<generator>)
            if predicate(event):
                return True
        return False

    return any_of
