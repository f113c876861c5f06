"""The Perkville destination: award loyalty points for Segment track events.

The contract is PERKVILLE.md; the actions and their rules are in ``award_points`` and
``award_perk_for_audience`` (Engage audiences as identify calls, off by default), the
request they both send in ``transactions``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from destinations.perkville.award_perk_for_audience import award_perk_for_audience
from destinations.perkville.award_points import award_points
from framework import AuthenticationTest, Destination, Field, HttpRequest, Preset, SettingsError

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
    "audience_to_perk_map": Field(
        label="Audience to Perk Map",
        description="Engage audience key (the snake_cased audience name) -> perk id, for the "
        "Award Perk for Audience action: a user entering the audience is awarded the perk "
        "once. Empty: that action never sends.",
        type="object",
        values="string",
        default={},
    ),
}
PERK_MAPS = ("event_to_perk_map", "audience_to_perk_map")
ENGAGE_ACTION = "Award Perk for Audience"


def check_perk_ids(settings: Mapping[str, Any]) -> None:
    """Every perk id of the perk maps is non-empty (their types are checked by the fields);
    an empty one is named by its map and its position, never by a value."""
    problems = [
        f"{name}: the perk id of entry {position} is empty"
        for name in PERK_MAPS
        for position, perk in enumerate(settings[name].values(), start=1)
        if not perk.strip()
    ]
    if problems:
        raise SettingsError(f"invalid settings for perkville: {'; '.join(problems)}")


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
    "allowlisted track events and remove them for refunds. Engage audiences work two ways: "
    "sent as track events (Audience Entered), allowlisted in the Event to Perk Map; or sent "
    f"as identify calls, awarded by the action {ENGAGE_ACTION} from the Audience to Perk "
    "Map (its preset is off by default).",
    base_url="https://api.perkville.com/v2",
    settings=SETTINGS,
    actions={"award_points": award_points, "award_perk_for_audience": award_perk_for_audience},
    presets=[
        Preset(name="Award Points", subscription='type = "track"', action="award_points"),
        Preset(
            name=ENGAGE_ACTION,
            subscription='type = "identify"',
            action="award_perk_for_audience",
            enabled=False,
        ),
    ],
    authentication=AuthenticationTest(
        request=business_lookup,
        failures={401: "invalid API key", 403: "invalid API key", 404: "unknown business id"},
    ),
    extend_request=bearer_token,
    check_settings=check_perk_ids,
    unmatched={
        "identify": "Perkville takes track events. Engage audiences sent as identify calls "
        f"are awarded by the action {ENGAGE_ACTION} (award_perk_for_audience): its preset is "
        "off by default; enable it with a mapping for that action and fill "
        "audience_to_perk_map",
        **{
            kind: f"Perkville takes track events: {kind} calls are not sent"
            for kind in ("page", "screen", "group", "alias")
        },
    },
)


def sample_overrides(sample: Sample) -> Sample:
    """Generated snapshot tests (``framework.sample_data``): Award Points sends only events
    named in ``event_to_perk_map``, so the generated event name is mapped to a perk; Award
    Perk for Audience only for an audience of ``audience_to_perk_map`` whose trait is true,
    so the generated traits hold one such audience."""
    if sample.action == "award_perk_for_audience":
        traits = {"vip_customers": True}
        audiences = {"vip_customers": "654321"}
        values = {**sample.values, "traits": traits}
        settings = {**sample.settings, "audience_to_perk_map": audiences}
        return replace(sample, values=values, settings=settings)
    perks = {sample.values["event_name"]: "123456"}
    return replace(sample, settings={**sample.settings, "event_to_perk_map": perks})
