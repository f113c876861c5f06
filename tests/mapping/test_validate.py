"""Validation: every problem at once, each at a JSON pointer, with a useful message."""

from __future__ import annotations

from typing import Any

import pytest

from framework.errors import MappingError, Problem
from framework.mapping import compile_mapping, first_of, validate_mapping

BROKEN: dict[str, Any] = {
    "email": {"@if": {"exists": {"@path": "$.email"}, "then": {"@foo": 1}}},
    "name": {"@path": "$.a..b"},
    "list": [1, {"@template": 5}, {"@path": "$.ok"}],
    "mixed": {"@path": "$.x", "extra": 1},
    "fine": first_of("$.a", "$.b"),
    "later": {"@case": {"operator": "lower", "value": "X"}},
    "a/b~c": {"@first": []},
}


def test_every_problem_is_reported_at_once() -> None:
    problems = validate_mapping(BROKEN)
    assert [problem.location for problem in problems] == [
        "/email/@if/then",
        "/name/@path",
        "/list/1/@template",
        "/mixed",
        "/later",
        "/a~1b~0c/@first",
    ]
    assert all(isinstance(problem, Problem) for problem in problems)


def test_compile_raises_with_the_same_problems() -> None:
    with pytest.raises(MappingError) as raised:
        compile_mapping(BROKEN)
    assert raised.value.problems == validate_mapping(BROKEN)
    assert raised.value.code == "INVALID_MAPPING"
    assert "/email/@if/then: unknown directive @foo" in str(raised.value)


@pytest.mark.parametrize(
    ("mapping", "location", "words"),
    [
        ({"@foo": 1}, "", "unknown directive @foo"),
        ({"x": {"@merge": {}}}, "/x", "@merge is not supported yet"),
        ({"@path": "$.a", "b": 1}, "", "exactly one key, but it has 2: '@path', 'b'"),
        ({"@path": 1}, "/@path", "@path must be a path string or a directive, but it is a number"),
        ({"@path": [1]}, "/@path", "an array"),
        ({"@template": None}, "/@template", "null"),
        ({"a": {1, 2}}, "/a", "a set"),
        ({1: "x"}, "", "keys must be strings"),
        ({"@if": {"exists": 1, "then": {"@path": "$..a"}}}, "/@if/then/@path", "'$..a'"),
    ],
)
def test_messages_name_the_problem(mapping: Any, location: str, words: str) -> None:
    problems = validate_mapping(mapping)
    assert problems
    assert problems[0].location == location
    assert words in problems[0].message


def test_root_problem_prints_as_slash() -> None:
    assert str(validate_mapping({"@foo": 1})[0]).startswith("/: unknown directive @foo")


@pytest.mark.parametrize(
    "mapping",
    [
        {},
        [],
        "text",
        None,
        {"a": [{"b": {"@literal": {"@any": "thing"}}}]},
        {"@template": "{{a}}", "_metadata": {"label": "x"}},
        {"@path": {"@if": {"blank": {"@path": "$.p"}, "then": {"@path": "$.p"}, "else": "$.q"}}},
        first_of("$.a"),
    ],
)
def test_valid_mappings_have_no_problem(mapping: Any) -> None:
    assert validate_mapping(mapping) == []
