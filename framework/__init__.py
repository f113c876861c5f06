"""A framework for Segment Actions-style destinations: this module is the author's API.

A destination declares typed settings and payloads (:class:`Settings`, :class:`Payload`,
:func:`Field`), actions whose ``perform`` builds an :class:`HttpRequest`, and presets; the
framework does the rest (subscriptions, mapping, validation, the HTTP client, error
classification, the CLI). Tests use :mod:`framework.testing`. Everything here is imported
on first use, so ``import framework`` costs nothing.

The packages below are laid out by role, each importing only those before it: ``core``,
``languages`` (mapping, FQL), ``authoring``, ``engine``, ``runtime`` and ``testing``,
``tooling`` (the ``actions`` command).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import SecretStr as SecretStr

    from framework.authoring.conversions import EMAIL as EMAIL
    from framework.authoring.definition import Action as Action
    from framework.authoring.definition import AuthenticationTest as AuthenticationTest
    from framework.authoring.definition import Destination as Destination
    from framework.authoring.definition import HttpRequest as HttpRequest
    from framework.authoring.definition import Preset as Preset
    from framework.authoring.dynamic import ChoicePage as ChoicePage
    from framework.authoring.dynamic import DynamicChoices as DynamicChoices
    from framework.authoring.fields import Choice as Choice
    from framework.authoring.fields import Field as Field
    from framework.authoring.fields import FieldSpec as FieldSpec
    from framework.authoring.model import Model as Model
    from framework.authoring.model import Payload as Payload
    from framework.authoring.model import Settings as Settings
    from framework.authoring.oauth import OAuth2 as OAuth2
    from framework.authoring.sample_data import Sample as Sample
    from framework.authoring.sandbox_hook import FAULT_KINDS as FAULT_KINDS
    from framework.authoring.sandbox_hook import NO_FAULTS as NO_FAULTS
    from framework.authoring.sandbox_hook import NO_LATENCY as NO_LATENCY
    from framework.authoring.sandbox_hook import Faults as Faults
    from framework.authoring.sandbox_hook import Latency as Latency
    from framework.authoring.settings import validate_settings as validate_settings
    from framework.core.errors import ActionsError as ActionsError
    from framework.core.errors import DefinitionError as DefinitionError
    from framework.core.errors import IntegrationError as IntegrationError
    from framework.core.errors import InvalidAuthenticationError as InvalidAuthenticationError
    from framework.core.errors import MappingError as MappingError
    from framework.core.errors import PayloadValidationError as PayloadValidationError
    from framework.core.errors import RetryableError as RetryableError
    from framework.core.errors import SettingsError as SettingsError
    from framework.core.errors import SubscriptionSyntaxError as SubscriptionSyntaxError
    from framework.engine.execute import ActionSubscription as ActionSubscription
    from framework.engine.execute import AuthResult as AuthResult
    from framework.engine.execute import DestinationRunner as DestinationRunner
    from framework.engine.http import RetryPolicy as RetryPolicy
    from framework.engine.results import ErrorInfo as ErrorInfo
    from framework.engine.results import Result as Result
    from framework.languages.mapping import MISSING as MISSING
    from framework.languages.mapping import first_of as first_of
    from framework.languages.mapping import first_string_of as first_string_of
    from framework.languages.mapping import path as path
    from framework.runtime.sandbox import Reply as Reply
    from framework.runtime.sandbox import Sandbox as Sandbox
    from framework.runtime.sandbox import SandboxRequest as SandboxRequest
    from framework.runtime.sandbox_oauth import SandboxOAuth as SandboxOAuth

_HOMES = {
    "Action": "framework.authoring.definition",
    "AuthenticationTest": "framework.authoring.definition",
    "Destination": "framework.authoring.definition",
    "HttpRequest": "framework.authoring.definition",
    "Preset": "framework.authoring.definition",
    "ChoicePage": "framework.authoring.dynamic",
    "DynamicChoices": "framework.authoring.dynamic",
    "Choice": "framework.authoring.fields",
    "Field": "framework.authoring.fields",
    "FieldSpec": "framework.authoring.fields",
    "Model": "framework.authoring.model",
    "OAuth2": "framework.authoring.oauth",
    "Payload": "framework.authoring.model",
    "Settings": "framework.authoring.model",
    "EMAIL": "framework.authoring.conversions",
    "validate_settings": "framework.authoring.settings",
    "Sample": "framework.authoring.sample_data",
    "FAULT_KINDS": "framework.authoring.sandbox_hook",
    "Faults": "framework.authoring.sandbox_hook",
    "Latency": "framework.authoring.sandbox_hook",
    "NO_FAULTS": "framework.authoring.sandbox_hook",
    "NO_LATENCY": "framework.authoring.sandbox_hook",
    "ActionsError": "framework.core.errors",
    "DefinitionError": "framework.core.errors",
    "IntegrationError": "framework.core.errors",
    "InvalidAuthenticationError": "framework.core.errors",
    "MappingError": "framework.core.errors",
    "PayloadValidationError": "framework.core.errors",
    "RetryableError": "framework.core.errors",
    "SettingsError": "framework.core.errors",
    "SubscriptionSyntaxError": "framework.core.errors",
    "ActionSubscription": "framework.engine.execute",
    "AuthResult": "framework.engine.execute",
    "DestinationRunner": "framework.engine.execute",
    "RetryPolicy": "framework.engine.http",
    "ErrorInfo": "framework.engine.results",
    "Result": "framework.engine.results",
    "MISSING": "framework.languages.mapping",
    "first_of": "framework.languages.mapping",
    "first_string_of": "framework.languages.mapping",
    "path": "framework.languages.mapping",
    "Reply": "framework.runtime.sandbox",
    "Sandbox": "framework.runtime.sandbox",
    "SandboxRequest": "framework.runtime.sandbox",
    "SandboxOAuth": "framework.runtime.sandbox_oauth",
    "SecretStr": "pydantic",
}
__all__ = [
    "EMAIL",
    "FAULT_KINDS",
    "MISSING",
    "NO_FAULTS",
    "NO_LATENCY",
    "Action",
    "ActionSubscription",
    "ActionsError",
    "AuthResult",
    "AuthenticationTest",
    "Choice",
    "ChoicePage",
    "DefinitionError",
    "Destination",
    "DestinationRunner",
    "DynamicChoices",
    "ErrorInfo",
    "Faults",
    "Field",
    "FieldSpec",
    "HttpRequest",
    "IntegrationError",
    "InvalidAuthenticationError",
    "Latency",
    "MappingError",
    "Model",
    "OAuth2",
    "Payload",
    "PayloadValidationError",
    "Preset",
    "Reply",
    "Result",
    "RetryPolicy",
    "RetryableError",
    "Sample",
    "Sandbox",
    "SandboxOAuth",
    "SandboxRequest",
    "SecretStr",
    "Settings",
    "SettingsError",
    "SubscriptionSyntaxError",
    "first_of",
    "first_string_of",
    "path",
    "validate_settings",
]


if not TYPE_CHECKING:  # type checkers see the imports above: a misspelt name is an error

    def __getattr__(name: str) -> Any:
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module 'framework' has no attribute {name!r}")
        value = getattr(import_module(home), name)
        globals()[name] = value  # imported once
        return value

    def __dir__() -> list[str]:
        return __all__
