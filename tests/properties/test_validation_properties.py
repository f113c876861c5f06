"""The compiled validator on every input: a field accepts exactly what its type's conversion
(in the registry) accepts; lists, objects, text-maps and null compose it, with the right
nested locations; fields are validated independently; validated values are a fixed point;
reasons never quote the input."""

from __future__ import annotations

import math
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from framework import MISSING, Choice, FieldSpec
from framework.authoring.conversions import Invalid, number
from framework.authoring.field_types import FORMATS, KINDS
from framework.authoring.validation import FieldsValidator
from tests.properties.strategies import json_values

SCALARS = [name for name, kind in KINDS.items() if kind.scalar]
MARK = "Zq7Xk"  # in no reason: a reason that holds it echoes the input


@st.composite
def scalar_fields(draw: st.DrawFn, *, required: bool | None = None) -> FieldSpec:
    """A scalar field with any of the declarations its type takes."""
    kind = KINDS[draw(st.sampled_from(SCALARS))]
    options: dict[str, Any] = {}
    if "choices" in kind.takes and draw(st.booleans()):
        values = ["a", "b", " a", "a@b.co"] if kind.name == "string" else [1, 2, 3]
        options["choices"] = [Choice(value, str(value)) for value in values]
    elif "format" in kind.takes and draw(st.booleans()):
        options["format"] = draw(st.sampled_from(sorted(FORMATS)))
    if "range" in kind.takes and draw(st.booleans()):
        options["minimum"] = draw(st.sampled_from([None, -1, 0, 1.5]))
        options["maximum"] = draw(st.sampled_from([None, 2, 10.5]))
    if "length" in kind.takes and draw(st.booleans()):
        options["min_length"] = draw(st.sampled_from([None, 0, 1, 3]))
        options["max_length"] = draw(st.sampled_from([None, 3, 12]))
    return FieldSpec(
        label="F",
        description="F",
        type=kind.name,  # type: ignore[arg-type]
        required=draw(st.booleans()) if required is None else required,
        multiple=draw(st.booleans()),
        allow_null=draw(st.booleans()),
        **options,
    )


def fields() -> st.SearchStrategy[FieldSpec]:
    """Scalar fields, objects of any shape, text-maps and objects with properties."""
    plain_object = st.builds(
        FieldSpec,
        label=st.just("F"),
        description=st.just("F"),
        type=st.just("object"),
        values=st.sampled_from([None, *SCALARS]),
        required=st.booleans(),
        allow_null=st.booleans(),
    )
    leaves = st.one_of(scalar_fields(), plain_object)
    return st.recursive(
        leaves,
        lambda inner: st.builds(
            FieldSpec,
            label=st.just("F"),
            description=st.just("F"),
            type=st.just("object"),
            properties=st.dictionaries(st.sampled_from(["x", "y"]), inner, max_size=2),
            required=st.booleans(),
            multiple=st.booleans(),
        ),
        max_leaves=4,
    )


INTERESTING = st.sampled_from(
    [
        "", " ", "a", " a", "abcdefghijklmnop", "a@b.co", " a@b.co ", "a@b", "9.99", "10", "-1",
        "1e3", "true", " FALSE", "nan", "2026-01-01T00:00:00Z", "2024-02-29", "https://x.y/z",
        "123e4567-e89b-12d3-a456-426614174000", "a\nb", MARK, 0, 1, 2, 3, -1, 1.5, 2.0, 11,
        True, False, None, float("inf"), [], ["a"], [MARK, 1], {}, {"x": "a"}, {"x": 1, "y": None},
        {"x": {"x": MARK}}, {1: "a"}, SecretStr("k"),
    ]
)  # fmt: skip


def values() -> st.SearchStrategy[Any]:
    return st.one_of(
        INTERESTING,
        json_values(),
        st.lists(INTERESTING, max_size=3),
        st.dictionaries(st.sampled_from(["x", "y", "z", ""]), INTERESTING, max_size=3),
    )


def one(spec: FieldSpec, value: Any, *, strict: bool) -> tuple[dict[str, Any], list[Any]]:
    return FieldsValidator({"f": spec}, strict=strict, defaults=False).validate({"f": value})


def relocated(prefix: str, problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Problems of field ``f`` as they read at ``prefix`` instead."""
    return [(prefix + location.removeprefix("f"), reason) for location, reason in problems]


@settings(max_examples=400)
@given(st.sampled_from([*SCALARS, "object"]), values(), st.booleans())
def test_a_field_accepts_exactly_what_its_conversion_accepts(
    kind: str, value: Any, strict: bool
) -> None:
    spec = FieldSpec(label="F", description="F", type=kind)  # type: ignore[arg-type]
    got, problems = one(spec, value, strict=strict)
    if value is None:
        assert (got, problems) == ({}, []), "null for a field that allows none is absent"
        return
    try:
        converted = KINDS[kind].convert(value, strict)
    except Invalid as error:
        expected = [(".".join(("f", *path)), reason) for path, reason in error.problems]
        assert (got, problems) == ({}, expected)
    else:
        assert problems == []
        assert got == {"f": converted}
        assert type(got["f"]) is type(converted)


@settings(max_examples=300)
@given(scalar_fields(), st.lists(values(), max_size=4), st.booleans())
def test_a_list_is_its_items_validated_one_by_one(
    item: FieldSpec, items: list[Any], strict: bool
) -> None:
    single = FieldSpec(**{**vars(item), "multiple": False, "required": False})
    listed = FieldSpec(**{**vars(single), "multiple": True})
    results = [one(single, value, strict=strict) for value in items]
    expected_problems = [
        problem
        for index, (_, problems) in enumerate(results)
        for problem in relocated(f"f.{index}", problems)
    ]
    got, problems = one(listed, items, strict=strict)
    if any(value is None for value in items):
        return  # null is absent for a field, a wrong value for an item
    assert problems == expected_problems
    if not problems:
        assert got == {"f": [converted["f"] for converted, _ in results]}
    if len(items) == 1 and not isinstance(items[0], list):
        assert one(listed, items[0], strict=strict) == (got, problems), "a list of one"


@settings(max_examples=300)
@given(
    st.dictionaries(st.sampled_from(["x", "y"]), fields(), min_size=1, max_size=2),
    st.dictionaries(st.sampled_from(["x", "y", "z"]), values(), max_size=3),
    st.booleans(),
)
def test_an_object_is_its_properties_validated_as_fields(
    properties: dict[str, FieldSpec], content: dict[str, Any], strict: bool
) -> None:
    content = {key: value for key, value in content.items() if value is not None}
    spec = FieldSpec(label="F", description="F", type="object", properties=properties)
    alone = FieldsValidator(properties, strict=strict, defaults=False).validate(content)
    got, problems = one(spec, content, strict=strict)
    assert problems == [(f"f.{location}", reason) for location, reason in alone[1]]
    assert got == ({} if problems else {"f": alone[0]})


@settings(max_examples=300)
@given(
    st.sampled_from(SCALARS),
    st.dictionaries(st.sampled_from(["a", "b", "with space", ""]), values(), max_size=3),
    st.booleans(),
)
def test_a_text_map_is_its_values_validated_by_key(
    kind: str, content: dict[str, Any], strict: bool
) -> None:
    spec = FieldSpec(label="F", description="F", type="object", values=kind)  # type: ignore[arg-type]
    value_spec = FieldSpec(label="F", description="F", type=kind)  # type: ignore[arg-type]
    got, problems = one(spec, content, strict=strict)
    expected: list[tuple[str, str]] = []
    converted = {}
    for key, value in content.items():
        if value is None:
            expected.append((f"f.{key}", f"expected {_a(kind)}, got null"))
            continue
        item, item_problems = one(value_spec, value, strict=strict)
        expected += relocated(f"f.{key}", item_problems)
        converted[key] = item.get("f")
    assert problems == expected
    assert got == ({} if expected else {"f": converted})


def _a(kind: str) -> str:
    """How a reason names a type (the reason of a null item depends on the type)."""
    return {
        "string": "a string",
        "text": "a string",
        "datetime": "a string",
        "secret": "a string",
        "number": "a number",
        "integer": "a number",
        "boolean": "a boolean",
    }[kind]


@settings(max_examples=300)
@given(fields(), values(), st.booleans())
def test_null_is_its_own_value_only_where_allowed(
    spec: FieldSpec, value: Any, strict: bool
) -> None:
    nullable = FieldSpec(**{**vars(spec), "allow_null": True})
    strict_null = FieldSpec(**{**vars(spec), "allow_null": False})
    assert one(nullable, None, strict=strict) == ({"f": None}, [])
    expected_absent = [("f", "is required")] if spec.required else []
    assert one(strict_null, None, strict=strict) == ({}, expected_absent)
    if value is not None:
        assert one(nullable, value, strict=strict) == one(strict_null, value, strict=strict)


@settings(max_examples=300)
@given(
    st.dictionaries(st.sampled_from(["a", "b", "c"]), fields(), min_size=1, max_size=3),
    st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), values(), max_size=4),
    st.booleans(),
)
def test_fields_are_validated_independently(
    declared: dict[str, FieldSpec], given_values: dict[str, Any], strict: bool
) -> None:
    """All at once is each field alone, merged: the values that converted, and every
    problem, in declaration order, then the unknown keys."""
    got, problems = FieldsValidator(declared, strict=strict, defaults=False).validate(given_values)
    merged: dict[str, Any] = {}
    expected: list[tuple[str, str]] = []
    for name, spec in declared.items():
        value = given_values.get(name, MISSING)
        alone, alone_problems = one(spec, value, strict=strict)
        expected += relocated(name, alone_problems)
        if "f" in alone:
            merged[name] = alone["f"]
    unknown = [key for key, value in given_values.items() if key not in declared]
    expected += [(key, "is not a known field") for key in unknown if given_values[key] is not None]
    assert got == merged
    assert problems == expected
    for location, reason in problems:
        assert MARK not in location or location.split(".")[0] in given_values
        assert MARK not in reason


def _as_json(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    return value


@settings(max_examples=300)
@given(fields(), values(), st.booleans())
def test_validated_values_are_a_fixed_point(spec: FieldSpec, value: Any, strict: bool) -> None:
    got, problems = one(spec, value, strict=strict)
    if problems or "f" not in got:
        return
    again, problems = one(spec, _as_json(got["f"]), strict=True)
    assert problems == []
    # As JSON: an untyped object may hold a SecretStr given in Python, never in JSON.
    assert _as_json(again) == _as_json(got)


JSON_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
NUMBER_TEXTS = st.one_of(
    st.from_regex(r"\s?[+-]{0,2}[0-9_.eE]{0,7}\s?", fullmatch=True),
    st.text(alphabet="0123456789.+-eE_ \t\n\x1c\u00a0\u0663\uff11nafity", max_size=8),
    st.sampled_from(
        ["1e400", "-1e-400", "nan", "-Infinity", "9" * 4300, "9" * 4301, "+" + "9" * 4301]
    ),
)


def _number_by_the_rule(text: str) -> int | float | str:
    """What a numeric string converts to, by the JSON number syntax alone: a number, or
    the reason it is refused."""
    text = text.strip()
    if not JSON_NUMBER.fullmatch(text):
        return "expected a number, got a non-numeric string"
    if not any(mark in text for mark in ".eE"):
        if len(text.lstrip("+-")) > 4300:
            return "expected a number of at most 4300 digits"
        return int(text)
    converted = float(text)
    return converted if math.isfinite(converted) else "expected a finite number"


@settings(max_examples=500)
@given(NUMBER_TEXTS)
def test_a_numeric_string_converts_by_the_json_number_syntax(text: str) -> None:
    """Lax, a string is a number exactly when it is written as JSON writes numbers (signed,
    ASCII digits, no ``_``, no NaN or infinity); an integer stays an ``int``."""
    try:
        converted: int | float | str = number(text, False)
    except Invalid as error:
        [((), converted)] = error.problems
    expected = _number_by_the_rule(text)
    assert converted == expected
    assert type(converted) is type(expected)


NAMES = st.one_of(
    st.text(max_size=6),
    st.sampled_from(
        ["'", '"', "\\", "\n", '"""', "__import__('os')", "1/0", "_x", "_e", "_M", "for", "None"]
    ),
)


@settings(max_examples=200)
@given(st.dictionaries(NAMES, scalar_fields(), max_size=5), st.data(), st.booleans())
def test_field_names_are_only_data(
    declared: dict[str, FieldSpec], data: st.DataObject, strict: bool
) -> None:
    """A set of fields compiles to one generated function: whatever their names, the
    fields are validated as each one alone, and other keys are unknown."""
    keys = st.one_of(st.sampled_from(sorted(declared)), NAMES) if declared else NAMES
    given_values = data.draw(st.dictionaries(keys, values(), max_size=6))
    got, problems = FieldsValidator(declared, strict=strict, defaults=False).validate(given_values)
    merged: dict[str, Any] = {}
    expected: list[tuple[str, str]] = []
    for name, spec in declared.items():
        alone, alone_problems = one(spec, given_values.get(name, MISSING), strict=strict)
        expected += relocated(name, alone_problems)
        if "f" in alone:
            merged[name] = alone["f"]
    expected += [
        (key, "is not a known field")
        for key, value in given_values.items()
        if key not in declared and value is not None
    ]
    assert got == merged
    assert problems == expected


@settings(max_examples=50)
@given(
    st.dictionaries(NAMES, scalar_fields(required=True), min_size=9, max_size=12),
    st.data(),
    st.booleans(),
)
def test_many_required_fields_are_each_required(
    declared: dict[str, FieldSpec], data: st.DataObject, strict: bool
) -> None:
    """Past a few, required fields are checked all at once: as each one alone."""
    given_names = data.draw(st.sets(st.sampled_from(sorted(declared))))
    given_values = {name: data.draw(values()) for name in sorted(given_names)}
    _, problems = FieldsValidator(declared, strict=strict, defaults=False).validate(given_values)
    expected: list[tuple[str, str]] = []
    for name, spec in declared.items():
        _, alone = one(spec, given_values.get(name, MISSING), strict=strict)
        expected += relocated(name, alone)
    assert problems == expected
