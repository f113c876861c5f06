"""The "Award Points" action: every rule of PERKVILLE.md, each in one visible place.

1. Allowlist ............ ``check_allowlisted`` (runs before field validation)
2. Email ................ the ``email`` field: first non-empty of three places, stripped,
                          must be an email address (format ``email``)
3. Quantity ............. ``quantity`` (spend / default 1 / refund / zero)
4. Perk ................. ``build_transaction``: ``event_to_perk_map[event name]``, as configured
5. Idempotency .......... the ``trans_source_id`` field: the event's ``messageId``; the
                          framework derives one from the event's content when it has none
6. Once a day ........... the ``limit_to_once_per_calendar_day`` field
The request body field names live only in ``build_transaction``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from framework import Action, Field, HttpRequest, IntegrationError, PayloadValidationError
from framework.mapping import first_of, path

SPEND_AMOUNT_PATHS = ("$.properties.revenue", "$.properties.value", "$.properties.total")

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
        description="The customer's email: the first non-empty of the event's top-level "
        "email, properties.email and context.traits.email.",
        type="string",
        format="email",
        required=True,
        default=first_of("$.email", "$.properties.email", "$.context.traits.email"),
    ),
    "order_id": Field(
        label="Order ID",
        description="Present and non-empty on a spend transaction, whose quantity is the amount.",
        type="string",
        default=path("$.properties.order_id"),
    ),
    "amount": Field(
        label="Amount",
        description="A spend transaction's amount: the first present of properties.revenue, "
        "properties.value and properties.total. Numeric strings are accepted.",
        type="number",
        default={
            "@if": {  # "blank": then when the order id is neither missing, null nor ""
                "blank": path("$.properties.order_id"),
                "then": first_of(*SPEND_AMOUNT_PATHS),
            }
        },
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
    """Rule 1: only events named in ``event_to_perk_map`` (exact, case-sensitive) go out."""
    name = resolved.get("event_name")
    if isinstance(name, str) and name not in settings["event_to_perk_map"]:
        raise IntegrationError(
            f"event {name!r} is not in event_to_perk_map; allowlisted events: "
            f"{', '.join(sorted(settings['event_to_perk_map'])) or 'none'}",
            code="EVENT_NOT_ALLOWLISTED",
        )


def quantity(payload: Mapping[str, Any]) -> int | float:
    """Rule 3: the amount of a spend (order id set), else 1; negative for refunds; never 0."""
    order_id = payload.get("order_id")
    if order_id and order_id.strip():
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
    body: dict[str, Any] = {
        "business": settings["business_id"],
        "location": settings["location_id"],
        "perk": settings["event_to_perk_map"][payload["event_name"]],
        "email": payload["email"],
        "quantity": quantity(payload),
        "send_email": settings["send_email"],
        "trans_source_id": payload["trans_source_id"],
    }
    if payload.get("limit_to_once_per_calendar_day"):
        body["limit_to_once_per_calendar_day"] = True
    return HttpRequest("POST", "/transactions/", json=body)


award_points = Action(
    title="Award Points",
    description="Award Perkville points for an allowlisted track event, or remove them for a "
    "refund.",
    fields=FIELDS,
    perform=build_transaction,
    precheck=check_allowlisted,
    default_subscription='type = "track"',
)
