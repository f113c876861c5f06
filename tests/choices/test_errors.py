"""The coded errors of listing choices: an unknown field, refused credentials, time-outs
(of a request, and of the whole listing), endless paging, pages ``parse`` cannot read or
returns wrong; and a secret of the settings in none of them. Also an action field's
choices (``"<action>.<field>"``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from destinations.perkville import destination
from framework.engine.choices import ChoicesError, dynamic_fields, list_choices
from framework.engine.http import PreparedRequest
from framework.engine.transport import Response
from tests.choices.support import API_KEY, CATALOG_SETTINGS, SETTINGS, Api, catalog, listing

CATALOG_TOKEN = CATALOG_SETTINGS["token"]


def failing(code: str, field: str = "event_to_perk_map", **options: Any) -> ChoicesError:
    """The error of listing Perkville's ``field``, with ``options``; its code checked."""
    with pytest.raises(ChoicesError) as raised:
        list_choices(destination, SETTINGS, field, **options)
    assert raised.value.code == code, raised.value.message
    assert API_KEY not in str(raised.value)
    return raised.value


def test_the_fields_with_dynamic_choices_are_settings_and_action_fields() -> None:
    assert list(dynamic_fields(destination)) == [
        "business_id",
        "location_id",
        "event_to_perk_map",
        "audience_to_perk_map",
    ]
    assert list(dynamic_fields(catalog)) == ["flavour", "order.size"]


@pytest.mark.parametrize("field", ["nope", "send_email", "award_points.email", "api_key"])
def test_a_field_without_dynamic_choices_is_unknown_naming_those_with_them(field: str) -> None:
    never = Api(lambda request: httpx.Response(500))
    error = failing("UNKNOWN_FIELD", field, transport=never.transport)
    assert error.message == (
        f"perkville has no field {field!r} with dynamic choices (fields with them: "
        "business_id, location_id, event_to_perk_map, audience_to_perk_map)"
    )
    assert never.requests == []


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_are_invalid_authentication(status: int) -> None:
    # the API echoes the key it refused: the message never shows it
    echo = {"status": "failure", "errors": [f"invalid token {API_KEY}"]}
    refusing = Api(lambda request: httpx.Response(status, json=echo))
    error = failing("INVALID_AUTHENTICATION", transport=refusing.transport)
    assert error.message.startswith(
        "Perkville refused the credentials (listing the choices of event_to_perk_map): "
        f"HTTP {status}"
    )
    assert "invalid token [REDACTED]" in error.message
    assert len(refusing.requests) == 1  # a pasted token is not refreshed: no second try


def test_a_request_that_times_out_is_a_timeout() -> None:
    def timing_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    error = failing("TIMEOUT", transport=Api(timing_out).transport)
    assert error.message.startswith(
        "Perkville did not answer in time (listing the choices of event_to_perk_map)"
    )


class Silent:
    """A transport that never answers: each request waits until the listing gives up."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, request: PreparedRequest, timeout: float) -> Response:
        self.sent.append(request.url)
        await asyncio.Event().wait()  # never set
        raise AssertionError("unreachable")

    async def close(self) -> None:
        """Nothing to release."""


def test_the_whole_listing_has_a_time_out() -> None:
    silent = Silent()
    # a time-out already over: it ends the listing at its first wait, the first request
    error = failing("TIMEOUT", transport=silent, timeout=0)
    assert (
        error.message == "Perkville did not list the choices of event_to_perk_map within 0 seconds"
    )
    assert silent.sent == ["https://api.perkville.com/v2/perks/?business=4242&limit=100"]


def test_a_page_naming_a_page_already_read_ends_the_loop() -> None:
    looping = Api(
        lambda request: httpx.Response(200, json=listing([], "/v2/perks/?business=4242&offset=2"))
    )
    error = failing("CHOICES_FAILED", transport=looping.transport)
    assert error.message == (
        "listing the choices of event_to_perk_map failed: page 2 links back to a page already read"
    )
    assert len(looping.requests) == 2


def test_pages_without_end_stop_at_the_most_pages_allowed() -> None:
    def endless(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("offset", "0")) + 1
        return httpx.Response(200, json=listing([], f"/v2/perks/?offset={offset}"))

    pages = Api(endless)
    error = failing("CHOICES_FAILED", transport=pages.transport, max_pages=3)
    assert error.message == (
        "listing the choices of event_to_perk_map failed: there are more than 3 pages of choices"
    )
    assert len(pages.requests) == 3


def test_another_api_error_is_choices_failed_redacted() -> None:
    broken = Api(lambda request: httpx.Response(500, json={"errors": [f"crashed on {API_KEY}"]}))
    error = failing("CHOICES_FAILED", transport=broken.transport)
    assert error.message.startswith(
        "listing the choices of event_to_perk_map failed: SERVER_ERROR: HTTP 500"
    )
    assert "[REDACTED]" in error.message


def test_a_body_that_is_not_json_is_choices_failed() -> None:
    garbled = Api(lambda request: httpx.Response(200, content=b"<html>maintenance</html>"))
    error = failing("CHOICES_FAILED", transport=garbled.transport)
    assert "INVALID_RESPONSE" in error.message


# The catalog destination: an action field's choices, and hooks that fail


Answer = Callable[[httpx.Request], Any]


def catalog_api(answer: Answer) -> Api:
    """The catalog's API, answering each request with the JSON body ``answer`` gives."""
    return Api(lambda request: httpx.Response(200, json=answer(request)))


def catalog_failure(
    field: str, answer: Answer, settings: dict[str, Any] | None = None
) -> tuple[ChoicesError, Api]:
    """The error of listing the catalog's ``field`` (never showing its token), and the API."""
    pages = catalog_api(answer)
    given = CATALOG_SETTINGS if settings is None else settings
    with pytest.raises(ChoicesError) as raised:
        list_choices(catalog, given, field, transport=pages.transport)
    assert CATALOG_TOKEN not in str(raised.value)
    return raised.value, pages


def sizes(request: httpx.Request) -> dict[str, Any]:
    if request.url.params["page"] == "1":
        return {"items": [{"value": 38, "label": "S"}, {"value": 40, "label": "M"}], "next": "2"}
    return {"items": [{"value": 42, "label": "L"}]}


def test_an_action_field_lists_its_choices_with_the_destinations_authentication() -> None:
    pages = catalog_api(sizes)
    choices = list_choices(catalog, CATALOG_SETTINGS, "order.size", transport=pages.transport)
    assert choices == [
        {"value": 38, "label": "S"},
        {"value": 40, "label": "M"},
        {"value": 42, "label": "L"},
    ]
    assert pages.shown() == [
        "GET https://catalog.example/sizes?region=eu&page=1",
        "GET https://catalog.example/sizes?region=eu&page=2",
    ]
    assert pages.requests[0].headers["Authorization"] == f"Bearer {CATALOG_TOKEN}"


@pytest.mark.parametrize(
    ("items", "problem"),
    [
        ([{"value": "38", "label": "S"}], "the value '38' is not of type integer"),
        ([{"value": True, "label": "S"}], "the value True is not of type integer"),
        ([{"value": 38, "label": 5}], "the label of 38 is not text"),
    ],
)
def test_a_choice_of_the_wrong_type_is_an_invalid_page(
    items: list[dict[str, Any]], problem: str
) -> None:
    error, _ = catalog_failure("order.size", lambda request: {"items": items})
    assert error.code == "CHOICES_FAILED"
    assert error.message == (
        f"listing the choices of order.size failed: page 1 is invalid: {problem}"
    )


def test_a_next_cursor_that_is_not_text_is_an_invalid_page() -> None:
    error, _ = catalog_failure("order.size", lambda request: {"items": [], "next": 2})
    assert error.message == (
        "listing the choices of order.size failed: page 1 is invalid: its next cursor is int, "
        "not text"
    )


def test_a_request_hook_that_fails_is_choices_failed_without_the_secret_it_quotes() -> None:
    error, pages = catalog_failure("flavour", sizes)
    assert error.code == "CHOICES_FAILED"
    assert error.message == (
        "listing the choices of flavour failed: the request of page 1 failed: RuntimeError: "
        "cannot list with [REDACTED]"
    )
    assert pages.requests == []


def test_a_missing_setting_of_an_action_fields_request_is_named() -> None:
    error, pages = catalog_failure("order.size", sizes, {"token": CATALOG_TOKEN})
    assert error.code == "SETTING_NEEDED"
    assert error.message == (
        "the choices of order.size depend on the setting region: fill it in first"
    )
    assert pages.requests == []
