"""JSON Schema (draft 2020-12) generated from field declarations: a destination's settings
and each action's payload. The schema describes values *after* validation (a payload
number is a number even where a numeric string was accepted and converted).

The schemas also carry what a form needs to be rendered from them alone, as ``x-``
keywords (annotations: validators ignore them):

* ``x-order`` (on an object): its property names in declaration order, since the committed
  files sort keys;
* ``x-group`` (on a setting): the section it belongs in; ``"Advanced"`` for an optional
  setting that has a default, so the form shows what must be filled in first;
* ``x-widget`` (on every value): the form control, from the field-type registry
  (:mod:`framework.authoring.field_types`): the type's (``"text"``, ``"textarea"``, ``"number"``,
  ``"checkbox"``, ``"password"``: a secret, masked, never shown again; ``"json"``: an
  object of any shape), a format's (``"date"``), or the shape's: ``"select"`` (choices),
  ``"list"`` (``multiple``), ``"fieldset"`` (an object with properties), ``"keyvalue"``
  (a text-map: key/value rows);
* ``x-placeholder`` (on a field, or on a value whose type or format has an example, such
  as a date-time): example input shown in an empty control;
* ``x-enum-labels`` (beside ``enum``): the label of each choice, in the same order;
* ``x-dynamic-choices`` (on a value, ``true``): the destination's API lists its choices
  (:mod:`framework.authoring.dynamic`; on a text-map, its values'): the form offers them
  in a searchable dropdown that still takes free text.

``title`` is the label, ``description`` the help text and ``default`` the initial value.
Bounds travel as ``minimum``/``maximum`` and ``minLength``/``maxLength`` on each value
(on the items of a list).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from framework.authoring.field_types import (
    CHOICES_WIDGET,
    FORMATS,
    KINDS,
    LIST_WIDGET,
    PROPERTIES_WIDGET,
    VALUES_WIDGET,
    map_value,
)
from framework.authoring.fields import FieldSpec
from framework.languages.mapping import MISSING

if TYPE_CHECKING:
    from framework.authoring.definition import Destination

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ADVANCED = "Advanced"
_NON_BLANK = r"\S"


def settings_schema(destination: Destination) -> dict[str, Any]:
    """The schema of a settings document; defaults are shown and need not be given."""
    return {
        "$schema": DIALECT,
        "title": f"{destination.name} settings",
        "description": destination.description,
        **object_schema(destination.setting_fields, with_defaults=True),
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


def object_schema(fields: Mapping[str, FieldSpec], *, with_defaults: bool) -> dict[str, Any]:
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


def field_schema(spec: FieldSpec, *, with_defaults: bool) -> dict[str, Any]:
    """One field: its value schema, titled, wrapped for ``multiple`` and ``allow_null``."""
    schema = _value_schema(spec)
    if spec.multiple:
        schema = {"type": "array", "items": schema, "x-widget": LIST_WIDGET}
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


def _value_schema(spec: FieldSpec) -> dict[str, Any]:
    """The schema of one value of a field (an item of a list): its type's, refined by its
    shape, format, choices and bounds."""
    if spec.properties is not None:
        # Defaults are applied to top-level settings only: a nested property with a
        # default must still be given.
        return {
            **object_schema(spec.properties, with_defaults=False),
            "x-widget": PROPERTIES_WIDGET,
        }
    if spec.values is not None:
        return {
            "type": "object",
            "additionalProperties": {**_value_schema(map_value(spec)), **_dynamic(spec)},
            "x-widget": VALUES_WIDGET,
        }
    kind = KINDS[spec.type]
    schema: dict[str, Any] = {**kind.schema, "x-widget": kind.widget}
    placeholder = kind.placeholder
    if spec.format is not None:
        fmt = FORMATS[spec.format]
        schema.update(fmt.schema)
        schema["x-widget"] = fmt.widget or kind.widget
        placeholder = fmt.placeholder or placeholder
    if placeholder is not None:
        schema["x-placeholder"] = placeholder
    if spec.choices is not None:
        schema["enum"] = [choice.value for choice in spec.choices]
        schema["x-enum-labels"] = [choice.label for choice in spec.choices]
        schema["x-widget"] = CHOICES_WIDGET
    schema.update(_dynamic(spec))
    schema.update(_bounds(spec))
    if spec.required and not spec.multiple and schema["type"] == "string":
        # "must not be empty" applies to a single value; the items of a list are not checked.
        schema["pattern"] = _NON_BLANK
    return schema


def _dynamic(spec: FieldSpec) -> dict[str, Any]:
    return {} if spec.dynamic is None else {"x-dynamic-choices": True}


_BOUNDS = {
    "minimum": "minimum",
    "maximum": "maximum",
    "min_length": "minLength",
    "max_length": "maxLength",
}


def _bounds(spec: FieldSpec) -> dict[str, Any]:
    return {
        keyword: getattr(spec, name)
        for name, keyword in _BOUNDS.items()
        if getattr(spec, name) is not None
    }
