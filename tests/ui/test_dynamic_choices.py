"""Fields with dynamic choices in the browser: ``actions serve`` (a real process) pointed at
a Perkville sandbox lists its business, location and perks in searchable dropdowns that
still take free text; a refused API key and a sandbox that never answers each show a clear
error beside the field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from destinations.perkville.sandbox import PerkvilleSandbox
from framework import Faults
from tests.perkville.support import API_KEY, SETTINGS
from tests.ui.support import Served, screenshot, status

PERKS = ["Perk 555", "Perk 556", "Perk 007", "Perk 900"]  # the sandbox's, from SETTINGS' map
NEVER = Faults(rate=1.0, kinds=("slow",), slow_seconds=3600)  # no answer until it stops


def open_with_key(page: Page, served: Served, key: str) -> None:
    page.goto(served.url)
    expect(page.get_by_label("Destination")).to_have_value("perkville")
    page.get_by_label("API Key").fill(key)


def field(page: Page, path: str) -> Locator:
    return page.locator(f'[data-path="{path}"]')


def listed(where: Locator) -> Locator:
    """The labels of the choices ``where`` shows."""
    return where.get_by_role("listbox").locator(".choice-label")


def test_the_dropdowns_offer_the_sandbox_business_location_and_perks(
    sandboxed: Callable[..., Served], page: Page, tmp_path: Path
) -> None:
    served = sandboxed(PerkvilleSandbox(SETTINGS))
    open_with_key(page, served, API_KEY)
    business = page.get_by_role("combobox", name="Business ID")
    business.click()
    expect(listed(field(page, "business_id"))).to_have_text(["Business 4242"])
    page.get_by_role("option", name="Business 4242").click()
    expect(business).to_have_value("4242")
    expect(field(page, "business_id").locator(".chosen")).to_have_text("Business 4242")
    expect(field(page, "business_id").get_by_role("listbox")).to_be_hidden()

    page.get_by_role("combobox", name="Location ID").click()
    expect(listed(field(page, "location_id"))).to_have_text(["Location 17"])
    page.get_by_role("option", name="Location 17").click()
    expect(page.get_by_role("combobox", name="Location ID")).to_have_value("17")

    perks = page.get_by_role("group", name="Event to Perk Map")
    perks.get_by_role("button", name="Add entry").click()
    perks.get_by_role("textbox", name="Key 1").fill("Checked In")
    perk = perks.get_by_role("combobox", name="Value 1")
    perk.click()
    expect(listed(perks)).to_have_text(PERKS)
    screenshot(page.locator("#settings-form"), "perkville-perk-choices.png")

    perk.press_sequentially("90")  # filters the list; free text all the same
    expect(listed(perks)).to_have_text(["Perk 900"])
    perk.press("ArrowDown")
    perk.press("Enter")
    expect(perk).to_have_value("900")
    expect(perks.locator(".chosen")).to_have_text("Perk 900")
    expect(status(page)).to_have_text("Settings are valid.")

    perk.fill("424242")  # not a listed perk: kept as typed
    perk.press("Escape")
    expect(perks.get_by_role("listbox")).to_be_hidden()
    expect(perk).to_have_value("424242")
    expect(perks.locator(".chosen")).to_be_empty()


def test_a_refused_api_key_is_shown_beside_the_field_until_a_refresh_with_a_good_one(
    sandboxed: Callable[..., Served], page: Page, tmp_path: Path
) -> None:
    served = sandboxed(PerkvilleSandbox(SETTINGS))
    open_with_key(page, served, "pk_live_wrong")
    business = field(page, "business_id")
    page.get_by_role("combobox", name="Business ID").click()
    expect(business.get_by_role("status")).to_have_text(
        "Could not list the choices: INVALID_AUTHENTICATION: Perkville refused the "
        "credentials (listing the choices of business_id): HTTP 401 Unauthorized: "
        "Invalid or missing bearer token"
    )
    expect(business.get_by_role("listbox")).to_be_hidden()

    page.get_by_label("API Key").fill(API_KEY)
    business.get_by_role("button", name="Refresh").click()
    expect(listed(business)).to_have_text(["Business 4242"])
    expect(business.get_by_role("status")).to_be_empty()


def test_a_destination_that_never_answers_is_a_time_out_beside_the_field(
    sandboxed: Callable[..., Served], page: Page, tmp_path: Path
) -> None:
    sandbox = PerkvilleSandbox(SETTINGS, faults=NEVER)
    served = sandboxed(sandbox, "--timeout", "0.5")
    open_with_key(page, served, API_KEY)
    page.get_by_label("Business ID").fill("4242")
    perks = page.get_by_role("group", name="Event to Perk Map")
    perks.get_by_role("button", name="Add entry").click()
    perks.get_by_role("combobox", name="Value 1").click()
    expect(perks.get_by_role("status")).to_have_text(
        "Could not list the choices: TIMEOUT: Perkville did not answer in time (listing the "
        "choices of event_to_perk_map): request timed out (TimeoutError)"
    )
    expect(perks.get_by_role("listbox")).to_be_hidden()
