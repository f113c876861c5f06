"""The checks behind the form's inline errors, the same the command line runs: settings
(field by field, then whatever else the runner refuses) and mappings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from framework.authoring.definition import Action, Destination
from framework.authoring.settings import settings_problems
from framework.core.errors import SettingsError
from framework.engine.execute import DestinationRunner
from framework.engine.operator import OperatorConfig
from framework.languages.mapping import validate_mapping
from framework.runtime.server.errors import ApiError

Problems = list[dict[str, str]]


def open_runner(
    destination: Destination,
    settings: Mapping[str, Any],
    *,
    operator: OperatorConfig,
    dry_run: bool = True,
) -> DestinationRunner:
    """A runner for ``settings`` (no subscriptions) under the ``operator``'s configuration
    (its endpoint for the destination, time-out, private targets, OAuth clients and token
    store), or a 422 ``INVALID_SETTINGS`` error listing every problem, each at the
    setting's dotted location."""
    problems = [
        {"location": location, "message": reason}
        for location, reason in settings_problems(destination, settings)
    ]
    if not problems:
        try:
            return DestinationRunner.configured(
                destination, settings, operator, subscriptions=[], dry_run=dry_run
            )
        except SettingsError as error:  # a rule across settings (the runner's own checks)
            problems = [{"location": "", "message": error.message}]
    raise ApiError(422, "INVALID_SETTINGS", f"invalid settings for {destination.slug}", problems)


def settings_check(
    destination: Destination, settings: Mapping[str, Any], operator: OperatorConfig
) -> Problems:
    """The problems :func:`open_runner` would report (empty when the settings are valid)."""
    try:
        open_runner(destination, settings, operator=operator).close()
    except ApiError as error:
        return error.problems or []
    return []


def mapping_check(slug: str, action: Action, mapping: object) -> Problems:
    """Every problem in an action's mapping, each at a JSON pointer into it: it must be an
    object of the action's fields, each a valid mapping."""
    if not isinstance(mapping, dict):
        return [{"location": "", "message": "a mapping must be a JSON object: field -> mapping"}]
    problems = [
        {"location": _pointer(key), "message": f"action {slug!r} has no field {key!r}"}
        for key in mapping
        if key not in action.fields
    ]
    problems += [
        {"location": problem.location, "message": problem.message}
        for problem in validate_mapping(mapping)
    ]
    return problems


def _pointer(key: str) -> str:
    return "/" + key.replace("~", "~0").replace("/", "~1")
