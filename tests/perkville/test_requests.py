"""Snapshots lock every outgoing request shape: method, URL, headers (API key redacted) and
JSON body, exactly as they reached the transport."""

from __future__ import annotations

from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from destinations.perkville import destination
from framework import DestinationRunner
from framework.testing import (
    CapturingTransport,
    make_identify_event,
    make_track_event,
    run_action,
    sent_request,
)
from tests.perkville.support import API_KEY, SETTINGS


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def props(**properties: Any) -> dict[str, Any]:
    return {"email": "ann@example.com", **properties}


SHAPES: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {
    # name: (event, settings overrides, mapping)
    "award": (make_track_event("Checked In", properties=props()), {}, {}),
    "spend_by_revenue": (
        make_track_event("Order Completed", properties=props(order_id="o1", revenue=9.99)),
        {},
        {},
    ),
    "spend_by_value": (
        make_track_event("Order Completed", properties=props(order_id="o2", value=25, total=30)),
        {},
        {},
    ),
    "spend_by_total": (
        make_track_event("Order Completed", properties=props(order_id="o3", total=30)),
        {},
        {},
    ),
    "spend_by_numeric_string": (
        make_track_event("Order Completed", properties=props(order_id="o4", revenue="42.50")),
        {},
        {},
    ),
    "refund_with_order_id": (
        make_track_event("Order Refunded", properties=props(order_id="o1", total=9.99)),
        {},
        {},
    ),
    "refund_without_order_id": (make_track_event("Order Refunded", properties=props()), {}, {}),
    "send_email_true": (
        make_track_event("Checked In", properties=props()),
        {"send_email": True},
        {},
    ),
    "derived_trans_source_id": (
        make_track_event("Checked In", properties=props(), messageId=None),
        {},
        {},
    ),
    "once_per_calendar_day": (
        make_track_event("Checked In", properties=props()),
        {},
        {"limit_to_once_per_calendar_day": True},
    ),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_request_shape(shape: str, snapshot_json: SnapshotAssertion) -> None:
    event, overrides, mapping = SHAPES[shape]
    run = run_action(destination, "award_points", event, {**SETTINGS, **overrides}, mapping=mapping)
    assert run.result.status == "delivered", run.result.error
    sent = run.sent()
    assert len(sent) == 1
    assert sent == snapshot_json
    raw = run.transport.requests[0]
    assert raw.headers["authorization"] == f"Bearer {API_KEY}", "the real key is sent"
    assert API_KEY not in repr(sent), "and never shown"


ENGAGE_SHAPES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # name: (identify call, settings overrides)
    "audience_entered": (
        make_identify_event(traits={"email": "vip@example.com", "vip_customers": True}),
        {},
    ),
    "audience_entered_in_context_traits_anonymous_send_email": (
        make_identify_event(
            userId=None,
            traits={"email": "vip@example.com"},
            context={"traits": {"big_spenders": True}},
        ),
        {"send_email": True},
    ),
}


@pytest.mark.parametrize("shape", list(ENGAGE_SHAPES))
def test_engage_request_shape(shape: str, snapshot_json: SnapshotAssertion) -> None:
    event, overrides = ENGAGE_SHAPES[shape]
    audiences = {"vip_customers": "900", "big_spenders": "901"}
    settings = {**SETTINGS, "audience_to_perk_map": audiences, **overrides}
    run = run_action(destination, "award_perk_for_audience", event, settings)
    assert run.result.status == "delivered", run.result.error
    sent = run.sent()
    assert sent == snapshot_json
    assert len(sent) == 1
    assert API_KEY not in repr(sent)


def test_authentication_test_request(snapshot_json: SnapshotAssertion) -> None:
    transport = CapturingTransport()
    with DestinationRunner(destination, SETTINGS, transport=transport) as runner:
        assert runner.test_authentication().ok
        sent = [sent_request(request, runner.redactor) for request in transport.requests]
    assert sent == snapshot_json
    assert API_KEY not in repr(sent)
