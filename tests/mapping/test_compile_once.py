"""Compile once, resolve per event: resolving does no parsing or validation."""

from __future__ import annotations

from typing import Any, NoReturn

import pytest

from framework import first_of, path
from framework.languages.mapping import compile_mapping, paths
from framework.languages.mapping.directives import DIRECTIVES, lookup

MAPPING: dict[str, Any] = {
    "email": first_of("$.email", "$.properties.email", "$.context.traits.email"),
    "user_id": path("$.userId"),
    "name": {"@case": {"operator": "upper", "value": path('$.properties["first name"]')}},
    "points": {"@if": {"exists": path("$.properties.points"), "then": path("$.properties.points")}},
    "greeting": {"@template": "Hi {{properties.first name}}!"},
    "sku": path("$.properties.products[0].sku"),
    "kind": {"@literal": "purchase"},
    "slug": {
        "@replace": {
            "pattern": "A",
            "replacement": "-",
            "ignorecase": True,
            "value": path('$.properties["first name"]'),
        }
    },
    "skus": {"@arrayPath": ["$.properties.products", {"code": path("$.sku")}]},
    "encoded": {"@json": {"mode": "encode", "value": path("$.properties.products")}},
    "decoded": {"@json": {"mode": "decode", "value": path("$.properties.raw")}},
    "flat": {"@flatten": {"value": path("$.properties.nested"), "separator": "_"}},
    "merged": {"@merge": {"objects": [{"a": 0, "b": 0}, path("$.properties.nested")]}},
    "moved": {"@transform": {"apply": {"x": path("$.userId")}, "mapping": {"y": path("$.x")}}},
    "kept": {"@excludeWhenNull": path("$.properties.nested")},
    "liquid": {"@liquid": "{{ properties['first name'] | downcase }}"},
}
EVENT: dict[str, Any] = {
    "userId": "u1",
    "email": " ",
    "properties": {
        "email": "a@b.c",
        "first name": "Ann",
        "points": 5,
        "products": [{"sku": "X"}],
        "raw": '{"ok":true}',
        "nested": {"a": {"b": 1}, "c": None},
    },
}
EXPECTED = {
    "email": "a@b.c",
    "user_id": "u1",
    "name": "ANN",
    "points": 5,
    "greeting": "Hi Ann!",
    "sku": "X",
    "kind": "purchase",
    "slug": "-nn",
    "skus": [{"code": "X"}],
    "encoded": '[{"sku":"X"}]',
    "decoded": {"ok": True},
    "flat": {"a_b": 1, "c": None},
    "merged": {"a": {"b": 1}, "b": 0, "c": None},
    "moved": {"y": "u1"},
    "kept": {"a": {"b": 1}},
    "liquid": "ann",
}
FORBIDDEN = (
    "framework.languages.mapping.validate.validate_mapping",
    "framework.languages.mapping.validate.problems_in",
    "framework.languages.mapping.compiler.checked",
    "framework.languages.mapping.schema._validator",
    "framework.languages.mapping.compiler.Compiler.compile",
    "framework.languages.mapping.paths.parse_path",
    "framework.languages.mapping.directives.lookup.parse_path",
    "framework.languages.mapping.directives.template.parse_path",
    "framework.languages.mapping.directives.template.parse_template",
    "framework.languages.mapping.directives.liquid.parse_liquid",
    "framework.languages.mapping.liquid_engine.parse_liquid",
    "liquid.Environment.from_string",
    "re.compile",
)


def _forbidden(*args: Any, **kwargs: Any) -> NoReturn:
    raise AssertionError("called while resolving")


def test_the_mapping_uses_every_directive() -> None:
    used = {key for value in MAPPING.values() for key in value if key.startswith("@")}
    assert used | {"@path", "@first"} == set(DIRECTIVES)


def test_resolving_does_not_validate_or_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    resolve = compile_mapping(MAPPING)
    for target in FORBIDDEN:
        monkeypatch.setattr(target, _forbidden)
    assert resolve(EVENT) == EXPECTED
    assert resolve({}) == {
        "greeting": "Hi !",
        "kind": "purchase",
        "slug": "",
        "flat": {},
        "merged": {"a": 0, "b": 0},
        "moved": {},
        "liquid": "",
    }
    with pytest.raises(AssertionError) as raised:  # no match=: pytest would call re.compile
        compile_mapping(MAPPING)  # the patches do catch compiling
    assert raised.value.args == ("called while resolving",)


def test_dynamic_paths_are_parsed_once_per_distinct_path(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    real = paths.parse_path

    def counting(text: str) -> Any:
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(lookup, "parse_path", counting)
    resolve = compile_mapping({"@path": {"@path": "$.where"}})
    parsed.clear()
    for _ in range(5):
        assert resolve({"where": "$.a.b", "a": {"b": 1}}) == 1
    assert parsed == ["$.a.b"]
