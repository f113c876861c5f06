"""Typed settings and payloads: a class with annotations and ``Field(...)`` declarations.

An author declares a destination's settings and each action's fields as a class::

    class AwardPoints(Payload):
        email: str = Field(label="Email", description="...", format="email",
                           default=first_string_of("$.email", "$.properties.email"))
        order_id: str | None = Field(label="Order ID", description="...")

From that one class the framework derives the field list (:func:`fields_of`), and from the
field list the JSON Schema, the validator, the form and the docs. The plugin's hooks then
receive instances: ``payload.email`` is a ``str`` to ``mypy --strict``, and a misspelled
attribute is a type error.

The annotation gives the type: ``str``, ``int`` (integer), ``float`` (number), ``bool``,
``SecretStr`` (secret), ``dict[str, Any]`` (an object of any shape), ``dict[str, T]`` (a
map of ``T``), another :class:`Model` (an object with those keys) and ``list[T]`` (several
values). ``T | None`` is optional: ``None`` when absent. ``Field(type="text")`` or
``"datetime"`` refines a ``str``.

Instances are read-only. They are built from values the validator already converted, so
building one costs a dictionary copy.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Collection, Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    TypeVar,
    cast,
    dataclass_transform,
    get_args,
    get_origin,
)

from framework.authoring.field_types import KINDS, kind_of_annotation
from framework.authoring.fields import Declared, Field, FieldSpec, FieldType
from framework.core.errors import DefinitionError
from framework.languages.mapping import MISSING


class Unconverted(AttributeError):
    """A hook read a field whose value failed conversion: the conversion problems are
    reported instead of the hook's outcome."""


def values_of(instance: Model) -> dict[str, Any]:
    """The values an instance was built from: the fields that were given (an absent
    optional field is left out, a null one kept), nested objects as dictionaries."""
    return {
        name: _plain(value) for name, value in vars(instance).items() if name in instance._given
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return values_of(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(Field,))
class Model:
    """The base of settings, payload and nested object classes (see the module)."""

    __declared__: ClassVar[dict[str, Declared]]
    __slots__ = ("__dict__", "_given")
    _given: frozenset[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = {name: value for name, value in vars(cls).items() if isinstance(value, Declared)}
        for name in declared:
            delattr(cls, name)  # an absent value must not read as its declaration
        cls.__declared__ = {**getattr(cls, "__declared__", {}), **declared}

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    if not TYPE_CHECKING:  # hidden from type checkers, which would then allow any name

        def __getattr__(self, name: str) -> Any:
            if name in fields_of(type(self)):
                raise Unconverted(f"{type(self).__name__}.{name} did not convert", name=name)
            raise AttributeError(f"{type(self).__name__} has no field {name!r}")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    __hash__ = None  # type: ignore[assignment]  # values such as dicts are not hashable

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in vars(self).items())
        return f"{type(self).__name__}({shown})"


class Settings(Model):
    """A destination's settings: ``Field(default=...)`` is the setting's default value."""


class Payload(Model):
    """An action's fields: ``Field(default=...)`` is the field's default mapping."""


M = TypeVar("M", bound="Model")


def build(model: type[M], values: Mapping[str, Any], unconverted: Collection[str] = ()) -> M:
    """An instance of ``model`` holding validated ``values`` (absent optional fields are
    ``None``; nested objects become their classes). A field named in ``unconverted`` (its
    conversion failed), or a required one missing from ``values``, raises
    :class:`Unconverted` when read."""
    instance = object.__new__(model)
    object.__setattr__(instance, "_given", frozenset(values))
    held = vars(instance)
    for name, spec in fields_of(model).items():
        if name in values:
            held[name] = _nested(spec, values[name])
        elif not spec.required and name not in unconverted:
            held[name] = None
    return instance


def _nested(spec: FieldSpec, value: Any) -> Any:
    nested = spec.model
    if nested is None or value is None:
        return value
    if spec.multiple:
        return [build(nested, item) for item in value]
    return build(nested, value)


_FIELDS: dict[type, dict[str, FieldSpec]] = {}


def fields_of(model: type[Model]) -> dict[str, FieldSpec]:
    """The field list a class declares, in declaration order (read once per class);
    :class:`DefinitionError` naming the class and attribute for an annotation the
    framework cannot type."""
    known = _FIELDS.get(model)
    if known is None:
        known = _FIELDS[model] = _read_fields(model)
    return known


def _read_fields(model: type[Model]) -> dict[str, FieldSpec]:
    hints = _hints(model)
    problems: list[str] = []
    fields: dict[str, FieldSpec] = {}
    for name, hint in hints.items():
        if get_origin(hint) is ClassVar or name.startswith("_"):
            continue
        declared = model.__declared__.get(name)
        where = f"{model.__name__}.{name}"
        if declared is None:
            problems.append(f"{where}: declare it with Field(label=..., description=...)")
            continue
        try:
            fields[name] = _spec(hint, declared, where)
        except DefinitionError as error:
            problems.append(error.message)
    if problems:
        raise DefinitionError("; ".join(problems))
    return fields


def _hints(model: type[Model]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(model)
    except NameError as error:
        raise DefinitionError(
            f"{model.__name__}: an annotation names {error.name!r}, which "
            "is not defined where the class is"
        ) from None


def _spec(hint: Any, declared: Declared, where: str) -> FieldSpec:
    inner, optional = _without_none(hint)
    multiple = get_origin(inner) is list
    if multiple:
        (inner,) = get_args(inner) or (Any,)
    kind, values, properties, nested = _kind(inner, where)
    if declared.type is not None:
        refined = KINDS.get(declared.type)
        if refined is None or refined.refines != kind:
            raise DefinitionError(
                f"{where}: type {declared.type!r} does not refine the annotation's type {kind!r}"
            )
        kind = declared.type
    required = not optional if declared.required is None else declared.required
    if required is False and not optional and declared.default is MISSING:
        raise DefinitionError(
            f"{where}: required=False needs a default or an optional annotation (T | None)"
        )
    return FieldSpec(
        label=declared.label,
        description=declared.description,
        type=cast(FieldType, kind),
        required=required,
        multiple=multiple,
        allow_null=declared.allow_null,
        choices=declared.choices,
        format=declared.format,
        properties=properties,
        values=cast(FieldType | None, values),
        default=declared.default,
        placeholder=declared.placeholder,
        minimum=declared.minimum,
        maximum=declared.maximum,
        min_length=declared.min_length,
        max_length=declared.max_length,
        model=nested,
        dynamic=declared.dynamic,
    )


def _without_none(hint: Any) -> tuple[Any, bool]:
    if get_origin(hint) in (typing.Union, types.UnionType):
        members = [arg for arg in get_args(hint) if arg is not type(None)]
        if len(members) == 1:
            return members[0], len(members) < len(get_args(hint))
    return hint, False


def _kind(
    hint: Any, where: str
) -> tuple[str, str | None, dict[str, FieldSpec] | None, type | None]:
    """``(type, values type, properties, nested class)`` of an annotation without None."""
    if isinstance(hint, type) and issubclass(hint, Model):
        return "object", None, fields_of(hint), hint
    if get_origin(hint) is dict or hint is dict:
        key, value = get_args(hint) or (str, Any)
        if key is not str:
            raise DefinitionError(f"{where}: an object's keys are strings (dict[str, ...])")
        if value is Any:
            return "object", None, None, None
        values = kind_of_annotation(value)
        if values is None or not values.scalar:
            raise DefinitionError(
                f"{where}: a map's values must be of a scalar type, not {value!r}"
            )
        return "object", values.name, None, None
    kind = kind_of_annotation(hint)
    if kind is None:
        raise DefinitionError(f"{where}: no field type is annotated {hint!r}")
    return kind.name, None, None, None
