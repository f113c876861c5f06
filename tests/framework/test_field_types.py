"""The field-type registry: every type and format it declares works end to end (sample,
conversion, JSON Schema, form widget), and the definition checks it derives (which types
take formats, choices and bounds; bounds well formed; a setting's default within them)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args

import pytest
from jsonschema import Draft202012Validator
from pydantic import SecretStr

from framework import Choice, DefinitionError, FieldSpec
from framework.authoring.field_types import (
    CHOICES_WIDGET,
    FORMATS,
    KINDS,
    LIST_WIDGET,
    PROPERTIES_WIDGET,
    VALUES_WIDGET,
    describe_kinds,
    kind_of_annotation,
    kinds_taking,
)
from framework.authoring.fields import FieldType
from framework.authoring.json_schema import DIALECT, field_schema
from framework.authoring.sample_data import sample_value
from framework.authoring.validation import FieldsValidator
from framework.testing import make_test_destination
from tests.framework.support import field

FORM_JS = Path(__file__).resolve().parents[2] / "framework/runtime/server/static/form.js"
SEEDS = [f"registry/{index}" for index in range(10)]

EVERY_TYPE = [pytest.param(field(type=name), id=name) for name in KINDS]
EVERY_FORMAT = [pytest.param(field(format=name), id=name) for name in FORMATS]


def _json(value: Any) -> Any:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


@pytest.mark.parametrize("spec", [*EVERY_TYPE, *EVERY_FORMAT])
@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lax"])
def test_a_sample_of_every_type_converts_and_fits_its_schema(spec: FieldSpec, strict: bool) -> None:
    validator = FieldsValidator({"f": spec}, strict=strict, defaults=False)
    schema = Draft202012Validator({"$schema": DIALECT, **field_schema(spec, with_defaults=False)})
    for seed in SEEDS:
        value = sample_value(spec, seed)
        converted, problems = validator.validate({"f": value})
        assert problems == []
        assert isinstance(converted["f"], KINDS[spec.type].annotation)
        assert schema.is_valid(_json(converted["f"]))
        assert validator.validate({"f": _json(converted["f"])}) == (converted, []), "a fixed point"


def _form_widgets() -> set[str]:
    """The widget names form.js builds (the keys of its builders table)."""
    text = FORM_JS.read_text(encoding="utf-8")
    table = re.search(r"const builders = \{(.*?)\};", text, re.DOTALL)
    assert table is not None, "form.js has one table of widget builders"
    return set(re.findall(r"^\s*([a-z]+):", table.group(1), re.MULTILINE))


def test_every_widget_the_registry_names_is_built_by_the_form() -> None:
    named = {kind.widget for kind in KINDS.values()}
    named |= {fmt.widget for fmt in FORMATS.values() if fmt.widget is not None}
    named |= {CHOICES_WIDGET, LIST_WIDGET, PROPERTIES_WIDGET, VALUES_WIDGET}
    assert named <= _form_widgets()


def test_the_form_knows_no_format() -> None:
    """A format's widget and example input come from the schema (``x-widget``,
    ``x-placeholder``), not from form.js."""
    text = FORM_JS.read_text(encoding="utf-8")
    assert ".format" not in text
    assert not any(f'"{name}"' in text for name in FORMATS if name not in _form_widgets())


@pytest.mark.parametrize(
    ("annotation", "kind"),
    [(str, "string"), (float, "number"), (int, "integer"), (bool, "boolean"), (dict, "object")],
)
def test_an_annotation_names_its_type(annotation: type, kind: str) -> None:
    found = kind_of_annotation(annotation)
    assert found is not None
    assert found.name == kind
    assert kind_of_annotation(SecretStr) is KINDS["secret"]
    assert kind_of_annotation(list) is None


def test_declarations_are_listed_by_the_types_that_take_them() -> None:
    assert describe_kinds(kinds_taking("choices")) == "string, number and integer"
    assert describe_kinds(kinds_taking("format")) == "string", "a text field is a string field"
    assert describe_kinds(kinds_taking("range")) == "number and integer"
    assert describe_kinds(kinds_taking("length")) == "string and secret"


# Definition checks of bounds ---------------------------------------------------------------


def problems_of(spec: FieldSpec, *, setting: bool = True) -> list[str]:
    """The definition problems of one setting (or action field) ``x``."""
    declared = {"settings": {"x": spec}} if setting else {"fields": {"x": spec}}
    try:
        make_test_destination(**declared)
    except DefinitionError as error:
        return [line.strip().removeprefix("- ") for line in str(error).splitlines()[1:]]
    return []


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        pytest.param(
            field(type="boolean", minimum=0),
            "settings.x: minimum and maximum apply to number and integer fields only",
            id="range on a boolean",
        ),
        pytest.param(
            field(max_length=3, type="integer"),
            "settings.x: min_length and max_length apply to string and secret fields only",
            id="length on an integer",
        ),
        pytest.param(
            field(type="datetime", min_length=1),
            "settings.x: min_length and max_length apply to string and secret fields only",
            id="length on a datetime",
        ),
        pytest.param(
            field(type="object", maximum=1),
            "settings.x: minimum and maximum apply to number and integer fields only",
            id="range on an object",
        ),
        pytest.param(
            field(type="integer", minimum=5, maximum=1),
            "settings.x: minimum (5) is greater than maximum (1)",
            id="min above max",
        ),
        pytest.param(
            field(min_length=3, max_length=2),
            "settings.x: min_length (3) is greater than max_length (2)",
            id="min_length above max_length",
        ),
        pytest.param(
            field(max_length=-1),
            "settings.x: max_length must be a whole number, 0 or more, not -1",
            id="negative length",
        ),
        pytest.param(
            field(min_length=1.5),
            "settings.x: min_length must be a whole number, 0 or more, not 1.5",
            id="fractional length",
        ),
        pytest.param(
            field(type="number", maximum=float("inf")),
            "settings.x: maximum must be a finite number, not inf",
            id="infinite bound",
        ),
        pytest.param(
            field(type="integer", minimum=True),
            "settings.x: minimum must be a finite number, not True",
            id="boolean bound",
        ),
        pytest.param(
            field(type="integer", minimum="1"),
            "settings.x: minimum must be a finite number, not '1'",
            id="text bound",
        ),
        pytest.param(
            field(type="integer", maximum=1000, default=5000),
            "settings.x.default: must be at most 1000",
            id="default above the maximum",
        ),
        pytest.param(
            field(min_length=4, default="abc"),
            "settings.x.default: must be at least 4 characters",
            id="default too short",
        ),
        pytest.param(
            field(type="secret", max_length=4, default="sk_live_123"),
            "settings.x.default: must be at most 4 characters",
            id="secret default too long",
        ),
        pytest.param(
            field(multiple=True, max_length=2, default=["ok", "long"]),
            "settings.x.default: 1: must be at most 2 characters",
            id="an item of a list default",
        ),
        pytest.param(
            field(type="integer", choices=[], minimum=1),
            "settings.x: choices must not be empty",
            id="choices and bounds checked together",
        ),
        pytest.param(
            field(type="integer", choices=[Choice(1.5, "x")]),
            "settings.x: choice 1.5 is not of type integer",
            id="a fraction is no integer choice",
        ),
    ],
)
def test_a_mistake_in_bounds_is_reported(spec: FieldSpec, problem: str) -> None:
    assert problems_of(spec) == [problem]


def test_a_nested_property_with_bad_bounds_is_named() -> None:
    spec = field(type="object", properties={"n": field(type="integer", minimum=2, maximum=1)})
    assert problems_of(spec, setting=False) == [
        "actions.send.fields.x.properties.n: minimum (2) is greater than maximum (1)"
    ]


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(field(type="integer", minimum=1, maximum=1000, default=100), id="integer"),
        pytest.param(field(type="number", minimum=-0.5, maximum=0.5, default=0), id="number"),
        pytest.param(field(type="integer", minimum=3, maximum=3, default=3), id="equal bounds"),
        pytest.param(field(type="text", min_length=0, max_length=0, default=""), id="empty"),
        pytest.param(field(type="secret", min_length=4), id="secret"),
        pytest.param(field(multiple=True, max_length=3, default=["abc"]), id="list items"),
        pytest.param(field(format="email", max_length=254), id="format and length"),
    ],
)
def test_well_formed_bounds_are_accepted(spec: FieldSpec) -> None:
    assert problems_of(spec) == []


def test_the_type_names_authors_may_write_are_the_registrys() -> None:
    """``FieldType`` (what mypy lets ``Field(type=...)`` and ``FieldSpec`` say) lists the
    registry's types, no more and no fewer."""
    assert set(get_args(FieldType)) == set(KINDS)
