"""Property tests: any text either compiles or raises SubscriptionSyntaxError, a compiled
subscription answers True or False for any JSON value, never raising, and the same answer
as a plain interpreter of the documented semantics."""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framework import SubscriptionSyntaxError
from framework.languages.fql import Subscription, compile_subscription
from framework.languages.fql.nodes import And, Comparison, FunctionCall, Node, Not, Or
from framework.languages.fql.parser import parse
from tests.properties.strategies import json_events, json_values

FIELDS = st.sampled_from(
    [
        "type",
        "event",
        "name",
        "userId",
        "properties.total",
        "properties.a.b",
        "traits.email",
        "context.ip",
        "integrations.All",
        "properties.items.0",
    ]
)
LITERALS = st.one_of(
    st.text(max_size=8).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.integers(-1000, 1000).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.sampled_from(["true", "false", "null"]),
)
OPERATORS = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])


@st.composite
def conditions(draw: st.DrawFn) -> str:
    field = draw(FIELDS)
    if draw(st.booleans()):
        return f"{field} {draw(OPERATORS)} {draw(LITERALS)}"
    function = draw(st.sampled_from(["contains", "match", "!contains", "!match"]))
    return f"{function}({field}, {draw(LITERALS)})"


# Literals and event values close to one another (equal, contained, matched, ordered).
CLOSE_STRINGS = ['"x"', '""', '"track"', '"1"', '"true"', '"*e*"', '"x*"']
CLOSE_NUMBERS = ["0", "1", "-1", "1.5", '"1"', "1e400"]
CLOSE_CONSTANTS = ["null", "true", "false"]
CLOSE_VALUES = [None, True, False, 0, 1, -1, 1.5, 10**30, "", "x", "xey", "1", "true", "track"]
CLOSE_VALUES += [[], ["x"], [1], {}, {"x": 1}, MappingProxyType({"0": "x"})]


def close_conditions() -> list[str]:
    """Every valid condition with close literals, on a ``{field}`` to fill in."""
    equality = CLOSE_STRINGS + CLOSE_NUMBERS + CLOSE_CONSTANTS
    ordering = ("<", "<=", ">", ">=")
    return [
        *(f"{{field}} {op} {value}" for op in ("=", "!=") for value in equality),
        *(f"{{field}} {op} {value}" for op in ordering for value in CLOSE_NUMBERS),
        *(f"{name}({{field}}, {text})" for name in ("contains", "match") for text in CLOSE_STRINGS),
    ]


def expressions(leaves: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[str]:
    return st.recursive(
        conditions() if leaves is None else leaves,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(" ".join),
            inner.map(lambda e: f"({e})"),
            inner.map(lambda e: f"not {e}"),
            inner.map(lambda e: f"!({e})"),
        ),
        max_leaves=8,
    )


def compile_or_error(text: str) -> Subscription | SubscriptionSyntaxError:
    try:
        return compile_subscription(text)
    except SubscriptionSyntaxError as error:
        return error


@settings(max_examples=300)
@given(expressions(), json_events())
def test_generated_subscriptions_answer_a_boolean(text: str, event: dict[str, Any]) -> None:
    compiled = compile_or_error(text)
    if isinstance(compiled, SubscriptionSyntaxError):
        assert 0 <= compiled.position <= len(text)
    else:
        assert compiled.matches(event) in (True, False)


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list('ab.=!<>()"\\ 01andortuecs*,')), max_size=40))
def test_arbitrary_text_compiles_or_is_a_syntax_error(text: str) -> None:
    compiled = compile_or_error(text)
    if isinstance(compiled, SubscriptionSyntaxError):
        assert 0 <= compiled.position <= len(text)
    else:
        assert compiled.source == text


@settings(max_examples=200)
@given(json_values())
def test_any_json_value_is_an_acceptable_event(value: Any) -> None:
    subscription = compile_subscription(
        'type = "track" or properties.total > 3 or match(event, "a*")'
    )
    assert subscription.matches(value) in (True, False)


# -- the compiled code against a plain interpreter of the documented semantics -------------

_ABSENT = object()
_ORDER = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _read(event: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        if isinstance(event, Mapping):
            event = event.get(name, _ABSENT)
        elif isinstance(event, list) and name.isdigit() and int(name) < len(event):
            event = event[int(name)]
        else:
            return _ABSENT
    return event


def _interpret(node: Node, event: Any) -> bool:
    if isinstance(node, Not):
        return not _interpret(node.operand, event)
    if isinstance(node, And):
        return all(_interpret(operand, event) for operand in node.operands)
    if isinstance(node, Or):
        return any(_interpret(operand, event) for operand in node.operands)
    value = _read(event, node.field.path)
    if isinstance(node, FunctionCall):
        if not isinstance(value, str):
            return False
        if node.function == "contains":
            return node.argument in value
        glob = ".*".join(re.escape(part) for part in node.argument.split("*"))
        return re.fullmatch(glob, value, re.DOTALL) is not None
    assert isinstance(node, Comparison)
    expected, equal = node.value, node.operator == "="
    if expected is None:
        return (value is None or value is _ABSENT) is equal
    if isinstance(expected, bool | str):
        return (type(value) is type(expected) and value == expected) is equal
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and _ORDER[node.operator](value, expected)


# Where a condition reads, as a field path, and an event holding a value there.
PLACES: list[tuple[str, Any]] = [
    ("v", lambda value: {"v": value}),
    ("p.v", lambda value: {"p": {"v": value}}),
    ("p.v", lambda value: MappingProxyType({"p": MappingProxyType({"v": value})})),
    ("p.1.v", lambda value: {"p": [None, {"v": value}]}),
    ("p.0", lambda value: {"p": value}),  # the value is the container: text is not one
    ("a.b.c.d.v", lambda value: {"a": {"b": {"c": {"d": {"v": value}}}}}),
]


@pytest.mark.parametrize("condition", close_conditions())
def test_each_condition_agrees_with_an_interpreter(condition: str) -> None:
    for path, place in PLACES:
        source = condition.format(field=path)
        subscription, node = compile_subscription(source), parse(source)
        for value in CLOSE_VALUES:
            event = place(value)
            assert subscription.matches(event) is _interpret(node, event), (source, value)
        assert subscription.matches({}) is _interpret(node, {}), source


@settings(max_examples=300)
@given(
    expressions(
        st.builds(str.format, st.sampled_from(close_conditions()), field=st.sampled_from("vw"))
    ),
    st.dictionaries(st.sampled_from("vw"), st.sampled_from(CLOSE_VALUES)) | json_events(),
    st.booleans(),
)
def test_compiled_code_agrees_with_an_interpreter(
    text: str, event: dict[str, Any], as_proxy: bool
) -> None:
    seen = MappingProxyType(event) if as_proxy else event
    assert compile_subscription(text).matches(seen) is _interpret(parse(text), seen)
