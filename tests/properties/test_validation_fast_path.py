"""The validation fast path agrees with the complete validator on every input."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from framework.fields import Choice, Field
from framework.validation import FieldsValidator
from tests.properties.strategies import json_values

TYPES = ["string", "text", "number", "integer", "boolean", "object", "datetime"]


@st.composite
def fields(draw: st.DrawFn) -> Field:
    kind = draw(st.sampled_from(TYPES))
    choices = None
    if kind in ("string", "number", "integer") and draw(st.booleans()):
        values = ["a", "b", " a"] if kind == "string" else [1, 2, 3]
        choices = [Choice(value, str(value)) for value in values]
    email = kind == "string" and choices is None and draw(st.booleans())
    return Field(
        label="F",
        description="F",
        type=kind,  # type: ignore[arg-type]
        required=draw(st.booleans()),
        multiple=draw(st.booleans()),
        allow_null=draw(st.booleans()),
        choices=choices,
        format="email" if email else None,
    )


def candidates() -> st.SearchStrategy[Any]:
    interesting = st.sampled_from(
        [
            "",
            " ",
            "a",
            " a",
            "a@b.co",
            " a@b.co",
            "a@b",
            "9.99",
            "10",
            "true",
            "nan",
            1,
            2,
            0,
            -1.5,
            1.0,
            True,
            False,
            None,
            float("inf"),
            [],
            ["a"],
            ["a@b.co", 1],
            {},
            {"k": 1},
            {1: "x"},
            "2026-01-01T00:00:00Z",
        ]
    )
    return st.one_of(interesting, json_values(), st.lists(interesting, max_size=3))


@settings(max_examples=500)
@given(
    st.dictionaries(st.sampled_from(["a", "b", "c"]), fields(), min_size=1, max_size=3),
    st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), candidates(), max_size=4),
    st.booleans(),
)
def test_fast_path_agrees_with_the_complete_validator(
    declared: dict[str, Field], values: dict[str, Any], strict: bool
) -> None:
    fast = FieldsValidator(declared, strict=strict, defaults=False)
    complete = FieldsValidator(declared, strict=strict, defaults=False, fast_path=False)
    assert fast.validate(values) == complete.validate(values)
