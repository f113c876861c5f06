"""Configuring Perkville in the settings page as a person would: fill the form, see a
missing API key reported, add a perk, save and load the settings, test the connection
against a mock Perkville, and test an event to read the request it would send. (The fields
with dynamic choices ask the mock for them when focused: see test_dynamic_choices.py.)"""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.local_server import LocalServer, Received
from tests.perkville.support import API_KEY
from tests.ui.support import Served, page_text_and_values, status


def open_perkville(page: Page, served: Served, *, api_key: str | None = API_KEY) -> None:
    """Open the page and fill Perkville's required settings (the API key unless None)."""
    page.goto(served.url)
    expect(page.get_by_label("Destination")).to_have_value("perkville")
    if api_key is not None:
        page.get_by_label("API Key").fill(api_key)
    page.get_by_label("Business ID").fill("4242")
    page.get_by_label("Location ID").fill("17")


def add_perk(page: Page, event: str, perk: str, *, group: str = "Event to Perk Map") -> None:
    """One more row in the key/value editor of ``group`` (a perk map; a perk is typed in
    the combobox of its choices)."""
    perks = page.get_by_role("group", name=group)
    perks.get_by_role("button", name="Add entry").click()
    perks.get_by_role("textbox").nth(-1).fill(event)
    perks.get_by_role("combobox").nth(-1).fill(perk)


def transactions(mock: LocalServer) -> list[Received]:
    """The transactions the mock received (focused fields asked it for their choices too)."""
    return [request for request in mock.received if request.path == "/transactions/"]


def test_a_missing_api_key_is_reported_next_to_it(page: Page, served: Served) -> None:
    open_perkville(page, served, api_key=None)
    api_key = page.get_by_label("API Key")
    expect(api_key).to_have_attribute("type", "password")
    expect(api_key).to_have_attribute("aria-required", "true")
    expect(page.locator('[data-path="api_key"] .error')).to_have_text("is required")
    expect(api_key).to_have_attribute("aria-invalid", "true")
    expect(status(page)).to_have_text("1 problem: see the fields marked in red.")

    api_key.fill(API_KEY)
    expect(status(page)).to_have_text("Settings are valid.")
    expect(page.locator('[data-path="api_key"] .error')).to_be_hidden()


def test_a_perk_is_added_saved_and_loaded_without_showing_the_key_again(
    page: Page, served: Served, tmp_path: Path
) -> None:
    open_perkville(page, served)
    add_perk(page, "Checked In", "123456")
    expect(status(page)).to_have_text("Settings are valid.")

    with page.expect_download() as download:
        page.get_by_role("button", name="Save settings").click()
    assert download.value.suggested_filename == "perkville-settings.json"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert json.loads(saved.read_text()) == {
        "api_key": API_KEY,
        "business_id": "4242",
        "location_id": "17",
        "event_to_perk_map": {"Checked In": "123456"},
        "send_email": False,
        "audience_to_perk_map": {},
    }
    key_field = page.locator('[data-path="api_key"]')
    expect(page.get_by_label("API Key")).to_have_value("")
    expect(key_field.get_by_text("set", exact=True)).to_be_visible()
    assert API_KEY not in page_text_and_values(page)

    page.reload()
    expect(page.get_by_label("Business ID")).to_have_value("")
    page.get_by_label("Load settings").set_input_files(saved)
    expect(page.locator("#file-status")).to_have_text("Loaded perkville-settings.json.")
    expect(page.get_by_label("Business ID")).to_have_value("4242")
    perks = page.get_by_role("group", name="Event to Perk Map")
    expect(perks.get_by_role("textbox")).to_have_count(1)
    expect(perks.get_by_role("textbox")).to_have_value("Checked In")
    expect(perks.get_by_role("combobox")).to_have_count(1)
    expect(perks.get_by_role("combobox")).to_have_value("123456")
    expect(page.get_by_label("API Key")).to_have_value("")
    expect(key_field.get_by_text("set", exact=True)).to_be_visible()
    expect(status(page)).to_have_text("Settings are valid.")
    assert API_KEY not in page_text_and_values(page)


def test_the_connection_is_tested_against_a_mock_perkville(
    page: Page, served: Served, mock: LocalServer
) -> None:
    open_perkville(page, served)
    result = page.locator("#connection-result")
    page.get_by_role("button", name="Test connection").click()
    expect(result).to_have_text("Connection succeeded: authentication succeeded (HTTP 200)")
    [received] = [request for request in mock.received if request.path == "/businesses/4242/"]
    assert (received.method, received.path) == ("GET", "/businesses/4242/")
    assert received.headers["Authorization"] == f"Bearer {API_KEY}"

    mock.status = 401
    page.get_by_label("API Key").fill("pk_live_revoked")
    page.get_by_role("button", name="Test connection").click()
    expect(result).to_have_text(
        "Connection failed: INVALID_AUTHENTICATION: invalid API key (HTTP 401)"
    )
    assert API_KEY not in served.log.read_text()
    assert "POST /api/destinations/perkville/test-connection 200" in served.log.read_text()


def test_an_event_shows_the_request_it_would_send(
    page: Page, served: Served, mock: LocalServer
) -> None:
    open_perkville(page, served)
    add_perk(page, "Order Completed", "555")
    result = page.locator("article.result")
    page.get_by_label("Sample event").select_option(label="Identify")
    page.get_by_role("button", name="Test event").click()
    expect(result.get_by_text('Not matched: type = "track"')).to_be_visible()
    engage = 'Off by default (not enabled above): type = "identify"'
    expect(result.get_by_text(engage)).to_be_visible()
    expect(result.get_by_role("figure")).to_have_count(0)
    skipped = page.locator("#results .skipped")
    expect(skipped).to_contain_text("Skipped: Perkville takes track events.")
    expect(skipped).to_contain_text("Award Perk for Audience")

    page.get_by_label("Sample event").select_option(label="Track: Order Completed (a spend)")
    page.get_by_role("button", name="Test event").click()
    expect(result.get_by_text('Matched: type = "track"')).to_be_visible()
    request = result.get_by_role("figure", name="Request", exact=True).locator("pre")
    expect(request).to_contain_text(f"POST {mock.url}/transactions/")
    expect(request).to_contain_text("Authorization: Bearer [REDACTED]")
    body = result.get_by_role("figure", name="Request body").locator("pre")
    assert json.loads(body.inner_text()) == {
        "business": "4242",
        "location": "17",
        "perk": "555",
        "email": "ana@example.com",
        "quantity": 9.99,
        "send_email": False,
        "trans_source_id": "sample-order-1",
    }
    assert transactions(mock) == [], "a dry run sends nothing"

    editor = page.locator('.mapping-editor[data-action="award_points"]')
    editor.get_by_role("button", name="JSON", exact=True).click()  # the whole mapping as JSON
    mapping = page.get_by_label("Award Points mapping (JSON)")
    problems = page.locator("#mapping-award_points-problems")
    mapping.fill('{"email": {"@path": 42}}')
    expect(problems).to_contain_text("/email/@path:")
    mapping.fill('{"email": "vip@example.com"}')
    expect(problems).to_be_empty()
    page.get_by_role("button", name="Test event").click()
    expect(body).to_contain_text('"email": "vip@example.com"')


def test_the_engage_action_runs_only_once_enabled(
    page: Page, served: Served, mock: LocalServer
) -> None:
    open_perkville(page, served)
    page.get_by_text("Advanced", exact=True).click()  # the optional settings' group
    add_perk(page, "vip_customers", "654321", group="Audience to Perk Map")
    enable = page.get_by_label("Enable Award Perk for Audience")
    expect(enable).not_to_be_checked()
    identify = {
        "type": "identify",
        "userId": "user-42",
        "messageId": "engage-1",
        "traits": {"email": "ana@example.com", "vip_customers": True},
    }
    page.get_by_label("Event (JSON)").fill(json.dumps(identify))
    result = page.locator('article.result[data-action="award_perk_for_audience"]')
    page.get_by_role("button", name="Test event").click()
    expect(result).to_contain_text('Off by default (not enabled above): type = "identify"')
    expect(page.locator("#results .skipped")).to_be_visible()

    enable.check()
    page.get_by_role("button", name="Test event").click()
    expect(result.get_by_text('Matched: type = "identify"')).to_be_visible()
    body = result.get_by_role("figure", name="Request body").locator("pre")
    sent = json.loads(body.inner_text())
    assert (sent["perk"], sent["email"], sent["quantity"]) == ("654321", "ana@example.com", 1)
    assert sent["trans_source_id"].startswith("audience-")
    expect(page.locator("#results .skipped")).to_have_count(0)
    assert transactions(mock) == [], "a dry run sends nothing"
