"""Validators compiled from field declarations: settings (strict) and action payloads.

A validator is built once per set of fields (pydantic-core does the work) and reports every
problem at once, each naming the field and the reason. Messages never echo input values,
so a secret cannot leak through an error.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Annotated, Any, NotRequired, Required
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    PlainValidator,
    SecretStr,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

from framework.fields import Field
from framework.mapping import MISSING

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A decimal number as written in JSON or JavaScript (not Python-only forms such as "1_000",
# "nan", "infinity" or non-ASCII digits).
_NUMERIC = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {
        bool: "boolean",
        str: "string",
        int: "integer",
        float: "number",
        list: "array",
        dict: "object",
    }.get(type(value), type(value).__name__)


def _fail(kind: str, message: str, value: object) -> PydanticCustomError:
    return PydanticCustomError(kind, message, {"got": _kind(value)})


def _number(value: object, *, strict: bool) -> int | float:
    if isinstance(value, str) and not strict:
        text = value.strip()
        if not _NUMERIC.fullmatch(text):
            raise _fail("number_type", "expected a number, got a non-numeric string", value)
        try:
            value = int(text)
        except ValueError:
            value = float(text)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail("number_type", "expected a number, got {got}", value)
    if not math.isfinite(value):
        raise _fail("finite_number", "expected a finite number", value)
    return value


def _integer(value: object, *, strict: bool) -> int:
    number = _number(value, strict=strict)
    if isinstance(number, float):
        if not number.is_integer():
            raise _fail("integer_type", "expected an integer, got a fraction", value)
        return int(number)
    return number


def _boolean(value: object, *, strict: bool) -> bool:
    if isinstance(value, bool):
        return value
    if not strict and isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _fail("bool_type", "expected a boolean, got {got}", value)


def _string(value: object, *, strict: bool) -> str:
    if isinstance(value, str):
        return value
    if not strict and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _fail("string_type", "expected a string, got {got}", value)


def _datetime(value: object, *, strict: bool) -> str:
    text = _string(value, strict=True)
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise _fail("datetime_format", "expected an ISO 8601 date-time", value) from None
    return text


def _email(text: str) -> str:
    text = text.strip()
    if not _EMAIL.match(text):
        raise PydanticCustomError("email_format", "expected an email address")
    return text


def _uri(text: str) -> str:
    parts = urlsplit(text)
    if not parts.scheme or not parts.netloc:
        raise PydanticCustomError("uri_format", "expected an absolute URI")
    return text


def _date(text: str) -> str:
    try:
        date.fromisoformat(text)
    except ValueError:
        raise PydanticCustomError("date_format", "expected an ISO 8601 date") from None
    return text


def _uuid(text: str) -> str:
    try:
        uuid.UUID(text)
    except ValueError:
        raise PydanticCustomError("uuid_format", "expected a UUID") from None
    return text


_FORMAT_CHECKS: dict[str, Callable[[str], str]] = {
    "email": _email,
    "uri": _uri,
    "date-time": lambda text: _datetime(text, strict=True),
    "date": _date,
    "uuid": _uuid,
}

_SCALARS: dict[str, Callable[..., Any]] = {
    "string": _string,
    "text": _string,
    "number": _number,
    "integer": _integer,
    "boolean": _boolean,
    "datetime": _datetime,
}


def _not_blank(value: Any) -> Any:
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if isinstance(text, str) and not text.strip():
        raise PydanticCustomError("blank", "must not be empty")
    return value


def _as_list(value: Any) -> Any:
    return value if isinstance(value, list) else [value]


def _choice_check(spec: Field) -> Callable[[Any], Any]:
    allowed = [choice.value for choice in spec.choices or ()]
    listing = ", ".join(repr(value) for value in allowed)

    def check(value: Any) -> Any:
        if value not in allowed:
            raise PydanticCustomError("choice", "must be one of {allowed}", {"allowed": listing})
        return value

    return check


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
        check = _SCALARS[spec.type]
        annotation = Annotated[Any, PlainValidator(lambda v: check(v, strict=strict))]
    if spec.format is not None:
        annotation = Annotated[annotation, AfterValidator(_FORMAT_CHECKS[spec.format])]
    if spec.choices is not None:
        annotation = Annotated[annotation, AfterValidator(_choice_check(spec))]
    return annotation


def _secret(value: object) -> SecretStr:
    if isinstance(value, SecretStr):
        return value
    return SecretStr(_string(value, strict=True))


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
            members[key] = Required[Annotated[annotation, AfterValidator(_not_blank)]]
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
        self, fields: Mapping[str, Field], *, strict: bool, defaults: bool, noun: str = "field"
    ) -> None:
        self._noun = noun
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
        present = {
            key: value
            for key, value in values.items()
            if value is not MISSING and (value is not None or key in self._nullable)
        }
        candidate = {**self._defaults, **present} if self._defaults else present
        try:
            return self._adapter.validate_python(candidate), []
        except ValidationError as error:
            return {}, describe_errors(error, noun=self._noun)


def default_problems(spec: Field) -> list[str]:
    """Why a setting's declared default does not fit its own type (empty when it does); a
    problem inside an object or list default names its place (``"city: is required"``)."""
    validator = FieldsValidator({"default": spec}, strict=True, defaults=False)
    _, problems = validator.validate({"default": spec.default})
    return [
        reason if location == "default" else f"{location.removeprefix('default.')}: {reason}"
        for location, reason in problems
    ]
