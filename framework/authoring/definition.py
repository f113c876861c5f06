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
from typing import TYPE_CHECKING, Any, Generic

from typing_extensions import TypeVar

from framework.authoring.dynamic import dynamic_problems
from framework.authoring.field_types import (
    FORMATS,
    KINDS,
    TAKES,
    FieldKind,
    describe_kinds,
    kinds_taking,
)
from framework.authoring.fields import FieldSpec
from framework.authoring.model import Model, Payload, Settings, fields_of
from framework.authoring.oauth import OAuth2, oauth_problems
from framework.authoring.validation import default_problems
from framework.core.errors import DefinitionError, MappingError, SubscriptionSyntaxError
from framework.languages.fql import compile_subscription
from framework.languages.mapping import MISSING, compile_mapping

if TYPE_CHECKING:
    from framework.authoring.sample_data import Sample
    from framework.authoring.sandbox_hook import Faults, SandboxServer

_NAME = re.compile(r"[a-z][a-z0-9_]*")
SLUG = re.compile(r"[a-z][a-z0-9-]*")
"""A destination slug (matched whole): lowercase letters, digits and ``-``."""

S = TypeVar("S", bound=Settings, default=Any)
P = TypeVar("P", bound=Payload, default=Any)

Signer = Callable[[bytes], Mapping[str, str]]


@dataclass(frozen=True)
class HttpRequest:
    """The request a ``perform`` or an authentication test asks the framework to send.

    ``url`` is a path joined to the destination's base URL (operator configuration), or an
    absolute URL (``http://`` or ``https://``) for destinations whose target is itself a
    setting; an absolute URL must pass the address guard (:mod:`framework.core.guard`).

    ``sign``, when set, is called once with the exact body bytes that will be sent (compact
    JSON; ``b""`` without a body) and returns headers to add, over every other header: for
    signatures such as an HMAC of the body. A retry sends the same bytes and headers.
    """

    method: str
    url: str
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    sign: Signer | None = None


@dataclass(frozen=True, eq=False)
class Action(Generic[S, P]):
    """Something a destination does with an event: a payload class and a ``perform``.

    For each event the framework resolves the mapping, converts the values to the
    ``payload`` class's types, runs ``check`` (when given) and then ``perform``, which
    returns the request to send.

    ``check(settings, payload)`` sees the typed values and may refuse the event (raise an
    :class:`IntegrationError`, e.g. an allowlist) or decline it by returning a reason (text
    naming fields or settings, never the event's values): nothing is sent and the result is
    ``skipped`` with that reason. It runs even when some fields failed conversion, as long
    as it reads only fields that converted: reading one that did not ends the check, and
    the conversion problems are reported (so a rule that decides whether the event is for
    this action at all comes before a bad value in it).

    Batching: ``perform_batch(settings, payloads)`` builds ONE request for several payloads
    (in input order); ``actions send`` and the workers use it for the events of one
    subscription. ``max_batch_size`` caps the payloads per request: an integer, or a
    function of the settings (to read a setting such as ``batch_size``); without it, all
    the payloads at hand go in one request.
    """

    title: str
    description: str
    payload: type[P]
    perform: Callable[[S, P], HttpRequest]
    default_subscription: str | None = None
    check: Callable[[S, P], str | None] | None = None
    perform_batch: Callable[[S, list[P]], HttpRequest] | None = None
    max_batch_size: int | Callable[[S], int] | None = None

    @property
    def fields(self) -> Mapping[str, FieldSpec]:
        """The fields the payload class declares."""
        return fields_of(self.payload)


@dataclass(frozen=True)
class Preset:
    """A default subscription: events matching ``subscription`` run ``action`` with ``mapping``.

    ``enabled=False`` declares a preset off by default: it runs only when the user's mappings
    name its action (``--mapping``, a runtime configuration's ``mappings``; ``{}`` is enough).

    ``key`` (lowercase snake_case) identifies the preset among its action's presets: a
    route is known by its action's slug and this key, never by ``name``, which is only
    shown, so renaming a preset never orphans queued work.
    """

    name: str
    subscription: str
    action: str
    mapping: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True
    key: str = "default"


@dataclass(frozen=True)
class AuthenticationTest(Generic[S]):
    """How to check credentials: the request to send, and what each failing status means."""

    request: Callable[[S], HttpRequest]
    failures: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Destination(Generic[S]):
    """A destination plugin: its settings class, actions, presets and hooks.

    Hooks, each optional and named here (never found by naming convention):

    - ``authentication``: how ``actions test-auth`` and the settings page check credentials;
    - ``oauth``: connecting with OAuth 2.0 (:class:`~framework.authoring.oauth.OAuth2`) as
      well as pasting a token: the framework runs the flow, stores and refreshes the token;
    - ``extend_request(settings)``: headers on every request (e.g. a bearer token);
    - ``check_settings(settings)``: refuse settings (raise :class:`SettingsError` naming the
      setting) for rules the field declarations cannot express (settings that depend on
      each other); it runs when a runner is built;
    - ``sandbox(settings, faults)``: the fake API ``actions sandbox SLUG`` serves, given
      the settings as a settings file holds them;
    - ``sample(sample)``: adjust a generated sample (settings, event) so that the
      generated snapshot tests reach the request (e.g. map the event name to a perk).

    ``unmatched`` maps an event type (``"identify"``, ...) to the reason reported when an
    event of that type matches no subscription (its ``skipped`` result): e.g. which action
    or preset would take it. Other types get the framework's "no subscription matched".
    """

    name: str
    slug: str
    description: str
    settings: type[S]
    actions: Mapping[str, Action[S, Any]]
    presets: Sequence[Preset] = ()
    base_url: str | None = None
    authentication: AuthenticationTest[S] | None = None
    oauth: OAuth2 | None = None
    extend_request: Callable[[S], Mapping[str, str]] | None = None
    check_settings: Callable[[S], None] | None = None
    unmatched: Mapping[str, str] = field(default_factory=dict)
    sandbox: Callable[[Mapping[str, Any], Faults], SandboxServer] | None = None
    sample: Callable[[Sample], Sample] | None = None

    def __post_init__(self) -> None:
        problems = _check_destination(self)
        if problems:
            listing = "\n  - ".join(problems)
            raise DefinitionError(f"destination {self.slug!r} is invalid:\n  - {listing}")

    @property
    def setting_fields(self) -> Mapping[str, FieldSpec]:
        """The fields the settings class declares."""
        return fields_of(self.settings)


def _check_destination(dest: Destination) -> list[str]:
    problems: list[str] = []
    if not dest.name.strip():
        problems.append("name: must not be empty")
    if not SLUG.fullmatch(dest.slug):
        problems.append(f"slug {dest.slug!r}: use lowercase letters, digits and '-'")
    if not dest.description.strip():
        problems.append("description: must not be empty")
    problems += _check_class(dest.settings, Settings, "settings", is_setting=True)
    problems += _check_hooks(dest, ("extend_request", "check_settings", "sandbox", "sample"), "")
    if dest.oauth is not None and not problems:
        secrets = [name for name, spec in dest.setting_fields.items() if spec.type == "secret"]
        problems += oauth_problems(dest.oauth, secrets)
    for slug, action in dest.actions.items():
        problems += _check_action(slug, action)
    for preset in dest.presets:
        problems += _check_preset(preset, dest.actions)
    problems += _check_preset_keys(dest.presets)
    problems += _check_unmatched(dest.unmatched)
    return problems


def _check_unmatched(reasons: Mapping[str, str]) -> list[str]:
    # Imported here: framework.authoring.event_schemas imports this module (through json_schema).
    from framework.authoring.event_schemas import EVENT_TYPES  # noqa: PLC0415

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
    problems = [] if _NAME.fullmatch(slug) else [f"{where}: slug must be lowercase snake_case"]
    if not action.title.strip():
        problems.append(f"{where}: title must not be empty")
    if not action.description.strip():
        problems.append(f"{where}: description must not be empty")
    if not callable(action.perform):
        problems.append(f"{where}: perform must be callable")
    problems += _check_hooks(action, ("check",), f"{where}.")
    problems += _check_batching(action, where)
    problems += _check_class(action.payload, Payload, f"{where}.fields", is_setting=False)
    if action.default_subscription is not None:
        problems += _check_subscription(
            action.default_subscription, f"{where}.default_subscription"
        )
    return problems


def _check_hooks(declaration: object, names: Sequence[str], where: str) -> list[str]:
    return [
        f"{where}{name}: must be callable"
        for name in names
        if (hook := getattr(declaration, name)) is not None and not callable(hook)
    ]


def _check_class(declared: object, base: type[Model], where: str, *, is_setting: bool) -> list[str]:
    """A settings or payload class: a subclass of ``base`` whose fields are well declared."""
    if not (isinstance(declared, type) and issubclass(declared, base)):
        return [f"{where}: expected a subclass of framework.{base.__name__}, got {declared!r}"]
    try:
        fields = fields_of(declared)
    except DefinitionError as error:
        return [f"{where}: {error.message}"]
    return _check_fields(fields, where, is_setting=is_setting)


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


def _check_preset_keys(presets: Sequence[Preset]) -> list[str]:
    problems, seen = [], set()
    for preset in presets:
        where = f"presets[{preset.name!r}].key"
        if not _NAME.fullmatch(preset.key):
            problems.append(f"{where}: {preset.key!r} is not lowercase snake_case")
        if (preset.action, preset.key) in seen:
            problems.append(
                f"{where}: action {preset.action!r} already has a preset with key {preset.key!r}"
            )
        seen.add((preset.action, preset.key))
    return problems


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


def _check_fields(fields: Mapping[str, FieldSpec], where: str, *, is_setting: bool) -> list[str]:
    problems: list[str] = []
    for name, spec in fields.items():
        at = f"{where}.{name}"
        if not _NAME.fullmatch(name):
            problems.append(f"{at}: field names are lowercase snake_case")
        problems += _check_field(spec, at, is_setting=is_setting)
    return problems


def _check_field(spec: FieldSpec, at: str, *, is_setting: bool) -> list[str]:
    """What a field's annotation cannot rule out (:mod:`framework.authoring.model` derives its type,
    presence, list and object shape): the declarations of its ``Field(...)``."""
    problems: list[str] = []
    if not spec.label.strip():
        problems.append(f"{at}: label must not be empty")
    if not spec.description.strip():
        problems.append(f"{at}: description must not be empty")
    if spec.format is not None and spec.format not in FORMATS:
        problems.append(
            f"{at}: unknown format {spec.format!r} (one of {', '.join(sorted(FORMATS))})"
        )
    problems += _check_declarations(spec, KINDS[spec.type], at)
    if spec.properties is not None:
        problems += _check_fields(spec.properties, f"{at}.properties", is_setting=is_setting)
    problems += _check_choices(spec, at)
    problems += [f"{at}: {problem}" for problem in dynamic_problems(spec)]
    problems += _check_bounds(spec, at)
    if spec.default is not MISSING:
        if not is_setting:
            problems += _check_mapping(spec.default, f"{at}.default")
        elif not problems:
            # A default value can only be checked against a well-formed declaration: building
            # a validator for an unknown type, format or property would crash.
            problems += _check_setting_default(spec, at)
    return problems


_TAKEN_AS = {
    "format": "format applies",
    "choices": "choices apply",
    "range": "minimum and maximum apply",
    "length": "min_length and max_length apply",
    "properties": "properties and values apply",
    "values": "properties and values apply",
}


def _check_declarations(spec: FieldSpec, kind: FieldKind, at: str) -> list[str]:
    """Each optional declaration only on the types that take it (the registry says)."""
    problems = []
    for declaration, attributes in TAKES.items():
        declared = any(getattr(spec, name) is not None for name in attributes)
        if declared and declaration not in kind.takes:
            types = describe_kinds(kinds_taking(declaration))
            problems.append(f"{at}: {_TAKEN_AS[declaration]} to {types} fields only")
    return list(dict.fromkeys(problems))  # properties and values share one message


def _check_choices(spec: FieldSpec, at: str) -> list[str]:
    kind = KINDS[spec.type]
    if spec.choices is None or "choices" not in kind.takes:
        return []
    if not spec.choices:
        return [f"{at}: choices must not be empty"]
    problems = []
    values = [choice.value for choice in spec.choices]
    if len(set(values)) != len(values):
        problems.append(f"{at}: choices repeat a value")
    for value in values:
        if not isinstance(value, kind.choice_types) or isinstance(value, bool):
            problems.append(f"{at}: choice {value!r} is not of type {spec.type}")
    return problems


def _check_bounds(spec: FieldSpec, at: str) -> list[str]:
    """Bounds are numbers (lengths: whole and not negative), the lower not above the upper."""
    problems = []
    for name in ("minimum", "maximum"):
        bound = getattr(spec, name)
        if bound is not None and not _is_finite_number(bound):
            problems.append(f"{at}: {name} must be a finite number, not {bound!r}")
    for name in ("min_length", "max_length"):
        bound = getattr(spec, name)
        if bound is not None and (type(bound) is not int or bound < 0):
            problems.append(f"{at}: {name} must be a whole number, 0 or more, not {bound!r}")
    if problems:
        return problems
    for low, high in (("minimum", "maximum"), ("min_length", "max_length")):
        lower, upper = getattr(spec, low), getattr(spec, high)
        if lower is not None and upper is not None and lower > upper:
            problems.append(f"{at}: {low} ({lower!r}) is greater than {high} ({upper!r})")
    return problems


def _is_finite_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return abs(value) < float("inf")  # a NaN is not below infinity either


def _check_setting_default(spec: FieldSpec, at: str) -> list[str]:
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
