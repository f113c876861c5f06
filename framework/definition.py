"""Declarations of a destination: fields, actions, presets and the destination itself.

Declarations are plain frozen dataclasses, checked when they are built: a mistake in a
destination (a field without a label, a preset naming a missing action, an FQL string that
does not parse, an invalid default mapping) raises :class:`DefinitionError` at import time,
naming where it is, never at the first event.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from framework.errors import DefinitionError, MappingError, SubscriptionSyntaxError
from framework.fields import FIELD_TYPES, FORMATS, SCALAR_TYPES, Field
from framework.mapping import MISSING, compile_mapping
from framework.subscriptions import compile_subscription
from framework.validation import default_problems

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SLUG = re.compile(r"^[a-z][a-z0-9-]*$")

Settings = Mapping[str, Any]
Payload = Mapping[str, Any]


Signer = Callable[[bytes], Mapping[str, str]]


@dataclass(frozen=True)
class HttpRequest:
    """The request a ``perform`` or an authentication test asks the framework to send.

    ``url`` is a path joined to the destination's base URL (operator configuration), or an
    absolute URL (``http://`` or ``https://``) for destinations whose target is itself a
    setting; an absolute URL must pass the address guard (:mod:`framework.guard`).

    ``sign``, when set, is called once with the exact body bytes that will be sent (compact
    JSON; ``b""`` without a body) and returns headers to add, over every other header: for
    signatures such as an HMAC of the body. A retry sends the same bytes and headers.
    """

    method: str
    url: str
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    sign: Signer | None = None


Perform = Callable[[Settings, Payload], HttpRequest]
PerformBatch = Callable[[Settings, list[Payload]], HttpRequest]
BatchSize = int | Callable[[Settings], int]
Precheck = Callable[[Settings, Mapping[str, Any]], str | None]
SettingsCheck = Callable[[Settings], None]


@dataclass(frozen=True, eq=False)
class Action:
    """Something a destination does with an event: typed fields and a ``perform``.

    ``precheck`` sees the resolved, not yet validated, values and may reject the event
    (raise an :class:`IntegrationError`) before field validation: for rules that decide
    whether the event is for this action at all, such as an allowlist. It may also decline
    the event by returning a reason (text naming fields or settings, never the event's
    values): nothing is sent and the result is ``skipped`` with that reason.

    Batching: ``perform_batch(settings, payloads)`` builds ONE request for several validated
    payloads (in input order); ``DestinationRunner.process_batch`` uses it, and an action
    without it sends a batch's events one by one with ``perform``. ``max_batch_size`` caps
    the payloads per request: an integer, or a function of the validated settings (to read
    a setting such as ``batch_size``), called once when the runner is built; it must give a
    positive integer, and may raise :class:`SettingsError` naming the setting. Without it,
    all the payloads of one ``process_batch`` call that match a subscription go in one
    request.
    """

    title: str
    description: str
    fields: Mapping[str, Field]
    perform: Perform
    default_subscription: str | None = None
    precheck: Precheck | None = None
    perform_batch: PerformBatch | None = None
    max_batch_size: BatchSize | None = None


@dataclass(frozen=True)
class Preset:
    """A default subscription: events matching ``subscription`` run ``action`` with ``mapping``.

    ``enabled=False`` declares a preset off by default: it runs only when the user's mappings
    name its action (``--mapping``, a runtime configuration's ``mappings``; ``{}`` is enough).
    """

    name: str
    subscription: str
    action: str
    mapping: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True


@dataclass(frozen=True)
class AuthenticationTest:
    """How to check credentials: the request to send, and what each failing status means."""

    request: Callable[[Settings], HttpRequest]
    failures: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Destination:
    """A destination plugin: settings, actions, presets, authentication and shared headers.

    ``check_settings`` sees the validated settings when a runner is built and may refuse
    them (raise :class:`SettingsError` naming the setting) for rules field declarations
    cannot express: a range, settings that depend on each other.

    ``unmatched`` maps an event type (``"identify"``, ...) to the reason reported when an
    event of that type matches no subscription (its ``skipped`` result): e.g. which action
    or preset would take it. Other types get the framework's "no subscription matched".
    """

    name: str
    slug: str
    description: str
    settings: Mapping[str, Field]
    actions: Mapping[str, Action]
    presets: Sequence[Preset] = ()
    base_url: str | None = None
    authentication: AuthenticationTest | None = None
    extend_request: Callable[[Settings], Mapping[str, str]] | None = None
    check_settings: SettingsCheck | None = None
    unmatched: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = _check_destination(self)
        if problems:
            listing = "\n  - ".join(problems)
            raise DefinitionError(f"destination {self.slug!r} is invalid:\n  - {listing}")


def _check_destination(dest: Destination) -> list[str]:
    problems: list[str] = []
    if not dest.name.strip():
        problems.append("name: must not be empty")
    if not _SLUG.match(dest.slug):
        problems.append(f"slug {dest.slug!r}: use lowercase letters, digits and '-'")
    if not dest.description.strip():
        problems.append("description: must not be empty")
    problems += _check_fields(dest.settings, "settings", is_setting=True)
    if dest.check_settings is not None and not callable(dest.check_settings):
        problems.append("check_settings: must be callable")
    for slug, action in dest.actions.items():
        problems += _check_action(slug, action)
    for preset in dest.presets:
        problems += _check_preset(preset, dest.actions)
    problems += _check_unmatched(dest.unmatched)
    return problems


def _check_unmatched(reasons: Mapping[str, str]) -> list[str]:
    # Imported here: framework.event_schemas imports this module (through json_schema).
    from framework.event_schemas import EVENT_TYPES  # noqa: PLC0415

    problems = []
    for kind, reason in reasons.items():
        if kind not in EVENT_TYPES:
            problems.append(
                f"unmatched[{kind!r}]: not an event type (one of {', '.join(EVENT_TYPES)})"
            )
        if not isinstance(reason, str) or not reason.strip():
            problems.append(f"unmatched[{kind!r}]: the reason must be non-empty text")
    return problems


def _check_action(slug: str, action: Action) -> list[str]:
    where = f"actions.{slug}"
    problems = [] if _NAME.match(slug) else [f"{where}: slug must be lowercase snake_case"]
    if not action.title.strip():
        problems.append(f"{where}: title must not be empty")
    if not action.description.strip():
        problems.append(f"{where}: description must not be empty")
    if not callable(action.perform):
        problems.append(f"{where}: perform must be callable")
    if action.precheck is not None and not callable(action.precheck):
        problems.append(f"{where}: precheck must be callable")
    problems += _check_batching(action, where)
    problems += _check_fields(action.fields, f"{where}.fields", is_setting=False)
    if action.default_subscription is not None:
        problems += _check_subscription(
            action.default_subscription, f"{where}.default_subscription"
        )
    return problems


def _check_batching(action: Action, where: str) -> list[str]:
    if action.perform_batch is not None and not callable(action.perform_batch):
        return [f"{where}: perform_batch must be callable"]
    size = action.max_batch_size
    if size is None:
        return []
    if action.perform_batch is None:
        return [f"{where}: max_batch_size needs perform_batch"]
    if callable(size):
        return []
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        return [f"{where}: max_batch_size must be a positive integer or a function of the settings"]
    return []


def _check_preset(preset: Preset, actions: Mapping[str, Action]) -> list[str]:
    where = f"presets[{preset.name!r}]"
    problems = [] if preset.name.strip() else [f"{where}: name must not be empty"]
    problems += _check_subscription(preset.subscription, f"{where}.subscription")
    action = actions.get(preset.action)
    if action is None:
        known = ", ".join(sorted(actions)) or "none"
        return [
            *problems,
            f"{where}: names action {preset.action!r}, which does not exist ({known})",
        ]
    for key in preset.mapping:
        if key not in action.fields:
            problems.append(f"{where}.mapping.{key}: action {preset.action!r} has no field {key!r}")
    problems += _check_mapping(dict(preset.mapping), f"{where}.mapping")
    return problems


def _check_fields(fields: Mapping[str, Field], where: str, *, is_setting: bool) -> list[str]:
    problems: list[str] = []
    for name, spec in fields.items():
        at = f"{where}.{name}"
        if not _NAME.match(name):
            problems.append(f"{at}: field names are lowercase snake_case")
        problems += _check_field(spec, at, is_setting=is_setting)
    return problems


def _check_field(spec: Field, at: str, *, is_setting: bool) -> list[str]:
    problems: list[str] = []
    if not isinstance(spec, Field):
        return [f"{at}: expected a Field, got {type(spec).__name__}"]
    if not spec.label.strip():
        problems.append(f"{at}: label must not be empty")
    if not spec.description.strip():
        problems.append(f"{at}: description must not be empty")
    if spec.type not in FIELD_TYPES:
        problems.append(f"{at}: unknown type {spec.type!r} (one of {', '.join(FIELD_TYPES)})")
    if spec.format is not None and spec.format not in FORMATS:
        problems.append(
            f"{at}: unknown format {spec.format!r} (one of {', '.join(sorted(FORMATS))})"
        )
    if spec.format is not None and spec.type not in ("string", "text"):
        problems.append(f"{at}: format applies to string fields only")
    if spec.type != "object" and (spec.properties is not None or spec.values is not None):
        problems.append(f"{at}: properties and values apply to object fields only")
    if spec.properties is not None and spec.values is not None:
        problems.append(f"{at}: declare properties or values, not both")
    if spec.values is not None and spec.values not in SCALAR_TYPES:
        problems.append(f"{at}: values must be a scalar type, not {spec.values!r}")
    if spec.properties is not None:
        problems += _check_fields(spec.properties, f"{at}.properties", is_setting=is_setting)
    problems += _check_choices(spec, at)
    if spec.default is not MISSING:
        if not is_setting:
            problems += _check_mapping(spec.default, f"{at}.default")
        elif not problems:
            # A default value can only be checked against a well-formed declaration: building
            # a validator for an unknown type, format or property would crash.
            problems += _check_setting_default(spec, at)
    return problems


def _check_choices(spec: Field, at: str) -> list[str]:
    if spec.choices is None:
        return []
    if spec.type not in ("string", "number", "integer"):
        return [f"{at}: choices apply to string, number and integer fields only"]
    if not spec.choices:
        return [f"{at}: choices must not be empty"]
    problems = []
    values = [choice.value for choice in spec.choices]
    if len(set(values)) != len(values):
        problems.append(f"{at}: choices repeat a value")
    expected: type | tuple[type, ...] = str if spec.type == "string" else (int, float)
    for value in values:
        if not isinstance(value, expected) or isinstance(value, bool):
            problems.append(f"{at}: choice {value!r} is not of type {spec.type}")
    return problems


def _check_setting_default(spec: Field, at: str) -> list[str]:
    return [f"{at}.default: {message}" for message in default_problems(spec)]


def _check_mapping(mapping: Any, at: str) -> list[str]:
    try:
        compile_mapping(mapping)
    except MappingError as error:
        return [f"{at}{problem.location}: {problem.message}" for problem in error.problems]
    return []


def _check_subscription(source: str, at: str) -> list[str]:
    try:
        compile_subscription(source)
    except SubscriptionSyntaxError as error:
        return [f"{at}: {error.message}"]
    return []
