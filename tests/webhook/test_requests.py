"""Snapshots lock every outgoing request shape of the webhook: method, URL, headers (the
shared secret never shown, the signature shown) and JSON body, as they reached the
transport. Signatures are recomputed here, independently."""

from __future__ import annotations

import json
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from destinations.webhook import destination
from framework.testing import CapturingTransport, reply, run_action, run_events, sent_request
from tests.webhook.support import (
    SECRET,
    SETTINGS,
    hmac_signature,
    identify,
    runner,
    track,
)

CUSTOM_HEADERS = {"X-Team": "growth", "Authorization": "Bearer tenant-token", "User-Agent": "x/1"}

SHAPES: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {
    # name: (settings overrides, events: one is sent alone, several as one batch)
    "post": ({}, [track(1)]),
    "put": ({"method": "PUT"}, [track(1)]),
    "patch": ({"method": "PATCH"}, [track(1)]),
    "identify": ({}, [identify(1)]),
    "custom_headers": ({"headers": CUSTOM_HEADERS}, [track(1)]),
    "signed": ({"shared_secret": SECRET}, [track(1)]),
    "signed_put_with_headers": (
        {"shared_secret": SECRET, "method": "PUT", "headers": {"X-Team": "growth"}},
        [track(1)],
    ),
    "batch": ({}, [track(1), identify(2), track(3)]),
    "signed_batch": ({"shared_secret": SECRET, "method": "PATCH"}, [track(1), track(2)]),
}


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_request_shape(shape: str, snapshot_json: SnapshotAssertion) -> None:
    overrides, events = SHAPES[shape]
    transport = CapturingTransport()
    with runner({**SETTINGS, **overrides}, transport) as run:
        results = run.process(events[0]) if len(events) == 1 else run.process_batch(events)
        sent = [sent_request(request, run.redactor) for request in transport.requests]
    assert [result.status for result in results] == ["delivered"] * len(events)
    [raw] = transport.requests
    assert sent == snapshot_json
    body = json.loads(raw.content)
    assert body == (events[0] if len(events) == 1 else events), "the whole event, by default"
    assert raw.headers["content-type"] == "application/json"
    if "shared_secret" in overrides:
        assert raw.headers["x-signature"] == hmac_signature(raw.content)
        assert sent[0]["headers"]["x-signature"] == raw.headers["x-signature"], "shown as sent"
    else:
        assert "x-signature" not in raw.headers
    assert SECRET not in repr(sent)
    assert SECRET not in json.dumps([result.to_json() for result in results])


def test_the_signature_is_of_the_exact_bytes_sent_and_changes_with_them() -> None:
    transport = CapturingTransport()
    with runner({**SETTINGS, "shared_secret": SECRET}, transport) as run:
        run.process(track(1))
        run.process(track(2))
    first, second = transport.requests
    assert first.headers["x-signature"] == hmac_signature(first.content)
    assert second.headers["x-signature"] == hmac_signature(second.content)
    assert first.headers["x-signature"] != second.headers["x-signature"]
    assert first.headers["x-signature"] != hmac_signature(first.content, "another-secret")
    assert first.content.startswith(b'{"type":"track"'), "compact JSON, in the event's order"


def test_the_result_shows_the_signature_and_hides_the_secret_and_credentials() -> None:
    settings = {**SETTINGS, "shared_secret": SECRET, "headers": CUSTOM_HEADERS}
    with runner(settings, dry_run=True) as run:
        [result] = run.process(track(1))
    assert result.status == "dry_run"
    assert result.request is not None
    headers = result.request["headers"]
    assert headers["X-Signature"].startswith("sha256=")
    assert len(headers["X-Signature"]) == len("sha256=") + 64
    assert headers["Authorization"] == "Bearer [REDACTED]"
    assert headers["X-Team"] == "growth"
    assert headers["User-Agent"] == "x/1", "custom headers replace the framework's defaults"
    assert SECRET not in json.dumps(result.to_json())


def test_a_secret_echoed_by_the_receiver_is_redacted() -> None:
    transport = CapturingTransport(reply(401, {"message": f"bad signature for {SECRET}"}))
    with runner({**SETTINGS, "shared_secret": SECRET}, transport) as run:
        [result] = run.process(track(1))
    assert result.error is not None
    assert (result.error.code, result.error.retryable) == ("INVALID_AUTHENTICATION", False)
    assert result.error.message == "HTTP 401 Unauthorized: bad signature for [REDACTED]"


def test_run_action_sends_to_a_public_ip_literal_without_any_name_resolution() -> None:
    settings = {"url": "https://93.184.216.34/hooks/segment", "shared_secret": SECRET}
    run = run_action(destination, "send", track(1), settings)
    assert run.result.status == "delivered", run.result.error
    [sent] = run.sent()
    assert (sent["method"], sent["url"]) == ("POST", "https://93.184.216.34/hooks/segment")
    assert sent["json"] == track(1)
    raw = run.transport.requests[0]
    assert raw.headers["x-signature"] == hmac_signature(raw.content)


def test_a_user_mapping_chooses_what_is_sent() -> None:
    mapping = {"data": {"user": {"@path": "$.userId"}, "what": {"@path": "$.event"}}}
    run = run_action(
        destination, "send", track(7), {"url": "http://93.184.216.34/x"}, mapping=mapping
    )
    assert run.result.status == "delivered", run.result.error
    assert run.sent()[0]["json"] == {"user": "user-1234", "what": "Event 7"}


def test_the_preset_sends_every_event_type() -> None:
    kinds = ["track", "identify", "page", "screen", "group", "alias"]
    events: list[object] = [
        {"type": kind, "messageId": f"m-{kind}", "userId": "u-1"} for kind in kinds
    ]
    events.append({"type": "unknown", "messageId": "m-unknown"})
    results, transport = run_events(destination, events, {"url": "https://93.184.216.34/"})
    assert [(r.message_id, r.status) for r in results] == [
        *[(f"m-{kind}", "delivered") for kind in kinds],
        ("m-unknown", "skipped"),
    ]
    assert [json.loads(r.content)["type"] for r in transport.requests] == kinds
    [preset] = destination.presets
    assert preset.name == "Send all events"
