"""Settings and payload classes: the field list derived from annotations, and the typed,
read-only instances hooks receive."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from framework import (
    MISSING,
    Choice,
    DefinitionError,
    Field,
    FieldSpec,
    Model,
    Payload,
    Settings,
    path,
)
from framework.authoring.model import Unconverted, build, fields_of, values_of


class Address(Model):
    city: str = Field(label="City", description="The city.")
    zip: str | None = Field(label="ZIP", description="The postal code.")


class Everything(Settings):
    api_key: SecretStr = Field(label="API key", description="The key.")
    region: str = Field(
        label="Region",
        description="Where.",
        choices=[Choice("us", "US"), Choice("eu", "EU")],
        default="us",
    )
    note: str = Field(label="Note", description="Long text.", type="text", default="")
    starts_at: str | None = Field(label="Starts at", description="When.", type="datetime")
    retries: int = Field(label="Retries", description="How often.", default=3, minimum=0)
    ratio: float | None = Field(label="Ratio", description="How much.")
    debug: bool = Field(label="Debug", description="Log more.", default=False, required=False)
    tags: list[str] | None = Field(label="Tags", description="Labels.", max_length=20)
    labels: dict[str, int] | None = Field(label="Labels", description="Counts.")
    extra: dict[str, Any] | None = Field(label="Extra", description="Anything.")
    owner: Address | None = Field(label="Owner", description="Who.")


def test_the_annotations_give_each_field_its_type_presence_and_shape() -> None:
    fields = fields_of(Everything)
    assert list(fields) == [
        "api_key",
        "region",
        "note",
        "starts_at",
        "retries",
        "ratio",
        "debug",
        "tags",
        "labels",
        "extra",
        "owner",
    ]
    shape = {
        name: (spec.type, spec.required, spec.multiple, spec.values)
        for name, spec in fields.items()
    }
    assert shape == {
        "api_key": ("secret", True, False, None),
        "region": ("string", True, False, None),
        "note": ("text", True, False, None),
        "starts_at": ("datetime", False, False, None),
        "retries": ("integer", True, False, None),
        "ratio": ("number", False, False, None),
        "debug": ("boolean", False, False, None),
        "tags": ("string", False, True, None),
        "labels": ("object", False, False, "integer"),
        "extra": ("object", False, False, None),
        "owner": ("object", False, False, None),
    }
    assert fields["retries"].minimum == 0
    assert fields["tags"].max_length == 20
    assert fields["region"].default == "us"
    assert fields["api_key"].default is MISSING
    owner = fields["owner"]
    assert owner.model is Address
    assert owner.properties == fields_of(Address)


def test_a_payload_field_keeps_its_default_mapping() -> None:
    class Send(Payload):
        user_id: str = Field(label="User", description="Who.", default=path("$.userId"))

    assert fields_of(Send)["user_id"] == FieldSpec(
        label="User", description="Who.", type="string", required=True, default=path("$.userId")
    )


def test_an_instance_holds_typed_values_and_none_for_absent_optional_fields() -> None:
    settings = build(
        Everything,
        {"api_key": SecretStr("k"), "region": "eu", "retries": 1, "owner": {"city": "Paris"}},
    )
    assert settings.region == "eu"
    assert settings.ratio is None
    assert isinstance(settings.owner, Address)
    assert settings.owner.city == "Paris"
    assert settings.owner.zip is None
    assert values_of(settings) == {
        "api_key": SecretStr("k"),
        "region": "eu",
        "retries": 1,
        "owner": {"city": "Paris"},
    }


def test_an_instance_is_read_only_and_its_repr_hides_secrets() -> None:
    settings = build(Everything, {"api_key": SecretStr("sk_live_hidden"), "region": "us"})
    with pytest.raises(AttributeError, match="read-only"):
        settings.region = "eu"  # type: ignore[misc]
    assert "sk_live_hidden" not in repr(settings)
    assert settings == build(Everything, {"api_key": SecretStr("sk_live_hidden"), "region": "us"})


def test_reading_a_field_that_did_not_convert_raises_unconverted() -> None:
    settings = build(Everything, {"region": "us"})  # api_key failed conversion
    with pytest.raises(Unconverted, match=r"Everything\.api_key did not convert"):
        _ = settings.api_key
    with pytest.raises(AttributeError, match="has no field 'nope'") as raised:
        _ = settings.nope  # type: ignore[attr-defined]
    assert not isinstance(raised.value, Unconverted)


def test_a_subclass_inherits_and_adds_fields() -> None:
    class More(Everything):
        level: int | None = Field(label="Level", description="How high.")

    assert list(fields_of(More))[-2:] == ["owner", "level"]


def test_private_and_class_attributes_are_not_fields() -> None:
    class WithHelpers(Payload):
        _cache: dict[str, str]
        name: str = Field(label="Name", description="A name.")

    assert list(fields_of(WithHelpers)) == ["name"]


@pytest.mark.parametrize(
    ("annotation", "declared", "problem"),
    [
        pytest.param("complex", {}, "no field type is annotated", id="unknown type"),
        pytest.param("int", {"type": "text"}, "does not refine", id="text on an integer"),
        pytest.param("dict[int, str]", {}, "keys are strings", id="integer keys"),
        pytest.param("dict[str, list[str]]", {}, "scalar type", id="a map of lists"),
        pytest.param("SecretStr", {"required": False}, "required=False needs", id="never absent"),
    ],
)
def test_an_annotation_the_framework_cannot_type_is_a_definition_error(
    annotation: str, declared: dict[str, Any], problem: str
) -> None:
    namespace: dict[str, Any] = {
        "__annotations__": {"value": annotation},
        "__module__": __name__,
        "value": Field(label="Value", description="A value.", **declared),
    }
    broken = type("Broken", (Payload,), namespace)
    with pytest.raises(DefinitionError, match=problem) as raised:
        fields_of(broken)
    assert "Broken.value" in raised.value.message
