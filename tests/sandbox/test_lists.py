"""The Perkville sandbox's list endpoints (businesses, locations, perks), built from the
settings file: Tastypie-style pages, the business filter, and their tokens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from destinations.perkville import api
from destinations.perkville.sandbox import Faults, PerkvilleSandbox, failure
from tests.sandbox.support import AUTH, SETTINGS
from tests.waiting import HANG_GUARD

# the example's perks (555 twice), then the audience map's (777 again, and a new one)
AUDIENCES = {"vip_customers": "654321", "regulars": "777"}
PERKS = ["555", "123456", "777", "900", "654321"]
BUSINESS = {api.BUSINESS_FILTER: SETTINGS["business_id"]}


@pytest.fixture
def paged() -> Iterator[httpx.Client]:
    """A client for a sandbox that pages by 2, its settings with an audience map too."""
    settings = {**SETTINGS, "audience_to_perk_map": AUDIENCES}
    with (
        PerkvilleSandbox(settings, page_size=2) as sandbox,
        httpx.Client(base_url=sandbox.url, headers=AUTH, timeout=HANG_GUARD) as http,
    ):
        yield http


def every_page(http: httpx.Client, path: str) -> list[dict[str, Any]]:
    """The pages of a list, following ``meta.next`` from the first until it is null."""
    pages, following = [], f"{path}?{api.BUSINESS_FILTER}={SETTINGS['business_id']}"
    while following is not None:
        answer = http.get(following)
        assert answer.status_code == 200, answer.text
        pages.append(answer.json())
        following = answer.json()[api.META][api.NEXT]
    return pages


def test_the_perks_are_listed_in_pages_that_link_to_each_other(paged: httpx.Client) -> None:
    pages = every_page(paged, api.PERKS)
    assert [[perk[api.PERK_ID] for perk in page[api.OBJECTS]] for page in pages] == [
        PERKS[0:2],
        PERKS[2:4],
        PERKS[4:],
    ]
    assert [page[api.META] for page in pages] == [
        {
            "limit": 2,
            "offset": 0,
            "total_count": 5,
            "next": "/perks/?business=4242&limit=2&offset=2",
            "previous": None,
        },
        {
            "limit": 2,
            "offset": 2,
            "total_count": 5,
            "next": "/perks/?business=4242&limit=2&offset=4",
            "previous": "/perks/?business=4242&limit=2&offset=0",
        },
        {
            "limit": 2,
            "offset": 4,
            "total_count": 5,
            "next": None,
            "previous": "/perks/?business=4242&limit=2&offset=2",
        },
    ]
    assert pages[0][api.OBJECTS][1] == {
        api.PERK_ID: "123456",
        api.PERK_TITLE: "Perk 123456",
        "resource_uri": "/perks/123456/",
    }


def test_limit_and_offset_choose_the_page_and_limit_is_capped(paged: httpx.Client) -> None:
    one = paged.get(api.PERKS, params={**BUSINESS, api.PAGE_SIZE: 1, api.PAGE_OFFSET: 3})
    assert [perk[api.PERK_ID] for perk in one.json()[api.OBJECTS]] == ["900"]
    assert one.json()[api.META]["next"] == "/perks/?business=4242&limit=1&offset=4"
    capped = paged.get(api.PERKS, params={**BUSINESS, api.PAGE_SIZE: 100})
    assert len(capped.json()[api.OBJECTS]) == capped.json()[api.META]["limit"] == 2
    beyond = paged.get(api.PERKS, params={**BUSINESS, api.PAGE_OFFSET: 50})
    assert beyond.json()[api.OBJECTS] == []
    assert beyond.json()[api.META]["total_count"] == 5


@pytest.mark.parametrize("name", [api.PAGE_SIZE, api.PAGE_OFFSET])
@pytest.mark.parametrize("value", ["-1", "two", "1.5", "٣"])
def test_paging_that_is_not_a_whole_number_is_a_400(
    paged: httpx.Client, name: str, value: str
) -> None:
    answer = paged.get(api.PERKS, params={**BUSINESS, name: value})
    assert (answer.status_code, answer.json()) == (
        400,
        failure(f"{name}: Enter a whole number.", "E005"),
    )


def test_the_default_page_size_holds_every_perk_of_the_example(client: httpx.Client) -> None:
    answer = client.get(api.PERKS, params=BUSINESS, headers=AUTH)
    assert [perk[api.PERK_TITLE] for perk in answer.json()[api.OBJECTS]] == [
        "Perk 555",
        "Perk 123456",
        "Perk 777",
        "Perk 900",
    ]
    assert answer.json()[api.META]["limit"] == 20


def test_the_businesses_and_locations_lists(client: httpx.Client) -> None:
    businesses = client.get(api.BUSINESSES, headers=AUTH).json()
    assert businesses[api.OBJECTS] == [
        {
            api.BUSINESS_ID: "4242",
            api.BUSINESS_NAME: "Business 4242",
            "resource_uri": "/businesses/4242/",
        }
    ]
    assert businesses[api.META]["total_count"] == 1
    locations = client.get(api.LOCATIONS, params=BUSINESS, headers=AUTH).json()
    assert locations[api.OBJECTS] == [
        {api.LOCATION_ID: "17", api.LOCATION_NAME: "Location 17", "resource_uri": "/locations/17/"}
    ]


@pytest.mark.parametrize("path", [api.LOCATIONS, api.PERKS])
def test_another_business_is_a_404_and_none_a_400(client: httpx.Client, path: str) -> None:
    other = client.get(path, params={api.BUSINESS_FILTER: "99"}, headers=AUTH)
    assert (other.status_code, other.json()) == (
        404,
        failure("Business 99 does not exist", "E002"),
    )
    missing = client.get(path, headers=AUTH)
    assert missing.status_code == 400
    assert missing.json()["errors"] == ["business: This filter is required."]


@pytest.mark.parametrize("path", [api.BUSINESSES, api.LOCATIONS, api.PERKS])
def test_a_list_needs_a_token(client: httpx.Client, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        answer = client.get(path, params=BUSINESS, headers=headers)
        assert (answer.status_code, answer.json()) == (
            401,
            failure("Invalid or missing bearer token", "E001"),
        )
    assert client.post(path, params=BUSINESS, headers=AUTH).status_code == 405


def test_an_issued_access_token_lists_too(client: httpx.Client) -> None:
    redirect = "http://127.0.0.1:9/cb"
    authorized = client.get(
        urlsplit(api.AUTHORIZE_URL).path,
        params={"response_type": "code", "client_id": "sandbox-client", "redirect_uri": redirect},
    )
    code = httpx.URL(authorized.headers["Location"]).params["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect}
    token_path = urlsplit(api.TOKEN_URL).path
    tokens = client.post(token_path, data=form, auth=("sandbox-client", "sandbox-secret"))
    bearer = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    assert client.get(api.PERKS, params=BUSINESS, headers=bearer).status_code == 200


def test_faults_hit_the_lists() -> None:
    with PerkvilleSandbox(SETTINGS, faults=Faults(rate=1.0, kinds=("503",))) as sandbox:
        answer = httpx.get(f"{sandbox.url}{api.PERKS}", params=BUSINESS, headers=AUTH)
    assert answer.status_code == 503
    assert sandbox.injected() == {"503": 1}
