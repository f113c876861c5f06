"""JSON Schema (draft 2020-12) generated from field declarations: a destination's settings
and each action's payload. The schema describes values *after* validation (a payload
number is a number even where a numeric string was accepted and converted).

The schemas also carry what a form needs to be rendered from them alone, as ``x-``
keywords (annotations: validators ignore them):

* ``x-order`` (on an object): its property names in declaration order, since the committed
  files sort keys;
* ``x-group`` (on a setting): the section it belongs in; ``"Advanced"`` for an optional
  setting that has a default, so the form shows what must be filled in first;
* ``x-widget`` (on a value): ``"password"`` (a secret: masked, never shown again),
  ``"textarea"`` (long text), ``"keyvalue"`` (a text-map: key/value rows) or ``"json"``
  (an object of any shape, edited as JSON);
* ``x-placeholder`` (on a field): example input shown in an empty control;
* ``x-enum-labels`` (beside ``enum``): the label of each choice, in the same order.

``title`` is the label, ``description`` the help text and ``default`` the initial value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from framework.definition import Destination
from framework.fields import Field
from framework.mapping import MISSING

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ADVANCED = "Advanced"
_NON_BLANK = r"\S"

_SCALAR_SCHEMAS: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "text": {"type": "string"},
    "number": {"type": "number"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
    "secret": {"type": "string", "writeOnly": True, "x-widget": "password"},
}
_WIDGETS = {"text": "textarea"}


def settings_schema(destination: Destination) -> dict[str, Any]:
    """The schema of a settings document; defaults are shown and need not be given."""
    return {
        "$schema": DIALECT,
        "title": f"{destination.name} settings",
        "description": destination.description,
        **object_schema(destination.settings, with_defaults=True),
    }


def payload_schema(destination: Destination, action: str) -> dict[str, Any]:
    """The schema of one action's validated payload."""
    declared = destination.actions[action]
    return {
        "$schema": DIALECT,
        "title": f"{destination.name}: {declared.title}",
        "description": declared.description,
        **object_schema(declared.fields, with_defaults=False),
    }


def object_schema(fields: Mapping[str, Field], *, with_defaults: bool) -> dict[str, Any]:
    """An object whose keys are exactly the declared fields."""
    required = [
        name
        for name, spec in fields.items()
        if spec.required and not (with_defaults and spec.default is not MISSING)
    ]
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            name: field_schema(spec, with_defaults=with_defaults) for name, spec in fields.items()
        },
        "additionalProperties": False,
        "x-order": list(fields),
    }
    if required:
        schema["required"] = required
    return schema


def field_schema(spec: Field, *, with_defaults: bool) -> dict[str, Any]:
    """One field: its value schema, titled, wrapped for ``multiple`` and ``allow_null``."""
    schema = _value_schema(spec, with_defaults=with_defaults)
    if spec.multiple:
        schema = {"type": "array", "items": schema}
    if spec.allow_null:
        schema = {"anyOf": [schema, {"type": "null"}]}
    described: dict[str, Any] = {"title": spec.label, "description": spec.description, **schema}
    if spec.placeholder is not None:
        described["x-placeholder"] = spec.placeholder
    if with_defaults and spec.default is not MISSING:
        described["default"] = spec.default
        if not spec.required:
            described["x-group"] = ADVANCED
    return described


def _value_schema(spec: Field, *, with_defaults: bool) -> dict[str, Any]:
    if spec.type == "object":
        if spec.properties is not None:
            # Defaults are applied to top-level settings only: a nested property with a
            # default must still be given.
            return object_schema(spec.properties, with_defaults=False)
        if spec.values is not None:
            return {
                "type": "object",
                "additionalProperties": dict(_SCALAR_SCHEMAS[spec.values]),
                "x-widget": "keyvalue",
            }
        return {"type": "object", "x-widget": "json"}
    schema = dict(_SCALAR_SCHEMAS[spec.type])
    if spec.type in _WIDGETS:
        schema["x-widget"] = _WIDGETS[spec.type]
    if spec.format is not None:
        schema["format"] = spec.format
    if spec.choices is not None:
        schema["enum"] = [choice.value for choice in spec.choices]
        schema["x-enum-labels"] = [choice.label for choice in spec.choices]
    if spec.required and not spec.multiple and schema["type"] == "string":
        # "must not be empty" applies to a single value; the items of a list are not checked.
        schema["pattern"] = _NON_BLANK
    return schema
