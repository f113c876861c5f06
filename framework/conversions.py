"""Converting one scalar value to a field's type, format and choices.

These functions are the semantics of field types; the complete validator
(:mod:`framework.validation`) and its fast path (:mod:`framework.fastpath`) both call them.
They raise ``PydanticCustomError`` (which never carries the input value) for a bad value.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr
from pydantic_core import PydanticCustomError

from framework.fields import Field
from framework.json_text import MAX_INTEGER_DIGITS

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A decimal number as written in JSON or JavaScript (not Python-only forms such as "1_000",
# "nan", "infinity" or non-ASCII digits).
_NUMERIC = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_TOO_MANY_DIGITS = f"expected a number of at most {MAX_INTEGER_DIGITS} digits"


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
    if type(value) is int:
        return value
    if isinstance(value, str) and not strict:
        text = value.strip()
        if not _NUMERIC.fullmatch(text):
            raise _fail("number_type", "expected a number, got a non-numeric string", value)
        if "." not in text and "e" not in text and "E" not in text:
            if len(text.lstrip("+-")) > MAX_INTEGER_DIGITS:
                raise _fail("number_size", _TOO_MANY_DIGITS, value)
            return int(text)
        number = float(text)
    elif type(value) is float:
        number = value
    else:
        raise _fail("number_type", "expected a number, got {got}", value)
    if not math.isfinite(number):
        raise _fail("finite_number", "expected a finite number", value)
    return number


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
        if isinstance(value, float) and not math.isfinite(value):
            raise _fail("finite_number", "expected a finite number", value)
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
    if not EMAIL.match(text):
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


FORMAT_CHECKS: dict[str, Callable[[str], str]] = {
    "email": _email,
    "uri": _uri,
    "date-time": lambda text: _datetime(text, strict=True),
    "date": _date,
    "uuid": _uuid,
}

SCALARS: dict[str, Callable[..., Any]] = {
    "string": _string,
    "text": _string,
    "number": _number,
    "integer": _integer,
    "boolean": _boolean,
    "datetime": _datetime,
}


def not_blank(value: Any) -> Any:
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if isinstance(text, str) and not text.strip():
        raise PydanticCustomError("blank", "must not be empty")
    return value


def choice_check(spec: Field) -> Callable[[Any], Any]:
    allowed = [choice.value for choice in spec.choices or ()]
    listing = ", ".join(repr(value) for value in allowed)

    def check(value: Any) -> Any:
        if value not in allowed:
            raise PydanticCustomError("choice", "must be one of {allowed}", {"allowed": listing})
        return value

    return check
