"""A toy destination for the framework's own tests, independent of any real destination.

``make_destination(**overrides)`` builds it (overrides replace ``Destination`` arguments);
its one action, ``send``, POSTs its validated payload to ``/events``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from framework import Action, Choice, Destination, FieldSpec, Payload, first_of, path
from framework.testing import make_test_destination, model_from_fields, post_payload

# Distinctive, so that a leak is found by a plain substring search.
SECRET = "sk_live_Q7zX9vB2nM4kP8wR"

BASE_URL = "https://api.toy.example/v1"


def field(**overrides: Any) -> FieldSpec:
    """A field with a label and a description; ``overrides`` set everything else."""
    return FieldSpec(**{"label": "A field", "description": "A field for tests.", **overrides})


def toy_headers(settings: Any) -> dict[str, str]:
    """Headers on every request: the key as a bearer token, and the configured region."""
    return {
        "Authorization": f"Bearer {settings.api_key.get_secret_value()}",
        "X-Toy-Region": settings.region,
    }


def payload_class(fields: Mapping[str, FieldSpec]) -> type[Payload]:
    """A payload class declaring ``fields``."""
    return model_from_fields(Payload, fields, "ToyPayload")


ACTION_FIELDS: dict[str, FieldSpec] = {
    "user_id": FieldSpec(
        label="User ID",
        description="Who did it.",
        required=True,
        default=path("$.userId"),
    ),
    "event_name": FieldSpec(
        label="Event name",
        description="What happened.",
        default=path("$.event"),
    ),
    "email": FieldSpec(
        label="Email",
        description="The user's email address.",
        format="email",
        default=first_of("$.properties.email", "$.context.traits.email"),
    ),
    "amount": FieldSpec(
        label="Amount",
        description="How much.",
        type="number",
        default=path("$.properties.amount"),
    ),
    "source": FieldSpec(label="Source", description="Where it came from (no default mapping)."),
}

SETTINGS_FIELDS: dict[str, FieldSpec] = {
    "api_key": FieldSpec(
        label="API key", description="The toy API key.", type="secret", required=True
    ),
    "region": FieldSpec(
        label="Region",
        description="Where the account lives.",
        choices=[Choice("us", "United States"), Choice("eu", "Europe")],
        required=True,
        default="us",
    ),
    "verbose": FieldSpec(label="Verbose", description="Log more.", type="boolean", default=False),
}

SETTINGS: dict[str, Any] = {"api_key": SECRET}


def make_action(fields: Mapping[str, FieldSpec] = ACTION_FIELDS, **overrides: Any) -> Action:
    """The toy ``send`` action with ``fields``; ``overrides`` replace ``Action`` arguments."""
    spec: dict[str, Any] = {
        "title": "Send",
        "description": "POST the payload to /events.",
        "payload": payload_class(fields),
        "perform": post_payload,
        "default_subscription": 'type = "track"',
    }
    return Action(**{**spec, **overrides})


def make_destination(
    settings: Mapping[str, FieldSpec] = SETTINGS_FIELDS, **overrides: Any
) -> Destination:
    """The toy destination with ``settings`` fields; ``overrides`` replace ``Destination``
    arguments."""
    spec: dict[str, Any] = {
        "name": "Toy",
        "slug": "toy",
        "description": "A toy destination for the framework's tests.",
        "actions": {"send": make_action()},
        "base_url": BASE_URL,
        "extend_request": toy_headers,
    }
    return make_test_destination(settings=settings, **{**spec, **overrides})


# Settings of every kind, for schema tests: formats, choices, multiple, null, nesting, maps.
RICH_SETTINGS_FIELDS: dict[str, FieldSpec] = {
    "api_key": field(label="API key", type="secret", required=True),
    "region": field(
        label="Region",
        choices=[Choice("us", "US"), Choice("eu", "EU")],
        required=True,
        default="us",
    ),
    "retries": field(label="Retries", type="integer", default=3),
    "ratio": field(label="Ratio", type="number"),
    "debug": field(label="Debug", type="boolean", default=False),
    "tags": field(label="Tags", multiple=True),
    "scopes": field(label="Scopes", multiple=True, required=True, default=["read"]),
    "nickname": field(label="Nickname", allow_null=True),
    "endpoint": field(label="Endpoint", format="uri"),
    "starts_at": field(label="Starts at", type="datetime"),
    "level": field(
        label="Level", type="integer", choices=[Choice(1, "Low"), Choice(2, "High")], default=1
    ),
    "owner": field(
        label="Owner",
        type="object",
        properties={
            "name": field(label="Name", required=True),
            "age": field(label="Age", type="integer"),
            "team": field(label="Team", required=True, default="core"),
        },
    ),
    "labels": field(label="Labels", type="object", values="integer"),
    "extra": field(label="Extra", type="object"),
}


RICH_ACTION_FIELDS: dict[str, FieldSpec] = {
    "emails": field(label="Emails", format="email", multiple=True),
    "visit": field(label="Visit", type="datetime", allow_null=True),
    "address": field(
        label="Address",
        type="object",
        properties={"city": field(label="City", required=True), "zip": field(label="ZIP")},
    ),
}


def make_rich_destination() -> Destination:
    """A destination whose settings and action use every kind of field."""
    return make_destination(
        slug="rich",
        settings=RICH_SETTINGS_FIELDS,
        actions={"send": make_action(fields={**ACTION_FIELDS, **RICH_ACTION_FIELDS})},
        extend_request=None,
    )
