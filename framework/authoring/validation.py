"""Validators compiled from field declarations: settings (strict) and action payloads (lax).

A validator is compiled once per set of fields, from the field-type registry
(:mod:`framework.authoring.field_types`): each field becomes one converter, a closure that takes the
value through the type's conversion, then the format, the choices and the bounds, then
"must not be empty" for a required field; ``multiple`` maps it over a list (a single value
counts as a list of one), ``allow_null`` lets ``null`` through, and an ``object`` converts
its declared ``properties`` (recursively; unknown keys refused) or its ``values`` (a
text-map). Every problem is reported at once, each naming the field (``owner.city``,
``tags.1``) and the reason. Reasons never echo input values, so a secret cannot leak
through an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from framework.authoring.conversions import Invalid, key_problems, mapping
from framework.authoring.field_types import FORMATS, KINDS, FieldKind, map_value
from framework.authoring.fields import Choice, FieldSpec
from framework.languages.mapping import MISSING

Converter = Callable[[Any], Any]
Step = Callable[[Any], Any]
Problems = list[tuple[str, str]]
Located = list[tuple[tuple[str, ...], str]]


def _relocated(step: str, error: Invalid) -> Located:
    return [((step, *path), reason) for path, reason in error.problems]


# One value: conversion, format, choices, bounds ---------------------------------------------


def _choices(choices: Sequence[Choice]) -> Step:
    allowed = [choice.value for choice in choices]
    members = frozenset(allowed)
    reason = f"must be one of {', '.join(repr(value) for value in allowed)}"

    def one_of(value: Any) -> Any:
        if value not in members:
            raise Invalid.because(reason)
        return value

    return one_of


def _number_text(bound: float) -> str:
    return str(int(bound)) if isinstance(bound, float) and bound.is_integer() else str(bound)


def _range(low: float | None, high: float | None) -> Step:
    too_low = f"must be at least {_number_text(low)}" if low is not None else ""
    too_high = f"must be at most {_number_text(high)}" if high is not None else ""

    def within(value: Any) -> Any:
        if low is not None and value < low:
            raise Invalid.because(too_low)
        if high is not None and value > high:
            raise Invalid.because(too_high)
        return value

    return within


def _characters(count: int) -> str:
    return f"{count} character{'' if count == 1 else 's'}"


def _length(shortest: int | None, longest: int | None, characters: Callable[[Any], str]) -> Step:
    too_short = f"must be at least {_characters(shortest)}" if shortest is not None else ""
    too_long = f"must be at most {_characters(longest)}" if longest is not None else ""

    def sized(value: Any) -> Any:
        size = len(value if type(value) is str else characters(value))
        if shortest is not None and size < shortest:
            raise Invalid.because(too_short)
        if longest is not None and size > longest:
            raise Invalid.because(too_long)
        return value

    return sized


def _steps(spec: FieldSpec, kind: FieldKind) -> list[Step]:
    """The checks after the type's conversion, in order: format, choices, bounds."""
    steps = [FORMATS[spec.format].check] if spec.format is not None else []
    if spec.choices is not None:
        steps.append(_choices(spec.choices))
    if "range" in kind.takes and (spec.minimum is not None or spec.maximum is not None):
        steps.append(_range(spec.minimum, spec.maximum))
    bounded = spec.min_length is not None or spec.max_length is not None
    if "length" in kind.takes and bounded and kind.characters is not None:
        steps.append(_length(spec.min_length, spec.max_length, kind.characters))
    return steps


def _scalar(spec: FieldSpec, kind: FieldKind, *, strict: bool, blank_check: bool) -> Converter:
    """One closure per field (a call per step costs): conversion, steps, non-blank."""
    convert, unchanged, characters = kind.convert, kind.unchanged, kind.characters
    steps = tuple(_steps(spec, kind))
    if blank_check and characters is not None:
        read = characters

        def non_blank(value: Any) -> Any:
            result = value if type(value) is unchanged else convert(value, strict)
            for step in steps:
                result = step(result)
            text = result if type(result) is str else read(result)
            if not text or text.isspace():
                raise Invalid.because("must not be empty")
            return result

        return non_blank
    if steps:

        def checked(value: Any) -> Any:
            result = value if type(value) is unchanged else convert(value, strict)
            for step in steps:
                result = step(result)
            return result

        return checked

    def plain(value: Any) -> Any:
        return value if type(value) is unchanged else convert(value, strict)

    return plain


# Containers: lists, objects, text-maps ------------------------------------------------------


def _each(convert: Converter) -> Converter:
    def each(value: Any) -> list[Any]:
        items = value if isinstance(value, list) else [value]
        try:
            return [convert(item) for item in items]
        except Invalid:
            pass
        problems: Located = []
        for index, item in enumerate(items):
            try:
                convert(item)
            except Invalid as error:
                problems += _relocated(str(index), error)
        raise Invalid(problems)

    return each


def _text_map(convert: Converter) -> Converter:
    def text_map(value: Any) -> dict[str, Any]:
        checked = mapping(value)
        converted: dict[str, Any] = {}
        problems = key_problems(checked)
        for key, item in checked.items():
            try:
                converted[key] = convert(item)  # type: ignore[index]  # keys checked above
            except Invalid as error:
                problems += _relocated(str(key), error)
        if problems:
            raise Invalid(problems)
        return converted

    return text_map


def _object(shape: _Shape) -> Converter:
    def convert(value: Any) -> dict[str, Any]:
        converted, problems = shape.convert(mapping(value), null_is_absent=False)
        if problems:
            raise Invalid(problems)
        return converted

    return convert


def _or_null(convert: Converter) -> Converter:
    def or_null(value: Any) -> Any:
        return None if value is None else convert(value)

    return or_null


def compile_field(spec: FieldSpec, *, strict: bool, noun: str = "field") -> Converter:
    """The converter of one field's value (raises :class:`Invalid`). ``noun`` names the
    unknown keys of a nested object (``"is not a known setting"``)."""
    kind = KINDS[spec.type]
    # "Must not be empty" is for a single value: the items of a list are not checked.
    blank_check = spec.required and not spec.multiple
    if spec.properties is not None:
        convert = _object(_Shape(spec.properties, strict=strict, noun=noun))
    elif spec.values is not None:
        convert = _text_map(compile_field(map_value(spec), strict=strict, noun=noun))
    else:
        convert = _scalar(spec, kind, strict=strict, blank_check=blank_check)
    if spec.multiple:
        convert = _each(convert)
    return _or_null(convert) if spec.allow_null else convert


# A set of fields -----------------------------------------------------------------------------


class _Shape:
    """Declared fields compiled: the converters, and what is required."""

    def __init__(self, fields: Mapping[str, FieldSpec], *, strict: bool, noun: str) -> None:
        self.converters = {
            key: compile_field(spec, strict=strict, noun=noun) for key, spec in fields.items()
        }
        self.required = frozenset(key for key, spec in fields.items() if spec.required)
        self.nullable = frozenset(key for key, spec in fields.items() if spec.allow_null)
        self.unknown = f"is not a known {noun}"

    def convert(
        self, values: Mapping[Any, Any], *, null_is_absent: bool
    ) -> tuple[dict[str, Any], Located]:
        """The values that converted, and the problems of the others (in declaration
        order, then unknown keys). ``null_is_absent``: a ``null`` for a field that does not
        allow null counts as absent (at the top level) rather than as a wrong value."""
        converters, nullable = self.converters, self.nullable
        converted: dict[str, Any] = {}
        failed: dict[Any, Invalid | None] | None = None  # None: an unknown key
        for key, value in values.items():
            if value is None:
                if null_is_absent and key not in nullable:
                    continue
            elif value is MISSING:
                continue
            convert = converters.get(key)
            if convert is None:
                failed = failed if failed is not None else {}
                failed[key] = None
                continue
            try:
                converted[key] = convert(value)
            except Invalid as error:
                failed = failed if failed is not None else {}
                failed[key] = error
        if failed is None and converted.keys() >= self.required:
            return converted, []
        return converted, self._problems(converted, failed or {})

    def _problems(self, converted: dict[str, Any], failed: dict[Any, Invalid | None]) -> Located:
        problems: Located = []
        for key in self.converters:
            error = failed.get(key)
            if error is not None:
                problems += _relocated(key, error)
            elif key in self.required and key not in converted:
                problems.append(((key,), "is required"))
        problems += [((str(key),), self.unknown) for key, error in failed.items() if error is None]
        return problems


class FieldsValidator:
    """Validates a mapping of values against declared fields, compiled once.

    ``strict`` (settings) takes values as typed JSON; lax (payloads) also accepts numeric
    strings for numbers, numbers for strings and ``"true"``/``"false"`` for booleans.
    A ``null`` for a field that does not allow null counts as absent. ``defaults``: a
    field's ``default`` is its value when absent (settings).
    """

    def __init__(
        self,
        fields: Mapping[str, FieldSpec],
        *,
        strict: bool,
        defaults: bool,
        noun: str = "field",
    ) -> None:
        self._shape = _Shape(fields, strict=strict, noun=noun)
        self._defaults = {
            key: spec.default
            for key, spec in fields.items()
            if defaults and spec.default is not MISSING
        }

    def validate(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], Problems]:
        """The converted values and the problems (empty when all is well). With problems,
        the values are those of the fields that converted."""
        if self._defaults:
            nullable = self._shape.nullable
            given = {
                key: value
                for key, value in values.items()
                if value is not MISSING and (value is not None or key in nullable)
            }
            values = {**self._defaults, **given}
        converted, problems = self._shape.convert(values, null_is_absent=True)
        return converted, [(".".join(path), reason) for path, reason in problems]


def default_problems(spec: FieldSpec) -> list[str]:
    """Why a setting's declared default does not fit its own type (empty when it does); a
    problem inside an object or list default names its place (``"city: is required"``)."""
    validator = FieldsValidator({"default": spec}, strict=True, defaults=False)
    _, problems = validator.validate({"default": spec.default})
    return [
        reason if location == "default" else f"{location.removeprefix('default.')}: {reason}"
        for location, reason in problems
    ]
