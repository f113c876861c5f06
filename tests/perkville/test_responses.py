"""PERKVILLE.md "Responses and retries" and "Authentication test"."""

from __future__ import annotations

import httpx
import pytest

from destinations.perkville import destination
from framework import DestinationRunner, RetryPolicy
from framework.testing import (
    CapturingTransport,
    make_track_event,
    recording_sleep,
    replies,
    reply,
    run_action,
)
from tests.perkville.support import API_KEY, SETTINGS

EVENT = make_track_event("Checked In", properties={"email": "ann@example.com"})
PERKVILLE_ERROR = {
    "status": "failure",
    "error_codes": [{"message": "Perk 34 does not exist", "code": "E003"}],
    "errors": ["Perk 34 does not exist"],
}


def send(
    transport: CapturingTransport, attempts: int = 1
) -> tuple[str, str | None, bool | None, str]:
    run = run_action(
        destination,
        "award_points",
        EVENT,
        SETTINGS,
        transport=transport,
        retry=RetryPolicy(max_attempts=attempts),
    )
    error = run.result.error
    if error is None:
        return run.result.status, None, None, ""
    return run.result.status, error.code, error.retryable, error.message


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_2xx_is_delivered(status: int) -> None:
    assert send(CapturingTransport(reply(status)))[:2] == ("delivered", None)


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "BAD_REQUEST"), (404, "NOT_FOUND"), (409, "CONFLICT"), (422, "UNPROCESSABLE_ENTITY")],
)
def test_client_errors_are_final_and_keep_perkvilles_message(status: int, code: str) -> None:
    transport = CapturingTransport(reply(status, PERKVILLE_ERROR))
    outcome, got, retryable, message = send(transport, attempts=3)
    assert (outcome, got, retryable) == ("failed", code, False)
    assert "Perk 34 does not exist" in message
    assert str(status) in message
    assert len(transport.requests) == 1, "not retried"


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failures_are_invalid_authentication(status: int) -> None:
    transport = CapturingTransport(reply(status, {"detail": f"bad token {API_KEY}"}))
    outcome, code, retryable, message = send(transport, attempts=3)
    assert (outcome, code, retryable) == ("failed", "INVALID_AUTHENTICATION", False)
    assert API_KEY not in message, "a key echoed by the server is redacted"
    assert len(transport.requests) == 1


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (408, "REQUEST_TIMEOUT"),
        (429, "RATE_LIMITED"),
        (500, "SERVER_ERROR"),
        (502, "SERVER_ERROR"),
        (503, "SERVER_ERROR"),
        (504, "SERVER_ERROR"),
    ],
)
def test_transient_statuses_are_retryable(status: int, code: str) -> None:
    assert send(CapturingTransport(reply(status)))[:3] == ("failed", code, True)


def test_501_is_not_retryable() -> None:
    assert send(CapturingTransport(reply(501)))[:3] == ("failed", "NOT_IMPLEMENTED", False)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (httpx.ReadTimeout("timed out"), "TIMEOUT"),
        (httpx.ConnectTimeout("timed out"), "TIMEOUT"),
        (httpx.ConnectError("refused"), "CONNECTION_ERROR"),
        (httpx.RemoteProtocolError("dropped"), "CONNECTION_ERROR"),
    ],
)
def test_timeouts_and_connection_errors_are_retryable(error: Exception, code: str) -> None:
    def fail(_: httpx.Request) -> httpx.Response:
        raise error

    assert send(CapturingTransport(fail))[:3] == ("failed", code, True)


def test_retry_after_is_honoured() -> None:
    waits: list[float] = []
    transport = CapturingTransport(replies(reply(429, headers={"Retry-After": "2"}), reply(200)))
    with DestinationRunner(
        destination,
        SETTINGS,
        transport=transport,
        retry=RetryPolicy(max_attempts=3),
        sleep=recording_sleep(waits),
    ) as runner:
        [result] = runner.process(EVENT)
    assert result.status == "delivered"
    assert waits == [2.0]
    assert len(transport.requests) == 2
    bodies = {request.content for request in transport.requests}
    assert len(bodies) == 1, "the retry repeats the same transaction (same trans_source_id)"


def test_a_retry_after_beyond_the_policy_is_left_to_the_caller() -> None:
    transport = CapturingTransport(reply(503, headers={"Retry-After": "3600"}))
    outcome, code, retryable, _ = send(transport, attempts=3)
    assert (outcome, code, retryable) == ("failed", "SERVER_ERROR", True)
    assert len(transport.requests) == 1


# Authentication test ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "ok", "message"),
    [
        (200, True, "authentication succeeded"),
        (401, False, "invalid API key"),
        (403, False, "invalid API key"),
        (404, False, "unknown business id"),
        (500, False, "HTTP 500 Internal Server Error: down for maintenance"),
    ],
)
def test_authentication_test(status: int, ok: bool, message: str) -> None:
    body = {"message": "down for maintenance", "token": API_KEY}
    transport = CapturingTransport(reply(status, body))
    with DestinationRunner(destination, SETTINGS, transport=transport) as runner:
        outcome = runner.test_authentication()
    assert (outcome.ok, outcome.message) == (ok, message)
    assert API_KEY not in outcome.message
    [request] = transport.requests
    assert (request.method, request.url.path) == ("GET", "/v2/businesses/4242/")
    assert request.headers["authorization"] == f"Bearer {API_KEY}"


def test_authentication_test_reports_connection_failures() -> None:
    def refuse(_: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    with DestinationRunner(destination, SETTINGS, transport=CapturingTransport(refuse)) as runner:
        outcome = runner.test_authentication()
    assert (outcome.ok, outcome.code) == (False, "CONNECTION_ERROR")
    assert "connection refused" in outcome.message


def test_operator_base_url_replaces_the_default() -> None:
    transport = CapturingTransport()
    with DestinationRunner(
        destination, SETTINGS, transport=transport, base_url="http://127.0.0.1:9/sandbox/"
    ) as runner:
        runner.process(EVENT)
    assert str(transport.requests[0].url) == "http://127.0.0.1:9/sandbox/transactions/"
