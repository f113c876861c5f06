"""DestinationRunner: subscriptions -> mapping -> validation -> perform -> request -> Result."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from framework import (
    ActionSubscription,
    AuthenticationTest,
    DestinationRunner,
    HttpRequest,
    MappingError,
    Payload,
    Preset,
    Settings,
)
from framework.core.version import VERSION
from framework.engine.execute import presets_as_subscriptions
from framework.languages.fql import compile_subscription
from framework.languages.mapping import compile_mapping
from framework.testing import (
    CapturingTransport,
    make_identify_event,
    make_track_event,
    post_payload,
    reply,
)
from tests.framework.support import (
    BASE_URL,
    SECRET,
    SETTINGS,
    make_action,
    make_destination,
)

TRACK = make_track_event("Order Completed", properties={"email": "ann@example.com", "amount": 3})


def runner(
    transport: CapturingTransport | None = None, destination: Any = None, **options: Any
) -> DestinationRunner:
    return DestinationRunner(
        destination or make_destination(),
        SETTINGS,
        transport=transport if transport is not None else CapturingTransport(),
        **options,
    )


def bodies(transport: CapturingTransport) -> list[Any]:
    return [json.loads(request.content) for request in transport.requests]


# Routing ------------------------------------------------------------------------------------


def test_an_event_matching_no_subscription_is_skipped() -> None:
    transport = CapturingTransport()
    event = make_identify_event(messageId="m-1")
    with runner(transport) as run:
        results = run.process(event)
    assert [result.to_json() for result in results] == [
        {
            "message_id": "m-1",
            "action": None,
            "status": "skipped",
            "request": None,
            "error": None,
            "reason": "no subscription matched",
        }
    ]
    assert transport.requests == []


def test_an_event_matching_two_subscriptions_runs_both() -> None:
    transport = CapturingTransport()
    subscriptions = [
        ActionSubscription("send", 'type = "track"', {"source": "all tracks"}),
        ActionSubscription("send", 'event = "Order Completed"', {"source": "orders"}),
        ActionSubscription("send", 'event = "Order Refunded"', {"source": "refunds"}),
    ]
    with runner(transport, subscriptions=subscriptions) as run:
        results = run.process(TRACK)
    assert [(r.action, r.status, r.message_id) for r in results] == [
        ("send", "delivered", "test-message-id"),
        ("send", "delivered", "test-message-id"),
    ]
    assert [body["source"] for body in bodies(transport)] == ["all tracks", "orders"]


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        pytest.param("a string", "str", id="string"),
        pytest.param(42, "int", id="number"),
        pytest.param(None, "null", id="null"),
        pytest.param([TRACK], "list", id="array"),
    ],
)
def test_a_non_object_event_fails_as_invalid_event(event: object, kind: str) -> None:
    transport = CapturingTransport()
    with runner(transport) as run:
        [result] = run.process(event)
    assert (result.message_id, result.action, result.status) == (None, None, "failed")
    assert result.error is not None
    assert (result.error.code, result.error.retryable) == ("INVALID_EVENT", False)
    assert result.error.message == f"an event must be a JSON object, not {kind}"
    assert transport.requests == []


def test_an_event_without_message_id_gets_a_derived_one() -> None:
    event = make_track_event(messageId=None)
    with runner() as run:
        [first] = run.process(event)
        [again] = run.process(dict(event))
    assert first.message_id is not None
    assert first.message_id.startswith("derived-")
    assert first.message_id == again.message_id


@pytest.mark.parametrize(
    ("subscription", "problem"),
    [
        pytest.param(
            ActionSubscription("send", 'type = "track"', {"nope": "x", "user_id": "u"}),
            "/nope: action 'send' has no field 'nope'",
            id="mapping names a missing field",
        ),
        pytest.param(
            ActionSubscription("fly", 'type = "track"'),
            "/: unknown action 'fly' (known: send)",
            id="unknown action",
        ),
        pytest.param(
            ActionSubscription("send", 'type = "track"', {"user_id": {"@path": 5}}),
            "/user_id/@path: ",
            id="invalid mapping",
        ),
    ],
)
def test_bad_subscriptions_are_refused_before_any_event(
    subscription: ActionSubscription, problem: str
) -> None:
    transport = CapturingTransport()
    with pytest.raises(MappingError) as raised:
        runner(transport, subscriptions=[subscription])
    assert raised.value.code == "INVALID_MAPPING"
    assert len(raised.value.problems) == 1
    assert str(raised.value.problems[0]).startswith(problem)
    assert transport.requests == []


# Mapping and validation ---------------------------------------------------------------------


def test_default_preset_and_user_mappings_are_merged_and_the_user_wins() -> None:
    preset = Preset(
        name="Orders",
        subscription='type = "track"',
        action="send",
        mapping={"source": "preset", "event_name": "from preset", "amount": 1},
    )
    destination = make_destination(presets=[preset])
    user = {"send": {"amount": {"@path": "$.properties.total"}, "source": "user"}}
    event = make_track_event(
        "Order Completed", userId="u-9", properties={"email": "ann@example.com", "total": "12.5"}
    )
    transport = CapturingTransport()
    subscriptions = presets_as_subscriptions(destination, user)
    with runner(transport, destination, subscriptions=subscriptions) as run:
        [result] = run.process(event)
    assert result.status == "delivered", result.error
    assert bodies(transport) == [
        {
            "user_id": "u-9",  # the action's default mapping
            "email": "ann@example.com",  # the action's default mapping
            "event_name": "from preset",  # the preset over the default
            "amount": 12.5,  # the user over the preset and the default
            "source": "user",  # the user over the preset
        }
    ]


def test_without_subscriptions_the_presets_are_used() -> None:
    transport = CapturingTransport()
    with runner(transport) as run:
        [track] = run.process(TRACK)
        [identify] = run.process(make_identify_event())
    assert (track.status, identify.status) == ("delivered", "skipped")
    assert len(transport.requests) == 1


@pytest.mark.parametrize(
    ("event", "message"),
    [
        pytest.param(
            make_track_event(userId=None),
            "user_id: is required (mapped from $.userId)",
            id="required field missing",
        ),
        pytest.param(
            make_track_event(userId="  "),
            "user_id: must not be empty (mapped from $.userId)",
            id="required field blank",
        ),
        pytest.param(
            make_track_event(properties={"email": "not-an-email"}),
            "email: expected an email address (mapped from $.properties.email, "
            "$.context.traits.email)",
            id="format",
        ),
        pytest.param(
            make_track_event(properties={"amount": "lots"}),
            "amount: expected a number, got a non-numeric string (mapped from $.properties.amount)",
            id="type",
        ),
    ],
)
def test_payload_problems_name_the_field_and_where_it_was_read(
    event: dict[str, Any], message: str
) -> None:
    transport = CapturingTransport()
    with runner(transport) as run:
        [result] = run.process(event)
    assert (result.action, result.status, result.request) == ("send", "failed", None)
    assert result.error is not None
    assert (result.error.code, result.error.retryable) == ("PAYLOAD_VALIDATION_FAILED", False)
    assert result.error.message == message
    assert transport.requests == []


def test_every_payload_problem_is_reported_at_once() -> None:
    event = make_track_event(userId=None, properties={"email": "x", "amount": "y"})
    with runner() as run:
        [result] = run.process(event)
    assert result.error is not None
    for name in ("user_id:", "email:", "amount:"):
        assert name in result.error.message


# Perform ------------------------------------------------------------------------------------


def explode_on_boom(settings: Any, payload: Any) -> HttpRequest:
    """A perform with a bug: a ``KeyError`` quoting the key, for events named "Boom"."""
    if payload.event_name == "Boom":
        raise KeyError(f"no such key {settings.api_key.get_secret_value()}")
    return post_payload(settings, payload)


def test_an_unexpected_exception_fails_one_event_redacted_and_the_run_goes_on() -> None:
    destination = make_destination(actions={"send": make_action(perform=explode_on_boom)})
    transport = CapturingTransport()
    with runner(transport, destination) as run:
        boom = run.process(make_track_event("Boom", messageId="m-boom"))
        fine = run.process(make_track_event("Fine", messageId="m-fine"))
    [failed], [delivered] = boom, fine
    assert (failed.message_id, failed.action, failed.status) == ("m-boom", "send", "failed")
    assert failed.error is not None
    assert (failed.error.code, failed.error.retryable) == ("UNEXPECTED_ERROR", False)
    assert failed.error.message.startswith("send failed unexpectedly: KeyError: ")
    assert "[REDACTED]" in failed.error.message
    assert SECRET not in json.dumps(failed.to_json())
    assert (delivered.message_id, delivered.status) == ("m-fine", "delivered")
    assert [body["event_name"] for body in bodies(transport)] == ["Fine"]


@pytest.mark.parametrize(
    ("returned", "kind"),
    [
        pytest.param({"method": "POST", "url": "/events"}, "dict", id="dict"),
        pytest.param(None, "null", id="None"),
        pytest.param(("POST", "/events"), "tuple", id="tuple"),
    ],
)
def test_a_perform_not_returning_a_request_fails(returned: Any, kind: str) -> None:
    destination = make_destination(
        actions={"send": make_action(perform=lambda settings, payload: returned)}
    )
    transport = CapturingTransport()
    with runner(transport, destination) as run:
        [result] = run.process(TRACK)
    assert result.status == "failed"
    assert result.error is not None
    assert (result.error.code, result.error.retryable) == ("INVALID_REQUEST", False)
    assert result.error.message == f"perform of 'send' returned {kind}, not an HttpRequest"
    assert transport.requests == []


def test_a_relative_url_without_a_base_url_is_an_invalid_request() -> None:
    transport = CapturingTransport()
    with runner(transport, make_destination(base_url=None)) as run:
        [result] = run.process(TRACK)
    assert result.error is not None
    assert result.error.code == "INVALID_REQUEST"
    assert "'/events' is relative" in result.error.message
    assert transport.requests == []


def test_the_operator_base_url_replaces_the_destinations() -> None:
    transport = CapturingTransport()
    with runner(
        transport, make_destination(base_url=None), base_url="http://127.0.0.1:9/x/"
    ) as run:
        [result] = run.process(TRACK)
    assert result.status == "delivered"
    assert str(transport.requests[0].url) == "http://127.0.0.1:9/x/events"


def test_a_body_that_is_not_json_is_an_invalid_request_even_in_a_dry_run() -> None:
    def not_json(settings: Settings, payload: Payload) -> HttpRequest:
        return HttpRequest("POST", "/events", json={"ratio": float("nan")})

    destination = make_destination(actions={"send": make_action(perform=not_json)})
    for dry_run in (False, True):
        transport = CapturingTransport()
        with runner(transport, destination, dry_run=dry_run) as run:
            [result] = run.process(TRACK)
        assert result.status == "failed"
        assert result.error is not None
        assert result.error.code == "INVALID_REQUEST"
        assert transport.requests == []


# Requests -----------------------------------------------------------------------------------


def test_dry_run_builds_the_request_without_sending_it() -> None:
    transport = CapturingTransport()
    with runner(transport, dry_run=True) as run:
        [result] = run.process(TRACK)
    assert transport.requests == []
    assert (result.action, result.status, result.error) == ("send", "dry_run", None)
    assert result.request == {
        "method": "POST",
        "url": f"{BASE_URL}/events",
        "headers": {
            "User-Agent": f"destination-actions/{VERSION}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "Authorization": "Bearer [REDACTED]",
            "X-Toy-Region": "us",
        },
        "json": {
            "user_id": "user-1234",
            "event_name": "Order Completed",
            "email": "ann@example.com",
            "amount": 3,
        },
    }
    assert SECRET not in json.dumps(result.to_json())


def test_a_delivered_result_shows_the_redacted_request_and_the_real_one_is_sent() -> None:
    transport = CapturingTransport()
    with runner(transport) as run:
        [result] = run.process(TRACK)
    assert result.status == "delivered"
    assert result.request is not None
    assert result.request["headers"]["Authorization"] == "Bearer [REDACTED]"
    assert transport.requests[0].headers["authorization"] == f"Bearer {SECRET}"


@pytest.mark.parametrize("status", [201, 400])
def test_results_can_leave_the_request_out(status: int) -> None:
    transport = CapturingTransport(reply(status))
    with runner(transport, show_requests=False) as run:
        [result] = run.process(TRACK)
    assert result.status == ("delivered" if status == 201 else "failed")
    assert result.request is None
    assert len(transport.requests) == 1, "the request was still sent"


def test_a_secret_in_the_payload_is_redacted_in_the_result() -> None:
    event = make_track_event(properties={"email": "ann@example.com", "note": SECRET})
    transport = CapturingTransport()
    mapping = {"source": {"@path": "$.properties.note"}}
    subscriptions = [ActionSubscription("send", 'type = "track"', mapping)]
    with runner(transport, subscriptions=subscriptions) as run:
        [result] = run.process(event)
    assert result.request is not None
    assert result.request["json"]["source"] == "[REDACTED]"
    assert bodies(transport)[0]["source"] == SECRET


def test_extend_request_headers_are_on_every_request() -> None:
    transport = CapturingTransport()
    events = [make_track_event(f"Event {n}", messageId=f"m-{n}") for n in range(3)]
    with runner(transport) as run:
        for event in events:
            run.process(event)
    assert len(transport.requests) == 3
    for request in transport.requests:
        assert request.headers["authorization"] == f"Bearer {SECRET}"
        assert request.headers["x-toy-region"] == "us"


def test_the_user_agent_names_the_framework_and_its_version() -> None:
    transport = CapturingTransport()
    with runner(transport) as run:
        run.process(TRACK)
    user_agent = transport.requests[0].headers["user-agent"]
    assert user_agent == f"destination-actions/{VERSION}"
    assert re.fullmatch(r"destination-actions/\d+\.\d+\.\d+\S*", user_agent)


def test_an_error_response_is_a_failed_result_with_the_request() -> None:
    transport = CapturingTransport(reply(422, {"message": f"bad key {SECRET}"}))
    with runner(transport) as run:
        [result] = run.process(TRACK)
    assert result.status == "failed"
    assert result.error is not None
    assert (result.error.code, result.error.retryable) == ("UNPROCESSABLE_ENTITY", False)
    assert result.error.message == "HTTP 422 Unprocessable Entity: bad key [REDACTED]"
    assert result.request is not None
    assert result.request["url"] == f"{BASE_URL}/events"


# Compiled once ------------------------------------------------------------------------------


def test_subscriptions_and_mappings_are_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"mapping": 0, "subscription": 0}

    def counting_mapping(mapping: Any) -> Any:
        calls["mapping"] += 1
        return compile_mapping(mapping)

    def counting_subscription(source: str) -> Any:
        calls["subscription"] += 1
        return compile_subscription(source)

    monkeypatch.setattr("framework.engine.execute.compile_mapping", counting_mapping)
    monkeypatch.setattr("framework.engine.execute.compile_subscription", counting_subscription)
    subscriptions = [
        ActionSubscription("send", 'type = "track"'),
        ActionSubscription("send", 'event = "Event 7"', {"source": "seven"}),
    ]
    transport = CapturingTransport()
    with runner(transport, subscriptions=subscriptions) as run:
        after_construction = dict(calls)
        for n in range(100):
            run.process(make_track_event(f"Event {n}", messageId=f"m-{n}"))
            run.process(make_identify_event())
    assert after_construction == {"mapping": 2, "subscription": 2}
    assert calls == after_construction
    assert len(transport.requests) == 101


# Authentication test ------------------------------------------------------------------------


def check_key(settings: Settings) -> HttpRequest:
    return HttpRequest("GET", "/me")


@pytest.mark.parametrize(
    ("status", "ok", "message", "code"),
    [
        pytest.param(200, True, "authentication succeeded", None, id="ok"),
        pytest.param(401, False, "the key is wrong", "INVALID_AUTHENTICATION", id="mapped"),
        pytest.param(
            500, False, "HTTP 500 Internal Server Error: down", "SERVER_ERROR", id="unmapped"
        ),
    ],
)
def test_authentication(status: int, ok: bool, message: str, code: str | None) -> None:
    auth = AuthenticationTest(request=check_key, failures={401: "the key is wrong"})
    transport = CapturingTransport(reply(status, {"message": "down"}))
    with runner(transport, make_destination(authentication=auth)) as run:
        outcome = run.test_authentication()
    assert (outcome.ok, outcome.message, outcome.code, outcome.status) == (
        ok,
        message,
        code,
        status,
    )
    [request] = transport.requests
    assert str(request.url) == f"{BASE_URL}/me"
    assert request.headers["authorization"] == f"Bearer {SECRET}"


def test_without_an_authentication_test_authentication_succeeds_without_a_request() -> None:
    transport = CapturingTransport()
    with runner(transport) as run:
        outcome = run.test_authentication()
    assert (outcome.ok, outcome.message) == (True, "Toy has no authentication test")
    assert transport.requests == []
