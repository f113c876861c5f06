"""Validators compiled from field declarations: settings (strict) and action payloads.

A validator is built once per set of fields (pydantic-core does the work) and reports every
problem at once, each naming the field and the reason. Messages never echo input values,
so a secret cannot leak through an error.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any, NotRequired, Required

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    PlainValidator,
    SecretStr,
    TypeAdapter,
    ValidationError,
)
from typing_extensions import TypedDict

from framework.conversions import FORMAT_CHECKS, SCALARS, choice_check, not_blank
from framework.fastpath import SLOW, fast_check
from framework.fields import Field
from framework.mapping import MISSING


def _as_list(value: Any) -> Any:
    return value if isinstance(value, list) else [value]


def field_annotation(spec: Field, *, strict: bool) -> Any:
    """The pydantic annotation that validates one field's value."""
    annotation = _value_annotation(spec, strict=strict)
    if spec.multiple:
        annotation = Annotated[list[annotation], BeforeValidator(_as_list)]  # type: ignore[valid-type]
    if spec.allow_null:
        annotation = annotation | None
    return annotation


def _value_annotation(spec: Field, *, strict: bool) -> Any:
    if spec.type == "secret":
        annotation: Any = Annotated[SecretStr, PlainValidator(_secret)]
    elif spec.type == "object":
        annotation = _object_annotation(spec, strict=strict)
    else:
        check = SCALARS[spec.type]
        annotation = Annotated[Any, PlainValidator(lambda v: check(v, strict=strict))]
    if spec.format is not None:
        annotation = Annotated[annotation, AfterValidator(FORMAT_CHECKS[spec.format])]
    if spec.choices is not None:
        annotation = Annotated[annotation, AfterValidator(choice_check(spec))]
    return annotation


_CONTROL_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def _secret(value: object) -> SecretStr:
    """A secret: a string without a control character (a line break, a tab, NUL, DEL, the
    C1 controls, a Unicode line or paragraph separator). Refused rather than stripped,
    even as a trailing line break from a paste: a secret quietly changed could hide a
    wrong one. Sent as it is, the character would make an invalid header, or an HTTP
    library's error quoting the secret."""
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    checked = SCALARS["string"](text, strict=True)
    if any(unicodedata.category(char) in _CONTROL_CATEGORIES for char in checked):
        raise ValueError("contains a control character (a pasted line break?)")
    return value if isinstance(value, SecretStr) else SecretStr(checked)


def _object_annotation(spec: Field, *, strict: bool) -> Any:
    if spec.properties is not None:
        return _typed_dict(spec.properties, strict=strict, name="Object")
    if spec.values is not None:
        inner = Field(label="value", description="value", type=spec.values)
        return dict[str, field_annotation(inner, strict=strict)]  # type: ignore[misc]
    return dict[str, Any]


def _typed_dict(fields: Mapping[str, Field], *, strict: bool, name: str) -> Any:
    members: dict[str, Any] = {}
    for key, spec in fields.items():
        annotation = field_annotation(spec, strict=strict)
        if spec.required:
            members[key] = Required[Annotated[annotation, AfterValidator(not_blank)]]
        else:
            members[key] = NotRequired[annotation]
    shape: Any = TypedDict(name, members)  # type: ignore[misc]
    setattr(shape, "__pydantic_config__", ConfigDict(extra="forbid"))  # noqa: B010
    return shape


_REASONS = {
    "missing": "is required",
    "dict_type": "expected an object",
    "list_type": "expected an array",
}


def describe_errors(error: ValidationError, *, noun: str = "field") -> list[tuple[str, str]]:
    """``(location, reason)`` pairs for every problem in a pydantic error, without inputs."""
    described = []
    for item in error.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in item["loc"])
        kind = item["type"]
        if kind == "extra_forbidden":
            reason = f"is not a known {noun}"
        else:
            reason = _REASONS.get(kind) or str(item["msg"]).removeprefix("Value error, ")
        described.append((location, reason))
    return described


class FieldsValidator:
    """Validates a mapping of values against declared fields, compiled once.

    ``strict`` (settings) takes values as typed JSON; lax (payloads) also accepts numeric
    strings for numbers, numbers for strings and ``"true"``/``"false"`` for booleans.
    A ``null`` for a field that does not allow null counts as absent.
    """

    def __init__(
        self,
        fields: Mapping[str, Field],
        *,
        strict: bool,
        defaults: bool,
        noun: str = "field",
        fast_path: bool = True,
    ) -> None:
        self._noun = noun
        checks = (
            {key: fast_check(spec, strict=strict) for key, spec in fields.items()}
            if fast_path
            else {}
        )
        self._fast = {key: check for key, check in checks.items() if check is not None}
        self._required = frozenset(key for key, spec in fields.items() if spec.required)
        self._defaults = {
            key: spec.default
            for key, spec in fields.items()
            if defaults and spec.default is not MISSING
        }
        self._nullable = frozenset(key for key, spec in fields.items() if spec.allow_null)
        self._adapter: TypeAdapter[Any] = TypeAdapter(
            _typed_dict(fields, strict=strict, name="Values")
        )

    def validate(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """The validated values and an empty list, or ``({}, problems)``."""
        if self._defaults:
            values = {**self._defaults, **self._present(values)}
        accepted = self._fast_path(values)
        if accepted is not None:
            return accepted, []
        present = self._present(values)
        try:
            return self._adapter.validate_python(present), []
        except ValidationError as error:
            return {}, describe_errors(error, noun=self._noun)

    def _present(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The values that count: not MISSING, and not null unless the field allows null."""
        return {
            key: value
            for key, value in values.items()
            if value is not MISSING and (value is not None or key in self._nullable)
        }

    def _fast_path(self, candidate: Mapping[str, Any]) -> dict[str, Any] | None:
        """The validated values when every one passes its fast check, else None."""
        accepted = {}
        fast, nullable = self._fast, self._nullable
        for key, value in candidate.items():
            if value is MISSING or (value is None and key not in nullable):
                continue
            check = fast.get(key)
            if check is None:
                return None
            result = check(value)
            if result is SLOW:
                return None
            accepted[key] = result
        return accepted if self._required <= accepted.keys() else None


def default_problems(spec: Field) -> list[str]:
    """Why a setting's declared default does not fit its own type (empty when it does); a
    problem inside an object or list default names its place (``"city: is required"``)."""
    validator = FieldsValidator({"default": spec}, strict=True, defaults=False)
    _, problems = validator.validate({"default": spec.default})
    return [
        reason if location == "default" else f"{location.removeprefix('default.')}: {reason}"
        for location, reason in problems
    ]
