"""Perkville's dynamic choices through the framework: the requests of each list (snapshots),
Tastypie paging, values and labels, de-duplication, and a setting still to fill in."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from destinations.perkville import api, destination
from framework.engine.choices import ChoicesError, list_choices
from tests.choices.support import API_KEY, SETTINGS, Api, listing


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def perk(number: int, title: str) -> dict[str, Any]:
    return {api.PERK_ID: number, api.PERK_TITLE: title, "points": 10}


# Three pages of perks, as Tastypie links them: meta.next is a path under the API's prefix
PERK_PAGES = {
    None: listing(
        [perk(555, "Free smoothie"), perk(556, "Towel service")],
        "/v2/perks/?business=4242&limit=2&offset=2",
    ),
    "2": listing(
        [perk(557, "Guest pass"), perk(555, "Free smoothie (again)")],
        "/v2/perks/?business=4242&limit=2&offset=4",
    ),
    "4": listing([perk(558, "")]),
}


def perk_pages(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=PERK_PAGES[request.url.params.get("offset")])


@pytest.mark.parametrize("field", ["event_to_perk_map", "audience_to_perk_map"])
def test_perks_are_read_across_three_pages_labelled_by_title(
    field: str, snapshot_json: SnapshotAssertion
) -> None:
    perks = Api(perk_pages)
    choices = list_choices(destination, SETTINGS, field, transport=perks.transport)
    assert choices == [
        {"value": "555", "label": "Free smoothie"},  # the first label of a repeated value
        {"value": "556", "label": "Towel service"},
        {"value": "557", "label": "Guest pass"},
        {"value": "558", "label": "558"},  # no title: its id
    ]
    # each page from the same list, on the base URL, with the API key as a bearer token
    assert perks.shown() == snapshot_json
    assert {request.headers["Authorization"] for request in perks.requests} == {f"Bearer {API_KEY}"}


def test_businesses_are_listed_without_a_business_filter(snapshot_json: SnapshotAssertion) -> None:
    businesses = Api(
        lambda request: httpx.Response(
            200,
            json=listing(
                [
                    {api.BUSINESS_ID: 4242, api.BUSINESS_NAME: "Harbour Gym"},
                    {api.BUSINESS_ID: "77", api.BUSINESS_NAME: "Hill Studio"},
                ]
            ),
        )
    )
    # the business is not chosen yet: its choices need only the API key
    settings = {"api_key": API_KEY}
    choices = list_choices(destination, settings, "business_id", transport=businesses.transport)
    assert choices == [
        {"value": "4242", "label": "Harbour Gym"},
        {"value": "77", "label": "Hill Studio"},
    ]
    assert businesses.shown() == snapshot_json


def test_locations_are_those_of_the_chosen_business(snapshot_json: SnapshotAssertion) -> None:
    locations = Api(
        lambda request: httpx.Response(
            200, json=listing([{api.LOCATION_ID: 17, api.LOCATION_NAME: "Harbour front"}])
        )
    )
    settings = {"api_key": API_KEY, "business_id": "4242"}
    choices = list_choices(destination, settings, "location_id", transport=locations.transport)
    assert choices == [{"value": "17", "label": "Harbour front"}]
    assert locations.shown() == snapshot_json


def test_an_absolute_next_link_is_followed_on_the_configured_endpoint() -> None:
    pages = {
        None: listing(
            [perk(1, "One")], "https://api.perkville.com/v2/perks/?business=4242&offset=1"
        ),
        "1": listing([perk(2, "Two")]),
    }
    perks = Api(lambda request: httpx.Response(200, json=pages[request.url.params.get("offset")]))
    choices = list_choices(destination, SETTINGS, "event_to_perk_map", transport=perks.transport)
    assert [choice["value"] for choice in choices] == ["1", "2"]
    assert perks.shown()[1] == "GET https://api.perkville.com/v2/perks/?business=4242&offset=1"


def test_locations_need_the_business_first() -> None:
    never = Api(lambda request: httpx.Response(500))
    with pytest.raises(ChoicesError) as raised:
        list_choices(destination, {"api_key": API_KEY}, "location_id", transport=never.transport)
    assert raised.value.code == "SETTING_NEEDED"
    assert raised.value.message == (
        "the choices of location_id depend on the setting business_id: fill it in first"
    )
    assert never.requests == []


def test_an_invalid_business_is_a_setting_still_needed() -> None:
    never = Api(lambda request: httpx.Response(500))
    settings = {"api_key": API_KEY, "business_id": "  "}  # blank: not a valid business id
    with pytest.raises(ChoicesError) as raised:
        list_choices(destination, settings, "event_to_perk_map", transport=never.transport)
    assert raised.value.code == "SETTING_NEEDED"
    assert "business_id" in raised.value.message
    assert never.requests == []


def test_every_list_needs_the_api_key() -> None:
    never = Api(lambda request: httpx.Response(500))
    with pytest.raises(ChoicesError) as raised:
        list_choices(destination, {}, "business_id", transport=never.transport)
    assert raised.value.code == "SETTING_NEEDED"
    assert "api_key" in raised.value.message
    assert never.requests == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"meta": {}}, "KeyError"),
        (listing([{api.PERK_TITLE: "No id"}]), "KeyError"),
        (listing([{api.PERK_ID: None, api.PERK_TITLE: "Null id"}]), "perk_id is NoneType"),
    ],
)
def test_a_page_that_is_not_a_perkville_list_fails_clearly(body: Any, reason: str) -> None:
    perks = Api(lambda request: httpx.Response(200, json=body))
    with pytest.raises(ChoicesError) as raised:
        list_choices(destination, SETTINGS, "event_to_perk_map", transport=perks.transport)
    assert raised.value.code == "CHOICES_FAILED"
    assert raised.value.message.startswith(
        "listing the choices of event_to_perk_map failed: reading page 1 failed: "
    )
    assert reason in raised.value.message
