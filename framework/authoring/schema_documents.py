"""The generated JSON Schema documents, each under its path relative to a schemas folder:
what ``actions schemas`` writes (and checks) and what the settings server serves when it is
given no folder."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from framework.authoring.definition import Destination
from framework.authoring.event_schemas import EVENT_TYPES, event_schema
from framework.authoring.json_schema import payload_schema, settings_schema
from framework.languages.mapping import mapping_json_schema


def schema_documents(destinations: Iterable[Destination]) -> dict[str, dict[str, Any]]:
    """Relative path -> schema: the mapping language, Segment's event types, and every
    destination's settings and action payloads."""
    documents: dict[str, dict[str, Any]] = {"mapping.schema.json": mapping_json_schema()}
    for kind in EVENT_TYPES:
        documents[f"events/{kind}.schema.json"] = event_schema(kind)
    for destination in destinations:
        documents.update(destination_schemas(destination))
    return documents


def destination_schemas(destination: Destination) -> dict[str, dict[str, Any]]:
    """Relative path -> schema: the destination's settings, then each action's payload."""
    documents = {settings_path(destination): settings_schema(destination)}
    for slug in destination.actions:
        documents[action_path(destination, slug)] = payload_schema(destination, slug)
    return documents


def settings_path(destination: Destination) -> str:
    """Where the destination's settings schema lives in a schemas folder."""
    return f"destinations/{destination.slug}/settings.schema.json"


def action_path(destination: Destination, action: str) -> str:
    """Where the payload schema of the destination's ``action`` lives in a schemas folder."""
    return f"destinations/{destination.slug}/actions/{action}.schema.json"
