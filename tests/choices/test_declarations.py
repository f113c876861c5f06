"""Declaring dynamic choices: ``Field(dynamic=...)`` reaches the field list, is refused where
it cannot apply (when the destination is defined), and marks the values whose choices the
API lists in the generated JSON Schema (``x-dynamic-choices``)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from destinations.perkville import destination as perkville
from framework import Choice, DefinitionError, Destination, Field, FieldSpec, Settings
from framework.authoring.dynamic import ChoicePage, DynamicChoices, dynamic_problems
from framework.authoring.json_schema import payload_schema, settings_schema
from framework.authoring.model import fields_of
from tests.choices.support import catalog, items_page, sizes_page

SIZES = DynamicChoices(sizes_page, items_page)
APPLIES_TO = "dynamic choices apply to string, number and integer fields, and to maps of them, only"


def spec(**declared: Any) -> FieldSpec:
    return FieldSpec(label="A field", description="A field.", **declared)


def test_field_carries_its_dynamic_choices_to_the_field_list() -> None:
    class Sized(Settings):
        size: int = Field(label="Size", description="A size.", dynamic=SIZES)
        sizes: dict[str, int] = Field(label="Sizes", description="Sizes.", dynamic=SIZES)
        plain: str = Field(label="Plain", description="No choices.")

    fields = fields_of(Sized)
    assert fields["size"].dynamic is SIZES
    assert fields["sizes"].dynamic is SIZES
    assert fields["plain"].dynamic is None


@pytest.mark.parametrize(
    "declared",
    [
        {"type": "string"},
        {"type": "integer"},
        {"type": "number", "multiple": True},
        {"type": "object", "values": "string"},
        {"type": "object", "values": "integer"},
    ],
)
def test_dynamic_choices_apply_to_scalars_with_choices_and_their_maps(
    declared: dict[str, Any],
) -> None:
    assert dynamic_problems(spec(dynamic=SIZES, **declared)) == []


@pytest.mark.parametrize(
    "declared",
    [
        {"type": "boolean"},
        {"type": "text"},
        {"type": "secret"},
        {"type": "datetime"},
        {"type": "object"},
        {"type": "object", "values": "boolean"},
        {"type": "object", "properties": {"a": spec()}},
    ],
)
def test_dynamic_choices_are_refused_on_other_types(declared: dict[str, Any]) -> None:
    assert dynamic_problems(spec(dynamic=SIZES, **declared)) == [APPLIES_TO]


def test_dynamic_and_fixed_choices_exclude_each_other() -> None:
    fixed = [Choice("a", "A")]
    assert dynamic_problems(spec(dynamic=SIZES, choices=fixed)) == [
        "dynamic: a field has fixed choices or dynamic ones, not both"
    ]


def test_dynamic_must_be_dynamic_choices_with_callable_hooks() -> None:
    assert dynamic_problems(spec(dynamic={"request": sizes_page})) == [
        "dynamic: expected framework.DynamicChoices, got dict"
    ]
    broken = DynamicChoices(request="GET /sizes", parse=ChoicePage)  # type: ignore[arg-type]
    assert dynamic_problems(spec(dynamic=broken)) == ["dynamic.request: must be callable"]


def test_a_field_without_dynamic_choices_has_no_problem_with_them() -> None:
    assert dynamic_problems(spec(type="boolean")) == []


def destination_with(settings: type[Settings]) -> Destination:
    return Destination(
        name="Bad", slug="bad", description="Bad declarations.", settings=settings, actions={}
    )


def test_a_destination_with_dynamic_choices_on_a_boolean_is_invalid() -> None:
    class OnBoolean(Settings):
        flag: bool = Field(label="Flag", description="A flag.", dynamic=SIZES)

    with pytest.raises(DefinitionError, match=re.escape(f"settings.flag: {APPLIES_TO}")):
        destination_with(OnBoolean)


def test_a_destination_with_dynamic_and_fixed_choices_is_invalid() -> None:
    class Both(Settings):
        size: int = Field(
            label="Size", description="A size.", choices=[Choice(1, "One")], dynamic=SIZES
        )

    with pytest.raises(
        DefinitionError, match=re.escape("settings.size: dynamic: a field has fixed")
    ):
        destination_with(Both)


def test_the_schema_marks_each_value_whose_choices_are_dynamic() -> None:
    properties = settings_schema(perkville)["properties"]
    assert properties["business_id"]["x-dynamic-choices"] is True
    assert properties["location_id"]["x-dynamic-choices"] is True
    for name in ("event_to_perk_map", "audience_to_perk_map"):
        # a text-map's values are chosen, not its keys
        assert properties[name]["additionalProperties"]["x-dynamic-choices"] is True
        assert "x-dynamic-choices" not in properties[name]
    for name in ("api_key", "send_email"):
        assert "x-dynamic-choices" not in properties[name]
    # free text stays allowed: the widget is the type's, and there is no enum
    assert properties["business_id"]["x-widget"] == "text"
    assert "enum" not in properties["business_id"]


def test_an_action_fields_schema_marks_it_too() -> None:
    size = payload_schema(catalog, "order")["properties"]["size"]
    assert size["x-dynamic-choices"] is True
    assert size["type"] == "integer"
