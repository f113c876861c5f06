"""``referenced_paths``: the event paths a mapping reads."""

from __future__ import annotations

from typing import Any

import pytest

from framework import first_of, path
from framework.languages.mapping import referenced_paths


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        (
            first_of("$.email", "$.properties.email", "$.context.traits.email"),
            ["$.email", "$.properties.email", "$.context.traits.email"],
        ),
        (path("$.a"), ["$.a"]),
        ("literal", []),
        ({"@literal": {"@path": "$.read"}}, ["$.read"]),
        ({"@literal": "$.not.read"}, []),
        ({"@template": "{{ a.b }} and {{{c}}}"}, ["a.b", "c"]),
        (
            {"@if": {"exists": path("$.x"), "then": path("$.y"), "else": {"@template": "{{z}}"}}},
            ["$.x", "$.y", "z"],
        ),
        (
            {"a": path("$.a"), "b": [path("$.b"), path("$.a")], "c": path("$.c")},
            ["$.a", "$.b", "$.c"],
        ),
        ({"@path": {"@path": "$.where"}}, ["$.where"]),
        ({"x": {"@path": "$.a", "_metadata": {"@path": "$.meta"}}}, ["$.a"]),
        ({"x": {"@case": {"operator": "upper", "value": path("$.c")}}}, ["$.c"]),
        ({"@replace": {"pattern": "$.no", "value": path("$.r")}}, ["$.r"]),
        ({"@arrayPath": ["$.items", {"id": path("$.id")}]}, ["$.items", "$.id"]),
        ({"@arrayPath": [path("$.items")]}, ["$.items"]),
        ({"@liquid": "{% assign x = a.b %}{{ x }} {{ c | upcase }} {{ a.b }}"}, ["a.b", "c"]),
        ({"@liquid": "{% for x in y %}"}, []),
        (
            {"@merge": {"objects": [path("$.m"), {"@excludeWhenNull": path("$.n")}]}},
            ["$.m", "$.n"],
        ),
        (
            {"@transform": {"apply": {"x": path("$.a")}, "mapping": {"y": path("$.x")}}},
            ["$.a", "$.x"],
        ),
        ({"bad": {"@path": 5}, "ok": path("$.ok")}, ["$.ok"]),
    ],
)
def test_referenced_paths(mapping: Any, expected: list[str]) -> None:
    assert referenced_paths(mapping) == expected
