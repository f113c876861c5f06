"""Resolving plain objects, arrays and literals; MISSING; fresh results."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from framework import MISSING
from framework.core.errors import MappingResolutionError
from framework.languages.mapping import compile_mapping


def test_missing_sentinel() -> None:
    assert repr(MISSING) == "MISSING"
    assert not MISSING
    assert MISSING is not None
    assert MISSING != None  # noqa: E711 - the point is that they differ
    assert copy.copy(MISSING) is MISSING
    assert copy.deepcopy(MISSING) is MISSING
    assert pickle.loads(pickle.dumps(MISSING)) is MISSING


def test_missing_values_are_dropped_from_objects() -> None:
    mapping = {"a": {"@path": "$.a"}, "b": {"@path": "$.b"}, "c": {"x": {"@path": "$.c"}}}
    assert compile_mapping(mapping)({"a": None}) == {"a": None, "c": {}}


def test_missing_in_the_mapping_itself_is_dropped() -> None:
    assert compile_mapping({"x": MISSING, "y": 1})({}) == {"y": 1}


def test_missing_items_are_dropped_from_arrays() -> None:
    mapping = [{"@path": "$.a"}, {"@path": "$.b"}, {"@path": "$.c"}, MISSING]
    assert compile_mapping(mapping)({"a": 1, "c": None}) == [1, None]


def test_top_level_directive_may_resolve_to_missing() -> None:
    assert compile_mapping({"@path": "$.nope"})({}) is MISSING


def test_nested_structures_with_directives() -> None:
    mapping = {
        "user": {"id": {"@path": "$.userId"}, "tags": ["vip", {"@path": "$.traits.tier"}]},
        "items": [{"sku": {"@path": "$.properties.products[0].sku"}, "qty": 1}],
        "raw": [1, "two", None, True, 2.5],
    }
    event = {"userId": "u1", "traits": {"tier": "gold"}, "properties": {"products": [{"sku": "A"}]}}
    assert compile_mapping(mapping)(event) == {
        "user": {"id": "u1", "tags": ["vip", "gold"]},
        "items": [{"sku": "A", "qty": 1}],
        "raw": [1, "two", None, True, 2.5],
    }


def test_key_order_follows_the_mapping() -> None:
    mapping = {"z": 1, "a": {"@path": "$.a"}, "m": "x"}
    assert list(compile_mapping(mapping)({"a": 2})) == ["z", "a", "m"]


@pytest.mark.parametrize("mapping", [["cool"], 123, "neat", None, True, 1.5, []])
def test_non_object_mappings_resolve_to_themselves(mapping: Any) -> None:
    assert compile_mapping(mapping)({}) == mapping


def test_tuples_are_arrays() -> None:
    assert compile_mapping(({"@path": "$.a"}, 2))({"a": 1}) == [1, 2]


def test_metadata_next_to_a_directive_is_ignored() -> None:
    mapping = {"@path": "$.a", "_metadata": {"label": "A"}}
    assert compile_mapping(mapping)({"a": 1}) == 1


@pytest.mark.parametrize(
    ("event", "kind"), [(123, "a number"), ([], "an empty array"), (None, "null")]
)
def test_the_event_must_be_an_object(event: Any, kind: str) -> None:
    with pytest.raises(MappingResolutionError, match=kind):
        compile_mapping({"a": 1})(event)


def test_each_resolution_returns_fresh_containers() -> None:
    resolve = compile_mapping({"list": [1, {"x": 2}], "obj": {"k": "v"}})
    first = resolve({})
    first["list"][1]["x"] = "changed"
    first["obj"].clear()
    assert resolve({}) == {"list": [1, {"x": 2}], "obj": {"k": "v"}}


def test_changing_the_mapping_after_compiling_changes_nothing() -> None:
    mapping: dict[str, Any] = {"a": {"@path": "$.a"}, "b": [1], "c": {"@literal": {"d": [1]}}}
    resolve = compile_mapping(mapping)
    mapping["a"]["@path"] = "$.other"
    mapping["b"].append(2)
    mapping["c"]["@literal"]["d"].append(2)
    assert resolve({"a": "A"}) == {"a": "A", "b": [1], "c": {"d": [1]}}
