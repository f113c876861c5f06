"""Skipped results say why: no subscription matched (with the reason a destination declares
for the event's type), or the action's check declined the event; where the check runs among
the conversion problems. Presets off by default.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from framework import (
    DefinitionError,
    DestinationRunner,
    HttpRequest,
    IntegrationError,
    Payload,
    Preset,
    Result,
    Settings,
)
from framework.authoring.model import values_of
from framework.engine.execute import presets_as_subscriptions
from framework.testing import CapturingTransport, make_identify_event, make_track_event
from tests.framework.support import SECRET, SETTINGS, make_action, make_destination

IDENTIFY_REASON = "Toy takes track events; identify calls go to the optional Greet action"


def decline_without_amount(settings: Settings, payload: Any) -> str | None:
    """A check: no amount, nothing to send."""
    return None if payload.amount is not None else "amount: none, so there is nothing to send"


def post_batch(settings: Settings, payloads: list[Payload]) -> HttpRequest:
    return HttpRequest("POST", "/events/batch", json={"batch": [values_of(p) for p in payloads]})


def batching(batch: bool) -> dict[str, Any]:
    """``Action`` arguments: ``perform_batch`` when ``batch``, else none."""
    return {"perform_batch": post_batch} if batch else {}


def process(destination: Any, events: list[object], *, batch: bool = False) -> list[Result]:
    with DestinationRunner(destination, SETTINGS, transport=CapturingTransport()) as runner:
        if batch:
            return runner.process_batch(events)
        return [result for event in events for result in runner.process(event)]


# No subscription matched --------------------------------------------------------------------


@pytest.mark.parametrize("batch", [False, True], ids=["process", "process_batch"])
def test_an_unmatched_event_is_skipped_with_the_reason_declared_for_its_type(batch: bool) -> None:
    destination = make_destination(unmatched={"identify": IDENTIFY_REASON})
    page = {**make_identify_event(messageId="m-2"), "type": "page"}
    results = process(destination, [make_identify_event(messageId="m-1"), page], batch=batch)
    assert [(r.message_id, r.action, r.status, r.reason) for r in results] == [
        ("m-1", None, "skipped", IDENTIFY_REASON),
        ("m-2", None, "skipped", "no subscription matched"),
    ]


@pytest.mark.parametrize("kind", [["identify"], {"a": 1}, 7, None])
def test_an_event_type_that_is_not_text_gets_the_generic_reason(kind: object) -> None:
    destination = make_destination(unmatched={"identify": IDENTIFY_REASON})
    event = {**make_identify_event(), "type": kind}
    [result] = process(destination, [event])
    assert (result.status, result.reason) == ("skipped", "no subscription matched")


def test_the_reason_is_in_the_json_line_and_null_when_there_is_none() -> None:
    destination = make_destination(unmatched={"identify": IDENTIFY_REASON})
    skipped, delivered = process(destination, [make_identify_event(), make_track_event()])
    assert skipped.to_json()["reason"] == IDENTIFY_REASON
    assert delivered.to_json()["reason"] is None


def test_a_declared_reason_never_shows_a_secret() -> None:
    destination = make_destination(unmatched={"identify": f"see key {SECRET}"})
    [result] = process(destination, [make_identify_event()])
    assert result.reason is not None
    assert SECRET not in result.reason


@pytest.mark.parametrize(
    ("unmatched", "problem"),
    [
        ({"Identify": "x"}, "unmatched['Identify']: not an event type"),
        ({"identify": "  "}, "unmatched['identify']: the reason must be non-empty text"),
    ],
)
def test_declared_reasons_are_checked_when_the_destination_is_built(
    unmatched: dict[str, str], problem: str
) -> None:
    with pytest.raises(DefinitionError, match=problem.replace("[", r"\[")):
        make_destination(unmatched=unmatched)


# The action declined the event --------------------------------------------------------------


@pytest.mark.parametrize("batch", [False, True], ids=["perform", "perform_batch"])
def test_a_check_reason_skips_the_event_and_sends_nothing_for_it(batch: bool) -> None:
    action = make_action(check=decline_without_amount, **batching(batch))
    destination = make_destination(actions={"send": action})
    events: list[object] = [
        make_track_event(messageId="m-1"),
        make_track_event(messageId="m-2", properties={"amount": 3}),
    ]
    transport = CapturingTransport()
    with DestinationRunner(destination, SETTINGS, transport=transport) as runner:
        results = runner.process_batch(events) if batch else runner.process(events[0])
        if not batch:
            results += runner.process(events[1])
    assert [(r.message_id, r.action, r.status, r.reason) for r in results] == [
        ("m-1", "send", "skipped", "amount: none, so there is nothing to send"),
        ("m-2", "send", "delivered", None),
    ]
    [request] = transport.requests
    sent = json.loads(request.content)
    assert (sent["batch"][0] if batch else sent)["amount"] == 3


def test_a_check_reason_is_redacted() -> None:
    def leaky(settings: Any, payload: Payload) -> str:
        return f"declined with {settings.api_key.get_secret_value()}"

    destination = make_destination(actions={"send": make_action(check=leaky)})
    [result] = process(destination, [make_track_event()])
    assert result.status == "skipped"
    assert result.reason is not None
    assert SECRET not in result.reason


# The check's place: after conversion, before the conversion problems are reported -----------

ALLOWLIST = ("Order Completed",)
BAD_EMAIL = {"email": "not-an-email"}
EMAIL_PROBLEM = (
    "email: expected an email address (mapped from $.properties.email, $.context.traits.email)"
)


def refuse_unlisted(settings: Settings, payload: Any) -> str | None:
    """A check reading only ``event_name``: an allowlist, refusing the other events."""
    if payload.event_name not in ALLOWLIST:
        raise IntegrationError("event_name: not in the allowlist", code="EVENT_NOT_ALLOWLISTED")
    return None


def skip_unlisted(settings: Settings, payload: Any) -> str | None:
    """A check reading only ``event_name``: an allowlist, skipping the other events."""
    return None if payload.event_name in ALLOWLIST else "event_name: not in the allowlist"


def outcomes(results: list[Result]) -> list[tuple[Any, ...]]:
    """Each result's message id, status, error code and error message or skip reason."""
    return [
        (
            r.message_id,
            r.status,
            r.error.code if r.error else None,
            r.error.message if r.error else r.reason,
        )
        for r in results
    ]


@pytest.mark.parametrize("batch", [False, True], ids=["process", "process_batch"])
@pytest.mark.parametrize(
    ("check", "unlisted"),
    [
        pytest.param(
            refuse_unlisted,
            ("failed", "EVENT_NOT_ALLOWLISTED", "event_name: not in the allowlist"),
            id="refused",
        ),
        pytest.param(
            skip_unlisted, ("skipped", None, "event_name: not in the allowlist"), id="skipped"
        ),
    ],
)
def test_a_check_reading_converted_fields_decides_before_another_fields_problem(
    batch: bool, check: Any, unlisted: tuple[Any, ...]
) -> None:
    destination = make_destination(actions={"send": make_action(check=check, **batching(batch))})
    events: list[object] = [
        make_track_event("Signed Up", messageId="m-1", properties=BAD_EMAIL),
        make_track_event("Order Completed", messageId="m-2", properties=BAD_EMAIL),
    ]
    assert outcomes(process(destination, events, batch=batch)) == [
        ("m-1", *unlisted),
        ("m-2", "failed", "PAYLOAD_VALIDATION_FAILED", EMAIL_PROBLEM),
    ]


def skip_after_reading(name: str) -> Callable[[Settings, Any], str | None]:
    """A check that reads the field ``name``, then skips the event."""

    def check(settings: Settings, payload: Any) -> str | None:
        getattr(payload, name)
        return f"{name}: read"

    return check


@pytest.mark.parametrize(
    ("name", "bad", "problem"),
    [
        pytest.param(
            "email",
            make_track_event(messageId="m-bad", properties=BAD_EMAIL),
            EMAIL_PROBLEM,
            id="an optional field of the wrong format",
        ),
        pytest.param(
            "user_id",
            make_track_event(messageId="m-bad", userId="  "),
            "user_id: must not be empty (mapped from $.userId)",
            id="a required field left blank",
        ),
    ],
)
@pytest.mark.parametrize("batch", [False, True], ids=["process", "process_batch"])
def test_a_check_reading_a_field_that_did_not_convert_ends_with_the_conversion_problems(
    batch: bool, name: str, bad: dict[str, Any], problem: str
) -> None:
    action = make_action(check=skip_after_reading(name), **batching(batch))
    destination = make_destination(actions={"send": action})
    good = make_track_event(messageId="m-good", properties={"email": "ann@example.com"})
    assert outcomes(process(destination, [bad, good], batch=batch)) == [
        ("m-bad", "failed", "PAYLOAD_VALIDATION_FAILED", problem),
        ("m-good", "skipped", None, f"{name}: read"),
    ]


# Presets off by default ---------------------------------------------------------------------


def test_a_preset_off_by_default_runs_only_when_a_mapping_names_its_action() -> None:
    greet = make_action(default_subscription='type = "identify"')
    destination = make_destination(
        actions={"send": make_action(), "greet": greet},
        presets=[
            Preset(name="Send tracks", subscription='type = "track"', action="send"),
            Preset(name="Greet", subscription='type = "identify"', action="greet", enabled=False),
        ],
    )
    assert [s.name for s in presets_as_subscriptions(destination)] == ["Send tracks"]
    assert [s.name for s in presets_as_subscriptions(destination, {"send": {}})] == ["Send tracks"]
    turned_on = presets_as_subscriptions(destination, {"greet": {"source": "greeted"}})
    assert [(s.name, dict(s.mapping)) for s in turned_on] == [
        ("Send tracks", {}),
        ("Greet", {"source": "greeted"}),
    ]
    [off] = process(destination, [make_identify_event()])
    assert off.status == "skipped"
    with DestinationRunner(
        destination, SETTINGS, subscriptions=turned_on, transport=CapturingTransport()
    ) as runner:
        [on] = runner.process(make_identify_event())
    assert (on.action, on.status) == ("greet", "delivered")
