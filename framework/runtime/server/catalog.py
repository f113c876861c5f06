"""What the page is told about destinations: the list, and for one destination its schemas,
the default mapping of each action and the subscriptions the event tester runs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from framework.authoring.definition import Destination, Preset
from framework.authoring.schema_documents import action_path, destination_schemas, settings_path
from framework.engine.execute import ActionSubscription, presets_as_subscriptions
from framework.languages.mapping import MISSING
from framework.runtime.server.errors import ApiError


def summary(destination: Destination) -> dict[str, Any]:
    """Slug, name, description and action titles: one entry of the destination picker."""
    return {
        "slug": destination.slug,
        "name": destination.name,
        "description": destination.description,
        "actions": {slug: action.title for slug, action in destination.actions.items()},
    }


def details(destination: Destination, schemas: Path | None) -> dict[str, Any]:
    """Everything the page renders for one destination, with its schemas from
    :func:`published_schemas`. An action's ``subscriptions`` are those it runs once enabled;
    ``on_by_default`` says whether it needs enabling (its mapping sent) first. ``oauth``:
    the label of its Connect button and the setting a connection fills, or ``None`` when it
    does not connect with OAuth 2.0."""
    documents = published_schemas(destination, schemas)
    everything: dict[str, dict[str, Any]] = {slug: {} for slug in destination.actions}
    subscriptions = tester_subscriptions(destination, everything)
    oauth = destination.oauth
    return {
        **summary(destination),
        "authentication": destination.authentication is not None,
        "oauth": None if oauth is None else {"label": oauth.label, "setting": oauth.token_setting},
        "settings_schema": documents[settings_path(destination)],
        "actions": [
            {
                "slug": slug,
                "title": action.title,
                "description": action.description,
                "schema": documents[action_path(destination, slug)],
                "mapping": default_mapping(destination, slug),
                "subscriptions": [s.subscription for s in subscriptions if s.action == slug],
                "on_by_default": on_by_default(destination, slug),
            }
            for slug, action in destination.actions.items()
        ],
    }


def published_schemas(destination: Destination, folder: Path | None) -> dict[str, dict[str, Any]]:
    """The destination's settings and action schemas by relative path: the files of
    ``folder`` (as ``actions schemas`` committed them) or, with no folder (an installed
    package), the same documents generated from its definition."""
    generated = destination_schemas(destination)
    if folder is None:
        return generated
    return {relative: committed_schema(folder, relative) for relative in generated}


def committed_schema(folder: Path, relative: str) -> dict[str, Any]:
    """One committed schema file; a missing or unreadable one is a server error that says
    how to fix it."""
    path = folder / relative
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ApiError(
            500,
            "SCHEMA_MISSING",
            f"{path} is missing or unreadable: run `actions schemas` and restart the server",
        ) from None
    return document


def default_mapping(destination: Destination, slug: str) -> dict[str, Any]:
    """The mapping an action runs with unless edited: its fields' default mappings, with the
    mapping of its first preset over them."""
    action = destination.actions[slug]
    mapping = {
        name: spec.default for name, spec in action.fields.items() if spec.default is not MISSING
    }
    preset = next((p for p in destination.presets if p.action == slug), None)
    if preset is not None:
        mapping.update(preset.mapping)
    return mapping


def off_presets(destination: Destination, slug: str) -> list[Preset]:
    """The presets of action ``slug`` that are off by default (``enabled=False``)."""
    return [p for p in destination.presets if p.action == slug and not p.enabled]


def on_by_default(destination: Destination, slug: str) -> bool:
    """Whether action ``slug`` runs without the user enabling it: false when its presets are
    all off by default (it runs only once the mappings name it)."""
    presets = [p for p in destination.presets if p.action == slug]
    return not presets or any(p.enabled for p in presets)


def tester_subscriptions(
    destination: Destination, mappings: Mapping[str, Mapping[str, Any]]
) -> list[ActionSubscription]:
    """The destination's presets (with ``mappings``, action slug -> mapping, over theirs;
    a preset off by default only when ``mappings`` names its action), then, for an action
    that no preset is declared for, its default subscription if it has one."""
    subscriptions = presets_as_subscriptions(destination, mappings)
    covered = {preset.action for preset in destination.presets}
    for slug, action in destination.actions.items():
        if slug not in covered and action.default_subscription is not None:
            subscriptions.append(
                ActionSubscription(
                    slug, action.default_subscription, mappings.get(slug, {}), action.title
                )
            )
    return subscriptions
