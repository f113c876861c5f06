"""framework.authoring.sample_data: seeded realistic values, settings, events the default mappings
resolve from, the round-trip check that catches a broken default mapping, and the
``sample_overrides`` hook."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from framework import Choice, Destination, FieldSpec, Sample, first_of, path, validate_settings
from framework.authoring.sample_data import (
    LIST_LENGTH,
    ActionSample,
    SampleError,
    base_event,
    build_sample,
    round_trip_problems,
    sample_settings,
    sample_value,
    sample_values,
    set_path,
)
from framework.authoring.validation import FieldsValidator
from framework.languages.mapping import compile_mapping
from framework.testing import make_test_destination, run_action

ROOT = Path(__file__).resolve().parents[2]
ISO_4217 = {"USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF", "SEK", "NOK", "BRL"}
SEEDS = [f"toy/send/{index}" for index in range(25)]


def field(**overrides: Any) -> FieldSpec:
    return FieldSpec(**{"label": "A field", "description": "For tests.", **overrides})


KINDS: dict[str, FieldSpec] = {
    "email": field(format="email"),
    "contact": field(format="email", type="text"),
    "homepage": field(format="uri"),
    "seen_at": field(type="datetime"),
    "starts": field(format="date-time"),
    "birthday": field(format="date"),
    "token": field(format="uuid"),
    "currency": field(),
    "price_currency": field(),
    "plan": field(choices=[Choice("free", "Free"), Choice("pro", "Pro"), Choice("team", "Team")]),
    "level": field(type="integer", choices=[Choice(1, "Low"), Choice(2, "High")]),
    "ratio": field(type="number", choices=[Choice(0.5, "Half"), Choice(1.5, "More")]),
    "count": field(type="integer"),
    "total": field(type="number"),
    "active": field(type="boolean"),
    "bio": field(type="text"),
    "title": field(),
    "api_key": field(type="secret"),
    "phone": field(),
    "ip": field(),
    "country": field(),
    "order_id": field(),
    "event_name": field(),
    "first_name": field(),
    "website_url": field(),
    "created_at": field(),
    "nickname": field(allow_null=True),
    "address": field(
        type="object",
        properties={
            "city": field(required=True),
            "zip": field(),
            "geo": field(
                type="object",
                required=True,
                properties={"lat": field(type="number", required=True), "alt": field()},
            ),
        },
    ),
    "labels": field(type="object", values="integer"),
    "extra": field(type="object"),
    "emails": field(format="email", multiple=True),
    "plans": field(multiple=True, choices=[Choice("a", "A"), Choice("b", "B")]),
}


def sample_all(seed: str = "toy/send") -> dict[str, Any]:
    return {name: sample_value(spec, f"{seed}/{name}") for name, spec in KINDS.items()}


# --- values -------------------------------------------------------------------------------


def test_values_are_deterministic_and_depend_on_the_seed() -> None:
    assert sample_all() == sample_all()
    other = sample_all("toy/other")
    differing = [name for name in KINDS if other[name] != sample_all()[name]]
    assert len(differing) > len(KINDS) // 2, "another seed gives other values"


def test_values_are_pinned() -> None:
    """Only Random.random() is used, whose sequence Python keeps across versions: these
    values must never change (a change would rewrite every generated snapshot)."""
    assert sample_value(field(format="email"), "golden/email") == "vera.zhang@example.com"
    assert sample_value(field(type="datetime"), "golden/seen_at") == "2025-09-11T13:52:52.822Z"
    assert (
        sample_value(field(format="uuid"), "golden/token") == "364024d1-6d53-4f38-afac-3d2d6fdcf1f7"
    )
    assert sample_value(field(type="number"), "golden/total") == 208.03
    assert sample_value(field(), "golden/currency") == "NOK"
    secret = sample_value(field(type="secret"), "golden/api_key")
    assert secret == "sk_test_j8sdFmq6u9012wQBssrpdmJB"


def test_values_do_not_depend_on_hash_randomisation() -> None:
    script = (
        "import json; from tests.framework.test_sample_data import sample_all; "
        "print(json.dumps(sample_all(), sort_keys=True))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={"PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)},
        ).stdout
        for seed in ("1", "2")
    }
    assert outputs == {json.dumps(sample_all(), sort_keys=True) + "\n"}


@pytest.mark.parametrize("strict", [True, False], ids=["settings", "payload"])
def test_every_kind_passes_the_framework_validator(strict: bool) -> None:
    required = {name: replace(spec, required=True) for name, spec in KINDS.items()}
    validator = FieldsValidator(required, strict=strict, defaults=False)
    for seed in SEEDS[:10]:
        _, problems = validator.validate(sample_all(seed))
        assert problems == []


def test_formats_are_realistic() -> None:
    for seed in SEEDS:
        values = sample_all(seed)
        for name in ("email", "contact"):
            assert re.fullmatch(r"[a-z]+\.[a-z]+@example\.(com|org|net)", values[name])
        for name in ("seen_at", "starts", "created_at"):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", values[name])
            assert datetime.fromisoformat(values[name]).utcoffset() == timedelta(0)
        assert values["homepage"].startswith("https://www.example.")
        assert values["website_url"].startswith("https://")
        assert date.fromisoformat(values["birthday"]).year in (2024, 2025)
        assert uuid.UUID(values["token"]).version == 4
        assert str(uuid.UUID(values["token"])) == values["token"]
        assert values["currency"] in ISO_4217
        assert values["price_currency"] in ISO_4217
        assert re.fullmatch(r"\+1202555\d{4}", values["phone"])
        assert values["ip"].startswith("192.0.2.")
        assert re.fullmatch(r"[A-Z]{2}", values["country"])
        assert re.fullmatch(r"order_[0-9a-f]{12}", values["order_id"])
        assert values["event_name"][0].isupper()
        assert values["api_key"].startswith("sk_test_")
        assert values["bio"].endswith(".")
        assert type(values["count"]) is int
        assert type(values["total"]) is float
        assert round(values["total"], 2) == values["total"] > 0
        assert type(values["active"]) is bool
        assert values["nickname"] is not None, "null only when nothing else can be generated"


def test_booleans_take_both_values_across_seeds() -> None:
    assert {sample_value(KINDS["active"], seed) for seed in SEEDS} == {True, False}


def test_choices_are_respected() -> None:
    for name in ("plan", "level", "ratio"):
        allowed = {choice.value for choice in KINDS[name].choices or ()}
        seen = {sample_value(KINDS[name], seed) for seed in SEEDS}
        assert seen <= allowed
        assert len(seen) > 1, f"{name}: every seed gave the same choice"
    for seed in SEEDS:
        assert set(sample_value(KINDS["plans"], seed)) <= {"a", "b"}


def test_nested_objects_follow_the_variant() -> None:
    spec = KINDS["address"]
    required = sample_value(spec, "toy/send/address", variant="required")
    everything = sample_value(spec, "toy/send/address", variant="all")
    assert set(required) == {"city", "geo"}
    assert set(required["geo"]) == {"lat"}
    assert set(everything) == {"city", "zip", "geo"}
    assert set(everything["geo"]) == {"lat", "alt"}
    assert everything["city"] == required["city"], "the variant is not part of the seed"
    assert type(everything["geo"]["lat"]) is float


def test_multiple_gives_a_list_of_distinct_valid_items() -> None:
    emails = sample_value(KINDS["emails"], "toy/send/emails")
    assert isinstance(emails, list)
    assert len(emails) == LIST_LENGTH
    assert len(set(emails)) == LIST_LENGTH
    assert all("@" in email for email in emails)


def test_maps_have_values_of_the_declared_type() -> None:
    labels = sample_value(KINDS["labels"], "toy/send/labels")
    assert len(labels) == 2
    assert all(type(value) is int for value in labels.values())
    extra = sample_value(KINDS["extra"], "toy/send/extra")
    assert len(extra) == 2
    assert all(isinstance(value, str) for value in extra.values())


BOUNDED: dict[str, FieldSpec] = {
    "floor": field(type="integer", minimum=2000),
    "ceiling": field(type="integer", maximum=-5),
    "share": field(type="number", minimum=0, maximum=1),
    "narrow": field(type="number", minimum=0.001, maximum=0.002),
    "code": field(max_length=3),
    "essay": field(type="text", min_length=80),
    "key": field(type="secret", min_length=40, max_length=50),
    "words": field(multiple=True, max_length=4),
}


@pytest.mark.parametrize("strict", [True, False], ids=["settings", "payload"])
def test_values_fit_the_bounds(strict: bool) -> None:
    validator = FieldsValidator(BOUNDED, strict=strict, defaults=False)
    for seed in SEEDS:
        values = {name: sample_value(spec, f"{seed}/{name}") for name, spec in BOUNDED.items()}
        assert validator.validate(values)[1] == []
    assert sample_value(BOUNDED["narrow"], "toy/send/narrow") == 0.001, "no two decimals fit"


def test_a_value_within_the_bounds_is_the_unbounded_one() -> None:
    """Bounds change only the values that break them: snapshots of fields that get bounds
    stay the same when their values already fit."""
    for seed in SEEDS:
        assert sample_value(field(type="integer", minimum=1, maximum=1000), seed) == sample_value(
            field(type="integer"), seed
        )
        assert sample_value(field(max_length=100), seed) == sample_value(field(), seed)


# --- settings -----------------------------------------------------------------------------

RICH_SETTINGS = {
    "api_key": field(type="secret", required=True),
    "region": field(choices=[Choice("us", "US"), Choice("eu", "EU")], required=True, default="us"),
    "account": field(
        type="object",
        required=True,
        properties={"name": field(required=True), "team": field()},
    ),
    "endpoint": field(format="uri"),
    "retries": field(type="integer", default=3),
    "labels": field(type="object", values="string"),
}


def test_settings_are_valid_in_both_variants() -> None:
    destination = make_test_destination(settings=RICH_SETTINGS)
    required = sample_settings(destination, "required")
    everything = sample_settings(destination, "all")
    assert set(required) == {"api_key", "account"}, "settings with a default are left out"
    assert set(required["account"]) == {"name"}
    assert set(everything) == set(RICH_SETTINGS)
    assert set(everything["account"]) == {"name", "team"}
    assert validate_settings(destination, required)["region"] == "us"
    assert validate_settings(destination, everything)["region"] in ("us", "eu")
    assert required["api_key"] == everything["api_key"]


# --- placing values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("$.a.b", {"a": {"b": "v"}}),
        ("a.b", {"a": {"b": "v"}}),
        ("$.products[0].price", {"products": [{"price": "v"}]}),
        ("$.products[1]", {"products": [None, "v"]}),
        ("$.products.1.price", {"products": [None, {"price": "v"}]}),
        ('$.properties["plan.name"]', {"properties": {"plan.name": "v"}}),
        ("$['odd key'].x", {"odd key": {"x": "v"}}),
        ("$.integrations.Actions Amplitude", {"integrations": {"Actions Amplitude": "v"}}),
    ],
)
def test_set_path_creates_what_the_path_reads(where: str, expected: dict[str, Any]) -> None:
    event: dict[str, Any] = {}
    set_path(event, where, "v")
    assert event == expected
    assert compile_mapping({"@path": where})(event) == "v"


def test_set_path_keeps_and_replaces_what_is_in_the_way() -> None:
    event: dict[str, Any] = {"properties": {"keep": 1}, "context": "scalar", "list": [1]}
    set_path(event, "$.properties.email", "a@example.com")
    set_path(event, "$.context.traits.email", "b@example.com")
    set_path(event, "$.list.key", "v")
    set_path(event, "$.map[2]", "v")
    assert event == {
        "properties": {"keep": 1, "email": "a@example.com"},
        "context": {"traits": {"email": "b@example.com"}},
        "list": {"key": "v"},
        "map": [None, None, "v"],
    }


def test_set_path_at_the_root_merges_an_object() -> None:
    event: dict[str, Any] = {"type": "track", "properties": {}}
    set_path(event, "$", {"extra": 1})
    assert event == {"type": "track", "properties": {}, "extra": 1}
    with pytest.raises(ValueError, match="only an object"):
        set_path(event, "$", "text")


def toy(fields: dict[str, FieldSpec], **overrides: Any) -> Destination:
    return make_test_destination(fields=fields, **overrides)


PATH_FORMS: dict[str, FieldSpec] = {
    "user_id": field(required=True, default=path("$.userId")),
    "dotted": field(required=True, default=path("properties.plan")),
    "indexed": field(type="number", required=True, default=path("$.properties.items[1].price")),
    "bracketed": field(required=True, default=path('$.properties["plan.name"]')),
    "deep": field(format="email", default=path("$.context.traits.email")),
    "templated": field(default={"@template": "{{traits.first_name}}"}),
    "liquid": field(default={"@liquid": "{{ traits.city }}"}),
    "cased": field(
        format="email",
        default={"@case": {"operator": "lower", "value": path("$.properties.mail")}},
    ),
}


def test_values_are_placed_at_every_path_form() -> None:
    sample = build_sample(toy(PATH_FORMS), "send", "all")
    event, values = sample.event, sample.expected
    assert event["userId"] == values["user_id"]
    assert event["properties"]["plan"] == values["dotted"]
    assert event["properties"]["items"][1]["price"] == values["indexed"]
    assert event["properties"]["plan.name"] == values["bracketed"]
    assert event["context"]["traits"]["email"] == values["deep"]
    assert event["traits"] == {"first_name": values["templated"], "city": values["liquid"]}
    assert event["properties"]["mail"] == values["cased"]
    assert event["type"] == "track", "values go into a base track event"
    assert sample.sources["indexed"] == "$.properties.items[1].price"
    assert sample.sources["templated"] == "traits.first_name"
    assert sample.mapping == {}


def test_the_required_variant_fills_only_required_fields() -> None:
    sample = build_sample(toy(PATH_FORMS), "send", "required")
    assert set(sample.expected) == {"user_id", "dotted", "indexed", "bracketed"}
    assert "traits" not in sample.event


def test_literal_and_unmapped_fields_use_a_literal_user_mapping() -> None:
    fields = {
        "user_id": field(required=True, default=path("$.userId")),
        "source": field(required=True),  # no default: a user must map it
        "channel": field(),  # optional, no default
        "version": field(required=True, default="v2"),  # the literal default supplies it
        "debug": field(type="boolean", default=False),
    }
    destination = toy(fields)
    required = build_sample(destination, "send", "required")
    assert required.mapping == {"source": {"@literal": required.expected["source"]}}
    everything = build_sample(destination, "send", "all")
    assert set(everything.mapping) == {"source", "channel", "version", "debug"}
    assert everything.mapping["debug"] == {"@literal": everything.expected["debug"]}
    assert everything.sources["version"] == "@literal"


def test_a_field_moves_to_the_next_path_when_the_first_is_taken() -> None:
    fields = {
        "order_id": field(default=path("$.properties.order_id")),
        "amount": field(
            type="number",
            default={
                "@if": {
                    "blank": path("$.properties.order_id"),
                    "then": first_of("$.properties.revenue", "$.properties.total"),
                }
            },
        ),
        "email": field(format="email", default=first_of("$.email", "$.properties.email")),
    }
    sample = build_sample(toy(fields), "send", "all")
    assert sample.sources == {
        "order_id": "$.properties.order_id",
        "amount": "$.properties.revenue",
        "email": "$.email",
    }


def test_a_value_that_only_converts_back_is_accepted() -> None:
    fields = {"amount": field(type="number", default={"@template": "{{properties.amount}}"})}
    sample = build_sample(toy(fields), "send", "all")
    resolved = compile_mapping(fields["amount"].default)(sample.event)
    assert resolved == str(sample.expected["amount"]), "the template gives a string"


def test_an_object_field_holding_other_fields_expects_all_of_it() -> None:
    fields = {
        "properties": field(type="object", default=path("$.properties")),
        "email": field(format="email", default=path("$.properties.email")),
        "everything": field(type="object", default=path("$")),
    }
    sample = build_sample(toy(fields), "send", "all")
    assert sample.expected["properties"]["email"] == sample.expected["email"]
    assert len(sample.expected["properties"]) == 3, "its two generated keys and the email"
    assert sample.expected["everything"] == sample.event
    assert set(sample.event) == set(base_event()), "nothing is merged into the event"


# --- the round trip -----------------------------------------------------------------------

BROKEN: dict[str, Any] = {
    "upper-cased": {"@case": {"operator": "upper", "value": path("$.properties.email")}},
    "decorated": {"@template": "<{{properties.email}}>"},
    "unreachable": {"@if": {"exists": path("$.properties.flag"), "then": path("$.properties.e")}},
    "constant": {"@if": {"exists": path("$.properties.email"), "then": "x@example.com"}},
}


@pytest.mark.parametrize("mapping", list(BROKEN.values()), ids=list(BROKEN))
def test_a_broken_default_mapping_fails_the_sample(mapping: Any) -> None:
    destination = toy({"email": field(format="email", required=True, default=mapping)})
    with pytest.raises(SampleError, match=r"(?s)test\.send \(required\).*email: the mapping"):
        build_sample(destination, "send", "required")


def test_the_same_field_with_a_sound_mapping_passes() -> None:
    sound = {"@case": {"operator": "lower", "value": path("$.properties.email")}}
    destination = toy({"email": field(format="email", required=True, default=sound)})
    assert build_sample(destination, "send", "required").sources == {"email": "$.properties.email"}


def test_round_trip_problems_name_the_field_and_where_it_was_put() -> None:
    destination = toy({"email": field(format="email", default=path("$.properties.email"))})
    action = destination.actions["send"]
    event = {"properties": {"mail": "a@example.com"}}
    problems = round_trip_problems(
        action, event, {"email": "a@example.com"}, sources={"email": "$.properties.mail"}
    )
    assert problems == [
        'email: the mapping {"@path": "$.properties.email"} resolves to nothing, not the '
        'generated "a@example.com" (placed at $.properties.mail)'
    ]
    assert (
        round_trip_problems(
            action, {"properties": {"email": "a@example.com"}}, {"email": "a@example.com"}
        )
        == []
    )


# --- running a generated sample -----------------------------------------------------------

TOY_FIELDS: dict[str, FieldSpec] = {
    "user_id": field(required=True, default=path("$.userId")),
    "email": field(format="email", required=True, default=first_of("$.email", "$.traits.email")),
    "plan": field(choices=[Choice("free", "Free"), Choice("pro", "Pro")], default=path("plan")),
    "seats": field(type="integer", default=path("$.properties.seats")),
    "tags": field(multiple=True, default=path("$.properties.tags")),
    "address": field(
        type="object",
        properties={"city": field(required=True), "zip": field()},
        default=path("$.context.address"),
    ),
    "source": field(),
}


@pytest.mark.parametrize("variant", ["required", "all"])
def test_a_generated_sample_runs_through_a_toy_destination(variant: Any) -> None:
    destination = toy(TOY_FIELDS, settings=RICH_SETTINGS)
    sample = build_sample(destination, "send", variant)
    run = run_action(destination, "send", sample.event, sample.settings, mapping=sample.mapping)
    assert run.result.status == "delivered", run.result.error
    assert run.sent()[0]["json"] == sample.expected
    expected_fields = {"user_id", "email"} if variant == "required" else set(TOY_FIELDS)
    assert set(sample.expected) == expected_fields


def test_values_and_settings_do_not_change_between_variants() -> None:
    destination = toy(TOY_FIELDS, settings=RICH_SETTINGS)
    required = sample_values(destination, "send", "required")
    everything = sample_values(destination, "send", "all")
    assert required == {name: everything[name] for name in required}
    with pytest.raises(ValueError, match="no action 'nope'"):
        sample_values(destination, "nope", "all")


# --- the overrides hook -------------------------------------------------------------------


def test_a_hook_changes_settings_values_and_the_event() -> None:
    destination = toy(TOY_FIELDS)
    seen: list[Sample] = []

    def hook(sample: Sample) -> Sample:
        seen.append(sample)
        values = {**sample.values, "email": "fixed@example.com"}
        values.pop("tags", None)
        event = {**sample.event, "event": "Signed Up"}
        return replace(sample, values=values, event=event, settings={"api_key": "k"})

    sample = build_sample(replace(destination, sample=hook), "send", "all")
    assert [(s.destination, s.action, s.variant) for s in seen] == [("test", "send", "all")]
    assert seen[0].event == base_event()
    assert sample.settings == {"api_key": "k"}
    assert sample.event["email"] == "fixed@example.com"
    assert sample.event["event"] == "Signed Up"
    assert "tags" not in sample.expected, "a field the hook removes is neither placed nor checked"
    assert "tags" not in sample.event["properties"]


def test_a_hook_must_return_a_sample_and_known_fields() -> None:
    destination = toy(TOY_FIELDS)
    with pytest.raises(SampleError, match="not a Sample"):
        build_sample(replace(destination, sample=lambda sample: None), "send", "all")
    unknown = replace(destination, sample=lambda sample: replace(sample, values={"nope": 1}))
    with pytest.raises(SampleError, match="no field 'nope'"):
        build_sample(unknown, "send", "all")


def test_perkville_needs_its_hook_for_the_allowlist() -> None:
    from destinations import perkville  # noqa: PLC0415

    assert perkville.destination.sample is perkville.sample_overrides
    without_hook = replace(perkville.destination, sample=None)
    bare = build_sample(without_hook, "award_points", "all")
    run = run_action(without_hook, "award_points", bare.event, bare.settings)
    assert run.result.error is not None
    assert run.result.error.code == "EVENT_NOT_ALLOWLISTED"
    hooked = build_sample(perkville.destination, "award_points", "all")
    assert hooked.settings["event_to_perk_map"] == {hooked.expected["event_name"]: "123456"}
    assert isinstance(hooked, ActionSample)
