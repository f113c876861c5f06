"""``@first`` (our extension) and the ``first_of`` / ``first_string_of`` / ``path`` helpers."""

from __future__ import annotations

from typing import Any

import pytest

from framework import MISSING, first_of, first_string_of, path
from framework.languages.mapping import compile_mapping, referenced_paths, validate_mapping
from framework.languages.mapping.values import has_value

EMAIL = first_of("$.email", "$.properties.email", "$.context.traits.email")


def test_helpers_build_the_directives() -> None:
    assert path("$.a") == {"@path": "$.a"}
    assert EMAIL == {
        "@first": [
            {"@path": "$.email"},
            {"@path": "$.properties.email"},
            {"@path": "$.context.traits.email"},
        ]
    }


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"email": "a@x", "properties": {"email": "b@x"}}, "a@x"),
        ({"properties": {"email": "b@x"}}, "b@x"),
        ({"email": None, "properties": {"email": "b@x"}}, "b@x"),
        ({"email": "", "properties": {"email": "b@x"}}, "b@x"),
        ({"email": "  \t\n", "properties": {"email": "b@x"}}, "b@x"),
        ({"email": "\u00a0\u2003", "properties": {"email": "b@x"}}, "b@x"),
        ({"email": " a@x ", "properties": {"email": "b@x"}}, " a@x "),
        ({"context": {"traits": {"email": "c@x"}}}, "c@x"),
        ({"email": " ", "properties": {}, "context": {"traits": {"email": None}}}, MISSING),
        ({}, MISSING),
    ],
)
def test_first_value_wins(event: dict[str, Any], expected: Any) -> None:
    assert compile_mapping(EMAIL)(event) == expected


@pytest.mark.parametrize("value", [0, 0.0, False, [], {}, "0", "x"])
def test_falsy_non_blank_values_are_values(value: Any) -> None:
    resolved = compile_mapping(first_of("$.a", "$.b"))({"a": value, "b": "fallback"})
    assert resolved == value
    assert type(resolved) is type(value)


def test_no_value_means_the_field_is_left_out() -> None:
    assert compile_mapping({"email": EMAIL, "kept": 1})({"email": "   "}) == {"kept": 1}


def test_options_may_be_any_mapping() -> None:
    mapping = {
        "@first": [
            {"@template": "{{missing}}"},
            {"@if": {"exists": {"@path": "$.vip"}, "then": {"@literal": "gold"}}},
            "default",
        ]
    }
    resolve = compile_mapping(mapping)
    assert resolve({"vip": True}) == "gold"
    assert resolve({}) == "default"


def test_stops_at_the_first_value() -> None:
    calls: list[str] = []

    class Recording(dict[str, Any]):
        def get(self, key: str, default: Any = None) -> Any:
            calls.append(key)
            return super().get(key, default)

    event = Recording(a=1, b=2)
    assert compile_mapping(first_of("$.a", "$.b"))(event) == 1
    assert calls == ["a"]


@pytest.mark.parametrize(
    ("mapping", "location", "words"),
    [
        ({"@first": []}, "/@first", "should have at least 1 item, but it has 0"),
        ({"@first": "$.a"}, "/@first", "a string"),
        ({"@first": {"@path": "$.a"}}, "/@first", "a directive"),
        ({"x": {"@first": [{"@path": "$.a"}, {"@path": 1}]}}, "/x/@first/1/@path", "a number"),
    ],
)
def test_validation(mapping: Any, location: str, words: str) -> None:
    problems = validate_mapping(mapping)
    assert [problem.location for problem in problems] == [location]
    assert words in problems[0].message


@pytest.mark.parametrize(
    "value", [MISSING, None, "", " ", "\t\n", "x", " x ", 0, False, [], {}, 1.5]
)
def test_has_value_agrees_with_first(value: Any) -> None:
    resolved = compile_mapping({"@first": [{"@literal": value}]})({})
    assert has_value(value) == (resolved is not MISSING)


# --- first_string_of: @first over @if "string" ------------------------------------------

STRING_EMAIL = first_string_of("$.email", "$.properties.email", "$.context.traits.email")


def test_first_string_of_builds_first_over_string_conditions() -> None:
    assert first_string_of("$.a", "$.b") == {
        "@first": [
            {"@if": {"string": {"@path": "$.a"}, "then": {"@path": "$.a"}}},
            {"@if": {"string": {"@path": "$.b"}, "then": {"@path": "$.b"}}},
        ]
    }
    assert validate_mapping(STRING_EMAIL) == []
    assert referenced_paths(STRING_EMAIL) == [
        "$.email",
        "$.properties.email",
        "$.context.traits.email",
    ]


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"email": 42, "properties": {"email": "b@x"}}, "b@x"),
        (
            {"email": True, "properties": {"email": 0}, "context": {"traits": {"email": "c@x"}}},
            "c@x",
        ),
        ({"email": {"a": "x"}, "properties": {"email": ["x"]}}, MISSING),
        (
            {"email": "", "properties": {"email": " \t"}, "context": {"traits": {"email": "c@x"}}},
            "c@x",
        ),
        ({"email": None, "properties": {"email": "b@x"}}, "b@x"),
        ({"email": " a@x ", "properties": {"email": "b@x"}}, " a@x "),
        ({}, MISSING),
    ],
)
def test_first_string_skips_other_types_and_blank_strings(event: Any, expected: Any) -> None:
    assert compile_mapping(STRING_EMAIL)(event) == expected


def test_first_alone_keeps_a_value_of_another_type() -> None:
    """Why ``first_string_of`` exists: ``@first`` takes 42, which then fails as a string."""
    assert compile_mapping(EMAIL)({"email": 42, "properties": {"email": "b@x"}}) == 42
