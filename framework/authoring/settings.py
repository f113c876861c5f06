"""Validating a destination's settings before any event is processed (a secret
setting with a control character is refused: see :mod:`framework.authoring.validation`)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import SecretStr

from framework.authoring.definition import Destination
from framework.authoring.validation import FieldsValidator
from framework.core.errors import SettingsError


@cache
def _validator(destination: Destination) -> FieldsValidator:
    return FieldsValidator(destination.setting_fields, strict=True, defaults=True, noun="setting")


def validate_settings(destination: Destination, raw: object) -> dict[str, Any]:
    """Typed settings with defaults applied; secrets become :class:`SecretStr`.

    Raises :class:`SettingsError` naming every bad setting (values are never echoed).
    """
    if not isinstance(raw, Mapping):
        raise SettingsError(f"settings must be a JSON object, not {type(raw).__name__}")
    settings, problems = _validator(destination).validate(raw)
    if problems:
        listing = "; ".join(f"{location}: {reason}" for location, reason in problems)
        raise SettingsError(f"invalid settings for {destination.slug}: {listing}")
    return settings


def partial_settings(destination: Destination, raw: object) -> tuple[dict[str, Any], set[str]]:
    """The settings that are valid among ``raw`` (defaults applied), and the names of those
    missing or invalid: for work that needs only some settings (listing a field's choices
    before the rest is filled in)."""
    if not isinstance(raw, Mapping):
        raise SettingsError(f"settings must be a JSON object, not {type(raw).__name__}")
    values, problems = _validator(destination).validate(raw)
    return values, {location.split(".", maxsplit=1)[0] for location, _ in problems}


def settings_problems(destination: Destination, raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every ``(location, reason)`` :func:`validate_settings` would report (empty when the
    settings are valid), for showing each problem next to its setting."""
    return _validator(destination).validate(raw)[1]


def secret_values(settings: object) -> list[str]:
    """The plain values of every secret in validated settings, at any depth, for redaction."""
    if isinstance(settings, SecretStr):
        return [settings.get_secret_value()]
    if isinstance(settings, Mapping):
        settings = list(settings.values())
    if isinstance(settings, list):
        return [secret for value in settings for secret in secret_values(value)]
    return []
