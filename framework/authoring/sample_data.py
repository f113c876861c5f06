"""Seeded, realistic sample data generated from field declarations, for generated tests.

Given a destination, an action and a *variant*, :func:`build_sample` produces everything
needed to run the action once: valid settings, a Segment track event that the action's
**default mappings** resolve from, a user mapping for the fields no default mapping reads
from the event, and the value every filled field must resolve to. It then resolves the
default mappings against the event and raises :class:`SampleError` when a field does not
come back as generated, so a broken default mapping is caught, not bypassed.
:mod:`framework.testing.pytest_plugin` runs these samples and snapshots the requests.

Values (:func:`sample_value`)
    Deterministic and realistic per type, format and name: ``email`` (format, or a string
    field named like ``email``) -> ``ann.becker@example.org``; ``datetime`` and
    ``date-time`` -> an ISO 8601 UTC timestamp ``2024-05-17T13:42:08.123Z``; ``date`` ->
    ``2024-05-17``; ``uri`` (or a name like ``url``/``website``) -> an ``https://`` URL;
    ``uuid`` -> a version 4 UUID; a name like ``currency`` -> an ISO 4217 code; names like
    ``phone``, ``ip``, ``country``, ``first_name``, ``event_name``, ``*_id``, ``*_at`` ->
    what they say; ``choices`` -> one of the choices; ``integer`` / ``number`` / ``boolean``;
    ``text`` -> a sentence; ``secret`` -> ``sk_test_…``; ``object`` with ``properties`` ->
    recursively (required properties only in the ``required`` variant); ``object`` with
    ``values`` -> a two-entry key/value map; ``multiple`` -> a list of two. ``null`` is
    never generated (a typed value always exists); a hook may set one. The field-type
    registry (:mod:`framework.authoring.field_types`) names the generator of each type and format.
    A value that breaks the field's bounds is redrawn within them (numbers) or padded and
    cut to fit (text without a format).

Seeds
    Every value comes from ``random.Random(seed)`` where the seed is a string naming the
    value: ``"<slug>/<action>/<field>"`` for action fields, ``"<slug>/settings/<name>"`` for
    settings, with ``.<key>`` and ``[<i>]`` appended inside objects and lists. The variant
    is not part of the seed, so a field has the same value in both variants and the ``all``
    snapshot reads as the ``required`` one plus the optional fields. Only ``Random.random()``
    is used (whose sequence Python guarantees for a given seed across versions, unlike
    ``randrange`` or ``choice``), and never ``hash()``: values are stable across runs,
    machines and Python versions.

Variants
    ``required``: settings that must be given (required, no default; defaults apply to the
    rest) and the action fields a payload needs (required, unless a literal default already
    supplies them). ``all``: every setting and every action field.

Events (:func:`build_sample`)
    A field whose default mapping reads the event
    (:func:`framework.languages.mapping.referenced_paths`) has its value put at the first
    path it reads, in a base track event (:func:`set_path`: nested objects and arrays are
    created as needed). When that does not resolve back (the path is another field's, or it
    is the condition of an ``@if``), the next path it reads is tried, and so on. A field
    whose default is a literal, or that has no default, is set by a user mapping
    ``{"@literal": value}``. A field that reads ``$`` (the whole event) is given the event
    itself, and a field whose path holds other
    fields' paths (``$.properties`` and ``$.properties.email``) whatever ends up there.

Overrides (the hook)
    A destination may have rules generated data cannot know (an allowlist in its settings,
    an amount that goes with an order id). It adjusts its samples with its ``sample``
    hook, ``Destination(..., sample=sample_overrides)``::

        def sample_overrides(sample: Sample) -> Sample:
            perks = {sample.values["event_name"]: "123456"}
            return dataclasses.replace(sample, settings={**sample.settings, "perks": perks})

    It receives a :class:`Sample` (``settings``, field ``values`` and the base ``event``,
    before the values are placed) and returns one, typically with
    :func:`dataclasses.replace`. Values it changes are placed and checked like generated
    ones; a field it removes from ``values`` is neither placed nor checked (put what that
    field needs into ``event`` yourself, e.g. for a default mapping that transforms its
    input). It is called for every action and variant: look at ``sample.action`` and
    ``sample.variant`` to tell them apart.
"""

from __future__ import annotations

import copy
import json
import math
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from random import Random
from typing import Any, Literal, TypeVar, cast, get_args

from framework.authoring.definition import Action, Destination
from framework.authoring.field_types import FORMATS, KINDS, FieldKind, map_value
from framework.authoring.fields import FieldSpec
from framework.authoring.validation import FieldsValidator
from framework.core.events import make_track_event
from framework.languages.mapping import MISSING, compile_mapping, referenced_paths
from framework.languages.mapping.paths import Path, PathSyntaxError, get_path, parse_path

__all__ = [
    "LIST_LENGTH",
    "VARIANTS",
    "ActionSample",
    "Sample",
    "SampleError",
    "Variant",
    "base_event",
    "build_sample",
    "round_trip_problems",
    "sample_settings",
    "sample_value",
    "sample_values",
    "set_path",
]

Variant = Literal["required", "all"]
VARIANTS: tuple[Variant, ...] = get_args(Variant)
LIST_LENGTH = 2
LITERAL = "@literal"

_T = TypeVar("_T")


class SampleError(AssertionError):
    """Generated data does not fit the action: a default mapping does not resolve a field
    back to its generated value, or a hook returned something unusable."""


@dataclass(frozen=True)
class Sample:
    """A generated input for one action and variant, before the values are placed: what a
    ``sample`` hook receives and returns.

    ``settings`` is a settings document (JSON values, secrets as plain strings); ``values``
    maps each field to fill to its value; ``event`` is the base Segment event the values
    are placed into.
    """

    destination: str
    action: str
    variant: Variant
    settings: Mapping[str, Any]
    values: Mapping[str, Any]
    event: Mapping[str, Any]


@dataclass(frozen=True)
class ActionSample:
    """Everything needed to run one action on generated data.

    ``mapping`` is the user mapping (``{"@literal": value}`` per field no default mapping
    reads from the event); ``expected`` is the value each filled field resolves to;
    ``sources`` says where each came from: the path it was placed at (as its default mapping
    writes it) or ``"@literal"``.
    """

    destination: str
    action: str
    variant: Variant
    settings: dict[str, Any]
    event: dict[str, Any]
    mapping: dict[str, Any] = field(default_factory=dict)
    expected: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)


# --- values -------------------------------------------------------------------------------


class _Draw:
    """Choices from ``Random(seed)``, made with ``random()`` only: its sequence for a given
    seed is the one thing Python promises not to change between versions."""

    def __init__(self, seed: str) -> None:
        self._random = Random(seed).random

    def below(self, limit: int) -> int:
        return min(int(self._random() * limit), limit - 1)

    def between(self, low: int, high: int) -> int:
        return low + self.below(high - low + 1)

    def pick(self, items: Sequence[_T]) -> _T:
        return items[self.below(len(items))]

    def chance(self) -> bool:
        return self._random() < 0.5

    def chars(self, alphabet: str, count: int) -> str:
        return "".join(self.pick(alphabet) for _ in range(count))


_FIRST_NAMES = (
    "ann", "bruno", "chen", "dara", "emil", "fatima", "grace", "hugo", "ines", "jonas",
    "kofi", "lena", "mateo", "nadia", "omar", "priya", "quinn", "rosa", "sven", "tomas",
    "uma", "vera", "wei", "yusuf", "zoe",
)  # fmt: skip
_LAST_NAMES = (
    "alvarez", "becker", "costa", "dubois", "eriksen", "fischer", "garcia", "haddad", "ito",
    "jensen", "kowalski", "larsen", "moreau", "nakamura", "okafor", "petrov", "quintero",
    "rossi", "silva", "tanaka", "usman", "varga", "weber", "xu", "yilmaz", "zhang",
)  # fmt: skip
_WORDS = (
    "amber", "harbor", "meadow", "falcon", "copper", "lantern", "orchid", "summit", "river",
    "cedar", "maple", "signal", "garden", "beacon", "canyon", "velvet", "pebble", "violet",
    "willow", "ember", "glacier", "juniper", "marble", "nectar", "quartz", "saffron",
)  # fmt: skip
_EVENT_NAMES = (
    "Order Completed", "Product Viewed", "Checked In", "Signed Up", "Cart Viewed",
    "Subscription Started", "Product Added", "Checkout Started",
)  # fmt: skip
_CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF", "SEK", "NOK", "BRL")
_COUNTRIES = ("US", "GB", "DE", "FR", "JP", "BR", "IN", "CA", "AU", "NL")
_DOMAINS = ("example.com", "example.org", "example.net")
_ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_HEX = "0123456789abcdef"
_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
_SPAN_DAYS = 730  # timestamps and dates fall in 2024 and 2025


def _email(draw: _Draw) -> str:
    return f"{draw.pick(_FIRST_NAMES)}.{draw.pick(_LAST_NAMES)}@{draw.pick(_DOMAINS)}"


def _timestamp(draw: _Draw) -> str:
    moment = _EPOCH + timedelta(seconds=draw.below(_SPAN_DAYS * 86_400))
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{draw.below(1000):03d}Z"


def _date(draw: _Draw) -> str:
    return (_EPOCH.date() + timedelta(days=draw.below(_SPAN_DAYS))).isoformat()


def _uri(draw: _Draw) -> str:
    return f"https://www.{draw.pick(_DOMAINS)}/{draw.pick(_WORDS)}/{draw.pick(_WORDS)}"


def _uuid(draw: _Draw) -> str:
    bits = 0
    for _ in range(4):
        bits = (bits << 32) | draw.below(2**32)
    return str(uuid.UUID(int=bits, version=4))


def _title(draw: _Draw) -> str:
    return f"{draw.pick(_WORDS).title()} {draw.pick(_WORDS).title()}"


def _sentence(draw: _Draw) -> str:
    words = [draw.pick(_WORDS) for _ in range(draw.between(4, 8))]
    return " ".join(words).capitalize() + "."


def _named_string(name: str, draw: _Draw) -> str | None:
    """A value that fits the field's name, or None when the name says nothing."""
    lowered = name.lower()
    tokens = lowered.split("_")
    last = tokens[-1]
    if "email" in lowered:
        return _email(draw)
    if "currency" in lowered:
        return draw.pick(_CURRENCIES)
    if {"url", "uri", "website", "link", "href"} & set(tokens):
        return _uri(draw)
    if "phone" in tokens:
        return f"+1202555{draw.between(100, 199):04d}"
    if last == "at" or "timestamp" in tokens:
        return _timestamp(draw)
    if "date" in tokens or "birthday" in tokens:
        return _date(draw)
    if "ip" in tokens:
        return f"192.0.2.{draw.between(1, 254)}"
    if "country" in tokens:
        return draw.pick(_COUNTRIES)
    if "event" in tokens and last == "name":
        return draw.pick(_EVENT_NAMES)
    if "first" in tokens and last == "name":
        return draw.pick(_FIRST_NAMES).title()
    if "last" in tokens and last == "name":
        return draw.pick(_LAST_NAMES).title()
    if lowered == "name" or (last == "name" and tokens[0] in ("full", "user", "customer")):
        return f"{draw.pick(_FIRST_NAMES).title()} {draw.pick(_LAST_NAMES).title()}"
    if last in ("id", "ids"):
        stem = "_".join(tokens[:-1]) or "id"
        return f"{stem}_{draw.chars(_HEX, 12)}"
    return None


def _key_of(seed: str) -> str:
    """The name a seed ends with: ``a/b/email`` -> ``email``, ``x.city[1]`` -> ``city``."""
    tail = seed.rsplit("/", 1)[-1].rsplit(".", 1)[-1]
    return tail.split("[", 1)[0]


def sample_value(
    spec: FieldSpec, seed: str, *, name: str | None = None, variant: Variant = "all"
) -> Any:
    """A deterministic, realistic, valid value for ``spec`` (JSON data: a secret is a plain
    string). ``name`` (by default the last name in ``seed``) picks name-based kinds such as
    ``currency``; in the ``required`` variant, objects get their required properties only.
    """
    name = _key_of(seed) if name is None else name
    if spec.multiple:
        return [_one(spec, f"{seed}[{index}]", name, variant) for index in range(LIST_LENGTH)]
    return _one(spec, seed, name, variant)


def _one(spec: FieldSpec, seed: str, name: str, variant: Variant) -> Any:
    draw = _Draw(seed)
    if spec.choices:
        return draw.pick([choice.value for choice in spec.choices])
    if spec.properties is not None:
        return {
            key: sample_value(prop, f"{seed}.{key}", name=key, variant=variant)
            for key, prop in spec.properties.items()
            if variant == "all" or prop.required
        }
    if spec.values is not None:
        inner = map_value(spec)
        return {key: sample_value(inner, f"{seed}.{key}", name=key) for key in _two_keys(draw)}
    kind = KINDS.get(spec.type)
    if kind is None:
        raise ValueError(f"cannot generate a value of type {spec.type!r}")
    generator = FORMATS[spec.format].sample if spec.format is not None else kind.sample
    return _within_bounds(spec, kind, _GENERATORS[generator](draw, name), draw)


def _count(draw: _Draw, name: str) -> int:
    small = {"quantity", "qty", "count", "items"} & set(name.lower().split("_"))
    return draw.between(1, 10) if small else draw.between(1, 1000)


def _two_keys(draw: _Draw) -> tuple[str, str]:
    first = draw.pick(_WORDS)
    return first, draw.pick([word for word in _WORDS if word != first])


# The generators the field-type registry names (``FieldKind.sample``, ``FieldFormat.sample``):
# each takes the draw and the field's name.
_GENERATORS: dict[str, Callable[[_Draw, str], Any]] = {
    "title": lambda draw, name: _named_string(name, draw) or _title(draw),
    "sentence": lambda draw, name: _named_string(name, draw) or _sentence(draw),
    "timestamp": lambda draw, _: _timestamp(draw),
    "date": lambda draw, _: _date(draw),
    "email": lambda draw, _: _email(draw),
    "uri": lambda draw, _: _uri(draw),
    "uuid": lambda draw, _: _uuid(draw),
    "count": _count,
    "amount": lambda draw, _: draw.between(100, 50_000) / 100,
    "flag": lambda draw, _: draw.chance(),
    "token": lambda draw, _: f"sk_test_{draw.chars(_ALPHANUMERIC, 24)}",
    "map": lambda draw, _: {key: _title(draw) for key in _two_keys(draw)},
}


def _within_bounds(spec: FieldSpec, kind: FieldKind, value: Any, draw: _Draw) -> Any:
    """``value``, or, when it breaks the field's bounds, one drawn within them, or padded
    and cut to fit (a formatted value is left as it is: cut, it would break its format)."""
    low, high = spec.minimum, spec.maximum
    if "range" in kind.takes and not (
        (low is None or value >= low) and (high is None or value <= high)
    ):
        return _number_between(low, high, draw, whole=kind.annotation is int)
    if "length" in kind.takes and spec.format is None:
        while len(value) < (spec.min_length or 0):
            value += draw.pick(_ALPHANUMERIC)
        return value[: spec.max_length]
    return value


def _number_between(low: float | None, high: float | None, draw: _Draw, *, whole: bool) -> float:
    """A whole number, or one with two decimals, within the bounds (one may be missing)."""
    scale = 1 if whole else 100
    span = 1000 * scale
    start = math.ceil(low * scale) if low is not None else None
    stop = math.floor(high * scale) if high is not None else None
    start = start if start is not None else cast(int, stop) - span
    stop = stop if stop is not None else start + span
    if start > stop:  # nothing with two decimals in between: the lower bound itself
        return cast(float, low)
    drawn = draw.between(start, stop)
    return drawn if whole else drawn / scale


# --- settings and field values ------------------------------------------------------------


def sample_settings(destination: Destination, variant: Variant = "required") -> dict[str, Any]:
    """Valid settings: those that must be given (``required``), or every one (``all``)."""
    return {
        name: sample_value(spec, f"{destination.slug}/settings/{name}", name=name, variant=variant)
        for name, spec in destination.setting_fields.items()
        if variant == "all" or (spec.required and spec.default is MISSING)
    }


def _event_paths(spec: FieldSpec) -> list[str]:
    """The event paths a field's default mapping reads (none for a literal or no default)."""
    return [] if spec.default is MISSING else referenced_paths(spec.default)


def _needs_value(spec: FieldSpec, variant: Variant) -> bool:
    if variant == "all":
        return True
    # A required field whose literal default supplies it needs nothing more.
    return spec.required and (spec.default is MISSING or bool(_event_paths(spec)))


def _action(destination: Destination, action: str) -> Action:
    declared = destination.actions.get(action)
    if declared is None:
        known = ", ".join(sorted(destination.actions))
        raise ValueError(f"{destination.slug} has no action {action!r} (known: {known})")
    return declared


def sample_values(destination: Destination, action: str, variant: Variant) -> dict[str, Any]:
    """The value of every field the variant fills, by field name."""
    fields = _action(destination, action).fields
    return {
        name: sample_value(spec, f"{destination.slug}/{action}/{name}", name=name, variant=variant)
        for name, spec in fields.items()
        if _needs_value(spec, variant)
    }


def base_event() -> dict[str, Any]:
    """The Segment track event values are placed into (see ``make_track_event``)."""
    return make_track_event("Sample Event")


# --- placing values in an event -----------------------------------------------------------


def set_path(event: dict[str, Any], path: str | Path, value: Any) -> None:
    """Put ``value`` at ``path`` (a path string, as in ``@path``, or parsed steps) in
    ``event``, creating objects (for keys) and arrays (for indices, padded with ``null``) on
    the way, and replacing whatever is in the way. ``$`` merges an object into the event."""
    steps = parse_path(path) if isinstance(path, str) else tuple(path)
    if not steps:
        if not isinstance(value, Mapping):
            raise ValueError("only an object can be placed at '$' (the whole event)")
        event.update(value)
        return
    container: Any = event
    for step, following in pairwise(steps):
        child = _read(container, step)
        if not isinstance(child, dict | list) or (
            isinstance(child, list) and isinstance(following, str)
        ):
            child = [] if isinstance(following, int) else {}
            _write(container, step, child)
        container = child
    _write(container, steps[-1], value)


def _read(container: dict[str, Any] | list[Any], step: str | int) -> Any:
    if isinstance(container, dict):
        return container.get(str(step))
    assert isinstance(step, int)  # containers are made to fit the step that follows
    return container[step] if step < len(container) else None


def _write(container: dict[str, Any] | list[Any], step: str | int, value: Any) -> None:
    if isinstance(container, dict):
        container[str(step)] = value
        return
    assert isinstance(step, int)
    container.extend([None] * (step + 1 - len(container)))
    container[step] = value


def _parsed(paths: list[str]) -> list[tuple[str, Path]]:
    parsed = []
    for text in paths:
        try:
            parsed.append((text, parse_path(text)))
        except PathSyntaxError:
            continue
    return parsed


def _contains(outer: Path, inner: Path) -> bool:
    return len(outer) < len(inner) and inner[: len(outer)] == outer


# --- the round trip -----------------------------------------------------------------------


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr)


def _converted(spec: FieldSpec, value: Any) -> tuple[bool, Any]:
    validator = FieldsValidator({"value": spec}, strict=False, defaults=False)
    payload, problems = validator.validate({"value": value})
    return not problems, payload.get("value", MISSING)


def _same(spec: FieldSpec, resolved: Any, expected: Any) -> bool:
    if resolved is MISSING:
        return expected is MISSING
    if _canonical(resolved) == _canonical(expected):
        return True
    ok_resolved, left = _converted(spec, resolved)
    ok_expected, right = _converted(spec, expected)
    return ok_resolved and ok_expected and left is not MISSING and left == right


def _describe(value: Any) -> str:
    return "nothing" if value is MISSING else _canonical(value)


def round_trip_problems(
    action: Action,
    event: Mapping[str, Any],
    expected: Mapping[str, Any],
    mapping: Mapping[str, Any] | None = None,
    sources: Mapping[str, str] | None = None,
) -> list[str]:
    """Resolve the action's default mappings (with ``mapping`` merged over them, as the
    runner does) against ``event``; one message for every field of ``expected`` that does
    not resolve to its expected value, or to one equal after the field's conversion.
    ``sources`` (field -> where its value was put) makes the messages say where to look."""
    merged = _default_mappings(action)
    merged.update(mapping or {})
    resolved = compile_mapping(merged)(event)
    sources = sources or {}
    problems = []
    for name, want in expected.items():
        got = resolved.get(name, MISSING)
        if not _same(action.fields[name], got, want):
            where = f" (placed at {sources[name]})" if name in sources else ""
            problems.append(
                f"{name}: the mapping {_describe(merged.get(name, MISSING))} resolves to "
                f"{_describe(got)}, not the generated {_describe(want)}{where}"
            )
    return problems


def _default_mappings(action: Action) -> dict[str, Any]:
    return {
        name: spec.default for name, spec in action.fields.items() if spec.default is not MISSING
    }


class _Placer:
    """Places field values into an event so that the default mappings resolve them back."""

    def __init__(self, action: Action, event: dict[str, Any], values: Mapping[str, Any]) -> None:
        self.action = action
        self.event = event
        self.values = values
        self.placed: dict[str, Path] = {}
        self.sources: dict[str, str] = {}
        self._resolve = compile_mapping(_default_mappings(action))

    def place(self, name: str, candidates: list[tuple[str, Path]]) -> None:
        """Place ``name`` at the first candidate path that resolves back without breaking a
        field placed before; failing that, at the first free one (the check reports it)."""
        free = [(text, steps) for text, steps in candidates if steps not in self.placed.values()]
        before = set(self._failing(self.event, self.placed))
        for text, steps in free:
            trial = self._with(name, steps)
            if trial is None:
                continue
            placed = {**self.placed, name: steps}
            if not set(self._failing(trial, placed)) - before:
                self._accept(name, text, steps, trial)
                return
        text, steps = (free or candidates)[0]
        trial = self._with(name, steps)
        self._accept(name, text, steps, trial if trial is not None else self.event)

    def _accept(self, name: str, text: str, steps: Path, event: dict[str, Any]) -> None:
        self.event = event
        self.placed[name] = steps
        self.sources[name] = text

    def _with(self, name: str, steps: Path) -> dict[str, Any] | None:
        """A copy of the event with ``name`` placed at ``steps`` (and the values of fields
        placed inside it put back), or None when it cannot go there."""
        trial = copy.deepcopy(self.event)
        if not steps:  # a field reading the whole event is given the event itself
            return trial
        try:
            set_path(trial, steps, copy.deepcopy(self.values[name]))
            for other, at in self.placed.items():
                if _contains(steps, at):
                    set_path(trial, at, copy.deepcopy(self.values[other]))
        except ValueError:
            return None
        return trial

    def expected(self, event: Mapping[str, Any], placed: Mapping[str, Path]) -> dict[str, Any]:
        """What each placed field resolves to: its value, or, for a field whose path holds
        other fields (or is the whole event), what is at its path in the finished event."""
        expected = {}
        for name, steps in placed.items():
            holds_others = any(_contains(steps, other) for other in placed.values())
            if not steps or holds_others:
                expected[name] = copy.deepcopy(get_path(event, steps))
            else:
                expected[name] = self.values[name]
        return expected

    def _failing(self, event: Mapping[str, Any], placed: Mapping[str, Path]) -> list[str]:
        resolved = self._resolve(event)
        return [
            name
            for name, want in self.expected(event, placed).items()
            if not _same(self.action.fields[name], resolved.get(name, MISSING), want)
        ]


# --- building a sample --------------------------------------------------------------------


def build_sample(destination: Destination, action: str, variant: Variant) -> ActionSample:
    """Generated settings, event and user mapping for one action and variant, checked: the
    merged default mapping must resolve every filled field back to its value (else
    :class:`SampleError`). The destination's ``sample`` hook adjusts the sample first (see
    the module documentation)."""
    declared = _action(destination, action)
    sample = Sample(
        destination=destination.slug,
        action=action,
        variant=variant,
        settings=sample_settings(destination, variant),
        values=sample_values(destination, action, variant),
        event=base_event(),
    )
    if destination.sample is not None:
        sample = destination.sample(sample)
        if not isinstance(sample, Sample):
            raise SampleError(
                f"the sample hook of {destination.slug} returned "
                f"{type(sample).__name__}, not a Sample"
            )
    unknown = sorted(set(sample.values) - set(declared.fields))
    if unknown:
        raise SampleError(f"{action} has no field {', '.join(map(repr, unknown))}")

    placer = _Placer(declared, copy.deepcopy(dict(sample.event)), sample.values)
    mapping: dict[str, Any] = {}
    literal_values: dict[str, Any] = {}
    by_event: list[tuple[str, list[tuple[str, Path]]]] = []
    for name, value in sample.values.items():
        candidates = _parsed(_event_paths(declared.fields[name]))
        if candidates:
            by_event.append((name, candidates))
        else:
            mapping[name] = {LITERAL: copy.deepcopy(value)}
            literal_values[name] = value
    # Fields with fewer places to go first: a field that can be read from several paths
    # (an @if, an @first) then takes one the others leave free.
    for name, candidates in sorted(by_event, key=lambda item: len(item[1])):
        placer.place(name, candidates)

    event = placer.event
    expected = {**placer.expected(event, placer.placed), **literal_values}
    sources = {**placer.sources, **dict.fromkeys(literal_values, LITERAL)}
    problems = round_trip_problems(declared, event, expected, mapping, sources)
    if problems:
        listing = "\n  - ".join(problems)
        raise SampleError(
            f"{destination.slug}.{action} ({variant}): the default mappings do not resolve "
            f"the generated values back:\n  - {listing}"
        )
    return ActionSample(
        destination=destination.slug,
        action=action,
        variant=variant,
        settings=dict(sample.settings),
        event=event,
        mapping=mapping,
        expected={name: expected[name] for name in declared.fields if name in expected},
        sources={name: sources[name] for name in declared.fields if name in sources},
    )
