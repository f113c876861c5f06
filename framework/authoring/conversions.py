"""Converting one value to a field type or checking it against a format: the semantics of
field types, which :mod:`framework.authoring.field_types` binds to their names.

A type's conversion takes the value and ``strict`` (settings take typed JSON; payloads,
lax, also take numeric strings for numbers, numbers for strings and ``"true"``/``"false"``
for booleans) and returns the converted value. A format check takes the converted text.
Both raise :class:`Invalid`, whose reasons never quote the value (it may be a secret).
"""

from __future__ import annotations

import math
import re
import unicodedata
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from urllib.parse import urlsplit

from pydantic import SecretStr

from framework.core.json_text import MAX_INTEGER_DIGITS

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A decimal number as written in JSON or JavaScript (not Python-only forms such as "1_000",
# "nan", "infinity" or non-ASCII digits).
_NUMERIC = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_TOO_MANY_DIGITS = f"expected a number of at most {MAX_INTEGER_DIGITS} digits"
_NOT_NUMERIC = "expected a number, got a non-numeric string"
_CONTROL_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


class Invalid(ValueError):
    """Why a value does not fit: ``(path, reason)`` pairs, each path the keys or indices
    leading from the value to the part that does not fit (``()``: the value itself)."""

    def __init__(self, problems: list[tuple[tuple[str, ...], str]]) -> None:
        super().__init__(problems)
        self.problems = problems

    @classmethod
    def because(cls, reason: str) -> Invalid:
        """The value itself does not fit, for ``reason``."""
        return cls([((), reason)])


def kind_of_value(value: object) -> str:
    """The JSON name of a value's type (``"integer"``, ``"array"``, ``"null"``...)."""
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


def _expected(what: str, value: object) -> Invalid:
    return Invalid.because(f"expected {what}, got {kind_of_value(value)}")


def number(value: object, strict: bool) -> int | float:
    """An ``int`` stays an ``int``; a numeric string (lax) becomes an ``int`` or a ``float``."""
    if type(value) is int:
        return value
    if isinstance(value, str) and not strict:
        return _numeric_text(value.strip())
    if type(value) is not float:
        raise _expected("a number", value)
    if not math.isfinite(value):
        raise Invalid.because("expected a finite number")
    return value


def _numeric_text(text: str) -> int | float:
    """The number ``text`` writes (see :data:`_NUMERIC`). ASCII digits, or ASCII text that
    ``float`` reads as a finite number (without ``_``), match :data:`_NUMERIC` exactly:
    they skip the slower regular expression."""
    if text.isascii() and "_" not in text:
        if text.isdigit():
            if len(text) > MAX_INTEGER_DIGITS:
                raise Invalid.because(_TOO_MANY_DIGITS)
            return int(text)
        if "." in text or "e" in text or "E" in text:
            try:
                converted = float(text)
            except ValueError:
                raise Invalid.because(_NOT_NUMERIC) from None
            if math.isfinite(converted):
                return converted
    if not _NUMERIC.fullmatch(text):
        raise Invalid.because(_NOT_NUMERIC)
    if "." not in text and "e" not in text and "E" not in text:
        if len(text.lstrip("+-")) > MAX_INTEGER_DIGITS:
            raise Invalid.because(_TOO_MANY_DIGITS)
        return int(text)
    converted = float(text)
    if not math.isfinite(converted):
        raise Invalid.because("expected a finite number")
    return converted


def integer(value: object, strict: bool) -> int:
    """A number without a fraction (``5.0`` is ``5``)."""
    converted = number(value, strict)
    if isinstance(converted, float):
        if not converted.is_integer():
            raise Invalid.because("expected an integer, got a fraction")
        return int(converted)
    return converted


def boolean(value: object, strict: bool) -> bool:
    """``True``/``False``; lax, also ``"true"``/``"false"`` in any case, padded."""
    if isinstance(value, bool):
        return value
    if not strict and isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _expected("a boolean", value)


def string(value: object, strict: bool) -> str:
    """Text as given; lax, a finite number becomes its text."""
    if isinstance(value, str):
        return value
    if not strict and isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise Invalid.because("expected a finite number")
        return str(value)
    raise _expected("a string", value)


def datetime_text(value: object, strict: bool) -> str:
    """An ISO 8601 date-time, kept as the text given (never a number, even lax)."""
    text = string(value, strict=True)
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise Invalid.because("expected an ISO 8601 date-time") from None
    return text


def secret(value: object, strict: bool) -> SecretStr:
    """A :class:`SecretStr`: a string without a control character (a line break, a tab, NUL,
    DEL, the C1 controls, a Unicode line or paragraph separator). Refused rather than
    stripped, even as a trailing line break from a paste: a secret quietly changed could
    hide a wrong one. Sent as it is, the character would make an invalid header, or an
    HTTP library's error quoting the secret."""
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    checked = string(text, strict=True)
    if any(unicodedata.category(char) in _CONTROL_CATEGORIES for char in checked):
        raise Invalid.because("contains a control character (a pasted line break?)")
    return value if isinstance(value, SecretStr) else SecretStr(checked)


def mapping(value: object) -> Mapping[object, object]:
    """An object (a mapping), or :class:`Invalid`; its keys are not checked."""
    if type(value) is dict or isinstance(value, Mapping):
        return value
    raise Invalid.because("expected an object")


def key_problems(value: Mapping[object, object]) -> list[tuple[tuple[str, ...], str]]:
    """A problem for every key of an object that is not a string."""
    return [((str(key),), "expected a string key") for key in value if type(key) is not str]


def any_object(value: object, strict: bool) -> dict[str, object]:
    """An object of any shape: a new ``dict`` with string keys (the values as they are)."""
    checked = value if type(value) is dict else mapping(value)
    for key in checked:
        if type(key) is not str:
            raise Invalid(key_problems(checked))
    return dict(checked)  # every key is a string


def email(text: str) -> str:
    """An email address, stripped of surrounding white space."""
    text = text.strip()
    if not EMAIL.match(text):
        raise Invalid.because("expected an email address")
    return text


def uri(text: str) -> str:
    """An absolute URI: a scheme and a host."""
    parts = urlsplit(text)
    if not parts.scheme or not parts.netloc:
        raise Invalid.because("expected an absolute URI")
    return text


def date_text(text: str) -> str:
    """An ISO 8601 date."""
    try:
        date.fromisoformat(text)
    except ValueError:
        raise Invalid.because("expected an ISO 8601 date") from None
    return text


def datetime_format(text: str) -> str:
    """An ISO 8601 date-time (the ``date-time`` format of a string)."""
    return datetime_text(text, strict=True)


def uuid_text(text: str) -> str:
    """A UUID in any form :class:`uuid.UUID` reads."""
    try:
        uuid.UUID(text)
    except ValueError:
        raise Invalid.because("expected a UUID") from None
    return text
