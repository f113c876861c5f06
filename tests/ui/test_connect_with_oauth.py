"""Connecting Perkville with OAuth 2.0 in the browser, as a person would: ``actions serve``
(a real process) whose operator configuration points Perkville's API and OAuth endpoints
at a Perkville sandbox (its OAuth server: authorization code with PKCE), and its client.
The page shows the destination connected, Test connection passes with the connection, and
no token the sandbox issued is ever in the page, in a response the browser received or in
the server's log."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from destinations.perkville.sandbox import PerkvilleSandbox
from framework.authoring.oauth import connection_id
from framework.engine.oauth.store import Tokens, TokenStore
from tests.perkville.support import SETTINGS
from tests.ui.support import (
    Responses,
    Served,
    keep_windows_open,
    page_text_and_values,
    screenshot,
    status,
)

CONNECT = "Connect with Perkville"


def open_perkville(page: Page, served: Served) -> None:
    """The page, for Perkville."""
    page.goto(served.url)
    expect(page.get_by_label("Destination")).to_have_value("perkville")


def pick(page: Page, label: str, choice: str) -> None:
    """Choose ``choice`` in the dropdown of the setting ``label``."""
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=choice).click()


def api_key(page: Page) -> Locator:
    """The API key's field: its input, the Connect controls and their messages."""
    return page.locator('[data-path="api_key"]')


def connected_state(page: Page) -> None:
    """The API key's field shows the connection, and no token input is needed."""
    field = api_key(page)
    expect(field.get_by_text("Connected", exact=True)).to_be_visible()
    expect(field.get_by_role("button", name="Reconnect")).to_be_visible()
    expect(field.get_by_role("button", name="Disconnect")).to_be_visible()
    expect(field.get_by_role("button", name=CONNECT)).to_be_hidden()
    expect(page.get_by_label("API Key")).to_have_value("")


def connections(responses: Responses) -> list[str]:
    """The connection references the flows' statuses answered, in order."""
    answers = [json.loads(body) for body in responses.bodies("/api/connect/")]
    return [answer["connection"] for answer in answers if "connection" in answer]


def stored_tokens(folder: Path, reference: str) -> Tokens:
    """The tokens the server stored for a connection (those the sandbox issued it)."""
    connection = connection_id(reference)
    assert connection is not None
    grant = TokenStore(folder / "tokens.db").get(connection)
    assert grant is not None
    return grant.tokens


def assert_never_shown(page: Page, responses: Responses, served: Served, tokens: Tokens) -> None:
    """Neither token is in the page, in any response the browser received, or in the log."""
    for token in (tokens.access_token, tokens.refresh_token):
        assert token
        assert responses.containing(token) == []
        assert token not in page_text_and_values(page)
        assert token not in served.log.read_text()


def test_connecting_shows_the_destination_connected_and_its_connection_works(
    sandboxed: Callable[..., Served], page: Page, tmp_path: Path
) -> None:
    sandbox = PerkvilleSandbox(SETTINGS)  # approves at once
    served = sandboxed(sandbox)
    keep_windows_open(page.context)
    responses = Responses(page.context)
    open_perkville(page, served)
    expect(api_key(page).get_by_role("button", name="Reconnect")).to_be_hidden()
    with page.expect_popup() as opened:
        api_key(page).get_by_role("button", name=CONNECT).click()
    connected_state(page)
    popup = opened.value
    expect(popup.get_by_role("heading")).to_have_text("Connected")
    assert popup.evaluate("window.closeAsked") is True  # the callback page closes itself
    popup.close()
    [callback] = responses.bodies("/oauth/callback")
    assert "<h1>Connected</h1>" in callback
    assert sandbox.oauth.grants() == {"authorization_code": 1, "refresh_token": 0}

    pick(page, "Business ID", "Business 4242")  # listed with the connection's token
    pick(page, "Location ID", "Location 17")
    expect(page.get_by_role("combobox", name="Location ID")).to_have_value("17")
    expect(status(page)).to_have_text("Settings are valid.")
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#connection-result")).to_have_text(
        "Connection succeeded: authentication succeeded (HTTP 200)"
    )
    [reference] = connections(responses)
    assert reference not in page_text_and_values(page)
    tokens = stored_tokens(tmp_path, reference)
    assert sandbox.oauth.valid(tokens.access_token)
    assert_never_shown(page, responses, served, tokens)
    screenshot(
        page.locator("section", has=page.locator("#settings-heading")),
        "perkville-connected.png",
    )


def test_an_approval_in_the_window_connects_reconnect_keeps_the_connection_and_disconnect_clears_it(
    sandboxed: Callable[..., Served], page: Page, tmp_path: Path
) -> None:
    sandbox = PerkvilleSandbox(SETTINGS, approval="manual")
    served = sandboxed(sandbox)
    keep_windows_open(page.context)
    responses = Responses(page.context)
    open_perkville(page, served)
    page.get_by_label("Business ID").fill(SETTINGS["business_id"])
    page.get_by_label("Location ID").fill(SETTINGS["location_id"])
    message = api_key(page).locator(".oauth-message")

    with page.expect_popup() as opened:
        api_key(page).get_by_role("button", name=CONNECT).click()
    denied = opened.value
    expect(message).to_have_text("Waiting for the authorization in the other window…")
    denied.get_by_role("link", name="Deny").click()
    expect(denied.get_by_role("heading")).to_have_text("Not connected")
    expect(message).to_have_text(
        "Not connected: AUTHORIZATION_DENIED: Perkville did not authorize the connection "
        "(access_denied)"
    )
    denied.close()

    with page.expect_popup() as opened:
        api_key(page).get_by_role("button", name=CONNECT).click()
    expect(opened.value.get_by_role("heading")).to_have_text("Authorize access?")
    opened.value.get_by_role("link", name="Approve").click()
    connected_state(page)
    expect(status(page)).to_have_text("Settings are valid.")
    [first] = connections(responses)
    before = stored_tokens(tmp_path, first)

    with page.expect_popup() as opened:
        api_key(page).get_by_role("button", name="Reconnect").click()
    expect(message).to_have_text("Waiting for the authorization in the other window…")
    opened.value.get_by_role("link", name="Approve").click()
    expect(message).to_be_empty()
    connected_state(page)
    assert connections(responses) == [first, first]  # the same connection, new tokens
    after = stored_tokens(tmp_path, first)
    assert after.access_token != before.access_token
    assert sandbox.oauth.grants()["authorization_code"] == 2
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#connection-result")).to_contain_text("Connection succeeded")
    assert_never_shown(page, responses, served, before)
    assert_never_shown(page, responses, served, after)

    api_key(page).get_by_role("button", name="Disconnect").click()
    expect(message).to_have_text("Disconnected.")
    expect(api_key(page).get_by_role("button", name=CONNECT)).to_be_visible()
    expect(api_key(page).get_by_text("Connected", exact=True)).to_be_hidden()
    expect(api_key(page).locator(".error")).to_have_text("is required")


def test_connecting_without_an_oauth_client_says_what_the_operator_must_set(
    page: Page, served: Served
) -> None:
    page.goto(served.url)  # the session's server: no OAuth configuration
    api_key(page).get_by_role("button", name=CONNECT).click()
    expect(api_key(page).locator(".oauth-message")).to_have_text(
        "Cannot connect: OAUTH_NOT_AVAILABLE: perkville connects with OAuth 2.0 through the "
        "operator's OAuth client, and none is configured: set ACTIONS_OAUTH_CLIENT_ID_PERKVILLE "
        "and ACTIONS_OAUTH_CLIENT_SECRET_PERKVILLE"
    )
    expect(api_key(page).get_by_role("button", name=CONNECT)).to_be_enabled()
