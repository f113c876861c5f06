"""``actions validate``: lint every registered destination definition.

The definition rules are checked when a destination is built (a broken plugin shows up in
the registry with its reasons); on top of them, lint looks for what builds but would still
surprise a user: literal default mappings of the wrong type, required fields that nothing
maps, actions that no subscription can reach, schemas that do not validate.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, SchemaError

from framework.authoring.definition import Action, Destination
from framework.authoring.fields import FieldSpec
from framework.authoring.json_schema import payload_schema, settings_schema
from framework.authoring.registry import Registry
from framework.authoring.validation import FieldsValidator
from framework.languages.mapping import MISSING, referenced_paths


def lint_registry(registry: Registry) -> list[str]:
    """One line per problem: ``<where>: <location>: <reason>``; empty when all is well."""
    problems = []
    for origin, reason in registry.broken.items():
        lines = [line.strip().removeprefix("- ") for line in reason.splitlines()]
        details = [line for line in lines[1:] if line] or lines
        problems += [f"{origin}: {detail}" for detail in details]
    for slug, destination in registry.destinations.items():
        problems += [f"{slug}: {problem}" for problem in lint_destination(destination)]
    return problems


def lint_destination(destination: Destination) -> list[str]:
    """The problems of one destination that its build-time checks do not catch."""
    problems = _schema_problems(destination)
    presets = {preset.action: preset for preset in destination.presets}
    for slug, action in destination.actions.items():
        where = f"actions.{slug}"
        if slug not in presets and action.default_subscription is None:
            problems.append(f"{where}: no preset and no default subscription, so it never runs")
        preset = presets.get(slug)
        preset_keys = set(preset.mapping) if preset else set()
        problems += _field_problems(action, where, preset_keys)
        if preset is not None:
            problems += _literal_problems(action, preset.mapping, f"presets[{preset.name!r}]")
    return problems


def _field_problems(action: Action, where: str, mapped_by_preset: set[str]) -> list[str]:
    problems = []
    for name, spec in action.fields.items():
        if spec.required and spec.default is MISSING and name not in mapped_by_preset:
            problems.append(
                f"{where}.fields.{name}: required, but no default mapping or preset maps it"
            )
    defaults = {n: s.default for n, s in action.fields.items() if s.default is not MISSING}
    return problems + _literal_problems(action, defaults, f"{where}.fields")


def _literal_problems(action: Action, mapping: dict[str, Any] | Any, where: str) -> list[str]:
    """Mapped values that read nothing from the event must fit their field's type."""
    problems = []
    for name, value in dict(mapping).items():
        spec = action.fields.get(name)
        if spec is None or referenced_paths(value) or _has_directive(value):
            continue
        problems += [
            f"{where}.{name}: default {value!r} does not fit: {reason}"
            for _, reason in _check_literal(name, spec, value)
        ]
    return problems


def _check_literal(name: str, spec: FieldSpec, value: Any) -> list[tuple[str, str]]:
    _, problems = FieldsValidator({name: spec}, strict=False, defaults=False).validate(
        {name: value}
    )
    return problems


def _has_directive(value: Any) -> bool:
    if isinstance(value, dict):
        return any(str(key).startswith("@") or _has_directive(v) for key, v in value.items())
    if isinstance(value, list):
        return any(_has_directive(item) for item in value)
    return False


def _schema_problems(destination: Destination) -> list[str]:
    schemas = {"settings": settings_schema(destination)}
    schemas.update(
        {f"actions.{slug}": payload_schema(destination, slug) for slug in destination.actions}
    )
    problems = []
    for where, schema in schemas.items():
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as error:
            problems.append(f"{where}: generated JSON Schema is invalid: {error.message}")
    return problems
