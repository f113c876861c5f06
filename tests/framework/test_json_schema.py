"""JSON Schema generated from declarations: valid draft 2020-12, describing each field, and
agreeing with the settings validator on which documents are valid."""

from __future__ import annotations

from typing import Any, cast

import pytest
from jsonschema import Draft202012Validator

from destinations.perkville import destination as perkville
from framework import Choice, Destination, FieldSpec, SettingsError, validate_settings
from framework.authoring.json_schema import DIALECT, field_schema, payload_schema, settings_schema
from framework.testing import make_test_destination
from tests.framework.support import (
    SECRET,
    field,
    make_destination,
    make_rich_destination,
)

TOY = make_destination()
RICH = make_rich_destination()
BOUNDED = make_test_destination(
    slug="bounded",
    settings={
        "api_key": field(type="secret", required=True, min_length=8, max_length=64),
        "batch_size": field(type="integer", minimum=1, maximum=1000, default=100),
        "ratio": field(type="number", minimum=0, maximum=1),
        "code": field(min_length=2, max_length=3),
        "tags": field(multiple=True, max_length=5),
    },
)
DESTINATIONS = [
    pytest.param(TOY, id="toy"),
    pytest.param(RICH, id="rich"),
    pytest.param(BOUNDED, id="bounded"),
    pytest.param(perkville, id="perkville"),
]


@pytest.mark.parametrize("destination", DESTINATIONS)
def test_generated_schemas_are_valid_draft_2020_12(destination: Destination) -> None:
    schemas = [settings_schema(destination)]
    schemas += [payload_schema(destination, slug) for slug in destination.actions]
    for schema in schemas:
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == DIALECT
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False


def test_settings_schema_describes_the_destination() -> None:
    schema = settings_schema(TOY)
    assert schema["title"] == "Toy settings"
    assert schema["description"] == TOY.description
    assert list(schema["properties"]) == list(TOY.setting_fields)
    assert schema["required"] == ["api_key"], "a required setting with a default need not be given"
    assert schema["properties"]["api_key"] == {
        "title": "API key",
        "description": "The toy API key.",
        "type": "string",
        "writeOnly": True,
        "x-widget": "password",
        "pattern": r"\S",
    }
    assert schema["properties"]["region"]["default"] == "us"
    assert schema["properties"]["region"]["enum"] == ["us", "eu"]
    assert schema["properties"]["verbose"] == {
        "title": "Verbose",
        "description": "Log more.",
        "type": "boolean",
        "default": False,
        "x-group": "Advanced",
        "x-widget": "checkbox",
    }
    assert schema["x-order"] == list(TOY.setting_fields)


def test_payload_schema_describes_the_action_without_defaults() -> None:
    schema = payload_schema(TOY, "send")
    assert schema["title"] == "Toy: Send"
    assert schema["description"] == "POST the payload to /events."
    assert schema["required"] == ["user_id"]
    assert schema["properties"]["email"]["format"] == "email"
    assert schema["properties"]["amount"]["type"] == "number"
    for name, spec in schema["properties"].items():
        assert "default" not in spec, f"{name}: a default mapping is not a default value"


def test_payload_schema_of_an_unknown_action_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        payload_schema(TOY, "nope")


@pytest.mark.parametrize(
    ("spec", "with_defaults", "expected"),
    [
        pytest.param(
            field(label="L", description="D"),
            False,
            {"title": "L", "description": "D", "type": "string", "x-widget": "text"},
            id="string",
        ),
        pytest.param(
            field(type="text", required=True),
            False,
            {"type": "string", "pattern": r"\S", "x-widget": "textarea"},
            id="required text is not blank",
        ),
        pytest.param(
            field(type="integer"), False, {"type": "integer", "x-widget": "number"}, id="integer"
        ),
        pytest.param(
            field(type="datetime"),
            False,
            {
                "type": "string",
                "format": "date-time",
                "x-widget": "text",
                "x-placeholder": "2026-01-31T09:00:00Z",
            },
            id="datetime: the type's example input",
        ),
        pytest.param(
            field(type="datetime", placeholder="When"),
            False,
            {"type": "string", "format": "date-time", "x-widget": "text", "x-placeholder": "When"},
            id="the field's placeholder over the type's",
        ),
        pytest.param(
            field(format="date-time"),
            False,
            {
                "type": "string",
                "format": "date-time",
                "x-widget": "text",
                "x-placeholder": "2026-01-31T09:00:00Z",
            },
            id="date-time format",
        ),
        pytest.param(
            field(format="date"),
            False,
            {"type": "string", "format": "date", "x-widget": "date"},
            id="date: the format's widget",
        ),
        pytest.param(
            field(type="boolean"), False, {"type": "boolean", "x-widget": "checkbox"}, id="boolean"
        ),
        pytest.param(
            field(type="secret"),
            False,
            {"type": "string", "writeOnly": True, "x-widget": "password"},
            id="secret",
        ),
        pytest.param(
            field(format="uuid"),
            False,
            {"type": "string", "format": "uuid", "x-widget": "text"},
            id="format",
        ),
        pytest.param(
            field(type="number", choices=[Choice(0.5, "Half"), Choice(1, "All")]),
            False,
            {
                "type": "number",
                "enum": [0.5, 1],
                "x-enum-labels": ["Half", "All"],
                "x-widget": "select",
            },
            id="number choices",
        ),
        pytest.param(
            field(format="email", multiple=True),
            False,
            {
                "type": "array",
                "items": {"type": "string", "format": "email", "x-widget": "text"},
                "x-widget": "list",
            },
            id="multiple",
        ),
        pytest.param(
            field(multiple=True, required=True),
            False,
            {"type": "array", "items": {"type": "string", "x-widget": "text"}, "x-widget": "list"},
            id="required multiple: the items are not checked for blanks",
        ),
        pytest.param(
            field(type="integer", allow_null=True),
            False,
            {"anyOf": [{"type": "integer", "x-widget": "number"}, {"type": "null"}]},
            id="nullable",
        ),
        pytest.param(
            field(type="boolean", multiple=True, allow_null=True),
            False,
            {
                "anyOf": [
                    {
                        "type": "array",
                        "items": {"type": "boolean", "x-widget": "checkbox"},
                        "x-widget": "list",
                    },
                    {"type": "null"},
                ]
            },
            id="nullable list",
        ),
        pytest.param(
            field(type="object", values="number"),
            False,
            {
                "type": "object",
                "additionalProperties": {"type": "number", "x-widget": "number"},
                "x-widget": "keyvalue",
            },
            id="text-map",
        ),
        pytest.param(
            field(type="object"), False, {"type": "object", "x-widget": "json"}, id="any object"
        ),
        pytest.param(
            field(type="object", values="text"),
            False,
            {
                "type": "object",
                "additionalProperties": {"type": "string", "x-widget": "textarea"},
                "x-widget": "keyvalue",
            },
            id="text-map of text",
        ),
        pytest.param(
            field(
                type="object",
                properties={
                    "city": field(label="City", description="C", required=True, default="X"),
                    "zip": field(label="ZIP", description="Z", type="integer"),
                },
            ),
            True,
            {
                "type": "object",
                "properties": {
                    "city": {
                        "title": "City",
                        "description": "C",
                        "type": "string",
                        "pattern": r"\S",
                        "x-widget": "text",
                    },
                    "zip": {
                        "title": "ZIP",
                        "description": "Z",
                        "type": "integer",
                        "x-widget": "number",
                    },
                },
                "additionalProperties": False,
                "required": ["city"],
                "x-order": ["city", "zip"],
                "x-widget": "fieldset",
            },
            id="nested properties: defaults apply to top-level settings only",
        ),
        pytest.param(
            field(type="integer", default=3),
            True,
            {"type": "integer", "default": 3, "x-group": "Advanced", "x-widget": "number"},
            id="an optional setting with a default is advanced",
        ),
        pytest.param(
            field(type="integer", required=True, default=3),
            True,
            {"type": "integer", "default": 3, "x-widget": "number"},
            id="a required setting with a default is not advanced",
        ),
        pytest.param(
            field(placeholder="e.g. 42"),
            False,
            {"type": "string", "x-placeholder": "e.g. 42", "x-widget": "text"},
            id="placeholder",
        ),
        pytest.param(
            field(type="integer", default=3),
            False,
            {"type": "integer", "x-widget": "number"},
            id="no default",
        ),
        pytest.param(
            field(type="integer", minimum=1, maximum=1000),
            False,
            {"type": "integer", "minimum": 1, "maximum": 1000, "x-widget": "number"},
            id="range",
        ),
        pytest.param(
            field(type="number", minimum=0.5),
            False,
            {"type": "number", "minimum": 0.5, "x-widget": "number"},
            id="lower bound only",
        ),
        pytest.param(
            field(type="text", min_length=2, max_length=280),
            False,
            {"type": "string", "minLength": 2, "maxLength": 280, "x-widget": "textarea"},
            id="length",
        ),
        pytest.param(
            field(multiple=True, max_length=5),
            False,
            {
                "type": "array",
                "items": {"type": "string", "maxLength": 5, "x-widget": "text"},
                "x-widget": "list",
            },
            id="bounds on each item of a list",
        ),
        pytest.param(
            field(type="secret", min_length=8),
            False,
            {"type": "string", "writeOnly": True, "minLength": 8, "x-widget": "password"},
            id="secret length",
        ),
    ],
)
def test_field_schema(spec: FieldSpec, with_defaults: bool, expected: dict[str, Any]) -> None:
    schema = field_schema(spec, with_defaults=with_defaults)
    assert schema.pop("title") == spec.label
    assert schema.pop("description") == spec.description
    expected = {k: v for k, v in expected.items() if k not in ("title", "description")}
    assert schema == expected
    Draft202012Validator.check_schema({"$schema": DIALECT, **schema})


# Agreement with the settings validator ------------------------------------------------------
# Only documents whose values are already canonical JSON (the schema describes values after
# validation: a null for an optional setting or a scalar for a list is accepted and normalized
# by the validator but not by the schema). Formats are annotations for jsonschema, so documents
# with a badly formatted value are left out too.

RICH_VALID = {"api_key": SECRET}
RICH_DOCUMENTS = [
    pytest.param(RICH_VALID, id="minimal"),
    pytest.param(
        {
            "api_key": SECRET,
            "region": "eu",
            "retries": 0,
            "ratio": 0.25,
            "debug": True,
            "tags": ["a", "b"],
            "scopes": ["read", "write"],
            "nickname": None,
            "endpoint": "https://example.com/hook",
            "starts_at": "2026-01-01T00:00:00Z",
            "level": 2,
            "owner": {"name": "Ann", "age": 40, "team": "core"},
            "labels": {"a": 1, "b": 2},
            "extra": {"anything": [1, {"x": None}]},
        },
        id="everything",
    ),
    pytest.param({**RICH_VALID, "retries": 3.0}, id="whole float as integer"),
    pytest.param({**RICH_VALID, "tags": []}, id="empty list"),
    pytest.param({**RICH_VALID, "scopes": [" "]}, id="blank item of a required list"),
    pytest.param({**RICH_VALID, "labels": {}}, id="empty text-map"),
    pytest.param({**RICH_VALID, "nickname": ""}, id="optional blank string"),
    pytest.param({"region": "us"}, id="missing secret"),
    pytest.param({"api_key": ""}, id="empty secret"),
    pytest.param({"api_key": " \n"}, id="blank secret"),
    pytest.param({"api_key": 12345}, id="secret of the wrong type"),
    pytest.param({**RICH_VALID, "region": "mars"}, id="not a choice"),
    pytest.param({**RICH_VALID, "region": " "}, id="blank required choice"),
    pytest.param({**RICH_VALID, "level": 3}, id="not an integer choice"),
    pytest.param({**RICH_VALID, "retries": 2.5}, id="fraction for an integer"),
    pytest.param({**RICH_VALID, "retries": "3"}, id="numeric string for an integer"),
    pytest.param({**RICH_VALID, "retries": True}, id="boolean for an integer"),
    pytest.param({**RICH_VALID, "ratio": "0.5"}, id="numeric string for a number"),
    pytest.param({**RICH_VALID, "debug": "true"}, id="string for a boolean"),
    pytest.param({**RICH_VALID, "debug": 1}, id="integer for a boolean"),
    pytest.param({**RICH_VALID, "nickname": 7}, id="number for a nullable string"),
    pytest.param({**RICH_VALID, "tags": [1]}, id="wrong item type"),
    pytest.param({**RICH_VALID, "starts_at": 1767225600}, id="number for a datetime"),
    pytest.param({**RICH_VALID, "owner": {}}, id="nested required missing"),
    pytest.param({**RICH_VALID, "owner": {"name": "Ann"}}, id="nested default is not applied"),
    pytest.param({**RICH_VALID, "owner": {"name": " ", "team": "t"}}, id="nested blank"),
    pytest.param({**RICH_VALID, "owner": {"name": "A", "team": "t", "x": 1}}, id="nested extra"),
    pytest.param({**RICH_VALID, "owner": {"name": "A", "team": "t", "age": 1.5}}, id="nested int"),
    pytest.param({**RICH_VALID, "owner": "Ann"}, id="string for an object"),
    pytest.param({**RICH_VALID, "labels": {"a": "1"}}, id="text-map value of the wrong type"),
    pytest.param({**RICH_VALID, "labels": ["a"]}, id="array for a text-map"),
    pytest.param({**RICH_VALID, "extra": []}, id="array for an object"),
    pytest.param({**RICH_VALID, "unknown": 1}, id="unknown setting"),
]

PERKVILLE_VALID = {
    "api_key": SECRET,
    "business_id": "4242",
    "location_id": "17",
    "event_to_perk_map": {"Checked In": "007"},
    "send_email": False,
}
PERKVILLE_DOCUMENTS = [
    pytest.param(PERKVILLE_VALID, id="valid"),
    pytest.param({**PERKVILLE_VALID, "event_to_perk_map": {}}, id="empty map"),
    pytest.param(
        {k: v for k, v in PERKVILLE_VALID.items() if k not in ("event_to_perk_map", "send_email")},
        id="defaults",
    ),
    pytest.param({**PERKVILLE_VALID, "send_email": True}, id="send email"),
    pytest.param({k: v for k, v in PERKVILLE_VALID.items() if k != "api_key"}, id="no key"),
    pytest.param({**PERKVILLE_VALID, "api_key": ""}, id="empty key"),
    pytest.param({**PERKVILLE_VALID, "business_id": 4242}, id="numeric business id"),
    pytest.param({**PERKVILLE_VALID, "location_id": "  "}, id="blank location id"),
    pytest.param({**PERKVILLE_VALID, "event_to_perk_map": {"x": 1}}, id="numeric perk id"),
    pytest.param({**PERKVILLE_VALID, "event_to_perk_map": ["x"]}, id="map is a list"),
    pytest.param({**PERKVILLE_VALID, "send_email": "yes"}, id="string for a boolean"),
    pytest.param({**PERKVILLE_VALID, "base_url": "https://evil.example"}, id="unknown setting"),
]


BOUNDED_VALID = {"api_key": SECRET}
BOUNDED_DOCUMENTS = [
    pytest.param(BOUNDED_VALID, id="defaults"),
    pytest.param(
        {**BOUNDED_VALID, "batch_size": 1, "ratio": 0, "code": "ab", "tags": ["abcde"]},
        id="every lower or upper bound met",
    ),
    pytest.param({**BOUNDED_VALID, "batch_size": 1000, "ratio": 1}, id="upper bounds met"),
    pytest.param({**BOUNDED_VALID, "batch_size": 0}, id="integer below"),
    pytest.param({**BOUNDED_VALID, "batch_size": 1001}, id="integer above"),
    pytest.param({**BOUNDED_VALID, "ratio": -0.5}, id="number below"),
    pytest.param({**BOUNDED_VALID, "ratio": 1.01}, id="number above"),
    pytest.param({**BOUNDED_VALID, "code": "a"}, id="too short"),
    pytest.param({**BOUNDED_VALID, "code": "abcd"}, id="too long"),
    pytest.param({**BOUNDED_VALID, "code": "\u00e9\u00e9\u00e9"}, id="characters, not bytes"),
    pytest.param({**BOUNDED_VALID, "tags": ["ok", "too long"]}, id="an item too long"),
    pytest.param({"api_key": "short"}, id="secret too short"),
    pytest.param({"api_key": "k" * 65}, id="secret too long"),
]


def agree(destination: Destination, document: dict[str, Any]) -> tuple[bool, bool]:
    """Whether the schema accepts ``document``, and whether the validator does."""
    schema_ok = Draft202012Validator(settings_schema(destination)).is_valid(document)
    try:
        validate_settings(destination, document)
    except SettingsError:
        return schema_ok, False
    return schema_ok, True


@pytest.mark.parametrize("document", RICH_DOCUMENTS)
def test_schema_and_validator_agree_on_rich_settings(document: dict[str, Any]) -> None:
    schema_ok, validator_ok = agree(RICH, document)
    assert schema_ok == validator_ok


@pytest.mark.parametrize("document", PERKVILLE_DOCUMENTS)
def test_schema_and_validator_agree_on_perkville_settings(document: dict[str, Any]) -> None:
    schema_ok, validator_ok = agree(perkville, document)
    assert schema_ok == validator_ok


@pytest.mark.parametrize("document", BOUNDED_DOCUMENTS)
def test_schema_and_validator_agree_on_bounds(document: dict[str, Any]) -> None:
    schema_ok, validator_ok = agree(BOUNDED, document)
    assert schema_ok == validator_ok


def test_the_agreement_tables_hold_both_valid_and_invalid_documents() -> None:
    tables = (
        (RICH, RICH_DOCUMENTS),
        (perkville, PERKVILLE_DOCUMENTS),
        (BOUNDED, BOUNDED_DOCUMENTS),
    )
    for destination, table in tables:
        outcomes = {agree(destination, cast(dict[str, Any], p.values[0]))[1] for p in table}
        assert outcomes == {True, False}
