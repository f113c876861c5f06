"""Compile once, resolve per event: resolving does no parsing or validation, and is fast."""

from __future__ import annotations

from typing import Any, NoReturn

import pytest

from framework.mapping import compile_mapping, first_of, path, paths
from framework.mapping.directives import lookup

MAPPING: dict[str, Any] = {
    "email": first_of("$.email", "$.properties.email", "$.context.traits.email"),
    "user_id": path("$.userId"),
    "name": path('$.properties["first name"]'),
    "points": {"@if": {"exists": path("$.properties.points"), "then": path("$.properties.points")}},
    "greeting": {"@template": "Hi {{properties.first name}}!"},
    "sku": path("$.properties.products[0].sku"),
    "kind": {"@literal": "purchase"},
}
EVENT: dict[str, Any] = {
    "userId": "u1",
    "email": " ",
    "properties": {
        "email": "a@b.c",
        "first name": "Ann",
        "points": 5,
        "products": [{"sku": "X"}],
    },
}
EXPECTED = {
    "email": "a@b.c",
    "user_id": "u1",
    "name": "Ann",
    "points": 5,
    "greeting": "Hi Ann!",
    "sku": "X",
    "kind": "purchase",
}


def _forbidden(*args: Any, **kwargs: Any) -> NoReturn:
    raise AssertionError("called while resolving")


def test_resolving_does_not_validate_or_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    resolve = compile_mapping(MAPPING)
    for target in (
        "framework.mapping.validate.validate_mapping",
        "framework.mapping.compiler.Compiler.compile",
        "framework.mapping.compiler.Compiler.problem",
        "framework.mapping.paths.parse_path",
        "framework.mapping.directives.lookup.parse_path",
        "framework.mapping.directives.template.parse_path",
        "framework.mapping.directives.template.parse_template",
        "re.compile",
    ):
        monkeypatch.setattr(target, _forbidden)
    assert resolve(EVENT) == EXPECTED
    assert resolve({}) == {"greeting": "Hi !", "kind": "purchase"}
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
