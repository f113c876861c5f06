"""PERKVILLE.md "Engage": the Award Perk for Audience action and its preset (off by default),
and the reason an identify call that no preset takes is skipped with."""

from __future__ import annotations

import re
from typing import Any

import pytest

from destinations.perkville import destination
from destinations.perkville.sandbox import PerkvilleSandbox
from framework import DestinationRunner, Result
from framework.engine.execute import presets_as_subscriptions
from framework.testing import (
    ActionRun,
    CapturingTransport,
    make_identify_event,
    make_track_event,
    run_action,
    run_events,
)
from tests.perkville.support import API_KEY, SETTINGS

AUDIENCES = {"vip_customers": "910", "big_spenders": "911"}
ENGAGE = {"award_perk_for_audience": {}}  # a mapping for the action turns its preset on


def engage_settings(**overrides: Any) -> dict[str, Any]:
    return {**SETTINGS, "audience_to_perk_map": dict(AUDIENCES), **overrides}


def joined(traits: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    """An Engage identify call: the user entered vip_customers."""
    traits = {"email": "vip@example.com", "vip_customers": True} if traits is None else traits
    return make_identify_event(traits=traits, **overrides)


def award(event: dict[str, Any], settings: dict[str, Any] | None = None) -> ActionRun:
    chosen = engage_settings() if settings is None else settings
    return run_action(destination, "award_perk_for_audience", event, chosen)


def body(run: ActionRun) -> dict[str, Any]:
    assert run.result.status == "delivered", run.result.error
    [request] = run.sent()
    return request["json"]


def enabled(
    events: list[dict[str, Any]], settings: dict[str, Any] | None = None
) -> tuple[list[Result], CapturingTransport]:
    """The events through the presets, with the Engage preset turned on."""
    transport = CapturingTransport()
    subscriptions = presets_as_subscriptions(destination, ENGAGE)
    chosen = engage_settings() if settings is None else settings
    with DestinationRunner(
        destination, chosen, subscriptions=subscriptions, transport=transport
    ) as runner:
        results = [result for event in events for result in runner.process(event)]
    return results, transport


# The preset: off by default -----------------------------------------------------------------


def test_the_engage_preset_is_off_by_default() -> None:
    assert [s.action for s in presets_as_subscriptions(destination)] == ["award_points"]
    assert [s.action for s in presets_as_subscriptions(destination, ENGAGE)] == [
        "award_points",
        "award_perk_for_audience",
    ]


def test_an_identify_call_no_preset_takes_is_skipped_with_the_engage_explanation() -> None:
    [result], transport = run_events(destination, [joined()], engage_settings())
    assert (result.status, result.action, result.error) == ("skipped", None, None)
    assert result.reason is not None
    assert "Perkville takes track events" in result.reason
    assert "Award Perk for Audience" in result.reason
    assert result.to_json()["reason"] == result.reason
    assert transport.requests == []


@pytest.mark.parametrize("kind", ["page", "screen", "group", "alias"])
def test_other_calls_are_skipped_saying_perkville_takes_track_events(kind: str) -> None:
    event = {**make_track_event("x"), "type": kind}
    [result], _ = run_events(destination, [event], SETTINGS)
    assert result.status == "skipped"
    assert result.reason == f"Perkville takes track events: {kind} calls are not sent"


def test_with_the_preset_on_an_audience_is_awarded_and_tracks_still_work() -> None:
    track = make_track_event("Checked In", properties={"email": "ann@example.com"})
    results, transport = enabled([joined(), track])
    assert [(r.action, r.status) for r in results] == [
        ("award_perk_for_audience", "delivered"),
        ("award_points", "delivered"),
    ]
    assert len(transport.requests) == 2


# Which audience, if any ---------------------------------------------------------------------


def test_an_entered_audience_posts_one_transaction_of_quantity_one_for_its_perk() -> None:
    sent = body(award(joined()))
    assert (sent["perk"], sent["email"], sent["quantity"]) == ("910", "vip@example.com", 1)
    assert (sent["business"], sent["location"], sent["send_email"]) == ("4242", "17", False)
    assert "limit_to_once_per_calendar_day" not in sent


def test_context_traits_count_and_the_calls_own_traits_win() -> None:
    in_context = joined(
        traits={"email": "vip@example.com"}, context={"traits": {"big_spenders": True}}
    )
    assert body(award(in_context))["perk"] == "911"
    overruled = joined(context={"traits": {"vip_customers": True}}, traits={"vip_customers": False})
    assert award(overruled).result.status == "skipped"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(False, id="false: the user left"),
        pytest.param("true", id="the string true"),
        pytest.param(1, id="one"),
        pytest.param(None, id="null"),
    ],
)
def test_only_the_boolean_true_awards_anything_else_is_skipped(value: object) -> None:
    run = award(joined(traits={"email": "vip@example.com", "vip_customers": value}))
    assert (run.result.status, run.result.action) == ("skipped", "award_perk_for_audience")
    assert run.result.reason is not None
    assert "no audience of audience_to_perk_map is true" in run.result.reason
    assert run.sent() == []


def test_an_identify_call_without_audience_traits_is_skipped_even_without_email() -> None:
    run = award(make_identify_event(traits={"plan": "gold"}))
    assert run.result.status == "skipped"
    assert run.sent() == []


def test_an_empty_audience_map_never_sends() -> None:
    run = award(joined(), engage_settings(audience_to_perk_map={}))
    assert run.result.status == "skipped"
    assert run.result.reason == (
        "audience_to_perk_map is empty: there is no audience to award a perk for"
    )
    assert run.sent() == []


def test_several_audiences_true_in_one_call_are_refused_naming_the_entries() -> None:
    traits = {"email": "vip@example.com", "vip_customers": True, "big_spenders": True}
    run = award(joined(traits=traits))
    error = run.result.error
    assert error is not None
    assert (error.code, error.retryable) == ("PAYLOAD_VALIDATION_FAILED", False)
    assert "2 audiences of audience_to_perk_map are true in one call (entries 1, 2)" in (
        error.message
    )
    assert run.sent() == []


def test_skipped_and_failed_calls_go_through_the_preset_too() -> None:
    left = joined(traits={"email": "vip@example.com", "vip_customers": False})
    both = joined(traits={"email": "a@example.com", "vip_customers": True, "big_spenders": True})
    results, transport = enabled([left, both])
    assert [(r.action, r.status) for r in results] == [
        ("award_perk_for_audience", "skipped"),
        ("award_perk_for_audience", "failed"),
    ]
    assert transport.requests == []


# Email: rule 2, with traits in the place of properties --------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"email": "top@example.com"}, "top@example.com", id="top level first"),
        pytest.param({}, "vip@example.com", id="then traits"),
        pytest.param(
            {
                "traits": {"vip_customers": True, "email": "  "},
                "context": {"traits": {"email": "ctx@example.com"}},
            },
            "ctx@example.com",
            id="then context traits",
        ),
        pytest.param(
            {"traits": {"vip_customers": True, "email": " pad@example.com "}},
            "pad@example.com",
            id="stripped",
        ),
    ],
)
def test_email_is_the_first_non_empty_of_three_places(
    overrides: dict[str, Any], expected: str
) -> None:
    assert body(award(joined(**overrides)))["email"] == expected


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"email": 42}, "vip@example.com", id="number at top level"),
        pytest.param(
            {
                "traits": {"vip_customers": True, "email": ["a@x.io"]},
                "context": {"traits": {"email": "ctx@example.com"}},
            },
            "ctx@example.com",
            id="array in traits",
        ),
    ],
)
def test_a_non_string_email_place_is_skipped_for_the_next(
    overrides: dict[str, Any], expected: str
) -> None:
    assert body(award(joined(**overrides)))["email"] == expected


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(joined(traits={"vip_customers": True}), id="missing"),
        pytest.param(
            joined(
                email=42,
                traits={"vip_customers": True, "email": {}},
                context={"traits": {"email": False}},
            ),
            id="not a string anywhere",
        ),
    ],
)
def test_a_missing_email_fails_naming_the_three_places(event: dict[str, Any]) -> None:
    run = award(event)
    error = run.result.error
    assert error is not None
    assert error.code == "PAYLOAD_VALIDATION_FAILED"
    for place in ("$.email", "$.traits.email", "$.context.traits.email"):
        assert place in error.message
    assert run.sent() == []


# Once per user and audience -----------------------------------------------------------------


def source_id(event: dict[str, Any], settings: dict[str, Any] | None = None) -> str:
    trans_source_id: str = body(award(event, settings))["trans_source_id"]
    return trans_source_id


def test_the_trans_source_id_is_derived_from_business_audience_and_user() -> None:
    first = source_id(joined(messageId="m-1"))
    assert re.fullmatch(r"audience-[0-9a-f]{32}", first)
    resent = joined(messageId="m-2", timestamp="2031-01-01T00:00:00Z")
    assert source_id(resent) == first, "Engage sending the call again awards nothing more"
    other_user = joined(userId="user-9")
    other_audience = joined(traits={"email": "vip@example.com", "big_spenders": True})
    other_business = engage_settings(business_id="4243")
    derived = {
        source_id(other_user),
        source_id(other_audience),
        source_id(joined(), other_business),
    }
    assert first not in derived
    assert len(derived) == 3


def test_without_a_user_id_the_anonymous_id_is_the_user() -> None:
    anonymous = joined(userId=None, anonymousId="anon-1")
    assert source_id(anonymous) == source_id(joined(userId=None, anonymousId="anon-1"))
    assert source_id(anonymous) != source_id(joined(userId=None, anonymousId="anon-2"))


def test_a_call_without_any_user_id_fails_validation() -> None:
    run = award(joined(userId=None, anonymousId=None))
    assert run.result.error is not None
    assert run.result.error.code == "PAYLOAD_VALIDATION_FAILED"
    assert "user_id" in run.result.error.message


def test_the_sandbox_applies_one_award_per_user_and_audience() -> None:
    settings = engage_settings()
    calls = [joined(messageId=f"engage-{n}") for n in range(3)]
    with (
        PerkvilleSandbox(settings) as sandbox,
        DestinationRunner(
            destination,
            settings,
            subscriptions=presets_as_subscriptions(destination, ENGAGE),
            base_url=sandbox.url,
        ) as runner,
    ):
        statuses = [result.status for call in calls for result in runner.process(call)]
        assert statuses == ["delivered"] * 3
        assert (sandbox.applied(), sandbox.duplicates()) == (1, 2)
        assert sandbox.balances() == {"vip@example.com": 1}
        [transaction] = sandbox.transactions()
    assert transaction["perk"] == "910"
    assert API_KEY not in repr(transaction)
