"""The "Award Perk for Audience" action (ours, off by default): Engage audiences that reach
Perkville as identify calls (PERKVILLE.md "Engage").

Engage sends an identify call per audience change, with one boolean trait per audience
(the snake_cased audience name): ``true`` when the user entered it, ``false`` when they
left. Rules, in order, each in one place:

1. Configured ......... ``check_audience`` (the check hook): nothing is sent while
                        ``audience_to_perk_map`` is empty (skipped, with the reason)
2. Audience ........... ``check_audience`` / ``entered_audiences``: the keys of the map whose
                        trait is ``true`` (the boolean; ``"true"`` or ``1`` are not), in the
                        ``traits`` field (the call's traits over its context.traits). None:
                        skipped, with the reason (``false`` means the user left: nothing is
                        awarded or removed). Several: refused, ``PAYLOAD_VALIDATION_FAILED``,
                        since one call posts one transaction and Engage sends one call per
                        audience.
3. Email .............. the ``email`` field: rule 2 of Award Points with ``traits`` in the
                        place of ``properties``: top-level email, traits.email,
                        context.traits.email
4. Perk and quantity .. ``audience_to_perk_map[audience]``, quantity 1
5. Once per user ...... ``audience_source_id``: ``trans_source_id`` derived from the business,
                        the audience key and the ``user_id`` field (userId, else anonymousId),
                        so Perkville applies one award per user and audience, however often
                        Engage sends the call again
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from destinations.perkville.settings import PerkvilleSettings
from destinations.perkville.transactions import transaction_request
from framework import (
    Action,
    Field,
    HttpRequest,
    Payload,
    PayloadValidationError,
    first_of,
    first_string_of,
)

EMAIL_PATHS = ("$.email", "$.traits.email", "$.context.traits.email")


class AudienceAward(Payload):
    """What one Engage identify call gives the Award Perk for Audience action."""

    traits: dict[str, Any] = Field(
        label="Audience traits",
        description="The identify call's traits over its context.traits: an audience of the "
        "Audience to Perk Map is entered when its trait is true.",
        default={"@merge": {"objects": [{"@path": "$.context.traits"}, {"@path": "$.traits"}]}},
    )
    email: str = Field(
        label="Email",
        description="The customer's email: the first non-empty string of the call's "
        "top-level email, traits.email and context.traits.email.",
        format="email",
        default=first_string_of(*EMAIL_PATHS),
    )
    user_id: str = Field(
        label="User ID",
        description="Who is awarded, once per audience: the call's userId, else its anonymousId.",
        default=first_of("$.userId", "$.anonymousId"),
    )


def entered_audiences(settings: PerkvilleSettings, traits: dict[str, Any]) -> list[str]:
    """The keys of ``audience_to_perk_map`` (in its order) whose trait is the boolean true."""
    return [key for key in settings.audience_to_perk_map if traits.get(key) is True]


def check_audience(settings: PerkvilleSettings, payload: AudienceAward) -> str | None:
    """Rules 1 and 2: the reason to skip the call, None to go on; several audiences at
    once are refused."""
    perks = settings.audience_to_perk_map
    if not perks:
        return "audience_to_perk_map is empty: there is no audience to award a perk for"
    entered = entered_audiences(settings, payload.traits)
    if not entered:
        return (
            "no audience of audience_to_perk_map is true in the call's traits (false: the "
            "user left the audience; nothing is awarded or removed)"
        )
    if len(entered) > 1:
        positions = [str(list(perks).index(key) + 1) for key in entered]
        raise PayloadValidationError(
            f"traits: {len(entered)} audiences of audience_to_perk_map are true in one call "
            f"(entries {', '.join(positions)}); one call awards one audience: send one "
            "identify call per audience, as Engage does"
        )
    return None


def audience_source_id(business_id: str, audience: str, user_id: str) -> str:
    """Rule 5: ``audience-`` and 128 bits of the SHA-256 of the canonical JSON of
    ``[business, audience key, user]``: the same for every call of that user and audience."""
    canonical = json.dumps([business_id, audience, user_id], separators=(",", ":"))
    return "audience-" + hashlib.sha256(canonical.encode()).hexdigest()[:32]


def build_audience_transaction(settings: PerkvilleSettings, payload: AudienceAward) -> HttpRequest:
    """Rules 4 and 5 and the request: one transaction of quantity 1 for the audience."""
    [audience] = entered_audiences(settings, payload.traits)
    return transaction_request(
        settings,
        perk=settings.audience_to_perk_map[audience],
        email=payload.email,
        quantity=1,
        trans_source_id=audience_source_id(settings.business_id, audience, payload.user_id),
    )


award_perk_for_audience = Action(
    title="Award Perk for Audience",
    description="Award a perk (quantity 1) once per user when an Engage identify call sets "
    "an audience of the Audience to Perk Map to true. Its preset is off by default: enable "
    "it by giving this action a mapping (--mapping, or mappings in the runtime "
    "configuration; {} is enough).",
    payload=AudienceAward,
    perform=build_audience_transaction,
    check=check_audience,
    default_subscription='type = "identify"',
)
