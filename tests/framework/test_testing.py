"""The public test helpers in framework.testing."""

from __future__ import annotations

import httpx

from framework.testing import (
    TEST_BASE_URL,
    CapturingTransport,
    make_test_destination,
    make_track_event,
    replies,
    reply,
    run_action,
    run_events,
)

SETTINGS = {"api_key": "k-123456"}


def test_the_test_destination_posts_its_payload_and_redacts_the_key() -> None:
    destination = make_test_destination(
        extend_request=lambda s: {"Authorization": f"Bearer {s['api_key'].get_secret_value()}"}
    )
    run = run_action(destination, "send", make_track_event(userId="u-1"), SETTINGS)
    assert run.result.status == "delivered"
    [sent] = run.sent()
    assert (sent["method"], sent["url"]) == ("POST", f"{TEST_BASE_URL}/events")
    assert sent["json"] == {"user_id": "u-1"}
    assert sent["headers"]["authorization"] == "Bearer [REDACTED]"
    assert run.transport.requests[0].headers["authorization"] == "Bearer k-123456"


def test_replies_answer_in_order_and_the_last_repeats() -> None:
    transport = CapturingTransport(replies(reply(500), reply(201), reply(202)))
    statuses = [
        httpx.Client(transport=transport).get("https://x.test/").status_code for _ in range(4)
    ]
    assert statuses == [500, 201, 202, 202]
    assert len(transport.requests) == 4


def test_run_events_uses_the_presets() -> None:
    events = [make_track_event(userId="u-1"), {"type": "identify", "userId": "u-2"}]
    results, transport = run_events(make_test_destination(), events, SETTINGS)
    assert [r.status for r in results] == ["delivered", "skipped"]
    assert len(transport.requests) == 1


def test_make_track_event_overrides_and_drops_keys() -> None:
    event = make_track_event("Signed Up", messageId=None, properties={"plan": "pro"})
    assert event["event"] == "Signed Up"
    assert event["properties"] == {"plan": "pro"}
    assert "messageId" not in event
    assert make_track_event() == make_track_event(), "deterministic"
