"""The Perkville destination: award loyalty points for Segment track events.

The contract is PERKVILLE.md; the action and its rules are in ``award_points``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from destinations.perkville.award_points import award_points
from framework import AuthenticationTest, Destination, Field, HttpRequest, Preset

if TYPE_CHECKING:
    from framework.sample_data import Sample

SETTINGS = {
    "api_key": Field(
        label="API Key",
        description="Token generated in Perkville > Settings > Apps > Connect Segment > "
        "Generate Token > Show token.",
        type="secret",
        required=True,
    ),
    "business_id": Field(
        label="Business ID",
        description="Your Perkville business ID (from Perkville support).",
        required=True,
    ),
    "location_id": Field(
        label="Location ID",
        description="Your Perkville location ID (from Perkville support).",
        required=True,
    ),
    "event_to_perk_map": Field(
        label="Event to Perk Map",
        description='Event name -> perk id, e.g. "Checked In" -> "123456". Its keys are the '
        "allowlist: other events are not sent.",
        type="object",
        values="string",
        required=True,
        default={},
    ),
    "send_email": Field(
        label="Send email",
        description="If a transaction is posted, Perkville emails the customer about it. "
        "Off suppresses the email.",
        type="boolean",
        required=True,
        default=False,
    ),
}


def bearer_token(settings: Mapping[str, Any]) -> dict[str, str]:
    """Every request carries the API key as a bearer token."""
    return {"Authorization": f"Bearer {settings['api_key'].get_secret_value()}"}


def business_lookup(settings: Mapping[str, Any]) -> HttpRequest:
    """The authentication test: read the configured business."""
    return HttpRequest("GET", f"/businesses/{quote(settings['business_id'], safe='')}/")


destination = Destination(
    name="Perkville",
    slug="perkville",
    description="Perkville is a customer reward and referral platform. Award points for "
    "allowlisted track events and remove them for refunds.",
    base_url="https://api.perkville.com/v2",
    settings=SETTINGS,
    actions={"award_points": award_points},
    presets=[Preset(name="Award Points", subscription='type = "track"', action="award_points")],
    authentication=AuthenticationTest(
        request=business_lookup,
        failures={401: "invalid API key", 403: "invalid API key", 404: "unknown business id"},
    ),
    extend_request=bearer_token,
)


def sample_overrides(sample: Sample) -> Sample:
    """Generated snapshot tests (``framework.sample_data``): Perkville sends only events named
    in ``event_to_perk_map``, so the generated event name is mapped to a perk."""
    perks = {sample.values["event_name"]: "123456"}
    return replace(sample, settings={**sample.settings, "event_to_perk_map": perks})
