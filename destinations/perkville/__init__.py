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

from destinations.perkville import api
from destinations.perkville.award_perk_for_audience import award_perk_for_audience
from destinations.perkville.award_points import award_points
from destinations.perkville.settings import PerkvilleSettings, check_perk_ids
from framework import AuthenticationTest, Destination, HttpRequest, OAuth2, Preset

if TYPE_CHECKING:
    from framework import Faults, Sample, Sandbox

ENGAGE_ACTION = "Award Perk for Audience"


def bearer_token(settings: PerkvilleSettings) -> dict[str, str]:
    """Every request carries the API key as a bearer token: the pasted token, or the access
    token of the Perkville connection (the framework puts it in ``api_key``)."""
    return {"Authorization": f"Bearer {settings.api_key.get_secret_value()}"}


def business_lookup(settings: PerkvilleSettings) -> HttpRequest:
    """The authentication test: read the configured business."""
    return HttpRequest("GET", api.BUSINESS.format(business=quote(settings.business_id, safe="")))


def sample_overrides(sample: Sample) -> Sample:
    """Generated snapshot tests (``framework.authoring.sample_data``): Award Points sends
    only events named in ``event_to_perk_map``, so the generated event name is mapped to a
    perk; Award Perk for Audience only for an audience of ``audience_to_perk_map`` whose
    trait is true, so the generated traits hold one such audience."""
    if sample.action == "award_perk_for_audience":
        traits = {"vip_customers": True}
        audiences = {"vip_customers": "654321"}
        values = {**sample.values, "traits": traits}
        settings = {**sample.settings, "audience_to_perk_map": audiences}
        return replace(sample, values=values, settings=settings)
    perks = {sample.values["event_name"]: "123456"}
    return replace(sample, settings={**sample.settings, "event_to_perk_map": perks})


def create_sandbox(settings: Mapping[str, Any], faults: Faults) -> Sandbox:
    """The fake Perkville API ``actions sandbox perkville`` serves (its server is loaded
    only when one is served)."""
    from destinations.perkville.sandbox import PerkvilleSandbox  # noqa: PLC0415

    return PerkvilleSandbox(settings, faults=faults)


destination = Destination(
    name="Perkville",
    slug="perkville",
    description="Perkville is a customer reward and referral platform. Award points for "
    "allowlisted track events and remove them for refunds. Engage audiences work two ways: "
    "sent as track events (Audience Entered), allowlisted in the Event to Perk Map; or sent "
    f"as identify calls, awarded by the action {ENGAGE_ACTION} from the Audience to Perk "
    "Map (its preset is off by default).",
    base_url="https://api.perkville.com/v2",
    settings=PerkvilleSettings,
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
    oauth=OAuth2(
        authorize_url=api.AUTHORIZE_URL,
        token_url=api.TOKEN_URL,
        token_setting="api_key",
        scopes=api.SCOPES,
        client_auth="basic",
        label="Connect with Perkville",
    ),
    authentication=AuthenticationTest(
        request=business_lookup,
        failures={401: "invalid API key", 403: "invalid API key", 404: "unknown business id"},
    ),
    extend_request=bearer_token,
    check_settings=check_perk_ids,
    sandbox=create_sandbox,
    sample=sample_overrides,
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
