"""The declaration of one typed input (a destination setting or an action field), and the
``Field(...)`` an author writes beside an annotation in a settings or payload class.

:class:`FieldSpec` is the complete record the framework works from: the annotation of a
class attribute gives its type, whether it is required and whether it holds a list; the
``Field(...)`` beside it gives the rest (see :mod:`framework.authoring.model`).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from framework.languages.mapping import MISSING

if TYPE_CHECKING:
    from framework.authoring.dynamic import DynamicChoices

FieldType = Literal[
    "string", "text", "number", "integer", "boolean", "datetime", "object", "secret"
]


@dataclass(frozen=True)
class Choice:
    """One allowed value of a field, with the label a UI shows for it."""

    value: str | int | float
    label: str


@dataclass(frozen=True)
class FieldSpec:
    """A typed input: a destination setting or an action field.

    For an action field, ``default`` is the default *mapping* (where the value comes from in
    an event, e.g. ``{"@path": "$.properties.email"}``); for a setting it is the default value.
    ``properties`` declares the keys of an ``object``; ``values`` the type of every value of
    an ``object`` used as a key/value map (a "text-map"). ``minimum``/``maximum`` bound a
    number or integer; ``min_length``/``max_length`` bound the characters of a string.
    ``model`` is the class a validated ``object`` with ``properties`` becomes (set when the
    field is declared in a class). ``dynamic`` lists the field's choices (a text-map's: its
    values') from the destination's API (:mod:`framework.authoring.dynamic`).
    """

    label: str
    description: str
    type: FieldType = "string"
    required: bool = False
    multiple: bool = False
    allow_null: bool = False
    choices: Sequence[Choice] | None = None
    format: str | None = None
    properties: Mapping[str, FieldSpec] | None = None
    values: FieldType | None = None
    default: Any = MISSING
    placeholder: str | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    min_length: int | None = None
    max_length: int | None = None
    model: builtins.type | None = None
    dynamic: DynamicChoices[Any] | None = None


@dataclass(frozen=True)
class Declared:
    """What an author wrote in ``Field(...)``; the annotation gives the rest."""

    label: str
    description: str
    type: FieldType | None
    required: bool | None
    allow_null: bool
    choices: Sequence[Choice] | None
    format: str | None
    default: Any
    placeholder: str | None
    minimum: int | float | None
    maximum: int | float | None
    min_length: int | None
    max_length: int | None
    dynamic: DynamicChoices[Any] | None


def Field(
    *,
    label: str,
    description: str,
    default: Any = MISSING,
    type: FieldType | None = None,
    required: bool | None = None,
    format: str | None = None,
    choices: Sequence[Choice] | None = None,
    allow_null: bool = False,
    placeholder: str | None = None,
    minimum: int | float | None = None,
    maximum: int | float | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
    dynamic: DynamicChoices[Any] | None = None,
) -> Any:
    """Declare a field of a settings or payload class, beside its annotation::

        class AwardPoints(Payload):
            email: str = Field(label="Email", description="...", format="email",
                               default=path("$.properties.email"))

    ``default``: for a setting, its default value; for an action field, its default
    mapping. ``type`` refines the annotation where it is ambiguous (``"text"`` or
    ``"datetime"`` for a ``str``); ``required=False`` makes a setting whose annotation is
    not optional, but which has a default, optional to give. ``dynamic`` lists its choices
    from the destination's API (:class:`~framework.authoring.dynamic.DynamicChoices`).
    Returns ``Any`` so that the assignment type-checks against any annotation.
    """
    return Declared(
        label=label,
        description=description,
        type=type,
        required=required,
        allow_null=allow_null,
        choices=choices,
        format=format,
        default=default,
        placeholder=placeholder,
        minimum=minimum,
        maximum=maximum,
        min_length=min_length,
        max_length=max_length,
        dynamic=dynamic,
    )
