"""The "Award Points" action: every rule of PERKVILLE.md, each in one visible place.

1. Allowlist ............ ``check_allowlisted`` (runs before field validation; a name that
                          is not a string is never a key of the map)
2. Email ................ the ``email`` field: the first non-empty string of three places
                          (``first_string_of``: other types are skipped), stripped, must
                          be an email address (format ``email``)
3. Quantity ............. ``quantity`` (spend / default 1 / refund / zero); "a non-empty order
                          id" is ``ORDER_ID`` on the event and ``has_order_id`` on the payload
4. Perk ................. ``build_transaction``: ``event_to_perk_map[event name]``, as configured
5. Idempotency .......... the ``trans_source_id`` field: the event's ``messageId``; the
                          framework derives one from the event's content when it has none
6. Once a day ........... the ``limit_to_once_per_calendar_day`` field
The request body field names live only in :mod:`destinations.perkville.transactions`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from destinations.perkville.transactions import transaction_request
from framework import Action, Field, HttpRequest, IntegrationError, PayloadValidationError
from framework.mapping import MISSING, first_of, first_string_of, path

SPEND_AMOUNT_PATHS = ("$.properties.revenue", "$.properties.value", "$.properties.total")
# Rule 3's "non-empty order id", read from the event: ``@first``'s "has a value" (not
# missing, not null, not a string that is empty or only white space). ``has_order_id`` is
# the same test on the payload.
ORDER_ID = first_of("$.properties.order_id")

FIELDS = {
    "event_name": Field(
        label="Event name",
        description="The track event's name; it must be a key of the Event to Perk Map.",
        type="string",
        required=True,
        default=path("$.event"),
    ),
    "email": Field(
        label="Email",
        description="The customer's email: the first non-empty string of the event's "
        "top-level email, properties.email and context.traits.email.",
        type="string",
        format="email",
        required=True,
        default=first_string_of("$.email", "$.properties.email", "$.context.traits.email"),
    ),
    "order_id": Field(
        label="Order ID",
        description="Set on a spend transaction, whose quantity is the amount: an order id "
        "that is empty or only white space is no order id.",
        type="string",
        default=ORDER_ID,
    ),
    "amount": Field(
        label="Amount",
        description="A spend transaction's amount: the first present of properties.revenue, "
        "properties.value and properties.total. Numeric strings are accepted.",
        type="number",
        default={"@if": {"exists": ORDER_ID, "then": first_of(*SPEND_AMOUNT_PATHS)}},
    ),
    "trans_source_id": Field(
        label="Transaction source ID",
        description="Perkville's per-business de-duplication key: the event's messageId, so a "
        "retried or replayed event never awards points twice.",
        type="string",
        required=True,
        default=path("$.messageId"),
    ),
    "limit_to_once_per_calendar_day": Field(
        label="Limit to once per calendar day",
        description="Award the perk at most once per customer per calendar day (check-ins).",
        type="boolean",
        default=False,
    ),
}


def check_allowlisted(settings: Mapping[str, Any], resolved: Mapping[str, Any]) -> None:
    """Rule 1: only events named in ``event_to_perk_map`` (exact, case-sensitive) go out. A
    name that is not a string (a number, an object...) is never a key; a missing or null
    one is left to validation (``event_name: is required``). The name is not echoed."""
    name = resolved.get("event_name", MISSING)
    if name is MISSING or name is None:
        return
    perks = settings["event_to_perk_map"]
    if not isinstance(name, str) or name not in perks:
        what = "is not a key" if isinstance(name, str) else "is not a string, so not a key"
        raise IntegrationError(
            f"event_name: the event's name {what} of event_to_perk_map (exact, "
            f"case-sensitive match); allowlisted events: {', '.join(sorted(perks)) or 'none'}",
            code="EVENT_NOT_ALLOWLISTED",
        )


def has_order_id(payload: Mapping[str, Any]) -> bool:
    """Rule 3: the payload's order id is set and not only white space (``ORDER_ID``'s test)."""
    order_id = payload.get("order_id")
    return isinstance(order_id, str) and order_id.strip() != ""


def quantity(payload: Mapping[str, Any]) -> int | float:
    """Rule 3: the amount of a spend (order id set), else 1; negative for refunds; never 0."""
    if has_order_id(payload):
        if "amount" not in payload:
            raise PayloadValidationError(
                "amount: is required for a spend transaction (order_id is set); none of "
                f"{', '.join(SPEND_AMOUNT_PATHS)} has a value"
            )
        amount: int | float = payload["amount"]
    else:
        amount = 1
    if amount == 0:
        raise PayloadValidationError("quantity: is 0; there are no points to award or remove")
    if "refund" in payload["event_name"].lower():
        return -abs(amount)
    return amount


def build_transaction(settings: Mapping[str, Any], payload: Mapping[str, Any]) -> HttpRequest:
    """Rules 3-6 and the request: one Perkville transaction."""
    return transaction_request(
        settings,
        perk=settings["event_to_perk_map"][payload["event_name"]],
        email=payload["email"],
        quantity=quantity(payload),
        trans_source_id=payload["trans_source_id"],
        once_a_day=bool(payload.get("limit_to_once_per_calendar_day")),
    )


award_points = Action(
    title="Award Points",
    description="Award Perkville points for an allowlisted track event, or remove them for a "
    "refund. Engage audiences sent as track events (Audience Entered) are awarded here when "
    "their event name is allowlisted in the Event to Perk Map.",
    fields=FIELDS,
    perform=build_transaction,
    precheck=check_allowlisted,
    default_subscription='type = "track"',
)
