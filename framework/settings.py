"""Validating a destination's settings before any event is processed.

A secret setting that holds a control character (a line break, a tab, NUL, DEL, the C1
controls, a Unicode line or paragraph separator) is refused, naming the setting and never
showing its value: ``api_key: contains a control character (a pasted line break?)``. It is
refused rather than stripped, even as a trailing line break from a paste: a secret that is
quietly changed could hide a wrong one, and the message says exactly what to fix. Sent as
it is, the character would make an invalid header, or an HTTP library's error quoting it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import SecretStr

from framework.definition import Destination
from framework.errors import SettingsError
from framework.fields import Field
from framework.validation import FieldsValidator

_CONTROL_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})
_CONTROL_CHARACTER = "contains a control character (a pasted line break?)"


@cache
def _validator(destination: Destination) -> FieldsValidator:
    return FieldsValidator(destination.settings, strict=True, defaults=True, noun="setting")


def validate_settings(destination: Destination, raw: object) -> dict[str, Any]:
    """Typed settings with defaults applied; secrets become :class:`SecretStr`.

    Raises :class:`SettingsError` naming every bad setting (values are never echoed).
    """
    if not isinstance(raw, Mapping):
        raise SettingsError(f"settings must be a JSON object, not {type(raw).__name__}")
    settings, problems = _validated(destination, raw)
    if problems:
        listing = "; ".join(f"{location}: {reason}" for location, reason in problems)
        raise SettingsError(f"invalid settings for {destination.slug}: {listing}")
    return settings


def settings_problems(destination: Destination, raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every ``(location, reason)`` :func:`validate_settings` would report (empty when the
    settings are valid), for showing each problem next to its setting."""
    return _validated(destination, raw)[1]


def _validated(
    destination: Destination, raw: Mapping[str, Any]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The validated settings and no problems, or ``({}, every problem)``."""
    settings, problems = _validator(destination).validate(raw)
    refused = _secrets_with_control_characters(destination.settings, raw)
    if refused:
        return {}, problems + [(location, _CONTROL_CHARACTER) for location in refused]
    return settings, problems


def _secrets_with_control_characters(
    fields: Mapping[str, Field], raw: Mapping[str, Any], prefix: str = ""
) -> list[str]:
    """The dotted locations of the secret values in ``raw`` (as given, before validation)
    that hold a control character."""
    found = []
    for key, spec in fields.items():
        value = raw.get(key)
        items = enumerate(value) if spec.multiple and isinstance(value, list) else [(None, value)]
        for index, item in items:
            location = f"{prefix}{key}" if index is None else f"{prefix}{key}.{index}"
            found += _refused_in(spec, item, location)
    return found


def _refused_in(spec: Field, value: object, location: str) -> list[str]:
    if spec.type == "secret":
        return [location] if _has_control_character(value) else []
    if not isinstance(value, Mapping):
        return []
    if spec.properties is not None:
        return _secrets_with_control_characters(spec.properties, value, f"{location}.")
    if spec.values == "secret":
        return [f"{location}.{key}" for key, item in value.items() if _has_control_character(item)]
    return []


def _has_control_character(value: object) -> bool:
    return isinstance(value, str) and any(
        unicodedata.category(char) in _CONTROL_CATEGORIES for char in value
    )


def secret_values(settings: object) -> list[str]:
    """The plain values of every secret in validated settings, at any depth, for redaction."""
    if isinstance(settings, SecretStr):
        return [settings.get_secret_value()]
    if isinstance(settings, Mapping):
        settings = list(settings.values())
    if isinstance(settings, list):
        return [secret for value in settings for secret in secret_values(value)]
    return []
