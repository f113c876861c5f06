"""PERKVILLE.md "Settings": validated before any event, errors name the setting."""

from __future__ import annotations

from typing import Any

import pytest

from destinations.perkville import destination
from framework import DestinationRunner, SettingsError, validate_settings
from framework.testing import CapturingTransport
from tests.perkville.support import API_KEY, SETTINGS


def without(key: str) -> dict[str, Any]:
    return {k: v for k, v in SETTINGS.items() if k != key}


@pytest.mark.parametrize(
    ("settings", "named", "reason"),
    [
        pytest.param(without("api_key"), "api_key", "is required", id="missing api key"),
        pytest.param({**SETTINGS, "api_key": ""}, "api_key", "must not be empty", id="empty key"),
        pytest.param({**SETTINGS, "api_key": 123}, "api_key", "expected a string", id="key type"),
        pytest.param(without("business_id"), "business_id", "is required", id="missing business"),
        pytest.param(
            {**SETTINGS, "business_id": " "}, "business_id", "must not be empty", id="blank"
        ),
        pytest.param(
            {**SETTINGS, "business_id": 4242}, "business_id", "expected a string", id="number id"
        ),
        pytest.param(without("location_id"), "location_id", "is required", id="missing location"),
        pytest.param(
            {**SETTINGS, "event_to_perk_map": {"Checked In": 123456}},
            "event_to_perk_map.Checked In",
            "expected a string",
            id="non-string perk id",
        ),
        pytest.param(
            {**SETTINGS, "audience_to_perk_map": {"vip": 7}},
            "audience_to_perk_map.vip",
            "expected a string",
            id="non-string audience perk id",
        ),
        pytest.param(
            {**SETTINGS, "audience_to_perk_map": "vip"},
            "audience_to_perk_map",
            "expected an object",
            id="audience map is not an object",
        ),
        pytest.param(
            {**SETTINGS, "event_to_perk_map": ["Checked In"]},
            "event_to_perk_map",
            "expected an object",
            id="map is not an object",
        ),
        pytest.param(
            {**SETTINGS, "send_email": "yes"}, "send_email", "expected a boolean", id="bool type"
        ),
        pytest.param(
            {**SETTINGS, "base_url": "https://evil.example"},
            "base_url",
            "is not a known setting",
            id="tenant base url",
        ),
    ],
)
def test_bad_settings_are_rejected_naming_the_setting(
    settings: dict[str, Any], named: str, reason: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        DestinationRunner(destination, settings, transport=CapturingTransport())
    assert raised.value.code == "INVALID_SETTINGS"
    assert f"{named}: {reason}" in raised.value.message
    assert API_KEY not in str(raised.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as raised:
        validate_settings(destination, {"send_email": "no"})
    for name in ("api_key", "business_id", "location_id", "send_email"):
        assert name in raised.value.message


def test_settings_must_be_an_object() -> None:
    with pytest.raises(SettingsError, match="must be a JSON object"):
        validate_settings(destination, ["api_key"])


def test_defaults_apply_and_the_key_is_hidden_in_reprs() -> None:
    settings = validate_settings(destination, without("send_email") | {"event_to_perk_map": {}})
    assert settings["send_email"] is False
    assert settings["event_to_perk_map"] == {}
    assert settings["audience_to_perk_map"] == {}
    assert API_KEY not in repr(settings)
    assert settings["api_key"].get_secret_value() == API_KEY


def test_settings_are_checked_before_any_event() -> None:
    transport = CapturingTransport()
    with pytest.raises(SettingsError):
        DestinationRunner(destination, without("api_key"), transport=transport)
    assert transport.requests == []


@pytest.mark.parametrize("perk", ["", "   ", "\t"])
@pytest.mark.parametrize("name", ["event_to_perk_map", "audience_to_perk_map"])
def test_an_empty_perk_id_is_refused_naming_the_map_and_the_entry(name: str, perk: str) -> None:
    perks = {"Secret Sale Entered": "555", "VIP Summit Joined": perk}
    with pytest.raises(SettingsError) as raised:
        DestinationRunner(destination, {**SETTINGS, name: perks}, transport=CapturingTransport())
    assert raised.value.code == "INVALID_SETTINGS"
    assert f"{name}: the perk id of entry 2 is empty" in raised.value.message
    for key in perks:
        assert key not in raised.value.message, "map keys are not echoed"


def test_every_empty_perk_id_is_reported_at_once() -> None:
    settings = {
        **SETTINGS,
        "event_to_perk_map": {"a": "", "b": "1", "c": " "},
        "audience_to_perk_map": {"vip": ""},
    }
    with pytest.raises(SettingsError) as raised:
        DestinationRunner(destination, settings, transport=CapturingTransport())
    for problem in (
        "event_to_perk_map: the perk id of entry 1 is empty",
        "event_to_perk_map: the perk id of entry 3 is empty",
        "audience_to_perk_map: the perk id of entry 1 is empty",
    ):
        assert problem in raised.value.message
