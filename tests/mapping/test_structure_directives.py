"""``@arrayPath``, ``@flatten``, ``@merge``, ``@transform`` and the root-level
``__segment_internal_directive`` beyond the conformance vectors."""

from __future__ import annotations

import re
from typing import Any

import pytest

from framework import MISSING, path
from framework.core.errors import MappingResolutionError
from framework.languages.mapping import compile_mapping, validate_mapping
from framework.languages.mapping.flatten import flatten

# --- @arrayPath ----------------------------------------------------------------------------

SHAPE = {"id": path("$.id")}


@pytest.mark.parametrize(
    ("shape", "value", "expected"),
    [
        (SHAPE, [{"id": 1}, {"id": 2, "x": 0}], [{"id": 1}, {"id": 2}]),
        (SHAPE, {"id": 1}, [{"id": 1}]),  # an object is one item
        (SHAPE, [{"id": 1}, 7, None], [{"id": 1}, {}, {}]),  # paths in items that are not objects
        (path("$.id"), [{"id": 1}, {}, {"id": 3}], [1, 3]),  # MISSING results are left out
        (SHAPE, "text", "text"),  # not an object or array: as it is
        (SHAPE, MISSING, MISSING),
        (None, {"id": 1}, {"id": 1}),  # no shape: as it is
        ({}, [{"id": 1}], [{"id": 1}]),
        ({"@template": "#{{id}}"}, ({"id": 1}, {"id": 2}), ["#1", "#2"]),
    ],
)
def test_array_path(shape: Any, value: Any, expected: Any) -> None:
    event = {} if value is MISSING else {"items": value}
    assert compile_mapping({"@arrayPath": ["$.items", shape]})(event) == expected


def test_array_path_may_be_a_directive() -> None:
    mapping = {"@arrayPath": [{"@path": {"@path": "$.where"}}, SHAPE]}
    assert compile_mapping(mapping)({"where": "$.list", "list": [{"id": 4}]}) == [{"id": 4}]


@pytest.mark.parametrize(
    ("argument", "location"),
    [
        (["$.a", {"x": 1}, {"y": 2}], "/@arrayPath"),  # upstream ignores extra items
        (["$..a"], "/@arrayPath/0"),
        (["$.a", "shape"], "/@arrayPath/1"),
        ([{"x": 1}], "/@arrayPath/0"),
    ],
)
def test_array_path_validation(argument: Any, location: str) -> None:
    assert [problem.location for problem in validate_mapping({"@arrayPath": argument})] == [
        location
    ]


# --- @flatten ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        ({"a": {}, "b": [], "c": {"d": []}}, {}, {}),  # empty containers have no leaves
        ({"a": {"b": 1}}, {"prefix": "p", "separator": "/"}, {"p/a/b": 1}),
        ({"a": [{"b": 1}]}, {"omit_arrays": True}, {"a": [{"b": 1}]}),
        ([[1, [2]]], {}, {"0.0": 1, "0.1.0": 2}),
        ({"a": None, "b": "x"}, {}, {"a": None, "b": "x"}),
        ("text", {}, {}),
        ([1], {"omit_arrays": True}, {}),
    ],
)
def test_flatten_helper(value: Any, kwargs: dict[str, Any], expected: Any) -> None:
    assert flatten(value, **kwargs) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(MISSING, {}), (3, {}), ({"a": {"b": 1}}, {"a-b": 1})]
)
def test_flatten_directive(value: Any, expected: Any) -> None:
    mapping = {"@flatten": {"value": path("$.v"), "separator": "-"}}
    assert compile_mapping(mapping)({} if value is MISSING else {"v": value}) == expected


def test_flatten_needs_a_separator_string() -> None:
    problems = validate_mapping({"@flatten": {"value": 1, "separator": {"@path": "$.s"}}})
    assert [problem.location for problem in problems] == ["/@flatten/separator"]
    assert validate_mapping({"@flatten": {"value": 1}})[0].message == (
        "should have the key 'separator'"
    )


# --- @merge --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        ({}, {"a": 2, "b": 1, "c": 2}),  # right by default: later objects win
        ({"direction": "right"}, {"a": 2, "b": 1, "c": 2}),
        ({"direction": "left"}, {"a": 1, "b": 1, "c": 2}),
    ],
)
def test_merge_direction(direction: dict[str, str], expected: dict[str, int]) -> None:
    objects = [{"a": 1, "b": 1}, path("$.missing"), path("$.text"), path("$.second")]
    mapping = {"@merge": {"objects": objects, **direction}}
    event = {"text": "skipped", "second": {"a": 2, "c": 2}}
    assert compile_mapping(mapping)(event) == expected
    assert event == {"text": "skipped", "second": {"a": 2, "c": 2}}  # not changed in place


def test_merge_result_is_a_new_object() -> None:
    event = {"only": {"a": 1}}
    merged = compile_mapping({"@merge": {"objects": [path("$.only")]}})(event)
    assert merged == {"a": 1}
    assert merged is not event["only"]


# --- @transform and __segment_internal_directive -------------------------------------------


def test_transform_maps_the_result_of_apply() -> None:
    mapping = {
        "@transform": {
            "apply": {"total": path("$.properties.total"), "kind": "order"},
            "mapping": {"t": path("$.total"), "k": {"@template": "{{kind}}:{{total}}"}},
        }
    }
    assert compile_mapping(mapping)({"properties": {"total": 5}}) == {"t": 5, "k": "order:5"}


def test_transform_of_missing_is_of_an_empty_object() -> None:
    mapping = {"@transform": {"apply": path("$.nothing"), "mapping": {"k": "v", "p": path("$.a")}}}
    assert compile_mapping(mapping)({}) == {"k": "v"}


def test_transform_of_a_value_that_is_not_an_object_fails() -> None:
    mapping = {"x": {"@transform": {"apply": path("$.text"), "mapping": {"k": 1}}}}
    with pytest.raises(
        MappingResolutionError, match=re.escape("/x/@transform/apply: resolved to a string")
    ):
        compile_mapping(mapping)({"text": "t"})


def test_internal_directive_transforms_the_event_for_the_other_root_fields() -> None:
    mapping = {
        "__segment_internal_directive": {"@transform": {"apply": {"user": path("$.userId")}}},
        "id": path("$.user"),
        "original": path("$.userId"),
    }
    assert compile_mapping(mapping)({"userId": "u1"}) == {"id": "u1"}


def test_internal_directive_is_an_ordinary_key_below_the_root() -> None:
    mapping = {"nested": {"__segment_internal_directive": {"x": path("$.a")}}}
    assert compile_mapping(mapping)({"a": 1}) == {
        "nested": {"__segment_internal_directive": {"x": 1}}
    }


@pytest.mark.parametrize(
    ("mapping", "locations"),
    [
        ({"__segment_internal_directive": {"@path": "$.a"}}, ["/__segment_internal_directive"] * 2),
        (
            {"__segment_internal_directive": {"@transform": {"apply": {}, "mapping": {}}}},
            ["/__segment_internal_directive/@transform"],
        ),
        ({"__segment_internal_directive": {"@transform": {"apply": {}}}, "@path": "$.a"}, [""]),
        ({"@transform": {"apply": "text", "mapping": {}}}, ["/@transform/apply"]),
    ],
)
def test_transform_validation(mapping: Any, locations: list[str]) -> None:
    assert [problem.location for problem in validate_mapping(mapping)] == locations
