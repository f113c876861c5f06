"""The "Award Points" action: every rule of PERKVILLE.md, each in one visible place.

1. Allowlist ............ ``check_allowlisted`` (the check hook: it reads only the event
                          name, so it comes before an email problem)
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

from destinations.perkville.settings import PerkvilleSettings
from destinations.perkville.transactions import transaction_request
from framework import (
    Action,
    Field,
    HttpRequest,
    IntegrationError,
    Payload,
    PayloadValidationError,
    first_of,
    first_string_of,
    path,
)

SPEND_AMOUNT_PATHS = ("$.properties.revenue", "$.properties.value", "$.properties.total")
# Rule 3's "non-empty order id", read from the event: ``@first``'s "has a value" (not
# missing, not null, not a string that is empty or only white space). ``has_order_id`` is
# the same test on the payload.
ORDER_ID = first_of("$.properties.order_id")


class AwardPoints(Payload):
    """What one track event gives the Award Points action."""

    event_name: str = Field(
        label="Event name",
        description="The track event's name; it must be a key of the Event to Perk Map.",
        default=path("$.event"),
    )
    email: str = Field(
        label="Email",
        description="The customer's email: the first non-empty string of the event's "
        "top-level email, properties.email and context.traits.email.",
        format="email",
        default=first_string_of("$.email", "$.properties.email", "$.context.traits.email"),
    )
    order_id: str | None = Field(
        label="Order ID",
        description="Set on a spend transaction, whose quantity is the amount: an order id "
        "that is empty or only white space is no order id.",
        default=ORDER_ID,
    )
    amount: float | None = Field(
        label="Amount",
        description="A spend transaction's amount: the first present of properties.revenue, "
        "properties.value and properties.total. Numeric strings are accepted.",
        default={"@if": {"exists": ORDER_ID, "then": first_of(*SPEND_AMOUNT_PATHS)}},
    )
    trans_source_id: str = Field(
        label="Transaction source ID",
        description="Perkville's per-business de-duplication key: the event's messageId, so a "
        "retried or replayed event never awards points twice.",
        default=path("$.messageId"),
    )
    limit_to_once_per_calendar_day: bool | None = Field(
        label="Limit to once per calendar day",
        description="Award the perk at most once per customer per calendar day (check-ins).",
        default=False,
    )


def check_allowlisted(settings: PerkvilleSettings, payload: AwardPoints) -> None:
    """Rule 1: only events named in ``event_to_perk_map`` (exact, case-sensitive) go out.
    The name is not echoed."""
    perks = settings.event_to_perk_map
    if payload.event_name not in perks:
        raise IntegrationError(
            "event_name: the event's name is not a key of event_to_perk_map (exact, "
            f"case-sensitive match); allowlisted events: {', '.join(sorted(perks)) or 'none'}",
            code="EVENT_NOT_ALLOWLISTED",
        )


def has_order_id(payload: AwardPoints) -> bool:
    """Rule 3: the payload's order id is set and not only white space (``ORDER_ID``'s test)."""
    return payload.order_id is not None and payload.order_id.strip() != ""


def quantity(payload: AwardPoints) -> float:
    """Rule 3: the amount of a spend (order id set), else 1; negative for refunds; never 0."""
    amount: float = 1
    if has_order_id(payload):
        if payload.amount is None:
            raise PayloadValidationError(
                "amount: is required for a spend transaction (order_id is set); none of "
                f"{', '.join(SPEND_AMOUNT_PATHS)} has a value"
            )
        amount = payload.amount
    if amount == 0:
        raise PayloadValidationError("quantity: is 0; there are no points to award or remove")
    if "refund" in payload.event_name.lower():
        return -abs(amount)
    return amount


def build_transaction(settings: PerkvilleSettings, payload: AwardPoints) -> HttpRequest:
    """Rules 3-6 and the request: one Perkville transaction."""
    return transaction_request(
        settings,
        perk=settings.event_to_perk_map[payload.event_name],
        email=payload.email,
        quantity=quantity(payload),
        trans_source_id=payload.trans_source_id,
        once_a_day=bool(payload.limit_to_once_per_calendar_day),
    )


award_points = Action(
    title="Award Points",
    description="Award Perkville points for an allowlisted track event, or remove them for a "
    "refund. Engage audiences sent as track events (Audience Entered) are awarded here when "
    "their event name is allowlisted in the Event to Perk Map.",
    payload=AwardPoints,
    perform=build_transaction,
    check=check_allowlisted,
    default_subscription='type = "track"',
)
