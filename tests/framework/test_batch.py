"""DestinationRunner.process_batch with a toy destination: per-event validation, chunking by
the action's maximum batch size, one request per chunk, one result per event in input
order; and the declarations that configure batching."""

from __future__ import annotations

import json
from typing import Any

import pytest

from framework import (
    ActionSubscription,
    DefinitionError,
    DestinationRunner,
    HttpRequest,
    Payload,
    RetryPolicy,
    Settings,
    SettingsError,
)
from framework.authoring.model import values_of
from framework.testing import (
    CapturingTransport,
    make_identify_event,
    make_track_event,
    recording_sleep,
    replies,
    reply,
)
from tests.framework.support import SECRET, SETTINGS, make_action, make_destination


def post_batch(settings: Settings, payloads: list[Payload]) -> HttpRequest:
    return HttpRequest("POST", "/events/batch", json={"batch": [values_of(p) for p in payloads]})


def batching(max_batch_size: Any = 2, **overrides: Any) -> Any:
    """The toy destination whose ``send`` action batches."""
    action = make_action(perform_batch=post_batch, max_batch_size=max_batch_size, **overrides)
    return make_destination(actions={"send": action})


def runner(destination: Any, transport: CapturingTransport, **options: Any) -> DestinationRunner:
    return DestinationRunner(destination, SETTINGS, transport=transport, **options)


def event(number: int, **overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"messageId": f"m-{number}", "userId": f"u-{number}", **overrides}
    return make_track_event(f"Event {number}", **spec)


def batches(transport: CapturingTransport) -> list[list[str]]:
    """The user ids of each request's batch, request by request."""
    return [[p["user_id"] for p in json.loads(r.content)["batch"]] for r in transport.requests]


def summary(results: list[Any]) -> list[tuple[Any, ...]]:
    return [(r.message_id, r.action, r.status, r.error.code if r.error else None) for r in results]


# Chunking -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("max_batch_size", "count", "expected"),
    [
        pytest.param(2, 5, [2, 2, 1], id="int"),
        pytest.param(5, 5, [5], id="exactly one chunk"),
        pytest.param(1, 3, [1, 1, 1], id="one per request"),
        pytest.param(lambda settings: 3, 7, [3, 3, 1], id="function of the settings"),
        pytest.param(None, 7, [7], id="no limit: one request"),
    ],
)
def test_valid_payloads_are_sent_in_chunks(
    max_batch_size: Any, count: int, expected: list[int]
) -> None:
    transport = CapturingTransport()
    with runner(batching(max_batch_size), transport) as run:
        results = run.process_batch([event(n) for n in range(count)])
    assert [len(chunk) for chunk in batches(transport)] == expected
    assert [u for chunk in batches(transport) for u in chunk] == [f"u-{n}" for n in range(count)]
    assert summary(results) == [(f"m-{n}", "send", "delivered", None) for n in range(count)]
    assert all(str(r.url) == "https://api.toy.example/v1/events/batch" for r in transport.requests)


def test_the_batch_size_function_reads_the_validated_settings() -> None:
    seen: list[Any] = []

    def size(settings: Any) -> int:
        seen.append(settings)
        return 2 if settings.region == "eu" else 4

    transport = CapturingTransport()
    destination = batching(size)
    with DestinationRunner(destination, {**SETTINGS, "region": "eu"}, transport=transport) as run:
        run.process_batch([event(n) for n in range(4)])
        run.process_batch([event(n) for n in range(4)])
    assert [len(chunk) for chunk in batches(transport)] == [2, 2, 2, 2]
    assert len(seen) == 1, "once, when the runner is built"
    assert isinstance(seen[0], destination.settings), "the typed settings"
    assert seen[0].region == "eu"
    assert seen[0].verbose is False, "defaults applied"


@pytest.mark.parametrize(
    "size",
    [
        pytest.param(0, id="zero"),
        pytest.param(-1, id="negative"),
        pytest.param(True, id="bool"),
        pytest.param(2.0, id="float"),
        pytest.param("2", id="string"),
    ],
)
def test_a_batch_size_function_giving_a_non_positive_integer_is_a_settings_error(size: Any) -> None:
    transport = CapturingTransport()
    with pytest.raises(SettingsError) as raised:
        runner(batching(lambda settings: size), transport)
    assert raised.value.message == (
        "invalid settings for toy: the maximum batch size of action 'send' must be a positive "
        "integer"
    )


def test_a_batch_size_function_may_refuse_the_settings_itself() -> None:
    def size(settings: Settings) -> int:
        raise SettingsError("invalid settings for toy: region: batches need eu")

    with pytest.raises(SettingsError, match="region: batches need eu"):
        runner(batching(size), CapturingTransport())


def test_unsubscribed_actions_do_not_evaluate_their_batch_size() -> None:
    def size(settings: Settings) -> int:
        raise AssertionError("not called")

    with runner(batching(size), CapturingTransport(), subscriptions=[]) as run:
        assert run.process_batch([event(1)])[0].status == "skipped"


# Per-event outcomes -------------------------------------------------------------------------


def test_invalid_events_fail_alone_in_input_order() -> None:
    events: list[object] = [
        event(1),
        event(2, userId=None),  # required user_id missing
        42,  # not an event
        event(3, properties={"amount": "lots"}),  # not a number
        make_identify_event(messageId="m-identify"),  # matches nothing
        event(4),
        event(5),
        None,
        event(6),
    ]
    transport = CapturingTransport()
    with runner(batching(2), transport) as run:
        results = run.process_batch(events)
    assert summary(results) == [
        ("m-1", "send", "delivered", None),
        ("m-2", "send", "failed", "PAYLOAD_VALIDATION_FAILED"),
        (None, None, "failed", "INVALID_EVENT"),
        ("m-3", "send", "failed", "PAYLOAD_VALIDATION_FAILED"),
        ("m-identify", None, "skipped", None),
        ("m-4", "send", "delivered", None),
        ("m-5", "send", "delivered", None),
        (None, None, "failed", "INVALID_EVENT"),
        ("m-6", "send", "delivered", None),
    ]
    assert batches(transport) == [["u-1", "u-4"], ["u-5", "u-6"]]
    assert results[1].error is not None
    assert results[1].error.message == "user_id: is required (mapped from $.userId)"
    assert results[2].error is not None
    assert results[2].error.message == "an event must be a JSON object, not int"
    assert (results[1].request, results[2].request) == (None, None)


def test_each_result_carries_its_chunks_request_redacted() -> None:
    transport = CapturingTransport()
    with runner(batching(2), transport) as run:
        results = run.process_batch([event(n) for n in range(3)])
    requests = [r.request for r in results]
    assert all(request is not None for request in requests)
    first, second, third = (request or {} for request in requests)
    assert first == second != third
    assert [p["user_id"] for p in first["json"]["batch"]] == ["u-0", "u-1"]
    assert first["headers"]["Authorization"] == "Bearer [REDACTED]"
    assert SECRET not in json.dumps([r.to_json() for r in results])


def test_several_subscriptions_batch_separately_and_results_keep_subscription_order() -> None:
    subscriptions = [
        ActionSubscription("send", 'type = "track"', {"source": "all"}),
        ActionSubscription("send", 'event = "Event 1" or event = "Event 3"', {"source": "odd"}),
    ]
    transport = CapturingTransport()
    with runner(batching(10), transport, subscriptions=subscriptions) as run:
        results = run.process_batch([event(n) for n in range(1, 5)])
    assert [(r.message_id, r.status) for r in results] == [
        ("m-1", "delivered"),
        ("m-1", "delivered"),
        ("m-2", "delivered"),
        ("m-3", "delivered"),
        ("m-3", "delivered"),
        ("m-4", "delivered"),
    ]
    sources = [[p["source"] for p in json.loads(r.content)["batch"]] for r in transport.requests]
    assert sources == [["all"] * 4, ["odd"] * 2]


def test_a_failing_chunk_fails_its_events_with_the_chunks_error() -> None:
    transport = CapturingTransport(
        replies(reply(422, {"message": f"bad {SECRET}"}), reply(200), reply(503))
    )
    with runner(batching(2), transport) as run:
        results = run.process_batch([event(n) for n in range(6)])
    assert [(r.status, r.error.code if r.error else None) for r in results] == [
        ("failed", "UNPROCESSABLE_ENTITY"),
        ("failed", "UNPROCESSABLE_ENTITY"),
        ("delivered", None),
        ("delivered", None),
        ("failed", "SERVER_ERROR"),
        ("failed", "SERVER_ERROR"),
    ]
    assert [r.error.retryable for r in results if r.error] == [False, False, True, True]
    assert results[0].error is not None
    assert results[0].error.message == "HTTP 422 Unprocessable Entity: bad [REDACTED]"


def test_a_chunk_is_retried_as_one_request() -> None:
    waits: list[float] = []
    transport = CapturingTransport(replies(reply(429, headers={"Retry-After": "1"}), reply(200)))
    with runner(
        batching(5), transport, retry=RetryPolicy(max_attempts=2), sleep=recording_sleep(waits)
    ) as run:
        results = run.process_batch([event(n) for n in range(3)])
    assert [r.status for r in results] == ["delivered"] * 3
    assert waits == [1.0]
    assert len({r.content for r in transport.requests}) == 1
    assert len(transport.requests) == 2


def test_a_dry_run_builds_each_chunk_and_sends_nothing() -> None:
    transport = CapturingTransport()
    with runner(batching(2), transport, dry_run=True) as run:
        results = run.process_batch([event(n) for n in range(3)])
    assert transport.requests == []
    assert [r.status for r in results] == ["dry_run"] * 3
    assert [len((r.request or {})["json"]["batch"]) for r in results] == [2, 2, 1]


def explode(settings: Any, payloads: list[Payload]) -> HttpRequest:
    raise KeyError(f"no such key {settings.api_key.get_secret_value()}")


@pytest.mark.parametrize(
    ("perform_batch", "code", "message"),
    [
        pytest.param(
            explode,
            "UNEXPECTED_ERROR",
            "send failed unexpectedly: KeyError: 'no such key [REDACTED]'",
            id="raises",
        ),
        pytest.param(
            lambda settings, payloads: {"url": "/x"},
            "INVALID_REQUEST",
            "perform_batch of 'send' returned dict, not an HttpRequest",
            id="not a request",
        ),
        pytest.param(
            lambda settings, payloads: HttpRequest("POST", "/x", json=[float("nan")]),
            "INVALID_REQUEST",
            "request body cannot be sent as JSON (",
            id="not JSON",
        ),
    ],
)
def test_a_broken_perform_batch_fails_its_chunk_and_the_run_goes_on(
    perform_batch: Any, code: str, message: str
) -> None:
    transport = CapturingTransport()
    destination = make_destination(
        actions={"send": make_action(perform_batch=perform_batch, max_batch_size=2)}
    )
    with runner(destination, transport) as run:
        results = run.process_batch([event(n) for n in range(3)])
        after = run.process(event(9))
    assert [(r.status, r.error.code if r.error else None) for r in results] == [
        ("failed", code)
    ] * 3
    [shown] = {r.error.message for r in results if r.error}
    assert shown.startswith(message), "the same message for the chunk's every event"
    assert [r.status for r in after] == ["delivered"], "single events still use perform"
    assert len(transport.requests) == 1


# Without perform_batch, and compared with process ---------------------------------------------


EVENTS: list[object] = [
    event(1),
    event(2, userId=None),
    "not an event",
    make_identify_event(messageId="m-identify"),
    event(3, properties={"email": "ann@example.com", "amount": "4.5"}),
]


def test_an_action_without_perform_batch_gets_exactly_the_results_of_process() -> None:
    one_by_one, batched = CapturingTransport(), CapturingTransport()
    with runner(make_destination(), one_by_one) as run:
        expected = [result for item in EVENTS for result in run.process(item)]
    with runner(make_destination(), batched) as run:
        results = run.process_batch(EVENTS)
    assert [r.to_json() for r in results] == [r.to_json() for r in expected]
    assert [r.content for r in batched.requests] == [r.content for r in one_by_one.requests]
    assert len(batched.requests) == 2


def test_batching_reports_the_same_statuses_as_process() -> None:
    with runner(make_destination(), CapturingTransport()) as run:
        expected = [result for item in EVENTS for result in run.process(item)]
    with runner(batching(2), CapturingTransport()) as run:
        results = run.process_batch(EVENTS)
    strip = [(r.message_id, r.action, r.status, r.error) for r in expected]
    assert [(r.message_id, r.action, r.status, r.error) for r in results] == strip


def test_an_empty_batch() -> None:
    transport = CapturingTransport()
    with runner(batching(2), transport) as run:
        assert run.process_batch([]) == []
        assert run.process_batch(iter([])) == []
    assert transport.requests == []


# Declarations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        pytest.param(
            {"max_batch_size": 5},
            "actions.send: max_batch_size needs perform_batch",
            id="size without perform_batch",
        ),
        pytest.param(
            {"perform_batch": "post"}, "actions.send: perform_batch must be callable", id="str"
        ),
        *[
            pytest.param(
                {"perform_batch": post_batch, "max_batch_size": size},
                "actions.send: max_batch_size must be a positive integer or a function of the "
                "settings",
                id=f"size {size!r}",
            )
            for size in (0, -3, True, 2.5, "10")
        ],
    ],
)
def test_batching_declarations_are_checked(overrides: dict[str, Any], problem: str) -> None:
    with pytest.raises(DefinitionError) as raised:
        make_destination(actions={"send": make_action(**overrides)})
    assert problem in raised.value.message


def test_check_settings_must_be_callable() -> None:
    with pytest.raises(DefinitionError, match="check_settings: must be callable"):
        make_destination(check_settings="strict")


def test_check_settings_sees_validated_settings_and_may_refuse_them() -> None:
    seen: list[Any] = []

    def check(settings: Any) -> None:
        seen.append(settings)
        if settings.verbose:
            raise SettingsError("invalid settings for toy: verbose: not in the EU region")

    destination = make_destination(check_settings=check)
    with runner(destination, CapturingTransport()):
        pass
    assert isinstance(seen[0], destination.settings), "the typed settings"
    assert seen[0].region == "us"
    assert seen[0].api_key.get_secret_value() == SECRET
    transport = CapturingTransport()
    with pytest.raises(SettingsError, match="verbose: not in the EU region"):
        DestinationRunner(destination, {**SETTINGS, "verbose": True}, transport=transport)
