"""The declaration of one typed input: a destination setting or an action field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from framework.mapping import MISSING

FieldType = Literal[
    "string", "text", "number", "integer", "boolean", "datetime", "object", "secret"
]
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)
SCALAR_TYPES = frozenset({"string", "text", "number", "integer", "boolean", "datetime", "secret"})
FORMATS = frozenset({"email", "uri", "date-time", "date", "uuid"})


@dataclass(frozen=True)
class Choice:
    """One allowed value of a field, with the label a UI shows for it."""

    value: str | int | float
    label: str


@dataclass(frozen=True)
class Field:
    """A typed input: a destination setting or an action field.

    For an action field, ``default`` is the default *mapping* (where the value comes from in
    an event, e.g. ``{"@path": "$.properties.email"}``); for a setting it is the default value.
    ``properties`` declares the keys of an ``object``; ``values`` the type of every value of
    an ``object`` used as a key/value map (a "text-map").
    """

    label: str
    description: str
    type: FieldType = "string"
    required: bool = False
    multiple: bool = False
    allow_null: bool = False
    choices: Sequence[Choice] | None = None
    format: str | None = None
    properties: Mapping[str, Field] | None = None
    values: FieldType | None = None
    default: Any = MISSING
    placeholder: str | None = None
