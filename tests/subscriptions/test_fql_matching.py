"""Matching semantics of compiled subscriptions, and the ``Subscription`` object."""

from __future__ import annotations

import dataclasses
import itertools
import re
from types import MappingProxyType
from typing import Any

import pytest

import framework.languages.fql.lexer as lexer_module
import framework.languages.fql.parser as parser_module
import framework.languages.fql.subscription as subscription_module
from framework.languages.fql import Subscription, compile_subscription
from framework.languages.fql.compiler import compile_glob


def matches(source: str, event: Any) -> bool:
    return compile_subscription(source).matches(event)


def props(value: Any) -> dict[str, Any]:
    return {"properties": {"value": value}}


# -- equality ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "value", "expected"),
    [
        ('properties.value = "x"', "x", True),
        ('properties.value = "x"', "X", False),
        ('properties.value = "x"', "x ", False),
        ('properties.value = "123"', 123, False),
        ('properties.value = "true"', True, False),
        ('properties.value != "x"', "x", False),
        ('properties.value != "x"', "y", True),
        ('properties.value != "123"', 123, True),
        ("properties.value = true", True, True),
        ("properties.value = true", "true", False),
        ("properties.value = true", 1, False),
        ("properties.value = false", False, True),
        ("properties.value = false", 0, False),
        ("properties.value = false", None, False),
        ("properties.value != true", False, True),
        ("properties.value != true", True, False),
    ],
)
def test_equality_is_exact(source: str, value: Any, expected: bool) -> None:
    assert matches(source, props(value)) is expected


def test_string_not_equal_holds_for_a_missing_field() -> None:
    assert matches('properties.value != "x"', {"properties": {}}) is True
    assert matches('properties.value = "x"', {"properties": {}}) is False


# -- null ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "is_null"),
    [
        ({}, True),
        ({"properties": None}, True),
        ({"properties": {}}, True),
        (props(None), True),
        (props("null"), False),
        (props(""), False),
        (props(0), False),
        (props(False), False),
        (props([]), False),
    ],
)
def test_null_means_missing_or_null(event: dict[str, Any], is_null: bool) -> None:
    assert matches("properties.value = null", event) is is_null
    assert matches("properties.value != null", event) is not is_null


# -- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "results"),
    [
        # results for event values 5, 10, 11
        ("=", (False, True, False)),
        ("!=", (True, False, True)),
        ("<", (True, False, False)),
        ("<=", (True, True, False)),
        (">", (False, False, True)),
        (">=", (False, True, True)),
    ],
)
def test_each_numeric_operator(operator: str, results: tuple[bool, bool, bool]) -> None:
    subscription = compile_subscription(f"properties.value {operator} 10")
    assert tuple(subscription.matches(props(v)) for v in (5, 10, 11)) == results
    assert tuple(subscription.matches(props(float(v))) for v in (5, 10, 11)) == results


@pytest.mark.parametrize("operator", ["=", "!=", "<", "<=", ">", ">="])
@pytest.mark.parametrize("value", ["5", "10", "11", "abc", True, False, None, [10], {"a": 10}])
def test_numeric_comparison_needs_a_number_in_the_event(operator: str, value: Any) -> None:
    """Numeric strings, booleans and other values never satisfy a numeric comparison."""
    assert matches(f"properties.value {operator} 10", props(value)) is False
    assert matches(f"properties.value {operator} 10", {"properties": {}}) is False


def test_numeric_literal_written_as_string_compares_like_the_number() -> None:
    as_number = compile_subscription("properties.value >= 10")
    as_text = compile_subscription('properties.value >= "10"')
    for value in (9, 10, 10.5, "10", "11", None):
        assert as_number.matches(props(value)) is as_text.matches(props(value))
    assert as_text.matches(props(12)) is True


def test_negative_and_fractional_literals() -> None:
    assert matches("properties.value < -1.5", props(-2)) is True
    assert matches("properties.value < -1.5", props(-1.5)) is False
    assert matches("properties.value = 0.1", props(0.1)) is True
    assert matches("properties.value = 1e3", props(1000)) is True


# -- contains / match ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Nike Air", True),
        ("the nike", False),
        ("Nik", False),
        (["Nike"], False),
        ({"Nike": 1}, False),
        (None, False),
        (5, False),
    ],
)
def test_contains(value: Any, expected: bool) -> None:
    assert matches('contains(properties.value, "Nike")', props(value)) is expected
    assert matches('!contains(properties.value, "Nike")', props(value)) is not expected


def test_contains_empty_text_holds_for_any_string() -> None:
    assert matches('contains(event, "")', {"event": ""}) is True
    assert matches('contains(event, "")', {}) is False


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("abc", "abc", True),
        ("abc", "xbc", False),
        ("abc", "bc", False),
        ("abc", "abcd", False),
        ("", "", True),
        ("", "a", False),
        ("*", "", True),
        ("*", "anything", True),
        ("**", "x", True),
        ("X*", "Xylophone", True),
        ("X*", "xylophone", False),
        ("*X", "boX", True),
        ("*X", "Xo", False),
        ("*abc*", "xabcx", True),
        ("*abc*", "abc", True),
        ("*abc*", "ab", False),
        ("a*c", "abc", True),
        ("a*c", "ac", True),
        ("a*c", "abcd", False),
        ("a*c", "a\nc", True),
        ("a*b*c", "aXbYc", True),
        ("a*b*c", "acb", False),
        ("aa*aa", "aaa", False),
        ("aa*aa", "aaaa", True),
        ("ab*ba", "aba", False),
        ("*a*b*", "xxbxa", False),
        ("*aba*ba*", "abaxx", False),
        ("*aba*ba*", "ababa", True),
        ("ab*ab*ab", "ababab", True),
        ("ab*ab*ab", "abab", False),
        ("a.c", "abc", False),
        ("a.c", "a.c", True),
        ("[ab]", "a", False),
        ("[ab]", "[ab]", True),
        ("a?c", "abc", False),
        ("a+", "aa", False),
        ("^a$", "^a$", True),
    ],
)
def test_match_glob(pattern: str, text: str, expected: bool) -> None:
    source = f"match(event, {_quote(pattern)})"
    assert matches(source, {"event": text}) is expected
    assert matches("!" + source, {"event": text}) is not expected


def test_match_needs_a_string_value() -> None:
    for value in (None, 5, ["abc"], {"abc": 1}, True):
        assert matches('match(properties.value, "*")', props(value)) is False
    assert matches('!match(properties.value, "*")', {}) is True


def test_glob_agrees_with_a_reference_on_every_small_case() -> None:
    """Exhaustive check of ``compile_glob`` against a regex reference (small alphabet)."""
    patterns = ["".join(p) for n in range(6) for p in itertools.product("ab*", repeat=n)]
    texts = ["".join(t) for n in range(6) for t in itertools.product("ab", repeat=n)]
    for pattern in patterns:
        test = compile_glob(pattern)
        reference = re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.S)
        for text in texts:
            assert test(text) is bool(reference.fullmatch(text)), (pattern, text)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# -- boolean structure -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "truth_table"),
    [
        # rows: (a, b, c) in itertools.product((False, True), repeat=3)
        ("a = 1 or b = 1 and c = 1", lambda a, b, c: a or (b and c)),
        ("a = 1 and b = 1 or c = 1", lambda a, b, c: (a and b) or c),
        ("(a = 1 or b = 1) and c = 1", lambda a, b, c: (a or b) and c),
        ("not a = 1 and b = 1", lambda a, b, c: (not a) and b),
        ("not (a = 1 and b = 1) or c = 1", lambda a, b, c: (not (a and b)) or c),
        ("!(a = 1 or (b = 1 and !(c = 1)))", lambda a, b, c: not (a or (b and not c))),
        ("a = 1 and b = 1 and c = 1", lambda a, b, c: a and b and c),
        ("a = 1 or b = 1 or c = 1", lambda a, b, c: a or b or c),
        ("((a = 1) or ((b = 1))) and (((c = 1)))", lambda a, b, c: (a or b) and c),
    ],
)
def test_boolean_structure(source: str, truth_table: Any) -> None:
    subscription = compile_subscription(source)
    for a, b, c in itertools.product((False, True), repeat=3):
        event = {name: 1 for name, on in (("a", a), ("b", b), ("c", c)) if on}
        assert subscription.matches(event) is bool(truth_table(a, b, c)), (a, b, c)


# -- fields ----------------------------------------------------------------------------------


def test_any_top_level_field() -> None:
    event = {
        "type": "track",
        "anonymousId": "anon-1",
        "messageId": "m-1",
        "userId": "u-1",
        "integrations": {"All": False},
    }
    assert matches('anonymousId = "anon-1"', event) is True
    assert matches('messageId = "m-2"', event) is False
    assert matches('userId = "u-1" and integrations.All = false', event) is True


def test_nested_paths_lists_and_escaped_names() -> None:
    event = {
        "properties": {
            "cart": {"total": 30},
            "products": [{"sku": "A1"}, {"sku": "B2"}],
            "first name": "Ada",
            "a.b": "dotted key",
        }
    }
    assert matches("properties.cart.total > 20", event) is True
    assert matches('properties.products.1.sku = "B2"', event) is True
    assert matches("properties.products.2.sku = null", event) is True
    assert matches(r'properties.first\ name = "Ada"', event) is True
    assert matches(r'properties.a\.b = "dotted key"', event) is True
    assert matches('properties.a.b = "dotted key"', event) is False


def test_traits_are_looked_up_literally() -> None:
    """``traits.x`` reads the event's own ``traits``; there is no ``context.traits`` fallback."""
    assert matches('traits.plan = "pro"', {"traits": {"plan": "pro"}}) is True
    assert matches('traits.plan = "pro"', {"context": {"traits": {"plan": "pro"}}}) is False
    assert matches('context.traits.plan = "pro"', {"context": {"traits": {"plan": "pro"}}})


def test_paths_through_non_containers_are_missing() -> None:
    for properties in ("text", 5, None, True, ["a"], [], {"cart": "text"}):
        event = {"properties": properties}
        assert matches("properties.cart.total = null", event) is True
        assert matches("properties.cart.total != null", event) is False
        assert matches("properties.0.total = null", event) is True


# -- robustness ------------------------------------------------------------------------------

ODD_EVENTS: list[Any] = [
    None,
    "",
    "track",
    0,
    1.5,
    True,
    [],
    [{"type": "track"}],
    {},
    {"type": None},
    {"type": ["track"]},
    {"type": {"track": True}},
    {"properties": "x"},
    {"properties": [1, 2, 3]},
    {"properties": {"value": {"nested": [None, {"x": float("nan")}]}}},
    {"context": {"traits": None}},
    {1: "non-string key", "type": "track"},
]

SUBSCRIPTIONS = [
    'type = "track"',
    "type != null",
    'contains(type, "r")',
    'match(type, "t*k")',
    "properties.value.nested.1.x > 0",
    'not (properties.value = "x" or context.traits.plan = null)',
    '!match(properties.value, "*")',
]


@pytest.mark.parametrize("source", SUBSCRIPTIONS)
def test_matching_never_raises(source: str) -> None:
    subscription = compile_subscription(source)
    for event in ODD_EVENTS:
        result = subscription.matches(event)
        assert isinstance(result, bool)
        if not isinstance(event, dict):
            assert result is False, event


def test_non_dict_mappings_are_events() -> None:
    event = MappingProxyType({"type": "track", "properties": MappingProxyType({"value": 3})})
    assert matches('type = "track" and properties.value = 3', event) is True


# -- the Subscription object -----------------------------------------------------------------


def test_subscription_object() -> None:
    source = 'type = "track"'
    subscription = compile_subscription(source)
    assert isinstance(subscription, Subscription)
    assert subscription.source == source
    assert subscription({"type": "track"}) is True
    assert subscription({"type": "page"}) is False
    assert subscription == compile_subscription(source)
    assert hash(subscription) == hash(compile_subscription(source))
    assert subscription != compile_subscription('type = "page"')
    assert repr(subscription) == "Subscription(source='type = \"track\"')"
    with pytest.raises(dataclasses.FrozenInstanceError):
        subscription.source = "x"  # type: ignore[misc]


def test_source_must_be_text() -> None:
    with pytest.raises(TypeError, match="must be a str"):
        compile_subscription(None)  # type: ignore[arg-type]


def test_compiles_once_and_matching_does_not_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_parse = parser_module.parse

    def counting_parse(source: str) -> Any:
        calls.append(source)
        return real_parse(source)

    monkeypatch.setattr(subscription_module, "parse", counting_parse)
    source = 'type = "track" and (event = "Order Completed" or contains(event, "Refund"))'
    subscription = compile_subscription(source)
    assert calls == [source]

    def forbidden(*_args: Any) -> Any:
        raise AssertionError("matching must not parse")

    monkeypatch.setattr(subscription_module, "parse", forbidden)
    monkeypatch.setattr(parser_module, "tokenize", forbidden)
    monkeypatch.setattr(lexer_module, "tokenize", forbidden)
    monkeypatch.setattr(parser_module, "_Parser", forbidden)
    assert subscription.matches({"type": "track", "event": "Refund Issued"}) is True
    assert subscription.matches({"type": "track", "event": "Order Completed"}) is True
    assert subscription.matches({"type": "track", "event": "Order Started"}) is False
    assert subscription.matches({"type": "page", "event": "Order Completed"}) is False
