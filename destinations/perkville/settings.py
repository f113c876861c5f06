"""Perkville's settings (PERKVILLE.md "Settings"), and the check of its perk ids."""

from __future__ import annotations

from destinations.perkville.choices import BUSINESSES, LOCATIONS, PERKS
from framework import Field, SecretStr, Settings, SettingsError

PERK_MAPS = ("event_to_perk_map", "audience_to_perk_map")


class PerkvilleSettings(Settings):
    """What a Perkville business configures."""

    api_key: SecretStr = Field(
        label="API Key",
        description="Token generated in Perkville > Settings > Apps > Connect Segment > "
        "Generate Token > Show token.",
    )
    business_id: str = Field(
        label="Business ID",
        description="Your Perkville business ID: pick it from the businesses your token may "
        "administer once the API key is set (or Perkville connected), or type it.",
        dynamic=BUSINESSES,
    )
    location_id: str = Field(
        label="Location ID",
        description="The location ID points are awarded at: pick it from your business's "
        "locations once the business is set, or type it.",
        dynamic=LOCATIONS,
    )
    event_to_perk_map: dict[str, str] = Field(
        label="Event to Perk Map",
        description='Event name -> perk id, e.g. "Checked In" -> "123456" (pick the perk '
        "from your business's perks once the business is set). Its keys are the "
        "allowlist: other events are not sent.",
        default={},
        dynamic=PERKS,
    )
    send_email: bool = Field(
        label="Send email",
        description="If a transaction is posted, Perkville emails the customer about it. "
        "Off suppresses the email.",
        default=False,
    )
    audience_to_perk_map: dict[str, str] = Field(
        label="Audience to Perk Map",
        description="Engage audience key (the snake_cased audience name) -> perk id, for the "
        "Award Perk for Audience action: a user entering the audience is awarded the perk "
        "once. Empty: that action never sends.",
        default={},
        required=False,
        dynamic=PERKS,
    )


def check_perk_ids(settings: PerkvilleSettings) -> None:
    """Every perk id of the perk maps is non-empty (their types are checked by the fields);
    an empty one is named by its map and its position, never by a value."""
    problems = [
        f"{name}: the perk id of entry {position} is empty"
        for name in PERK_MAPS
        for position, perk in enumerate(getattr(settings, name).values(), start=1)
        if not perk.strip()
    ]
    if problems:
        raise SettingsError(f"invalid settings for perkville: {'; '.join(problems)}")
