"""``@case``, ``@replace``, ``@json`` and ``@excludeWhenNull`` beyond the conformance vectors."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from framework import MISSING, path
from framework.languages.mapping import compile_mapping, validate_mapping


def _resolve(directive: str, argument: Any, value: Any) -> Any:
    """Resolve ``{directive: argument}`` against ``{"v": value}`` (MISSING: no ``v``)."""
    event = {} if value is MISSING else {"v": value}
    return compile_mapping({directive: argument})(event)


# --- @case ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("upper", "straße", "STRASSE"),
        ("lower", "ÀÉÎ", "àéî"),
        ("upper", ["a"], ["a"]),
        ("lower", True, True),
        ("upper", MISSING, MISSING),
    ],
)
def test_case(operator: str, value: Any, expected: Any) -> None:
    argument = {"operator": operator, "value": path("$.v")}
    assert _resolve("@case", argument, value) == expected


def test_case_needs_an_operator_and_a_value() -> None:
    problems = validate_mapping({"@case": {"operator": "upper"}})
    assert [(problem.location, problem.message) for problem in problems] == [
        ("/@case", "should have the key 'value'")
    ]


# --- @replace ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "value", "expected"),
    [
        ({"pattern": ".", "replacement": "$&\\1"}, "a.b", "a$&\\1b"),  # plain text, no $& or \1
        ({"pattern": "*"}, "a*b*", "ab"),
        ({"pattern": "a", "replacement": "x", "ignorecase": True, "global": False}, "AaA", "xaA"),
        ({"pattern": "a", "replacement": "x", "ignorecase": True}, "AaA", "xxx"),
        ({"pattern": "a", "replacement": "b", "pattern2": "b", "replacement2": "c"}, "ab", "cc"),
        ({"pattern": "A", "pattern2": "B", "ignorecase": True, "global": False}, "abAB", "AB"),
        ({"pattern": "", "replacement": "x"}, "ab", "ab"),  # an empty pattern replaces nothing
        ({"pattern": "1", "replacement": "one"}, 1.0, "one"),  # numbers are written as upstream
        ({"pattern": ".", "replacement": ","}, 2.5, "2,5"),
        ({"pattern": "x"}, {"x": 1}, ""),
        ({"pattern": "x"}, MISSING, ""),
    ],
)
def test_replace(options: dict[str, Any], value: Any, expected: str) -> None:
    assert _resolve("@replace", {**options, "value": path("$.v")}, value) == expected


@pytest.mark.parametrize(
    ("argument", "locations"),
    [
        ({"pattern": "x", "value": 1, "pattern2": "y" * 11}, ["/@replace/pattern2"]),
        ({"pattern": "x", "value": 1, "replacement2": 2}, ["/@replace/replacement2"]),
        ({"pattern": "x", "value": 1, "regex": True}, ["/@replace"]),
        ("x", ["/@replace"]),
    ],
)
def test_replace_validation(argument: Any, locations: list[str]) -> None:
    problems = validate_mapping({"@replace": argument})
    assert [problem.location for problem in problems] == locations


# --- @json ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"whole": 1.0, "half": 0.5}, '{"whole":1,"half":0.5}'),
        ({"text": "é", "pair": (1, 2)}, '{"text":"é","pair":[1,2]}'),
        (float("nan"), "null"),
        (None, "null"),
        (False, "false"),
        (MISSING, MISSING),
    ],
)
def test_json_encode(value: Any, expected: Any) -> None:
    assert _resolve("@json", {"mode": "encode", "value": path("$.v")}, value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" [1, 2.5] ", [1, 2.5]),
        ("null", None),
        ("NaN", "NaN"),  # not JSON
        ("{'a': 1}", "{'a': 1}"),
        (5, 5),
        ({"a": "1"}, {"a": "1"}),
        (MISSING, MISSING),
    ],
)
def test_json_decode(value: Any, expected: Any) -> None:
    assert _resolve("@json", {"mode": "decode", "value": path("$.v")}, value) == expected


# --- @excludeWhenNull ----------------------------------------------------------------------


def test_exclude_when_null_removes_null_properties_at_any_depth() -> None:
    event = {"v": {"a": None, "b": [None, {"c": None, "d": 1}], "e": {"f": None}}}
    original = copy.deepcopy(event)
    resolved = compile_mapping({"x": {"@excludeWhenNull": path("$.v")}})(event)
    assert resolved == {"x": {"b": [None, {"d": 1}], "e": {}}}
    assert event == original  # the event is not changed


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, {}), (MISSING, {}), (0, {"x": 0}), ("", {"x": ""}), ([None], {"x": [None]})],
)
def test_exclude_when_null_leaves_out_only_null(value: Any, expected: Any) -> None:
    mapping = {"x": {"@excludeWhenNull": path("$.v")}}
    assert compile_mapping(mapping)({} if value is MISSING else {"v": value}) == expected
