"""The field-type registry: each field type, and each string format, declared once.

A :class:`FieldKind` says everything the framework does with a type: the Python type of
its validated values, its conversion (:mod:`framework.authoring.conversions`), its JSON Schema, the
widget the settings form renders it with (``x-widget``, :mod:`framework.authoring.json_schema`), the
generator of its sample values (:mod:`framework.authoring.sample_data`), and which declarations it
takes (:data:`TAKES`): the definition checks (:mod:`framework.authoring.definition`) derive their
rules from that, and the validator (:mod:`framework.authoring.validation`) is compiled from it.

Bounds: ``minimum``/``maximum`` bound a number or an integer; ``min_length``/``max_length``
bound the characters of a string, text or secret. Like formats and choices, they apply to
each value, so to each item of a ``multiple`` field (a list's number of items is not
bounded).

The shapes of an ``object`` (``properties``, ``values``), ``choices`` and ``multiple`` are
not types; their widgets are the ``*_WIDGET`` constants here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import SecretStr

from framework.authoring import conversions
from framework.authoring.fields import FieldSpec

Convert = Callable[[Any, bool], Any]
"""A type's conversion: ``(value, strict) -> converted``, or :class:`conversions.Invalid`."""

Declaration = Literal["format", "choices", "range", "length", "properties", "values"]
TAKES: dict[Declaration, tuple[str, ...]] = {
    "format": ("format",),
    "choices": ("choices",),
    "range": ("minimum", "maximum"),
    "length": ("min_length", "max_length"),
    "properties": ("properties",),
    "values": ("values",),
}
"""Each optional declaration a type may take, and the ``FieldSpec`` attributes it covers."""

CHOICES_WIDGET = "select"
LIST_WIDGET = "list"
PROPERTIES_WIDGET = "fieldset"
VALUES_WIDGET = "keyvalue"


def _itself(text: str) -> str:
    return text


def _secret_text(value: SecretStr) -> str:
    return value.get_secret_value()


@dataclass(frozen=True)
class FieldKind:
    """One field type.

    ``annotation`` is the Python type of its validated values; ``refines`` names another
    type whose annotation it shares and refines (``text`` is a ``str``, like ``string``).
    ``convert`` converts a value (lax or strict); a value of exactly type ``unchanged``
    converts to itself in both modes. ``characters`` reads the text of a converted value,
    for the "must not be empty" check of a required field and the length bounds (``None``:
    not text). ``schema`` is the JSON Schema of one value, ``widget`` its form control,
    ``sample`` the name of its sample generator, ``placeholder`` example input shown when
    the field declares none. ``takes`` lists the optional declarations it accepts;
    ``choice_types`` the Python types of its choices. A ``scalar`` type may be the
    ``values`` of a text-map.
    """

    name: str
    annotation: type
    refines: str | None = None
    convert: Convert = field(kw_only=True)
    schema: Mapping[str, Any] = field(kw_only=True)
    widget: str = field(kw_only=True)
    sample: str = field(kw_only=True)
    unchanged: type | None = field(default=None, kw_only=True)
    characters: Callable[[Any], str] | None = field(default=None, kw_only=True)
    placeholder: str | None = field(default=None, kw_only=True)
    takes: frozenset[Declaration] = field(default=frozenset(), kw_only=True)
    choice_types: tuple[type, ...] = field(default=(), kw_only=True)
    scalar: bool = field(default=True, kw_only=True)


@dataclass(frozen=True)
class FieldFormat:
    """One format of a string: its check of the converted text, the name of its sample
    generator, and (when it differs from the type's) its widget and placeholder. Its JSON
    Schema is ``{"format": name}``."""

    name: str
    check: Callable[[str], str]
    sample: str
    widget: str | None = None
    placeholder: str | None = None

    @property
    def schema(self) -> dict[str, Any]:
        return {"format": self.name}


_DATE_TIME_EXAMPLE = "2026-01-31T09:00:00Z"

KINDS: dict[str, FieldKind] = {
    kind.name: kind
    for kind in (
        FieldKind(
            "string",
            str,
            convert=conversions.string,
            unchanged=str,
            characters=_itself,
            schema={"type": "string"},
            widget="text",
            sample="title",
            takes=frozenset({"format", "choices", "length"}),
            choice_types=(str,),
        ),
        FieldKind(
            "text",
            str,
            refines="string",
            convert=conversions.string,
            unchanged=str,
            characters=_itself,
            schema={"type": "string"},
            widget="textarea",
            sample="sentence",
            takes=frozenset({"format", "length"}),
        ),
        FieldKind(
            "datetime",
            str,
            refines="string",
            convert=conversions.datetime_text,
            characters=_itself,
            schema={"type": "string", "format": "date-time"},
            widget="text",
            sample="timestamp",
            placeholder=_DATE_TIME_EXAMPLE,
        ),
        FieldKind(
            "number",
            float,
            convert=conversions.number,
            schema={"type": "number"},
            widget="number",
            sample="amount",
            takes=frozenset({"choices", "range"}),
            choice_types=(int, float),
        ),
        FieldKind(
            "integer",
            int,
            convert=conversions.integer,
            unchanged=int,
            schema={"type": "integer"},
            widget="number",
            sample="count",
            takes=frozenset({"choices", "range"}),
            choice_types=(int,),
        ),
        FieldKind(
            "boolean",
            bool,
            convert=conversions.boolean,
            unchanged=bool,
            schema={"type": "boolean"},
            widget="checkbox",
            sample="flag",
        ),
        FieldKind(
            "secret",
            SecretStr,
            convert=conversions.secret,
            characters=_secret_text,
            schema={"type": "string", "writeOnly": True},
            widget="password",
            sample="token",
            takes=frozenset({"length"}),
        ),
        FieldKind(
            "object",
            dict,
            convert=conversions.any_object,
            schema={"type": "object"},
            widget="json",
            sample="map",
            takes=frozenset({"properties", "values"}),
            scalar=False,
        ),
    )
}

FORMATS: dict[str, FieldFormat] = {
    fmt.name: fmt
    for fmt in (
        FieldFormat("email", conversions.email, sample="email"),
        FieldFormat("uri", conversions.uri, sample="uri"),
        FieldFormat(
            "date-time",
            conversions.datetime_format,
            sample="timestamp",
            placeholder=_DATE_TIME_EXAMPLE,
        ),
        FieldFormat("date", conversions.date_text, sample="date", widget="date"),
        FieldFormat("uuid", conversions.uuid_text, sample="uuid"),
    )
}


def kind_of_annotation(annotation: Any) -> FieldKind | None:
    """The type a class attribute annotated ``annotation`` has unless ``Field(type=...)``
    refines it: ``str`` is a string, ``float`` a number, ``dict`` an object..."""
    for kind in KINDS.values():
        if kind.refines is None and kind.annotation is annotation:
            return kind
    return None


def kinds_taking(declaration: Declaration) -> list[str]:
    """The names of the types that take ``declaration``, in registry order."""
    return [kind.name for kind in KINDS.values() if declaration in kind.takes]


def describe_kinds(names: Collection[str]) -> str:
    """``"string, number and integer"``; a type refining a listed one is left out (a
    ``text`` field is a string field)."""
    shown = [name for name in names if KINDS[name].refines not in names]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def map_value(spec: FieldSpec) -> FieldSpec:
    """The declaration of every value of a text-map (an ``object`` with ``values``)."""
    assert spec.values is not None
    return FieldSpec(label="Value", description="A value of the map.", type=spec.values)
