"""The FQL parser: tree shapes, precedence, and syntax errors with exact positions."""

from __future__ import annotations

import pytest

from framework import SubscriptionSyntaxError
from framework.languages.fql import compile_subscription
from framework.languages.fql.nodes import And, Comparison, Field, FunctionCall, Not, Or
from framework.languages.fql.parser import MAX_DEPTH, parse


def _eq(path: str, value: object) -> Comparison:
    return Comparison(Field(tuple(path.split("."))), "=", value)  # type: ignore[arg-type]


A, B, C, D = _eq("a", 1), _eq("b", 2), _eq("c", 3), _eq("d", 4)


def test_single_comparison() -> None:
    assert parse('properties.foo.bar = "baz"') == Comparison(
        Field(("properties", "foo", "bar")), "=", "baz"
    )


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ('x = "s"', "s"),
        ("x = 5", 5),
        ("x = -2.5", -2.5),
        ("x = true", True),
        ("x = false", False),
        ("x = null", None),
    ],
)
def test_equality_values(source: str, value: object) -> None:
    node = parse(source)
    assert isinstance(node, Comparison)
    assert node.value == value
    assert type(node.value) is type(value)


@pytest.mark.parametrize("operator", ["<", "<=", ">", ">="])
def test_ordering_takes_a_number_or_numeric_string(operator: str) -> None:
    assert parse(f"x {operator} 10") == Comparison(Field(("x",)), operator, 10)  # type: ignore[arg-type]
    assert parse(f'x {operator} "10"') == Comparison(Field(("x",)), operator, 10)  # type: ignore[arg-type]
    assert parse(f'x {operator} "-1.5"') == Comparison(Field(("x",)), operator, -1.5)  # type: ignore[arg-type]


def test_and_binds_tighter_than_or() -> None:
    assert parse("a = 1 or b = 2 and c = 3") == Or((A, And((B, C))))
    assert parse("a = 1 and b = 2 or c = 3") == Or((And((A, B)), C))
    assert parse("a = 1 or b = 2 and c = 3 or d = 4") == Or((A, And((B, C)), D))


def test_chains_are_flat() -> None:
    assert parse("a = 1 and b = 2 and c = 3") == And((A, B, C))
    assert parse("a = 1 or b = 2 or c = 3") == Or((A, B, C))


def test_parentheses_override_precedence_and_nest() -> None:
    assert parse("(a = 1 or b = 2) and c = 3") == And((Or((A, B)), C))
    assert parse("((a = 1))") == A
    assert parse("a = 1 and (b = 2 or (c = 3 and d = 4))") == And((A, Or((B, And((C, D))))))


def test_not_binds_tighter_than_and() -> None:
    assert parse("not a = 1 and b = 2") == And((Not(A), B))
    assert parse("!a = 1 or b = 2") == Or((Not(A), B))
    assert parse("not (a = 1 and b = 2)") == Not(And((A, B)))
    assert parse("!(a = 1)") == Not(A)
    assert parse("not not a = 1") == Not(Not(A))


def test_functions_and_their_negations() -> None:
    contains = FunctionCall("contains", Field(("event",)), "Nike")
    assert parse('contains(event, "Nike")') == contains
    assert parse('!contains(event, "Nike")') == Not(contains)
    assert parse('not contains( event , "Nike" )') == Not(contains)
    assert parse('match(properties.sku, "a*c")') == FunctionCall(
        "match", Field(("properties", "sku")), "a*c"
    )


def test_function_names_are_fields_when_not_called() -> None:
    assert parse('match = "x"') == Comparison(Field(("match",)), "=", "x")


def test_whitespace_is_optional_and_free() -> None:
    assert parse("a=1 and(b=2)") == parse("  a = 1\n\tand ( b = 2 )  ")


def test_escaped_field_names() -> None:
    assert parse(r'properties.property\ 1 = "Catalog"') == Comparison(
        Field(("properties", "property 1")), "=", "Catalog"
    )


@pytest.mark.parametrize(
    ("source", "position", "fragment"),
    [
        ("", 0, "expected a condition, found end of input"),
        ("   ", 3, "expected a condition, found end of input"),
        ("type", 4, "expected a comparison operator"),
        ("type = ", 7, "expected a value (string, number, true, false or null) after '='"),
        ('type * "32456"', 5, "unexpected character '*'"),
        ('type = "a" type = "b"', 11, "expected 'and', 'or' or end of input, found field 'type'"),
        ('type = "a" AND type = "b"', 11, "found field 'AND'"),
        ('(type = "a"', 11, "expected ')' to close '(' at position 0, found end of input"),
        ('type = "a")', 10, "found ')'"),
        ('type = "a" and', 14, "expected a condition"),
        ('type = "a" or or', 14, "found 'or'"),
        ("x < true", 4, "expected a number after '<', found 'true'"),
        ('x >= "ten"', 5, "expected a number after '>=', found a string at position 5"),
        ("x = = 1", 4, "found operator"),
        ("()", 1, "expected a condition"),
        ("not", 3, "expected a condition"),
        ('contains(event "x")', 15, "expected ',' after the field in contains()"),
        ('contains("x", event)', 9, "expected a field as the first argument of contains()"),
        ("match(event, 5)", 13, "expected a string as the second argument of match()"),
        ('match(event, "x"', 16, "expected ')' to close match("),
        ('foo(event, "x")', 0, "unknown function 'foo'"),
        ('type = "a" and bar.baz(event, "x")', 15, "unknown function 'bar.baz'"),
    ],
)
def test_syntax_errors_name_what_was_expected_and_where(
    source: str, position: int, fragment: str
) -> None:
    with pytest.raises(SubscriptionSyntaxError) as caught:
        compile_subscription(source)
    error = caught.value
    assert error.position == position
    assert error.source == source
    assert fragment in error.message
    assert f"at position {position}" in str(error)
    assert error.code == "INVALID_SUBSCRIPTION"


@pytest.mark.parametrize(
    "source",
    [
        'properties.plan = "s3cr3t-value" and and',
        'properties.plan >= "s3cr3t-value"',
        "properties.plan = 31337s3cr3t",
        'properties.plan = "s3cr3t-value" "s3cr3t-value"',
    ],
)
def test_messages_never_repeat_the_subscriptions_values(source: str) -> None:
    with pytest.raises(SubscriptionSyntaxError) as caught:
        compile_subscription(source)
    assert caught.value.source == source
    assert "s3cr3t" not in str(caught.value)
    assert "at position" in str(caught.value)


def test_unknown_function_is_never_dropped() -> None:
    with pytest.raises(SubscriptionSyntaxError, match="unknown function 'startswith'"):
        compile_subscription('type = "track" and startswith(event, "Order")')


def test_nesting_is_bounded() -> None:
    depth = MAX_DEPTH + 1
    with pytest.raises(SubscriptionSyntaxError, match="nesting deeper"):
        parse("(" * depth + "a = 1" + ")" * depth)
    with pytest.raises(SubscriptionSyntaxError, match="nesting deeper"):
        parse("!" * depth + "a = 1")
    assert parse("(" * MAX_DEPTH + "a = 1" + ")" * MAX_DEPTH) == A


def test_long_flat_chains_do_not_recurse() -> None:
    source = " or ".join(f"a = {i}" for i in range(5000))
    node = parse(source)
    assert isinstance(node, Or)
    assert len(node.operands) == 5000


def test_a_number_past_pythons_digit_limit_is_read_as_javascript_reads_it() -> None:
    huge = "7" * 4301  # int() refuses it; JavaScript reads it as Infinity
    matches = compile_subscription(f"properties.n = {huge}").matches
    assert matches({"properties": {"n": float("inf")}})
    assert not matches({"properties": {"n": 7}})


def test_a_field_name_of_more_digits_than_python_reads_is_a_key_not_an_index() -> None:
    key = "7" * 4301
    matches = compile_subscription(f"properties.{key} = 1").matches
    assert matches({"properties": {key: 1}})
    assert not matches({"properties": {"other": 1}})
