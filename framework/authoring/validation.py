"""Validators compiled from field declarations: settings (strict) and action payloads (lax).

A validator is compiled once per set of fields, from the field-type registry
(:mod:`framework.authoring.field_types`): each field becomes one converter that takes the
value through the type's conversion, then the format, the choices and the bounds, then
"must not be empty" for a required field; ``multiple`` maps it over a list (a single value
counts as a list of one), ``allow_null`` lets ``null`` through, and an ``object`` converts
its declared ``properties`` (recursively; unknown keys refused) or its ``values`` (a
text-map). Every problem is reported at once, each naming the field (``owner.city``,
``tags.1``) and the reason. Reasons never echo input values, so a secret cannot leak
through an error.

A set of fields is one generated Python function (written with the mapping language's
:class:`~framework.core.source.Source`: field names and every other value
are bound objects, never source text): one loop over the given values, choosing each
field by a binary search of its position, with the statements of a single scalar field
written inline; lists, objects, text-maps and the checks after a conversion are closures
it calls. A scalar field's converter is such a function too, of the same statements.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from framework.authoring.conversions import Invalid, key_problems, mapping
from framework.authoring.field_types import FORMATS, KINDS, FieldKind, map_value
from framework.authoring.fields import Choice, FieldSpec
from framework.core.source import Source
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


_VOCABULARY = frozenset(
    {
        "for",
        "in",
        "try",
        "except",
        "as",
        "continue",
        "if",
        "else",
        "is",
        "not",
        "and",
        "or",
        "None",
        "True",
        "False",
        "type",
        "str",
        "raise",
        "return",
        "items",
        "keys",
        "get",
        "isspace",
    }
)
"""The words of a validator's generated functions besides generated names."""

_NAMESPACE: dict[str, object] = {"type": type, "str": str, "_M": MISSING, "_I": Invalid}
_REQUIRED_ONE_BY_ONE = 8
"""Required fields looked up one by one; more are compared as a set at once."""
_EMPTY = partial(Invalid.because, "must not be empty")


def _write_scalar(code: Source, spec: FieldSpec, kind: FieldKind, *, strict: bool) -> None:
    """The statements converting the single value ``_x`` in place (or raising
    :class:`Invalid`): the type's conversion, the steps, "must not be empty" if required."""
    convert = f"_x = {code.bind(kind.convert)}(_x, {strict})"
    if kind.unchanged is None:
        code.line(convert)
    else:
        code.line(f"if type(_x) is not {code.bind(kind.unchanged)}:")
        with code.block():
            code.line(convert)
    for step in _steps(spec, kind):
        code.line(f"_x = {code.bind(step)}(_x)")
    if spec.required and not spec.multiple and kind.characters is not None:
        code.line(f"_t = _x if type(_x) is str else {code.bind(kind.characters)}(_x)")
        code.line("if not _t or _t.isspace():")
        with code.block():
            code.line(f"raise {code.bind(_EMPTY)}()")


def _scalar(spec: FieldSpec, kind: FieldKind, *, strict: bool) -> Converter:
    """A generated function of the single value, of :func:`_write_scalar`'s statements."""
    code = Source(_VOCABULARY, _NAMESPACE)
    _write_scalar(code, spec, kind, strict=strict)
    code.line("return _x")
    return code.build("_x")


# Containers: lists, objects, text-maps ------------------------------------------------------


def _each(convert: Converter) -> Converter:
    def each(value: Any) -> list[Any]:
        if not isinstance(value, list):  # a single value is a list of one
            try:
                return [convert(value)]
            except Invalid as error:
                raise Invalid(_relocated("0", error)) from None
        try:
            return [convert(item) for item in value]
        except Invalid:
            pass
        problems: Located = []
        for index, item in enumerate(value):
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
        converted, problems = shape.convert(mapping(value))
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
    if spec.properties is not None:
        shape = _Shape(spec.properties, strict=strict, noun=noun, null_is_absent=False)
        convert = _object(shape)
    elif spec.values is not None:
        convert = _text_map(compile_field(map_value(spec), strict=strict, noun=noun))
    else:
        convert = _scalar(spec, KINDS[spec.type], strict=strict)
    if spec.multiple:
        convert = _each(convert)
    return _or_null(convert) if spec.allow_null else convert


# A set of fields -----------------------------------------------------------------------------


def _inline(spec: FieldSpec) -> bool:
    """Whether a field's statements are written in its set's function: a single scalar."""
    return spec.properties is None and spec.values is None and not spec.multiple


class _Shape:
    """Declared fields compiled into one function (:meth:`convert`), and what is required.

    ``null_is_absent``: a ``null`` for a field that does not allow null counts as absent
    (at the top level) rather than as a wrong value.
    """

    def __init__(
        self,
        fields: Mapping[str, FieldSpec],
        *,
        strict: bool,
        noun: str,
        null_is_absent: bool,
    ) -> None:
        self.keys = tuple(fields)
        self.required = frozenset(key for key, spec in fields.items() if spec.required)
        self.nullable = frozenset(key for key, spec in fields.items() if spec.allow_null)
        self.unknown = f"is not a known {noun}"
        code = Source(_VOCABULARY, _NAMESPACE)
        self._write(code, fields, strict=strict, noun=noun, null_is_absent=null_is_absent)
        self.convert: Callable[[Mapping[Any, Any]], tuple[dict[str, Any], Located]]
        self.convert = code.build("_e")
        """The values that converted, and the problems of the others (in declaration
        order, then unknown keys)."""

    def _write(
        self,
        code: Source,
        fields: Mapping[str, FieldSpec],
        *,
        strict: bool,
        noun: str,
        null_is_absent: bool,
    ) -> None:
        """The loop of :meth:`convert` (see the module): ``_e`` the values, ``_y`` and
        ``_x`` a key and its value, ``_i`` its field's position, ``_c`` the converted
        values, ``_p`` the keys that failed (``None`` until one does)."""
        specs = list(fields.values())
        positions = code.bind({key: index for index, key in enumerate(fields)})
        code.line("_c = {}")
        code.line("_p = None")
        code.line("for _y, _x in _e.items():")
        with code.block():
            code.line("if _x is _M:")
            with code.block():
                code.line("continue")
            if null_is_absent:
                code.line(f"if _x is None and _y not in {code.bind(self.nullable)}:")
                with code.block():
                    code.line("continue")
            code.line(f"_i = {positions}.get(_y)")
            code.line("if _i is None:")
            with code.block():
                code.line("if _p is None:")
                with code.block():
                    code.line("_p = {}")
                code.line("_p[_y] = None")
                code.line("continue")
            if specs:
                code.line("try:")
                with code.block():
                    self._choose(code, specs, 0, len(specs), strict=strict, noun=noun)
                code.line("except _I as _r:")
                with code.block():
                    code.line("if _p is None:")
                    with code.block():
                        code.line("_p = {}")
                    code.line("_p[_y] = _r")
                    code.line("continue")
                code.line("_c[_y] = _x")
        if len(self.required) > _REQUIRED_ONE_BY_ONE:
            present = f" and _c.keys() >= {code.bind(self.required)}"
        else:
            present = "".join(f" and {code.bind(key)} in _c" for key in self.required)
        code.line(f"if _p is None{present}:")
        with code.block():
            code.line("return _c, []")
        code.line(f"return _c, {code.bind(self._problems)}(_c, _p)")

    def _choose(
        self, code: Source, specs: list[FieldSpec], low: int, high: int, *, strict: bool, noun: str
    ) -> None:
        """The statements of the field at position ``_i``, one of ``low`` to ``high - 1``."""
        if high - low > 1:
            middle = (low + high) // 2
            code.line(f"if _i < {code.bind(middle)}:")
            with code.block():
                self._choose(code, specs, low, middle, strict=strict, noun=noun)
            code.line("else:")
            with code.block():
                self._choose(code, specs, middle, high, strict=strict, noun=noun)
            return
        spec = specs[low]
        if not _inline(spec):
            code.line(f"_x = {code.bind(compile_field(spec, strict=strict, noun=noun))}(_x)")
        elif spec.allow_null:
            code.line("if _x is not None:")
            with code.block():
                _write_scalar(code, spec, KINDS[spec.type], strict=strict)
        else:
            _write_scalar(code, spec, KINDS[spec.type], strict=strict)

    def _problems(
        self, converted: dict[str, Any], failed: dict[Any, Invalid | None] | None
    ) -> Located:
        """Each failed field's problems, each missing required field's, then the unknown
        keys' (``failed``: the error of each key that failed, ``None`` for an unknown key)."""
        failed = failed or {}
        problems: Located = []
        for key in self.keys:
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
        self._shape = _Shape(fields, strict=strict, noun=noun, null_is_absent=True)
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
        converted, problems = self._shape.convert(values)
        if not problems:
            return converted, []
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
