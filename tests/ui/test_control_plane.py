"""The settings page as the runtime's control plane, end to end: ``actions serve --config``
(a real process: ingress, workers and the connections' store) with one source and no
destination in its file, Perkville's requests sent to a Perkville sandbox. In the browser a
Perkville connection is created; events posted to ``/v1/batch`` are applied in the sandbox
and counted on the page; the perk map changed on the page is followed by the next events
with no restart; a disabled connection takes no more events; a failure's sample is read
off the page; dead letters are replayed from it once the API key is fixed there.

The runtime logs ``connections applied`` each time it swaps in the stored connections:
the tests wait for that line after each save, never for a time."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, expect

from destinations.perkville.sandbox import PerkvilleSandbox
from tests.perkville.support import API_KEY, SETTINGS
from tests.ui.support import Served, page_text_and_values, screenshot
from tests.waiting import wait_for

WRITE_KEY = "shop-write-key-1"
NAME = "shop-perkville"
WRONG_KEY = "pk_live_not_the_key"


def write_config(folder: Path) -> Path:
    """A runtime configuration with one source, ``shop``, and no destination: its
    connections are made on the page. Failed attempts are retried at once, twice."""
    path = folder / "actions.toml"
    path.write_text(
        f"""queue = "sqlite:///queue.db"

[delivery]
max_attempts = 2
backoff = "1ms"
max_backoff = "1ms"

[[sources]]
name = "shop"
write_key = "{WRITE_KEY}"
"""
    )
    return path


def start(
    sandboxed: Callable[..., Served], tmp_path: Path, settings: dict[str, Any] = SETTINGS
) -> tuple[PerkvilleSandbox, Served]:
    sandbox = PerkvilleSandbox(settings)
    return sandbox, sandboxed(sandbox, "--config", str(write_config(tmp_path)))


def check_in(message_id: str, email: str) -> dict[str, Any]:
    """A "Checked In" track call (quantity 1)."""
    return {
        "type": "track",
        "event": "Checked In",
        "userId": f"user-{message_id}",
        "messageId": message_id,
        "properties": {"email": email},
    }


def post(served: Served, *events: dict[str, Any]) -> None:
    """``events`` as one ``/v1/batch`` call with the source's write key."""
    response = httpx.post(
        f"{served.url}v1/batch", json={"batch": list(events)}, auth=(WRITE_KEY, ""), timeout=30
    )
    assert response.status_code == 200, response.text


def metric(served: Served, name: str, labels: str) -> float:
    """One sample of the server's ``/metrics`` (0 when absent)."""
    text = httpx.get(f"{served.url}metrics", timeout=30).text
    found = re.search(rf"^{re.escape(name)}\{{{re.escape(labels)}\}} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


class Applied:
    """Counts the runtime's ``connections applied`` log lines, to wait for the next."""

    def __init__(self, served: Served) -> None:
        self.served = served
        self.seen = self.count()

    def count(self) -> int:
        return self.served.log.read_text().count("connections applied")

    def wait(self) -> None:
        """Until the runtime applied one more change of the stored connections."""
        seen = self.seen
        wait_for(lambda: self.count() > seen, what="the runtime to apply the connections")
        self.seen = self.count()


def new_connection(page: Page, served: Served, *, api_key: str, perk: str) -> None:
    """Open the page and fill a new Perkville connection of the source ``shop``
    ("Checked In" awards ``perk``); not saved yet."""
    page.goto(served.url)
    expect(page.get_by_role("region", name="Connections")).to_be_visible()
    expect(page.get_by_label("Destination")).to_have_value("perkville")
    page.get_by_role("button", name="New connection").click()
    page.get_by_label("Connection name").fill(NAME)
    page.get_by_label("Connection source").fill("shop")
    page.get_by_label("API Key").fill(api_key)
    page.get_by_label("Business ID").fill("4242")
    page.get_by_label("Location ID").fill("17")
    perks = page.get_by_role("group", name="Event to Perk Map")
    perks.get_by_role("button", name="Add entry").click()
    perks.get_by_role("textbox").nth(-1).fill("Checked In")
    perks.get_by_role("combobox").nth(-1).fill(perk)


def save(page: Page, applied: Applied, version: int) -> None:
    """Save the connection open; the runtime applies it."""
    page.get_by_role("button", name="Save connection").click()
    expect(page.locator("#connection-status")).to_have_text(f"Saved {NAME} (version {version}).")
    applied.wait()


def count(page: Page, kind: str) -> Locator:
    """The delivery view's total of ``kind`` over the last hour."""
    return page.locator(f'#delivery [data-count="{kind}"]')


def perks_of(sandbox: PerkvilleSandbox) -> list[str]:
    return [transaction["perk"] for transaction in sandbox.transactions()]


def test_a_connection_made_on_the_page_delivers_follows_its_changes_and_stops_when_disabled(
    sandboxed: Callable[..., Served], page: Page, tmp_path: Path
) -> None:
    sandbox, served = start(sandboxed, tmp_path)
    applied = Applied(served)
    new_connection(page, served, api_key=API_KEY, perk="007")
    save(page, applied, 1)
    row = page.locator(f'#connection-list tr[data-connection="{NAME}"]')
    expect(row).to_contain_text("shop")
    expect(row).to_contain_text("perkville")
    expect(row.get_by_label(f"{NAME} enabled")).to_be_checked()
    expect(page.get_by_label("API Key")).to_have_value("")  # stored: shown as set, never again
    expect(page.locator('[data-path="api_key"]').get_by_text("set", exact=True)).to_be_visible()
    page.get_by_role("button", name="Test connection").click()  # with the stored key
    expect(page.locator("#connection-result")).to_contain_text("Connection succeeded")

    post(served, check_in("visit-1", "ana@example.com"), check_in("visit-2", "bo@example.com"))
    wait_for(lambda: sandbox.applied() == 2, what="two transactions")
    assert perks_of(sandbox) == ["007", "007"]
    assert sandbox.balances() == {"ana@example.com": 1, "bo@example.com": 1}
    expect(count(page, "delivered")).to_have_text("2")
    expect(count(page, "dead_lettered")).to_have_text("0")
    expect(page.locator("#delivery .rate")).to_contain_text("per minute")

    perks = page.get_by_role("group", name="Event to Perk Map")
    perks.get_by_role("combobox").nth(0).fill("555")
    save(page, applied, 2)  # the untouched API key is kept ({"secret": true})
    post(served, check_in("visit-3", "ana@example.com"))
    wait_for(lambda: sandbox.applied() == 3, what="a third transaction")
    assert perks_of(sandbox) == ["007", "007", "555"]
    expect(count(page, "delivered")).to_have_text("3")
    screenshot(page.locator("#delivery"), "control-plane-delivery.png")

    row.get_by_label(f"{NAME} enabled").uncheck()
    expect(page.locator("#connections-status")).to_have_text(f"{NAME} disabled (version 3).")
    applied.wait()
    unrouted = 'source="shop",type="track"'
    before = metric(served, "actions_events_unrouted_total", unrouted)
    post(served, check_in("visit-4", "ana@example.com"))
    assert metric(served, "actions_events_unrouted_total", unrouted) == before + 1
    assert sandbox.applied() == 3  # and, taken by no route, it is not queued to arrive later
    expect(page.get_by_label("Connection enabled (takes new events)")).not_to_be_checked()
    assert API_KEY not in page_text_and_values(page)
    assert API_KEY not in served.log.read_text()
    screenshot(page.locator("main"), "control-plane.png")


def test_failures_are_shown_with_a_sample_and_dead_letters_replayed_from_the_page(
    sandboxed: Callable[..., Served], page: Page, tmp_path: Path
) -> None:
    sandbox, served = start(sandboxed, tmp_path)
    applied = Applied(served)
    new_connection(page, served, api_key=WRONG_KEY, perk="007")
    save(page, applied, 1)

    post(served, check_in("bad-email-1", "not-an-email"), check_in("refused-1", "ana@example.com"))
    expect(count(page, "dead_lettered")).to_have_text("2")
    assert sandbox.applied() == 0

    invalid = page.locator('#delivery details[data-code="PAYLOAD_VALIDATION_FAILED"]')
    expect(invalid.locator("summary")).to_have_text("PAYLOAD_VALIDATION_FAILED (1)")
    invalid.locator("summary").click()
    expect(invalid.get_by_role("figure", name="Event")).to_contain_text("not-an-email")

    refused = page.locator('#delivery details[data-code="INVALID_AUTHENTICATION"]')
    refused.locator("summary").click()
    request = refused.get_by_role("figure", name="Request")
    expect(request).to_contain_text("Authorization: Bearer [REDACTED]")
    sent = json.loads(request.inner_text().split("\n\n", 1)[1])
    assert (sent["perk"], sent["email"], sent["trans_source_id"]) == (
        "007",
        "ana@example.com",
        "refused-1",
    )
    expect(refused.get_by_role("figure", name="Response")).to_contain_text("HTTP 401")
    dead = page.get_by_role("table", name="Dead letters")
    expect(dead.locator("tbody tr")).to_have_count(2)
    screenshot(page.locator("#delivery"), "control-plane-failures.png")
    assert WRONG_KEY not in page_text_and_values(page)

    page.get_by_label("API Key").fill(API_KEY)
    save(page, applied, 2)
    page.get_by_role("button", name="Replay INVALID_AUTHENTICATION").click()
    expect(page.locator("#replay-status")).to_have_text("Replayed 1 dead letter.")
    wait_for(lambda: sandbox.applied() == 1, what="the replayed transaction")
    assert sandbox.transactions()[0]["trans_source_id"] == "refused-1"
    expect(dead.locator("tbody tr")).to_have_count(1)
    expect(dead).to_contain_text("PAYLOAD_VALIDATION_FAILED")
    expect(count(page, "delivered")).to_have_text("1")
    assert API_KEY not in page_text_and_values(page)
