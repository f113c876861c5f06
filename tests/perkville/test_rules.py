"""Every rule of PERKVILLE.md "Supported method", one table per rule."""

from __future__ import annotations

from typing import Any

import pytest

from destinations.perkville import destination
from destinations.perkville.award_points import ORDER_ID, AwardPoints, has_order_id
from framework import MISSING
from framework.authoring.model import build
from framework.languages.mapping import compile_mapping
from framework.testing import ActionRun, make_identify_event, make_track_event, run_action
from tests.perkville.support import SETTINGS


def award(
    event: dict[str, Any], settings: dict[str, Any] | None = None, **options: Any
) -> ActionRun:
    return run_action(destination, "award_points", event, settings or SETTINGS, **options)


def body(run: ActionRun) -> dict[str, Any]:
    assert run.result.status == "delivered", run.result.error
    [request] = run.sent()
    return request["json"]


def order(name: str = "Order Completed", **properties: Any) -> dict[str, Any]:
    return make_track_event(name, properties={"email": "ann@example.com", **properties})


def named(name: object) -> dict[str, Any]:
    """A track event whose name is ``name`` (left out when None)."""
    event = {**make_track_event("x", properties={"email": "ann@example.com"}), "event": name}
    return {key: value for key, value in event.items() if value is not None}


def checkin(email: str = "ann@example.com", **overrides: Any) -> dict[str, Any]:
    return make_track_event("Checked In", properties={"email": email}, **overrides)


# Rule 1: allowlist ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(order("Product Viewed"), id="not a key of the map"),
        pytest.param(order("checked in"), id="match is case-sensitive"),
        pytest.param(order("Checked In "), id="match is exact"),
        pytest.param(make_track_event("Product Viewed"), id="before email validation"),
    ],
)
def test_events_not_in_the_map_fail_and_send_nothing(event: dict[str, Any]) -> None:
    run = award(event)
    assert run.result.status == "failed"
    assert run.result.error is not None
    assert run.result.error.code == "EVENT_NOT_ALLOWLISTED"
    assert run.result.error.retryable is False
    assert "event_to_perk_map" in run.result.error.message
    assert event["event"] not in run.result.error.message, "the event's name is not echoed"
    assert run.sent() == []


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(True, id="boolean"),
        pytest.param({"name": "Checked In"}, id="object"),
        pytest.param(["Checked In"], id="array"),
        pytest.param(None, id="null"),
        pytest.param("", id="empty"),
    ],
)
def test_a_name_that_does_not_convert_to_text_is_a_validation_error(name: object) -> None:
    """Conversion comes first: the allowlist check reads the name, which did not convert,
    so the conversion problem is what is reported (nothing is sent)."""
    run = award(named(name))
    error = run.result.error
    assert error is not None
    assert (error.code, error.retryable) == ("PAYLOAD_VALIDATION_FAILED", False)
    assert error.message.startswith("event_name: ")
    assert run.sent() == []


@pytest.mark.parametrize("name", [pytest.param(42, id="integer"), pytest.param(4.5, id="fraction")])
def test_a_numeric_name_is_its_text_and_not_allowlisted_unless_that_text_is_a_key(
    name: float, settings: dict[str, Any]
) -> None:
    error = award(named(name)).result.error
    assert error is not None
    assert error.code == "EVENT_NOT_ALLOWLISTED"
    settings["event_to_perk_map"] = {str(name): "555"}
    assert award(named(name), settings).result.status == "delivered"


def test_an_empty_map_allowlists_nothing(settings: dict[str, Any]) -> None:
    settings["event_to_perk_map"] = {}
    error = award(order(), settings).result.error
    assert error is not None
    assert error.code == "EVENT_NOT_ALLOWLISTED"


# Rule 2: email ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param(
            {
                "email": "top@example.com",
                "properties": {"email": "props@example.com"},
                "context": {"traits": {"email": "traits@example.com"}},
            },
            "top@example.com",
            id="top level first",
        ),
        pytest.param(
            {
                "properties": {"email": "props@example.com"},
                "context": {"traits": {"email": "traits@example.com"}},
            },
            "props@example.com",
            id="then properties",
        ),
        pytest.param(
            {"context": {"traits": {"email": "traits@example.com"}}},
            "traits@example.com",
            id="then context traits",
        ),
        pytest.param(
            {
                "email": "",
                "properties": {"email": "  "},
                "context": {"traits": {"email": "t@x.io"}},
            },
            "t@x.io",
            id="empty and blank strings are skipped",
        ),
        pytest.param(
            {"email": None, "properties": {"email": "p@x.io"}},
            "p@x.io",
            id="null is skipped",
        ),
        pytest.param({"email": "  padded@example.com\t"}, "padded@example.com", id="stripped"),
    ],
)
def test_email_is_the_first_non_empty_of_three_places(
    overrides: dict[str, Any], expected: str
) -> None:
    assert body(award(make_track_event("Checked In", **overrides)))["email"] == expected


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param(
            {"email": 42, "properties": {"email": "a@b.co"}}, "a@b.co", id="number at top level"
        ),
        pytest.param(
            {"email": {"address": "x@y.io"}, "context": {"traits": {"email": "t@x.io"}}},
            "t@x.io",
            id="object at top level",
        ),
        pytest.param(
            {"properties": {"email": ["p@x.io"]}, "context": {"traits": {"email": "t@x.io"}}},
            "t@x.io",
            id="array in properties",
        ),
        pytest.param(
            {
                "email": True,
                "properties": {"email": 0},
                "context": {"traits": {"email": "t@x.io"}},
            },
            "t@x.io",
            id="non-strings at both earlier places",
        ),
    ],
)
def test_a_non_string_email_place_is_skipped_for_the_next(
    overrides: dict[str, Any], expected: str
) -> None:
    assert body(award(make_track_event("Checked In", **overrides)))["email"] == expected


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({}, id="missing everywhere"),
        pytest.param({"email": " ", "properties": {"email": ""}}, id="only blank strings"),
        pytest.param({"email": "not-an-email"}, id="not an email address"),
        pytest.param({"properties": {"email": "ann@"}}, id="no domain"),
        pytest.param({"email": 42}, id="not a string"),
        pytest.param(
            {"email": 42, "properties": {"email": False}, "context": {"traits": {"email": {}}}},
            id="not a string anywhere",
        ),
    ],
)
def test_missing_or_invalid_email_fails_naming_the_three_places(overrides: dict[str, Any]) -> None:
    run = award(make_track_event("Checked In", **overrides))
    error = run.result.error
    assert error is not None
    assert error.code == "PAYLOAD_VALIDATION_FAILED"
    assert error.retryable is False
    assert "email" in error.message
    for place in ("$.email", "$.properties.email", "$.context.traits.email"):
        assert place in error.message
    assert run.sent() == []


# Rule 3: quantity -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "quantity"),
    [
        pytest.param(make_track_event("Checked In", email="a@x.io"), 1, id="no order id: 1"),
        pytest.param(order(order_id="o1", revenue=9.99), 9.99, id="spend: revenue"),
        pytest.param(order(order_id="o1", value=25, total=30), 25, id="spend: value before total"),
        pytest.param(order(order_id="o1", total=30), 30, id="spend: total"),
        pytest.param(
            order(order_id="o1", revenue=1, value=2, total=3), 1, id="spend: revenue first"
        ),
        pytest.param(order(order_id="o1", revenue=None, value=5), 5, id="null is not present"),
        pytest.param(order(order_id="o1", revenue="", total=7), 7, id="empty is not present"),
        pytest.param(order(order_id="o1", revenue="9.99"), 9.99, id="numeric string"),
        pytest.param(order(order_id="o1", total=" 42.50 "), 42.5, id="numeric string, padded"),
        pytest.param(order(order_id="o1", revenue="10"), 10, id="integer string"),
        pytest.param(order(order_id=12345, revenue=3), 3, id="numeric order id"),
        pytest.param(order(order_id="", revenue=9), 1, id="empty order id: not a spend"),
        pytest.param(order(order_id=None, revenue=9), 1, id="null order id: not a spend"),
        pytest.param(order(revenue="n/a"), 1, id="amount ignored without order id"),
        pytest.param(order(order_id="", revenue="n/a"), 1, id="amount ignored, empty order id"),
        pytest.param(order(order_id="  ", revenue=9), 1, id="blank order id: not a spend"),
        pytest.param(
            order(order_id=" \t\n", revenue="n/a"), 1, id="amount ignored, blank order id"
        ),
        pytest.param(order(order_id="  ", total=5), 1, id="blank order id, amount not read"),
        pytest.param(order(order_id=0, revenue=4), 4, id="order id 0 is an order id"),
        pytest.param(order("Order Refunded", order_id=" "), -1, id="refund, blank order id"),
        pytest.param(order("Order Refunded", order_id="o1", total=9.99), -9.99, id="refund"),
        pytest.param(
            order("Order Refunded", order_id="o1", revenue=-9.99), -9.99, id="refund of negative"
        ),
        pytest.param(order("Order Refunded"), -1, id="refund without order id"),
        pytest.param(order("REFUND issued"), -1, id="refund, any case"),
    ],
)
def test_quantity(event: dict[str, Any], quantity: float) -> None:
    sent = body(award(event))["quantity"]
    assert sent == quantity
    assert type(sent) is type(quantity)


@pytest.mark.parametrize(
    ("event", "mentions"),
    [
        pytest.param(order(order_id="o1"), "$.properties.revenue", id="spend without amount"),
        pytest.param(order(order_id="o1", revenue="abc"), "amount", id="non-numeric"),
        pytest.param(order(order_id="o1", revenue="NaN"), "amount", id="NaN"),
        pytest.param(order(order_id="o1", value="Infinity"), "amount", id="infinite"),
        pytest.param(order(order_id="o1", total=True), "amount", id="boolean"),
        pytest.param(order(order_id="o1", revenue={"usd": 3}), "amount", id="object"),
        pytest.param(order(order_id="o1", revenue=0), "quantity: is 0", id="zero"),
        pytest.param(order(order_id="o1", revenue="0.00"), "quantity: is 0", id="zero string"),
        pytest.param(
            order("Order Refunded", order_id="o1", total=0), "quantity: is 0", id="zero refund"
        ),
    ],
)
def test_invalid_quantities_fail_validation(event: dict[str, Any], mentions: str) -> None:
    run = award(event)
    assert run.result.error is not None
    assert run.result.error.code == "PAYLOAD_VALIDATION_FAILED"
    assert mentions in run.result.error.message
    assert run.sent() == []


@pytest.mark.parametrize("order_id", ["o1", " o1 ", "", "  ", "\t\n", 12345, 0])
def test_one_definition_of_a_non_empty_order_id(order_id: str | int) -> None:
    """The amount's default mapping (on the event) and the quantity (on the payload, where
    the order id is text) agree on what a non-empty order id is."""
    expected = str(order_id).strip() != ""
    on_event = compile_mapping(ORDER_ID)(order(order_id=order_id)) is not MISSING
    assert on_event is expected
    assert has_order_id(build(AwardPoints, {"order_id": str(order_id)})) is expected
    assert body(award(order(order_id=order_id, revenue=7)))["quantity"] == (7 if expected else 1)


# Rule 4: perk -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "perk"), [("Order Completed", "555"), ("Checked In", "007"), ("REFUND issued", "556")]
)
def test_perk_is_the_configured_string(name: str, perk: str) -> None:
    assert body(award(order(name)))["perk"] == perk


# Rule 5: idempotency ----------------------------------------------------------------------


def test_trans_source_id_is_the_message_id() -> None:
    assert body(award(checkin(messageId="abc-123")))["trans_source_id"] == "abc-123"


def test_without_message_id_one_is_derived_from_the_content() -> None:
    first = body(award(checkin(messageId=None)))["trans_source_id"]
    again = body(award(checkin(messageId=None, receivedAt="2030-01-01T00:00:00Z", sentAt="x")))
    other = body(award(checkin("bob@example.com", messageId=None)))
    assert first.startswith("derived-")
    assert len(first) == len("derived-") + 32
    assert again["trans_source_id"] == first, "a replay (new transport times) keeps the id"
    assert other["trans_source_id"] != first, "different content, different id"


@pytest.mark.parametrize("message_id", ["", "   "])
def test_a_blank_message_id_is_replaced_by_a_derived_one(message_id: str) -> None:
    assert body(award(checkin(messageId=message_id)))["trans_source_id"].startswith("derived-")


# Rule 6: once a day -----------------------------------------------------------------------


def test_once_a_day_is_off_by_default_and_not_sent() -> None:
    assert "limit_to_once_per_calendar_day" not in body(award(order("Checked In")))


@pytest.mark.parametrize(
    ("mapping", "event", "sent"),
    [
        pytest.param({"limit_to_once_per_calendar_day": True}, order("Checked In"), True, id="on"),
        pytest.param(
            {"limit_to_once_per_calendar_day": False}, order("Checked In"), None, id="off"
        ),
        pytest.param(
            {"limit_to_once_per_calendar_day": {"@path": "$.properties.daily"}},
            order("Checked In", daily=True),
            True,
            id="mapped from the event",
        ),
        pytest.param(
            {"limit_to_once_per_calendar_day": {"@path": "$.properties.daily"}},
            order("Checked In"),
            None,
            id="mapped, absent",
        ),
    ],
)
def test_once_a_day_is_a_mappable_field(
    mapping: dict[str, Any], event: dict[str, Any], sent: bool | None
) -> None:
    assert body(award(event, mapping=mapping)).get("limit_to_once_per_calendar_day") is sent


# Settings that reach the body -------------------------------------------------------------


@pytest.mark.parametrize("send_email", [True, False])
def test_send_email_and_ids_come_from_settings(settings: dict[str, Any], send_email: bool) -> None:
    settings["send_email"] = send_email
    sent = body(award(order(), settings))
    assert sent["send_email"] is send_email
    assert (sent["business"], sent["location"]) == ("4242", "17")


def test_send_email_defaults_to_false(settings: dict[str, Any]) -> None:
    del settings["send_email"]
    assert body(award(order(), settings))["send_email"] is False


# Engage and identify ----------------------------------------------------------------------


def test_an_allowlisted_audience_event_awards_points() -> None:
    event = make_track_event("Audience Entered", context={"traits": {"email": "vip@example.com"}})
    sent = body(award(event))
    assert (sent["perk"], sent["email"], sent["quantity"]) == ("900", "vip@example.com", 1)


def test_an_identify_sent_to_award_points_fails_validation_naming_the_event_name() -> None:
    run = award(make_identify_event(traits={"email": "gus@example.com"}))
    assert run.result.error is not None
    assert run.result.error.code == "PAYLOAD_VALIDATION_FAILED"
    assert "event_name: is required (mapped from $.event)" in run.result.error.message
    assert run.sent() == []


# The example of PERKVILLE.md --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "quantity"), [("Order Completed", 9.99), ("Order Refunded", -9.99)]
)
def test_the_documented_example(name: str, quantity: float, settings: dict[str, Any]) -> None:
    settings["event_to_perk_map"] = {"Order Completed": "555", "Order Refunded": "555"}
    event = make_track_event(
        name,
        properties={
            "order_id": "o283h08fh2390f923uofu23",
            "revenue": 9.99,
            "email": "example@example.com",
        },
    )
    sent = body(award(event, settings))
    assert (sent["quantity"], sent["perk"], sent["email"]) == (
        quantity,
        "555",
        "example@example.com",
    )
