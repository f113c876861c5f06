"""Limits that keep every entry point safe from one mapping: its depth, values JSON cannot
hold, strict ``@json`` decoding, and Liquid's bounded numbers and work. Failures are coded
(INVALID_MAPPING at a pointer, MAPPING_FAILED naming where), never a RecursionError or
a stray ValueError, and never quote the event."""

from __future__ import annotations

import math
from typing import Any

import pytest

from framework import MappingError
from framework.core.errors import MappingResolutionError, Problem
from framework.languages.mapping import compile_mapping, liquid_engine, validate_mapping
from framework.languages.mapping.liquid_engine import WORK_BUDGET
from framework.languages.mapping.validate import MAX_DEPTH
from tests.nesting import in_objects

TOO_DEEP = f"it is nested more than {MAX_DEPTH} deep"
SQUARES = "{% assign a = 99999999999999999999 %}" + "{% assign a = a | times: a %}" * 8


def test_a_mapping_as_deep_as_allowed_is_valid() -> None:
    assert validate_mapping(in_objects(MAX_DEPTH, 1)) == []
    assert compile_mapping(in_objects(MAX_DEPTH, 1))({}) == in_objects(MAX_DEPTH, 1)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 300, 100_000])
def test_a_deeper_mapping_is_one_problem_at_its_pointer(depth: int) -> None:
    expected = [Problem("/k" * MAX_DEPTH, TOO_DEEP)]
    assert validate_mapping(in_objects(depth, 1)) == expected
    with pytest.raises(MappingError) as raised:
        compile_mapping(in_objects(depth, 1))
    assert raised.value.problems == expected
    assert raised.value.code == "INVALID_MAPPING"


def test_depth_counts_arrays_tuples_and_directives_alike() -> None:
    mapping: Any = {"@path": "$.a"}
    for index in range(MAX_DEPTH):
        mapping = (
            [mapping] if index % 3 == 0 else ({"@literal": mapping} if index % 3 else (mapping,))
        )
    [problem] = validate_mapping({"x": mapping})
    assert problem.message == TOO_DEEP
    assert problem.location.startswith("/x/")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        pytest.param(math.inf, "a number is not a finite double (NaN, Infinity or out of range)"),
        pytest.param(math.nan, "a number is not a finite double (NaN, Infinity or out of range)"),
        pytest.param("\udce9", "a string holds a lone UTF-16 surrogate", id="surrogate"),
        pytest.param(10**4300, "an integer has more than 4300 digits", id="4301 digits"),
    ],
)
def test_a_literal_json_cannot_hold_is_refused(value: Any, reason: str) -> None:
    assert validate_mapping({"a": {"b": [0, value]}}) == [Problem("/a/b/1", reason)]


@pytest.mark.parametrize(
    "text", ["1e400", "-1e400", "NaN", "Infinity", '"\\udce9"', "[" * 65 + "]" * 65]
)
def test_json_decoding_gives_text_that_is_not_strict_json_as_it_is(text: str) -> None:
    resolve = compile_mapping({"@json": {"mode": "decode", "value": {"@path": "$.raw"}}})
    assert resolve({"raw": text}) == text
    assert resolve({"raw": '{"a": [1.5]}'}) == {"a": [1.5]}


def failure(template: str, event: dict[str, Any] | None = None) -> str:
    """The message of the MAPPING_FAILED error the template gives."""
    with pytest.raises(MappingResolutionError) as raised:
        compile_mapping({"x": {"@liquid": template}})(event or {})
    assert raised.value.code == "MAPPING_FAILED"
    return raised.value.message


@pytest.mark.parametrize(
    ("template", "event"),
    [
        pytest.param(SQUARES + "{{ a | modulo: 7 }}", {}, id="squares"),
        pytest.param("{{ n | times: n }}", {"n": 10**200}, id="an event's big integers"),
        pytest.param("{{ n | plus: 1 }}", {"n": 10**400}, id="an event's bigger integer"),
        pytest.param("{{ f | times: 10 }}", {"f": 1.7e308}, id="past a double"),
        pytest.param('{{ "nan" | abs }}', {}, id="not a number"),
    ],
)
def test_liquid_numbers_stay_within_a_doubles_range(template: str, event: dict[str, Any]) -> None:
    assert "numbers must be within ±1.8e+308" in failure(template, event)


def test_liquid_numbers_within_range_are_computed() -> None:
    resolve = compile_mapping({"@liquid": "{{ n | times: n | modulo: 1000 }}"})
    assert resolve({"n": 10**150 + 1}) == "1"


def test_one_resolution_has_one_work_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(liquid_engine, "WORK_BUDGET", 10_000)
    template = "{{ (1..999) | sum | size }}"  # a thousand units of work each time
    resolve = compile_mapping({"@arrayPath": ["$.items", {"n": {"@liquid": template}}]})
    assert resolve({"items": [{}] * 9}) == [{"n": "0"}] * 9
    with pytest.raises(MappingResolutionError, match="the work budget of 10000 units is spent"):
        resolve({"items": [{}] * 11})
    assert resolve({"items": [{}] * 9}) == [{"n": "0"}] * 9, "each resolution starts afresh"


@pytest.mark.parametrize(
    "template",
    ["{{ (1..100000000000) | sum }}", "{{ (1..100000000) | join | size }}"],
)
def test_a_huge_range_spends_the_budget_at_once(template: str) -> None:
    assert f"the work budget of {WORK_BUDGET} units is spent" in failure(template)


@pytest.mark.parametrize(
    ("template", "event", "words"),
    [
        ("{{ s | ceil }}", {"s": "nan"}, "ceil: it cannot be applied to this value"),
        ("{{ s | base64_decode }}", {"s": "/w=="}, "base64_decode: it cannot be applied"),
        ("{{ s | plus: 1 }}", {"s": "9" * 5000}, "plus: it cannot be applied"),
        ("{{ s | compact: s }}", {"s": "s3cr3t"}, "compact: an argument cannot be used"),
        ("{{ s | slice: 1.5 }}", {"s": "s3cr3t"}, "slice: an argument cannot be used"),
        ("{% if s > 1 %}{% endif %}", {"s": "s3cr3t"}, "a value cannot be used there"),
    ],
)
def test_liquid_failures_are_coded_and_never_quote_the_event(
    template: str, event: dict[str, Any], words: str
) -> None:
    message = failure(template, event)
    assert words in message
    assert "s3cr3t" not in message
    assert "line 1, column" in message


@pytest.mark.parametrize(
    ("mapping", "event", "expected"),
    [
        ({"@path": "$.a." + "1" * 5000}, {"a": {"1" * 5000: "key"}}, "key"),
        ({"@path": "$.a." + "1" * 5000}, {"a": ["item"]}, None),
    ],
)
def test_a_path_step_of_many_digits_is_a_key(
    mapping: dict[str, Any], event: dict[str, Any], expected: Any
) -> None:
    resolved = compile_mapping({"x": mapping})(event)
    assert resolved.get("x") == expected


def test_an_index_of_too_many_digits_is_a_path_problem() -> None:
    [problem] = validate_mapping({"x": {"@path": "$.a[" + "1" * 4301 + "]"}})
    assert problem.location == "/x/@path"
    assert problem.message.endswith("an index has more than 4300 digits at position 4")
