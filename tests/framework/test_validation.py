"""FieldsValidator: one table per field type and rule, lax (payloads) and strict (settings);
bounds; the values that did convert come back beside the problems."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import SecretStr

from framework import Choice, FieldSpec
from framework.authoring.validation import FieldsValidator
from tests.framework.support import SECRET, field

LAX = False
STRICT = True

CITY = field(label="City", required=True)
ADDRESS = field(
    type="object",
    properties={"city": CITY, "zip": field(type="integer"), "note": field()},
)
REGIONS = [Choice("us", "US"), Choice("eu", "EU")]


def check(
    spec: FieldSpec, value: Any, *, strict: bool
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Validate ``{"f": value}`` against one field ``f``."""
    return FieldsValidator({"f": spec}, strict=strict, defaults=False).validate({"f": value})


def accepted(spec: FieldSpec, value: Any, *, strict: bool) -> Any:
    values, problems = check(spec, value, strict=strict)
    assert problems == []
    return values["f"]


def refused(spec: FieldSpec, value: Any, *, strict: bool) -> list[tuple[str, str]]:
    values, problems = check(spec, value, strict=strict)
    assert values == {}, "a field with a problem has no value"
    assert problems
    return problems


ACCEPTED = [
    # string and text
    pytest.param(field(), "text", LAX, "text", id="string"),
    pytest.param(field(), 42, LAX, "42", id="lax string from an integer"),
    pytest.param(field(), 2.5, LAX, "2.5", id="lax string from a number"),
    pytest.param(field(type="text"), "a\nb", STRICT, "a\nb", id="text"),
    pytest.param(field(), "  padded ", STRICT, "  padded ", id="string kept as is"),
    # number
    pytest.param(field(type="number"), 7, STRICT, 7, id="number: integer stays int"),
    pytest.param(field(type="number"), 2.5, STRICT, 2.5, id="number: float"),
    pytest.param(field(type="number"), "42", LAX, 42, id="number: integer string"),
    pytest.param(field(type="number"), "9.99", LAX, 9.99, id="number: decimal string"),
    pytest.param(field(type="number"), " 42.50\t", LAX, 42.5, id="number: padded string"),
    pytest.param(field(type="number"), "-1e3", LAX, -1000.0, id="number: exponent string"),
    pytest.param(field(type="number"), "+.5", LAX, 0.5, id="number: signed fraction string"),
    # integer
    pytest.param(field(type="integer"), 5, STRICT, 5, id="integer"),
    pytest.param(field(type="integer"), 5.0, STRICT, 5, id="integer: whole float"),
    pytest.param(field(type="integer"), "12", LAX, 12, id="integer: string"),
    pytest.param(field(type="integer"), "12.0", LAX, 12, id="integer: whole decimal string"),
    # boolean
    pytest.param(field(type="boolean"), True, STRICT, True, id="boolean"),
    pytest.param(field(type="boolean"), False, LAX, False, id="boolean false"),
    pytest.param(field(type="boolean"), "true", LAX, True, id="boolean: 'true'"),
    pytest.param(field(type="boolean"), " FALSE ", LAX, False, id="boolean: 'FALSE' padded"),
    # datetime
    pytest.param(
        field(type="datetime"), "2026-01-01T00:00:00Z", STRICT, "2026-01-01T00:00:00Z", id="utc"
    ),
    pytest.param(
        field(type="datetime"),
        "2026-03-04T05:06:07.890+02:00",
        LAX,
        "2026-03-04T05:06:07.890+02:00",
        id="offset and fraction",
    ),
    # formats
    pytest.param(
        field(format="email"), " ann@example.com\t", LAX, "ann@example.com", id="email stripped"
    ),
    pytest.param(
        field(format="uri"), "https://example.com/a?b=c", STRICT, "https://example.com/a?b=c"
    ),
    pytest.param(field(format="date"), "2024-02-29", STRICT, "2024-02-29", id="date"),
    pytest.param(field(format="date-time"), "2026-01-01T10:00:00Z", STRICT, "2026-01-01T10:00:00Z"),
    pytest.param(
        field(format="uuid"),
        "123e4567-e89b-12d3-a456-426614174000",
        STRICT,
        "123e4567-e89b-12d3-a456-426614174000",
        id="uuid",
    ),
    # choices
    pytest.param(field(choices=REGIONS), "eu", STRICT, "eu", id="string choice"),
    pytest.param(
        field(type="integer", choices=[Choice(1, "L"), Choice(2, "H")]), "2", LAX, 2, id="int"
    ),
    # multiple
    pytest.param(field(multiple=True), "one", LAX, ["one"], id="scalar becomes a list"),
    pytest.param(field(multiple=True), ["a", "b"], STRICT, ["a", "b"], id="list"),
    pytest.param(field(multiple=True), [], STRICT, [], id="empty list"),
    pytest.param(field(type="number", multiple=True), ["1", 2.5], LAX, [1, 2.5], id="numbers"),
    pytest.param(
        field(choices=REGIONS, multiple=True), ["us", "eu"], STRICT, ["us", "eu"], id="choices"
    ),
    # null
    pytest.param(field(allow_null=True), None, STRICT, None, id="null allowed"),
    pytest.param(field(allow_null=True, required=True), None, LAX, None, id="required null"),
    pytest.param(field(type="number", allow_null=True), "3", LAX, 3, id="nullable number"),
    # objects
    pytest.param(
        ADDRESS,
        {"city": "Paris", "zip": "75001"},
        LAX,
        {"city": "Paris", "zip": 75001},
        id="object with properties",
    ),
    pytest.param(
        field(type="object", values="integer"),
        {"a": 1, "b": "2"},
        LAX,
        {"a": 1, "b": 2},
        id="text-map",
    ),
    pytest.param(
        field(type="object"), {"any": [1, {"x": None}]}, STRICT, {"any": [1, {"x": None}]}
    ),
]


@pytest.mark.parametrize(("spec", "value", "strict", "expected"), ACCEPTED)
def test_accepted_values(spec: FieldSpec, value: Any, strict: bool, expected: Any) -> None:
    got = accepted(spec, value, strict=strict)
    assert got == expected
    assert type(got) is type(expected)


def test_an_integer_string_becomes_an_int_and_a_decimal_string_a_float() -> None:
    assert type(accepted(field(type="number"), "10", strict=LAX)) is int
    assert type(accepted(field(type="number"), "10.0", strict=LAX)) is float


def test_a_secret_becomes_a_secret_str() -> None:
    got = accepted(field(type="secret"), SECRET, strict=STRICT)
    assert isinstance(got, SecretStr)
    assert got.get_secret_value() == SECRET
    assert SECRET not in repr(got)


REFUSED = [
    # string
    pytest.param(field(), 5, STRICT, "expected a string, got integer", id="strict string: int"),
    pytest.param(field(), 2.5, STRICT, "expected a string, got number", id="strict: float"),
    pytest.param(field(), True, LAX, "expected a string, got boolean", id="string: boolean"),
    pytest.param(field(), {"a": 1}, LAX, "expected a string, got object", id="string: object"),
    pytest.param(field(), [1], LAX, "expected a string, got array", id="string: array"),
    pytest.param(field(), math.inf, LAX, "expected a finite number", id="string: inf"),
    pytest.param(field(), math.nan, LAX, "expected a finite number", id="string: nan"),
    pytest.param(field(type="secret"), 123, STRICT, "expected a string", id="secret: number"),
    # number
    pytest.param(field(type="number"), "5", STRICT, "expected a number, got string", id="strict"),
    pytest.param(
        field(type="number"), "abc", LAX, "expected a number, got a non-numeric string", id="abc"
    ),
    pytest.param(
        field(type="number"),
        "",
        LAX,
        "expected a number, got a non-numeric string",
        id="empty string",
    ),
    pytest.param(
        field(type="number"),
        "1_000",
        LAX,
        "expected a number, got a non-numeric string",
        id="underscores",
    ),
    pytest.param(
        field(type="number"),
        "0x1F",
        LAX,
        "expected a number, got a non-numeric string",
        id="hexadecimal",
    ),
    pytest.param(field(type="number"), "NaN", LAX, "expected a", id="'NaN'"),
    pytest.param(field(type="number"), "Infinity", LAX, "expected a", id="'Infinity'"),
    pytest.param(field(type="number"), "1e999", LAX, "expected a finite number", id="overflow"),
    pytest.param(field(type="number"), math.nan, STRICT, "expected a finite number", id="nan"),
    pytest.param(field(type="number"), math.inf, LAX, "expected a finite number", id="inf"),
    pytest.param(field(type="number"), -math.inf, LAX, "expected a finite number", id="-inf"),
    pytest.param(
        field(type="number"),
        "7" * 4301,
        LAX,
        "expected a number of at most 4300 digits",
        id="4301 digits",
    ),
    pytest.param(
        field(type="integer"),
        "-" + "7" * 4301,
        LAX,
        "expected a number of at most 4300 digits",
        id="-4301 digits",
    ),
    pytest.param(field(type="number"), "7" * 4301 + ".5", LAX, "expected a finite number"),
    pytest.param(field(type="number"), True, LAX, "expected a number, got boolean", id="bool"),
    pytest.param(field(type="number"), [1], LAX, "expected a number, got array", id="list"),
    # integer
    pytest.param(field(type="integer"), 5.5, LAX, "expected an integer, got a fraction", id="5.5"),
    pytest.param(field(type="integer"), "5.5", LAX, "expected an integer, got a fraction"),
    pytest.param(field(type="integer"), False, LAX, "expected a number, got boolean", id="bool"),
    # boolean
    pytest.param(
        field(type="boolean"), "true", STRICT, "expected a boolean, got string", id="strict"
    ),
    pytest.param(field(type="boolean"), "yes", LAX, "expected a boolean, got string", id="yes"),
    pytest.param(field(type="boolean"), 1, LAX, "expected a boolean, got integer", id="1"),
    # datetime
    pytest.param(
        field(type="datetime"), "yesterday", LAX, "expected an ISO 8601 date-time", id="garbage"
    ),
    pytest.param(
        field(type="datetime"), "2026-13-01T00:00:00Z", LAX, "expected an ISO 8601 date-time"
    ),
    pytest.param(field(type="datetime"), 1767225600, LAX, "expected a string, got integer"),
    # formats
    pytest.param(field(format="email"), "ann@", LAX, "expected an email address", id="email"),
    pytest.param(field(format="email"), "a b@c.d", LAX, "expected an email address", id="space"),
    pytest.param(field(format="uri"), "/relative/path", LAX, "expected an absolute URI"),
    pytest.param(field(format="uri"), "example.com", LAX, "expected an absolute URI", id="host"),
    pytest.param(field(format="date"), "2026-02-30", LAX, "expected an ISO 8601 date", id="date"),
    pytest.param(field(format="uuid"), "123e4567", LAX, "expected a UUID", id="uuid"),
    # choices
    pytest.param(field(choices=REGIONS), "mars", LAX, "must be one of 'us', 'eu'", id="choice"),
    pytest.param(field(choices=REGIONS), "US", LAX, "must be one of 'us', 'eu'", id="case"),
    pytest.param(
        field(type="integer", choices=[Choice(1, "L"), Choice(2, "H")]),
        3,
        STRICT,
        "must be one of 1, 2",
        id="integer choice",
    ),
    # objects
    pytest.param(ADDRESS, "Paris", LAX, "expected an object", id="object: string"),
    pytest.param(field(type="object"), [1], LAX, "expected an object", id="object: array"),
]


@pytest.mark.parametrize(("spec", "value", "strict", "reason"), REFUSED)
def test_refused_values_name_the_field_and_the_reason(
    spec: FieldSpec, value: Any, strict: bool, reason: str
) -> None:
    [(location, why)] = refused(spec, value, strict=strict)
    assert location == "f"
    assert why.startswith(reason)


@pytest.mark.parametrize(
    ("spec", "value", "strict", "problems"),
    [
        pytest.param(
            field(multiple=True),
            ["ok", 5, "fine", False],
            STRICT,
            [("f.1", "expected a string, got integer"), ("f.3", "expected a string, got boolean")],
            id="list items by index",
        ),
        pytest.param(
            ADDRESS,
            {"zip": "x"},
            LAX,
            [
                ("f.city", "is required"),
                ("f.zip", "expected a number, got a non-numeric string"),
            ],
            id="nested properties",
        ),
        pytest.param(
            ADDRESS,
            {"city": " "},
            LAX,
            [("f.city", "must not be empty")],
            id="nested required blank",
        ),
        pytest.param(
            ADDRESS,
            {"city": "Paris", "country": "FR"},
            LAX,
            [("f.country", "is not a known field")],
            id="nested unknown key",
        ),
        pytest.param(
            field(type="object", values="integer"),
            {"math": 1, "art": "B+", "music": 2.5},
            LAX,
            [
                ("f.art", "expected a number, got a non-numeric string"),
                ("f.music", "expected an integer, got a fraction"),
            ],
            id="text-map value named by key",
        ),
        pytest.param(
            field(type="object", values="string"),
            {"Checked In": 123456},
            STRICT,
            [("f.Checked In", "expected a string, got integer")],
            id="strict text-map",
        ),
        pytest.param(
            field(type="object", properties={"inner": ADDRESS}),
            {"inner": {"zip": 1}},
            STRICT,
            [("f.inner.city", "is required")],
            id="two levels deep",
        ),
    ],
)
def test_nested_problems_name_the_nested_path(
    spec: FieldSpec, value: Any, strict: bool, problems: list[tuple[str, str]]
) -> None:
    assert refused(spec, value, strict=strict) == problems


# Presence: required, null, unknown keys, defaults ------------------------------------------

FIELDS = {
    "name": field(required=True),
    "nickname": field(),
    "age": field(type="integer", allow_null=True),
    "key": field(type="secret", required=True),
}


@pytest.mark.parametrize(
    ("values", "expected", "problems"),
    [
        pytest.param(
            {"name": "Ann", "key": "k"},
            {"name": "Ann", "key": SecretStr("k")},
            [],
            id="required given",
        ),
        pytest.param(
            {"key": "k"}, {"key": SecretStr("k")}, [("name", "is required")], id="required missing"
        ),
        pytest.param(
            {"name": None, "key": "k"},
            {"key": SecretStr("k")},
            [("name", "is required")],
            id="required null",
        ),
        pytest.param(
            {"name": " \t", "key": "k"},
            {"key": SecretStr("k")},
            [("name", "must not be empty")],
            id="required blank",
        ),
        pytest.param(
            {"name": "Ann", "key": ""}, {"name": "Ann"}, [("key", "must not be empty")], id="blank"
        ),
        pytest.param(
            {"name": "Ann", "key": "k", "nickname": None},
            {"name": "Ann", "key": SecretStr("k")},
            [],
            id="null for an optional field is absent",
        ),
        pytest.param(
            {"name": "Ann", "key": "k", "age": None},
            {"name": "Ann", "key": SecretStr("k"), "age": None},
            [],
            id="null kept where allowed",
        ),
        pytest.param(
            {"name": "Ann", "key": "k", "nickname": ""},
            {"name": "Ann", "key": SecretStr("k"), "nickname": ""},
            [],
            id="optional blank kept",
        ),
        pytest.param(
            {"name": "Ann", "key": "k", "shoe_size": 42},
            {"name": "Ann", "key": SecretStr("k")},
            [("shoe_size", "is not a known field")],
            id="unknown key",
        ),
        pytest.param(
            {"age": 1.5},
            {},
            [
                ("name", "is required"),
                ("age", "expected an integer, got a fraction"),
                ("key", "is required"),
            ],
            id="every problem at once",
        ),
    ],
)
def test_presence(
    values: dict[str, Any], expected: dict[str, Any], problems: list[tuple[str, str]]
) -> None:
    validator = FieldsValidator(FIELDS, strict=False, defaults=False)
    got, found = validator.validate(values)
    assert sorted(found) == sorted(problems)
    assert got == expected


def test_unknown_keys_are_named_with_the_noun() -> None:
    validator = FieldsValidator(FIELDS, strict=True, defaults=True, noun="setting")
    _, problems = validator.validate({"name": "a", "key": "k", "base_url": "https://x"})
    assert problems == [("base_url", "is not a known setting")]


DEFAULTED = {
    "region": field(choices=REGIONS, required=True, default="us"),
    "retries": field(type="integer", default=3),
    "tags": field(multiple=True, default=["a"]),
}


@pytest.mark.parametrize(
    ("defaults", "values", "expected", "problems"),
    [
        pytest.param(
            True,
            {},
            {"region": "us", "retries": 3, "tags": ["a"]},
            [],
            id="applied when absent",
        ),
        pytest.param(
            True,
            {"region": "eu", "retries": None},
            {"region": "eu", "retries": 3, "tags": ["a"]},
            [],
            id="given values win; null counts as absent",
        ),
        pytest.param(False, {}, {}, [("region", "is required")], id="not applied without defaults"),
        pytest.param(
            True,
            {"retries": "3"},
            {"region": "us", "tags": ["a"]},
            [("retries", "expected a number, got string")],
            id="a bad value: the defaults of the others still come back",
        ),
        pytest.param(
            False, {"region": "eu"}, {"region": "eu"}, [], id="only given values without defaults"
        ),
    ],
)
def test_defaults_apply_only_when_asked(
    defaults: bool,
    values: dict[str, Any],
    expected: dict[str, Any],
    problems: list[tuple[str, str]],
) -> None:
    validator = FieldsValidator(DEFAULTED, strict=True, defaults=defaults)
    assert validator.validate(values) == (expected, problems)


def test_validated_defaults_are_copies() -> None:
    validator = FieldsValidator(DEFAULTED, strict=True, defaults=True)
    first, _ = validator.validate({})
    first["tags"].append("changed")
    again, _ = validator.validate({})
    assert again["tags"] == ["a"]
    assert DEFAULTED["tags"].default == ["a"]


# Messages never echo input values ------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "value", "strict"),
    [
        pytest.param(field(), SECRET, STRICT, id="valid value next to a bad one"),
        pytest.param(field(type="number"), SECRET, LAX, id="number"),
        pytest.param(field(type="integer"), f"{SECRET}.5", LAX, id="integer"),
        pytest.param(field(type="boolean"), SECRET, LAX, id="boolean"),
        pytest.param(field(type="datetime"), SECRET, LAX, id="datetime"),
        pytest.param(field(format="email"), SECRET, LAX, id="email"),
        pytest.param(field(format="uri"), SECRET, LAX, id="uri"),
        pytest.param(field(format="date"), SECRET, LAX, id="date"),
        pytest.param(field(format="uuid"), SECRET, LAX, id="uuid"),
        pytest.param(field(choices=REGIONS), SECRET, LAX, id="choice"),
        pytest.param(field(type="secret"), 12345, STRICT, id="secret"),
        pytest.param(field(multiple=True, type="number"), [SECRET], LAX, id="list item"),
        pytest.param(ADDRESS, {"city": "x", "zip": SECRET}, LAX, id="nested"),
        pytest.param(field(type="object", values="number"), {"k": SECRET}, LAX, id="text-map"),
        pytest.param(ADDRESS, SECRET, LAX, id="object"),
        pytest.param(field(max_length=3), SECRET, LAX, id="too long"),
        pytest.param(field(type="secret", min_length=64), SECRET, STRICT, id="secret too short"),
        pytest.param(
            field(type="object", values="string", max_length=2), {"k": SECRET}, LAX, id="map"
        ),
    ],
)
def test_messages_never_contain_the_input(spec: FieldSpec, value: Any, strict: bool) -> None:
    fields = {"f": spec, "other": field(type="integer")}
    validator = FieldsValidator(fields, strict=strict, defaults=False)
    got, problems = validator.validate({"f": value, "other": "not a number"})
    assert "other" not in got
    assert problems, "the bad 'other' value is always reported"
    assert SECRET not in repr(problems)


def test_a_number_out_of_bounds_is_not_echoed() -> None:
    [(_, reason)] = refused(field(type="integer", maximum=1000), 987654321, strict=STRICT)
    assert reason == "must be at most 1000"
    assert "987654321" not in reason


# Bounds ----------------------------------------------------------------------------------------

BOUNDED = [
    # (spec, value, strict, the problem or None when accepted)
    pytest.param(field(type="integer", minimum=1, maximum=1000), 1, STRICT, None, id="min"),
    pytest.param(field(type="integer", minimum=1, maximum=1000), 1000, STRICT, None, id="max"),
    pytest.param(
        field(type="integer", minimum=1, maximum=1000),
        1001,
        STRICT,
        "must be at most 1000",
        id="above",
    ),
    pytest.param(
        field(type="integer", minimum=1, maximum=1000), 0, STRICT, "must be at least 1", id="below"
    ),
    pytest.param(
        field(type="integer", minimum=1), "0", LAX, "must be at least 1", id="after conversion"
    ),
    pytest.param(field(type="number", minimum=0.5), 0.5, STRICT, None, id="fraction bound"),
    pytest.param(
        field(type="number", minimum=0.5), 0.25, STRICT, "must be at least 0.5", id="fraction"
    ),
    pytest.param(
        field(type="number", maximum=2.0), 2.5, STRICT, "must be at most 2", id="whole float"
    ),
    pytest.param(
        field(type="number", maximum=10), "1" + "0" * 4000, LAX, "must be at most 10", id="huge"
    ),
    pytest.param(field(min_length=2, max_length=3), "abc", STRICT, None, id="length at max"),
    pytest.param(
        field(max_length=3), "abcd", STRICT, "must be at most 3 characters", id="too long"
    ),
    pytest.param(
        field(min_length=1), "", STRICT, "must be at least 1 character", id="one character"
    ),
    pytest.param(field(max_length=2), "éé", STRICT, None, id="characters, not bytes"),
    pytest.param(field(max_length=2), 123, LAX, "must be at most 2 characters", id="lax number"),
    pytest.param(
        field(format="email", max_length=7),
        " a@b.co ",
        LAX,
        None,
        id="after the format strips the email",
    ),
    pytest.param(
        field(type="text", min_length=3), "ab", STRICT, "must be at least 3 characters", id="text"
    ),
    pytest.param(
        field(type="secret", min_length=8),
        "short",
        STRICT,
        "must be at least 8 characters",
        id="secret",
    ),
    pytest.param(
        field(required=True, min_length=3),
        "  ",
        STRICT,
        "must be at least 3 characters",
        id="bounds before blank",
    ),
    pytest.param(
        field(required=True, min_length=1), "  ", STRICT, "must not be empty", id="then blank"
    ),
    pytest.param(
        field(choices=REGIONS, max_length=1),
        "mars",
        STRICT,
        "must be one of 'us', 'eu'",
        id="choices before bounds",
    ),
    pytest.param(
        field(type="integer", minimum=1, allow_null=True), None, STRICT, None, id="null allowed"
    ),
]


@pytest.mark.parametrize(("spec", "value", "strict", "problem"), BOUNDED)
def test_bounds(spec: FieldSpec, value: Any, strict: bool, problem: str | None) -> None:
    _, problems = check(spec, value, strict=strict)
    assert problems == ([] if problem is None else [("f", problem)])


def test_bounds_apply_to_each_item_of_a_list() -> None:
    spec = field(type="integer", multiple=True, maximum=10)
    assert accepted(spec, [1, 10], strict=STRICT) == [1, 10]
    assert accepted(spec, [], strict=STRICT) == [], "the number of items is not bounded"
    assert refused(spec, [1, 11, 5, 12], strict=STRICT) == [
        ("f.1", "must be at most 10"),
        ("f.3", "must be at most 10"),
    ]
    words = field(multiple=True, max_length=2)
    assert refused(words, ["ok", "long"], strict=STRICT) == [
        ("f.1", "must be at most 2 characters")
    ]


def test_bounds_apply_inside_objects() -> None:
    spec = field(
        type="object",
        properties={"size": field(type="integer", minimum=1), "code": field(max_length=2)},
    )
    assert refused(spec, {"size": 0, "code": "abc"}, strict=LAX) == [
        ("f.size", "must be at least 1"),
        ("f.code", "must be at most 2 characters"),
    ]


# With problems, the values that converted ---------------------------------------------------


def test_the_fields_that_converted_come_back_beside_the_problems() -> None:
    fields = {
        "name": field(required=True),
        "age": field(type="integer"),
        "address": ADDRESS,
        "tags": field(multiple=True),
    }
    validator = FieldsValidator(fields, strict=False, defaults=False)
    values, problems = validator.validate(
        {"name": 7, "age": "x", "address": {"zip": "1"}, "tags": "a", "shoe": 1}
    )
    assert values == {"name": "7", "tags": ["a"]}, "converted, as without problems"
    assert problems == [
        ("age", "expected a number, got a non-numeric string"),
        ("address.city", "is required"),
        ("shoe", "is not a known field"),
    ]


def test_keys_of_an_object_must_be_strings() -> None:
    assert refused(field(type="object"), {1: "a", "b": 2}, strict=LAX) == [
        ("f.1", "expected a string key")
    ]
    assert refused(field(type="object", values="integer"), {2: 1}, strict=LAX) == [
        ("f.2", "expected a string key")
    ]
