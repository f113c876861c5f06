"""``@literal``, ``@if`` and ``@template`` beyond the conformance vectors."""

from __future__ import annotations

from typing import Any

import pytest

from framework import MISSING
from framework.core.errors import MappingResolutionError
from framework.languages.mapping import compile_mapping, validate_mapping

# --- @literal ------------------------------------------------------------------------------


def test_literal_resolves_its_value_as_a_mapping() -> None:
    value = {"name": {"@path": "$.n"}, "tags": ["x", {"@path": "$.t"}]}
    assert compile_mapping({"@literal": value})({"n": "N"}) == {"name": "N", "tags": ["x"]}


def test_literal_keeps_values_that_would_read_differently() -> None:
    assert compile_mapping({"flag": {"@literal": False}})({}) == {"flag": False}
    assert compile_mapping({"@literal": "{{not a template}}"})({}) == "{{not a template}}"


def test_literal_hands_out_fresh_copies() -> None:
    resolve = compile_mapping({"@literal": {"a": [1, {"b": 2}]}})
    first = resolve({})
    first["a"][1]["b"] = 3
    second = resolve({})
    assert second == {"a": [1, {"b": 2}]}
    assert second is not first
    assert second["a"] is not first["a"]


@pytest.mark.parametrize("value", [None, False, 0, "", "$.a", [], {}])
def test_literal_scalars_and_empties(value: Any) -> None:
    assert compile_mapping({"@literal": value})({"a": 1}) == value


def test_literal_must_be_json() -> None:
    problems = validate_mapping({"x": {"@literal": {"ok": 1, "bad": {1, 2}}}})
    assert [problem.location for problem in problems] == ["/x/@literal/bad"]
    assert "a set" in problems[0].message


def test_literal_directives_are_checked() -> None:
    problems = validate_mapping({"@literal": {"@type": "Person"}})
    assert [problem.location for problem in problems] == ["/@literal"]
    assert problems[0].message.startswith("unknown directive @type")


# --- @if -----------------------------------------------------------------------------------

EVENT = {
    "zero": 0,
    "false": False,
    "null": None,
    "empty": "",
    "space": " ",
    "text": "t",
    "object": {"a": "t"},
    "list": ["t"],
}


@pytest.mark.parametrize(
    ("key", "exists", "not_blank", "string"),
    [
        ("zero", True, True, False),
        ("false", True, True, False),
        ("null", False, False, False),
        ("empty", True, False, True),
        ("space", True, True, True),
        ("text", True, True, True),
        ("object", True, True, False),
        ("list", True, True, False),
        ("absent", False, False, False),
    ],
)
def test_if_conditions(key: str, exists: bool, not_blank: bool, string: bool) -> None:
    for condition, expected in (("exists", exists), ("blank", not_blank), ("string", string)):
        mapping = {"@if": {condition: {"@path": f"$.{key}"}, "then": "T", "else": "F"}}
        assert compile_mapping(mapping)(EVENT) == ("T" if expected else "F")


def test_if_missing_branch_is_missing() -> None:
    only_else = compile_mapping({"x": {"@if": {"exists": {"@path": "$.a"}, "else": 3}}})
    assert only_else({"a": 1}) == {}
    assert only_else({}) == {"x": 3}
    only_then = compile_mapping({"@if": {"exists": {"@path": "$.a"}, "then": 1}})
    assert only_then({}) is MISSING


def test_if_branches_are_resolved_lazily() -> None:
    mapping = {"@if": {"exists": True, "then": "yes", "else": {"@path": {"@path": "$.p"}}}}
    assert compile_mapping(mapping)({"p": 5}) == "yes"  # the else branch would fail


@pytest.mark.parametrize(
    ("argument", "locations", "words"),
    [
        (
            {"then": 1},
            ["/@if"],
            "exactly one of the keys 'exists', 'blank', 'string', but it has none",
        ),
        ({"exists": 1, "blank": 1}, ["/@if"], "but it has the keys 'exists', 'blank'"),
        ({"string": 1, "exists": 1}, ["/@if"], "but it has the keys 'exists', 'string'"),
        ({"string": {"@nope": 1}}, ["/@if/string"], "@nope"),
        ({"exists": 1, "than": 2}, ["/@if"], "unknown key 'than' (allowed: blank, else"),
        ("$.a", ["/@if"], "but it is a string"),
        ({"@path": "$.a"}, ["/@if", "/@if"], "unknown key '@path'"),
        (
            {"exists": {"@nope": 1}, "then": {"@path": 1}},
            ["/@if/exists", "/@if/then/@path"],
            "@nope",
        ),
    ],
)
def test_if_validation(argument: Any, locations: list[str], words: str) -> None:
    problems = validate_mapping({"@if": argument})
    assert [problem.location for problem in problems] == locations
    assert words in problems[0].message


# --- @template -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("plain text", "plain text"),
        ("{{a}}", "A"),
        ("{{ a }}-{{{a}}}", "A-A"),
        ("{{$.a}}", "A"),
        ("{{n.x}}|{{n.y}}|{{missing.deep}}", "|null-is-empty|"),
        ("{{int}} {{float}} {{whole}} {{yes}} {{no}}", "3 1.5 2 true false"),
        ("{{obj}} {{list}}", '{"k":"v"} [1,"b"]'),
        ("{{items[1]}} {{items.0}}", "y x"),
        ('{{n["odd key"]}}', "odd"),
        ("{{ inject }}", "{{a}}"),
        ("{{a", "{{a"),
        ("}}{{a}}{{", "}}A{{"),
    ],
)
def test_template_rendering(template: str, expected: str) -> None:
    event = {
        "a": "A",
        "n": {"x": None, "y": "null-is-empty", "odd key": "odd"},
        "int": 3,
        "float": 1.5,
        "whole": 2.0,
        "yes": True,
        "no": False,
        "obj": {"k": "v"},
        "list": [1, "b"],
        "items": ["x", "y"],
        "inject": "{{a}}",
    }
    assert compile_mapping({"@template": template})(event) == expected


def test_template_from_a_directive() -> None:
    resolve = compile_mapping({"x": {"@template": {"@path": "$.tpl"}}})
    assert resolve({"tpl": "Hi {{name}}", "name": "Ann"}) == {"x": "Hi Ann"}
    assert resolve({}) == {}
    with pytest.raises(MappingResolutionError, match="/x/@template"):
        resolve({"tpl": 3})
    with pytest.raises(MappingResolutionError) as raised:
        resolve({"tpl": "Hi {{ }}"})
    assert raised.value.message == (
        "/x/@template: the @template text read from the event does not parse (position 3)"
    ), "the event's text is not repeated"


@pytest.mark.parametrize(
    ("template", "words"),
    [("Hi {{ }}", "empty placeholder"), ("{{a..b}}", "'a..b'"), ("{{a}} {{b[}}", "'{{b[}}'")],
)
def test_template_placeholders_are_checked_when_compiling(template: str, words: str) -> None:
    problems = validate_mapping({"t": {"@template": template}})
    assert [problem.location for problem in problems] == ["/t/@template"]
    assert words in problems[0].message
