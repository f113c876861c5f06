"""Validation: every problem at once, each at a JSON pointer, with a useful message."""

from __future__ import annotations

from typing import Any

import pytest

from framework import MappingError, first_of
from framework.core.errors import Problem
from framework.languages.mapping import compile_mapping, validate_mapping

BROKEN: dict[str, Any] = {
    "email": {"@if": {"exists": {"@path": "$.email"}, "then": {"@foo": 1}}},
    "name": {"@path": "$.a..b"},
    "list": [1, {"@template": 5}, {"@path": "$.ok"}],
    "mixed": {"@path": "$.x", "extra": 1},
    "fine": first_of("$.a", "$.b"),
    "case": {"@case": {"operator": "title", "value": "X"}},
    "a/b~c": {"@first": []},
}


def test_every_problem_is_reported_at_once() -> None:
    problems = validate_mapping(BROKEN)
    assert [problem.location for problem in problems] == [
        "/email/@if/then",
        "/name/@path",
        "/list/1/@template",
        "/mixed",
        "/case/@case/operator",
        "/a~1b~0c/@first",
    ]
    assert all(isinstance(problem, Problem) for problem in problems)


def test_directives_inside_plain_arrays_are_checked() -> None:
    mapping = {"a": [[{"@path": 1}], {"b": [{"@nope": 1}, [{"@liquid": "{% for %}"}]]}]}
    assert [problem.location for problem in validate_mapping(mapping)] == [
        "/a/0/0/@path",
        "/a/1/b/0",
        "/a/1/b/1/0/@liquid",
    ]


def test_a_problem_is_reported_once() -> None:
    problems = validate_mapping({"@transform": {"x": 1}})
    assert [problem.message for problem in problems] == [
        "has an unknown key 'x' (allowed: apply, mapping)",
        "should have the keys 'apply', 'mapping'",
    ]


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
        ({"x": {"@merge": {}}}, "/x/@merge", "should have the key 'objects'"),
        (
            {"@path": "$.a", "b": 1},
            "",
            "one @-prefixed key (and optionally _metadata), but it has 2",
        ),
        ({"@path": 1}, "/@path", "should be a path string or a directive but it is a number"),
        ({"@path": {}}, "/@path", "should be a path string or a directive but it is an object"),
        ({"@case": {"operator": "title", "value": 1}}, "/@case/operator", 'but it is "title"'),
        ({"@json": {"mode": "encode"}}, "/@json", "should have the key 'value'"),
        ({"@transform": {}}, "/@transform", "should have the keys 'apply', 'mapping'"),
        ({"@replace": {"pattern": "x", "value": 1, "global": 1}}, "/@replace/global", "a boolean"),
        ({"@arrayPath": []}, "/@arrayPath", "should have at least 1 item, but it has 0"),
        ({"@merge": {"objects": [1]}}, "/@merge/objects/0", "an object or a directive"),
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
        {"a": [{"b": {"@literal": {"any": "thing"}}}]},
        {"@template": "{{a}}", "_metadata": {"label": "x"}},
        {"@path": {"@if": {"blank": {"@path": "$.p"}, "then": {"@path": "$.p"}, "else": "$.q"}}},
        first_of("$.a"),
    ],
)
def test_valid_mappings_have_no_problem(mapping: Any) -> None:
    assert validate_mapping(mapping) == []
