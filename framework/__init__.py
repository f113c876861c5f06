"""A framework for Segment Actions-style destinations.

A destination declares settings, actions (typed fields with default mappings and a
``perform`` that builds the request) and presets; the framework does the rest: FQL
subscriptions, mapping, validation, the HTTP client, error classification, the CLI and
test helpers.
"""

from framework.definition import (
    Action,
    AuthenticationTest,
    Destination,
    HttpRequest,
    Preset,
)
from framework.errors import (
    ActionsError,
    DefinitionError,
    IntegrationError,
    InvalidAuthenticationError,
    MappingError,
    PayloadValidationError,
    RetryableError,
    SettingsError,
    SubscriptionSyntaxError,
)
from framework.execute import ActionSubscription, AuthResult, DestinationRunner
from framework.fields import Choice, Field, FieldSpec
from framework.http import RetryPolicy
from framework.model import Model, Payload, Settings
from framework.results import ErrorInfo, Result

__all__ = [
    "Action",
    "ActionSubscription",
    "ActionsError",
    "AuthResult",
    "AuthenticationTest",
    "Choice",
    "DefinitionError",
    "Destination",
    "DestinationRunner",
    "ErrorInfo",
    "Field",
    "FieldSpec",
    "HttpRequest",
    "IntegrationError",
    "InvalidAuthenticationError",
    "MappingError",
    "Model",
    "Payload",
    "PayloadValidationError",
    "Preset",
    "Result",
    "RetryPolicy",
    "RetryableError",
    "Settings",
    "SettingsError",
    "SubscriptionSyntaxError",
]
