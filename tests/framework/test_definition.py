"""Definitions are checked when they are built: each mistake raises DefinitionError naming
where it is."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from framework import Choice, DefinitionError, Destination, Field, Payload, Preset, Settings
from tests.framework.support import (
    ACTION_FIELDS,
    SETTINGS_FIELDS,
    field,
    make_action,
    make_destination,
    make_rich_destination,
)


class Unannotated(Payload):
    extra: str


class OfUnknownType(Payload):
    extra: complex = Field(label="Extra", description="A complex number.")


class WrongRefinement(Payload):
    extra: int = Field(label="Extra", description="When.", type="datetime")


class MapOfObjects(Payload):
    extra: dict[str, dict[str, Any]] = Field(label="Extra", description="Nested maps.")


class IntegerKeys(Payload):
    extra: dict[int, str] = Field(label="Extra", description="Numbered names.")


class AlwaysThereWithoutDefault(Settings):
    key: SecretStr = Field(label="Key", description="A key.", required=False)


def problems_of(**overrides: Any) -> list[str]:
    """The problems listed by the DefinitionError that building the destination raises."""
    with pytest.raises(DefinitionError) as raised:
        make_destination(**overrides)
    error = raised.value
    assert error.code == "INVALID_DEFINITION"
    slug = overrides.get("slug", "toy")
    header, *lines = error.message.split("\n")
    assert header == f"destination {slug!r} is invalid:"
    assert all(line.startswith("  - ") for line in lines)
    return [line.removeprefix("  - ") for line in lines]


def with_action_field(**spec: Any) -> dict[str, Any]:
    """Overrides giving the ``send`` action one more field, ``extra``, declared by ``spec``."""
    return {"actions": {"send": make_action(fields={**ACTION_FIELDS, "extra": field(**spec)})}}


def with_setting(**spec: Any) -> dict[str, Any]:
    """Overrides giving the destination one more setting, ``extra``, declared by ``spec``."""
    return {"settings": {**SETTINGS_FIELDS, "extra": field(**spec)}}


ONE_PROBLEM = [
    pytest.param(
        {"presets": [Preset(name="P", subscription='type = "track"', action="nope")]},
        "presets['P']: names action 'nope', which does not exist (send)",
        id="preset names a missing action",
    ),
    pytest.param(
        {
            "presets": [
                Preset(
                    name="P",
                    subscription='type = "track"',
                    action="send",
                    mapping={"nope": "x"},
                )
            ]
        },
        "presets['P'].mapping.nope: action 'send' has no field 'nope'",
        id="preset mapping names a missing field",
    ),
    pytest.param(
        {"presets": [Preset(name="P", subscription='type = "track" and', action="send")]},
        "presets['P'].subscription: ",
        id="preset subscription does not parse",
    ),
    pytest.param(
        {
            "presets": [
                Preset(
                    name="P",
                    subscription='type = "track"',
                    action="send",
                    mapping={"user_id": {"@nope": 1}},
                )
            ]
        },
        "presets['P'].mapping/user_id: unknown directive @nope",
        id="preset mapping with an unknown directive",
    ),
    pytest.param(
        {"presets": [Preset(name=" ", subscription='type = "track"', action="send")]},
        "presets[' ']: name must not be empty",
        id="preset without a name",
    ),
    pytest.param(
        with_action_field(label=""),
        "actions.send.fields.extra: label must not be empty",
        id="field without a label",
    ),
    pytest.param(
        with_action_field(description="  "),
        "actions.send.fields.extra: description must not be empty",
        id="field without a description",
    ),
    pytest.param(
        with_action_field(format="phone"),
        "actions.send.fields.extra: unknown format 'phone'",
        id="unknown format",
    ),
    pytest.param(
        with_action_field(type="number", format="email"),
        "actions.send.fields.extra: format applies to string fields only",
        id="format on a number",
    ),
    pytest.param(
        with_action_field(type="boolean", choices=[Choice("yes", "Yes")]),
        "actions.send.fields.extra: choices apply to string, number and integer fields only",
        id="choices on a boolean",
    ),
    pytest.param(
        with_action_field(choices=[]),
        "actions.send.fields.extra: choices must not be empty",
        id="empty choices",
    ),
    pytest.param(
        with_action_field(choices=[Choice("a", "A"), Choice(1, "One")]),
        "actions.send.fields.extra: choice 1 is not of type string",
        id="number choice on a string",
    ),
    pytest.param(
        with_action_field(type="integer", choices=[Choice("1", "One")]),
        "actions.send.fields.extra: choice '1' is not of type integer",
        id="string choice on an integer",
    ),
    pytest.param(
        with_action_field(type="number", choices=[Choice(True, "Yes")]),
        "actions.send.fields.extra: choice True is not of type number",
        id="boolean choice on a number",
    ),
    pytest.param(
        with_action_field(choices=[Choice("a", "A"), Choice("a", "Again")]),
        "actions.send.fields.extra: choices repeat a value",
        id="repeated choices",
    ),
    pytest.param(
        with_action_field(type="object", properties={"city": field(label="")}),
        "actions.send.fields.extra.properties.city: label must not be empty",
        id="nested property without a label",
    ),
    pytest.param(
        {"actions": {"send": make_action(fields={**ACTION_FIELDS, "Email": field()})}},
        "actions.send.fields.Email: field names are lowercase snake_case",
        id="field name not snake_case",
    ),
    pytest.param(
        with_action_field(default={"@path": 5}),
        "actions.send.fields.extra.default/@path: ",
        id="default mapping path is not a string",
    ),
    pytest.param(
        with_action_field(default={"@nope": 1}),
        "actions.send.fields.extra.default: unknown directive @nope",
        id="default mapping with an unknown directive",
    ),
    pytest.param(
        {"actions": {"send": make_action(default_subscription="type = ")}},
        "actions.send.default_subscription: ",
        id="default subscription does not parse",
    ),
    pytest.param(
        {"actions": {"send": make_action(title="")}},
        "actions.send: title must not be empty",
        id="action without a title",
    ),
    pytest.param(
        {"actions": {"send": make_action(perform="not callable")}},
        "actions.send: perform must be callable",
        id="perform not callable",
    ),
    pytest.param(
        {"actions": {"Send-It": make_action()}, "presets": []},
        "actions.Send-It: slug must be lowercase snake_case",
        id="bad action slug",
    ),
    pytest.param(
        {"slug": "Toy Destination"},
        "slug 'Toy Destination': use lowercase letters, digits and '-'",
        id="bad destination slug",
    ),
    pytest.param(
        {"slug": "toy_destination"},
        "slug 'toy_destination': use lowercase letters, digits and '-'",
        id="underscore in destination slug",
    ),
    pytest.param({"name": " "}, "name: must not be empty", id="destination without a name"),
    pytest.param(
        {"actions": {"send": make_action(payload=Unannotated)}},
        "actions.send.fields: Unannotated.extra: declare it with Field(label=..., description=...)",
        id="an annotation without Field",
    ),
    pytest.param(
        {"actions": {"send": make_action(payload=OfUnknownType)}},
        "actions.send.fields: OfUnknownType.extra: no field type is annotated",
        id="an annotation no field type has",
    ),
    pytest.param(
        {"actions": {"send": make_action(payload=WrongRefinement)}},
        "actions.send.fields: WrongRefinement.extra: type 'datetime' does not refine the "
        "annotation's type 'integer'",
        id="a refinement of another type",
    ),
    pytest.param(
        {"actions": {"send": make_action(payload=MapOfObjects)}},
        "actions.send.fields: MapOfObjects.extra: a map's values must be of a scalar type",
        id="a map of objects",
    ),
    pytest.param(
        {"actions": {"send": make_action(payload=IntegerKeys)}},
        "actions.send.fields: IntegerKeys.extra: an object's keys are strings",
        id="a map with integer keys",
    ),
    pytest.param(
        {"actions": {"send": make_action(payload=dict)}},
        "actions.send.fields: expected a subclass of framework.Payload",
        id="a payload that is not a Payload class",
    ),
    pytest.param(
        {"settings": AlwaysThereWithoutDefault},
        "settings: AlwaysThereWithoutDefault.key: required=False needs a default or an "
        "optional annotation",
        id="an optional setting that is never absent",
    ),
    pytest.param(
        with_setting(type="boolean", default="yes"),
        "settings.extra.default: expected a boolean, got string",
        id="boolean setting with a string default",
    ),
    pytest.param(
        with_setting(type="integer", default=1.5),
        "settings.extra.default: expected an integer, got a fraction",
        id="integer setting with a fraction default",
    ),
    pytest.param(
        with_setting(choices=[Choice("us", "US")], default="mars"),
        "settings.extra.default: must be one of 'us'",
        id="setting default not among the choices",
    ),
    pytest.param(
        with_setting(
            type="object",
            properties={"city": field(required=True), "zip": field(type="integer")},
            default={"zip": 75001},
        ),
        "settings.extra.default: city: is required",
        id="object setting default not fitting its properties",
    ),
    pytest.param(
        with_setting(multiple=True, default=["a", 2]),
        "settings.extra.default: 1: expected a string, got integer",
        id="list setting default with an item of the wrong type",
    ),
    pytest.param(
        with_setting(label="", type="secret"),
        "settings.extra: label must not be empty",
        id="setting without a label",
    ),
    # A default cannot be checked against a broken declaration; the declaration is reported.
    pytest.param(
        with_setting(format="phone", default="x"),
        "settings.extra: unknown format 'phone'",
        id="setting of an unknown format with a default",
    ),
]


@pytest.mark.parametrize(("overrides", "expected"), ONE_PROBLEM)
def test_a_mistake_is_reported_naming_its_place(overrides: dict[str, Any], expected: str) -> None:
    problems = problems_of(**overrides)
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems


def test_subscription_problems_say_where_the_text_is_wrong() -> None:
    [problem] = problems_of(actions={"send": make_action(default_subscription='type = "track" )')})
    assert problem.startswith("actions.send.default_subscription: ")
    assert "position" in problem


def test_several_problems_are_reported_together() -> None:
    broken = make_action(
        title="",
        fields={**ACTION_FIELDS, "extra": field(description="", type="boolean", format="email")},
    )
    problems = problems_of(
        slug="Toy!",
        actions={"send": broken},
        settings={**SETTINGS_FIELDS, "flag": field(type="boolean", default="yes")},
        presets=[Preset(name="P", subscription="type =", action="missing")],
    )
    expected = [
        "slug 'Toy!': ",
        "settings.flag.default: expected a boolean",
        "actions.send: title must not be empty",
        "actions.send.fields.extra: description must not be empty",
        "actions.send.fields.extra: format applies to string fields only",
        "presets['P'].subscription: ",
        "presets['P']: names action 'missing'",
    ]
    assert len(problems) == len(expected), problems
    for prefix in expected:
        assert any(problem.startswith(prefix) for problem in problems), (prefix, problems)


def test_the_error_is_raised_when_the_destination_is_built() -> None:
    bad: dict[str, Any] = {"name": "Toy", "slug": "toy", "description": "d", "settings": {}}
    with pytest.raises(DefinitionError, match=r"actions\.send: perform must be callable"):
        Destination(**bad, actions={"send": make_action(perform=None)})


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(make_destination, id="toy"),
        pytest.param(make_rich_destination, id="every kind of field"),
        pytest.param(
            lambda: make_destination(presets=[], base_url=None, extend_request=None, settings={}),
            id="minimal",
        ),
    ],
)
def test_a_valid_definition_builds(build: Any) -> None:
    destination = build()
    assert isinstance(destination, Destination)
    assert destination.actions["send"].title == "Send"


def test_valid_building_blocks_are_kept_as_declared() -> None:
    preset = Preset(
        name="Orders",
        subscription='type = "track" and event = "Order Completed"',
        action="send",
        mapping={"source": {"@literal": "orders"}, "amount": {"@path": "$.properties.total"}},
    )
    destination = make_destination(
        presets=[preset],
        settings={
            **SETTINGS_FIELDS,
            "level": field(type="integer", choices=[Choice(1, "L"), Choice(2, "H")], default=2),
            "ratio": field(type="number", choices=[Choice(0.5, "Half"), Choice(1, "All")]),
        },
    )
    assert destination.presets == [preset]
    assert destination.setting_fields["level"].default == 2
