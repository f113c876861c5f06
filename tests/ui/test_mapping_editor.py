"""The mapping editor of the settings page, field by field, in Chromium against ``actions
serve``: a path picked from the sample event changes the value shown beside the field and
the dry run's request; a template, a literal and the JSON view edit the same mapping; a
field's problem is shown beside it; the mapping the page checks holds only the overrides;
"Reset" returns a field to its default; an answer to an older resolve request never
replaces a newer one."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Locator, Page, Request, Route, expect

from tests.local_server import LocalServer
from tests.ui.support import Served, screenshot
from tests.ui.test_perkville_page import add_perk, open_perkville, transactions
from tests.waiting import wait_for

EVENT = {
    "type": "track",
    "event": "Order Completed",
    "userId": "user-42",
    "messageId": "editor-1",
    "properties": {
        "email": "ana@example.com",
        "user_email": "vip@example.com",
        "order_id": "A-1001",
        "revenue": 12.5,
    },
    "context": {"traits": {"email": "traits@example.com"}},
}
OVERRIDE = {"@path": "$.properties.user_email"}


def editor(page: Page) -> Locator:
    """The mapping editor of Award Points."""
    return page.locator('.mapping-editor[data-action="award_points"]')


def field(page: Page, label: str) -> Locator:
    """One field's row in the editor of Award Points."""
    return editor(page).get_by_role("group", name=label, exact=True)


def resolved(page: Page, label: str) -> Locator:
    """The value shown beside a field: what it resolves to in the sample event."""
    return field(page, label).get_by_role("status", name=f"{label} resolves to")


def json_view(page: Page) -> Locator:
    """The JSON view's text area (opened with the editor's "JSON" toggle)."""
    return page.get_by_label("Award Points mapping (JSON)")


def request_body(page: Page) -> Locator:
    """The body of the request the dry run of Award Points would send."""
    result = page.locator('article.result[data-action="award_points"]')
    return result.get_by_role("figure", name="Request body").locator("pre")


def checking(mapping: dict[str, Any]) -> Callable[[Request], bool]:
    """Whether a request is the page's check of Award Points' mapping as ``mapping``."""

    def check(request: Request) -> bool:
        if not request.url.endswith("/validate-mapping"):
            return False
        body = json.loads(request.post_data or "{}")
        return bool(body.get("action") == "award_points" and body.get("mapping") == mapping)

    return check


def open_with_event(page: Page, served: Served, event: dict[str, Any] = EVENT) -> None:
    """Perkville's page, its settings filled, "Order Completed" allowlisted, ``event`` in
    the Event tester."""
    open_perkville(page, served)
    add_perk(page, "Order Completed", "555")
    page.get_by_label("Event (JSON)").fill(json.dumps(event))


def test_a_picked_path_changes_the_value_beside_it_and_the_dry_run(
    page: Page, served: Served, mock: LocalServer
) -> None:
    open_with_event(page, served)
    email = field(page, "Email")
    expect(resolved(page, "Email")).to_have_text('"ana@example.com"')  # its default mapping
    expect(email.get_by_label("Email source")).to_have_value("mapping")
    expect(email.get_by_role("button", name="Reset")).to_be_disabled()
    expect(resolved(page, "Event name")).to_have_text('"Order Completed"')

    email.get_by_label("Email source").select_option(label="Path")
    email.get_by_role("combobox", name="Email path").click()
    expect(email.get_by_role("option", name="$.context.traits.email", exact=True)).to_be_visible()
    with page.expect_request(checking({"email": OVERRIDE})):  # only the override
        email.get_by_role("option", name="$.properties.user_email", exact=True).click()
    expect(resolved(page, "Email")).to_have_text('"vip@example.com"')
    expect(email.get_by_role("button", name="Reset")).to_be_enabled()
    expect(resolved(page, "Event name")).to_have_text('"Order Completed"')

    editor(page).get_by_role("button", name="JSON", exact=True).click()
    expect(json_view(page)).to_be_visible()
    shown = json.loads(json_view(page).input_value())
    assert shown["email"] == OVERRIDE
    assert shown["event_name"] == {"@path": "$.event"}, "the other fields keep their default"
    screenshot(editor(page), "mapping-editor.png")

    page.get_by_role("button", name="Test event").click()
    expect(request_body(page)).to_contain_text('"email": "vip@example.com"')
    assert transactions(mock) == [], "a dry run sends nothing"

    with page.expect_request(checking({})):
        email.get_by_role("button", name="Reset").click()
    expect(resolved(page, "Email")).to_have_text('"ana@example.com"')
    expect(email.get_by_label("Email source")).to_have_value("mapping")
    expect(email.get_by_role("button", name="Reset")).to_be_disabled()
    expect(json_view(page)).not_to_have_value(re.compile("user_email"))
    page.get_by_role("button", name="Test event").click()
    expect(request_body(page)).to_contain_text('"email": "ana@example.com"')


def test_a_template_a_literal_and_the_json_view_edit_one_mapping(
    page: Page, served: Served
) -> None:
    open_with_event(page, served)
    email = field(page, "Email")
    email.get_by_label("Email source").select_option(label="Template")
    email.get_by_label("Email template").fill("{{context.traits.email}}")
    expect(resolved(page, "Email")).to_have_text('"traits@example.com"')

    email.get_by_label("Email source").select_option(label="Value")
    email.get_by_label("Email value").fill("not an email")
    expect(resolved(page, "Email")).to_have_text('"not an email"')
    expect(email.get_by_text("email: expected an email address")).to_be_visible()

    once = field(page, "Limit to once per calendar day")
    once.get_by_label("Limit to once per calendar day value").check()
    expect(resolved(page, "Limit to once per calendar day")).to_have_text("true")

    editor(page).get_by_role("button", name="JSON", exact=True).click()
    shown = json.loads(json_view(page).input_value())
    assert (shown["email"], shown["limit_to_once_per_calendar_day"]) == ("not an email", True)
    json_view(page).fill(json.dumps({**shown, "email": OVERRIDE}))
    expect(email.get_by_label("Email source")).to_have_value("path")
    expect(email.get_by_role("combobox", name="Email path")).to_have_value(OVERRIDE["@path"])
    expect(resolved(page, "Email")).to_have_text('"vip@example.com"')
    expect(resolved(page, "Limit to once per calendar day")).to_have_text("true")

    json_view(page).fill(json.dumps({"email": {"@path": 42}}))
    expect(email.get_by_label("Email source")).to_have_value("mapping")
    expect(email.get_by_text("/email/@path: should be a path string")).to_be_visible()
    json_view(page).fill('{"email": ')
    expect(editor(page).get_by_role("alert").filter(has_text="not valid JSON")).to_be_visible()
    json_view(page).fill(json.dumps({"email": OVERRIDE}))
    expect(once.get_by_label("Limit to once per calendar day value")).not_to_be_checked()
    expect(resolved(page, "Limit to once per calendar day")).to_have_text("false")


def test_an_answer_to_an_older_request_never_replaces_a_newer_one(
    page: Page, served: Served
) -> None:
    held: list[Route] = []

    def hold_templates(route: Route) -> None:
        if held_text(route.request.post_data):
            held.append(route)
        else:
            route.continue_()

    page.route("**/api/destinations/perkville/resolve", hold_templates)
    open_with_event(page, served)
    email = field(page, "Email")
    email.get_by_label("Email source").select_option(label="Template")
    template = email.get_by_label("Email template")
    template.fill("{{context.traits.email}}")
    expect(resolved(page, "Email")).to_have_text('"traits@example.com"')
    page.evaluate(
        """(output) => {
             window.emailTexts = [];
             new MutationObserver(() => window.emailTexts.push(output.textContent))
               .observe(output, {childList: true, characterData: true, subtree: true});
           }""",
        resolved(page, "Email").element_handle(),
    )
    template.fill("old {{properties.email}}")
    wait_for_held(page, held, 1)
    template.fill("new {{properties.user_email}}")
    wait_for_held(page, held, 2)
    older, newer = held
    older.fulfill(json={"fields": {"email": {"value": "old answer", "problem": None}}})
    newer.fulfill(json={"fields": {"email": {"value": "new answer", "problem": None}}})
    expect(resolved(page, "Email")).to_have_text('"new answer"')
    assert '"old answer"' not in page.evaluate("window.emailTexts")


def wait_for_held(page: Page, held: list[Route], count: int) -> None:
    """Wait until ``count`` resolve requests are held (each look lets Playwright deliver
    the page's requests to the route handler)."""
    wait_for(lambda: page.evaluate("true") and len(held) >= count, what=f"{count} held requests")


def held_text(body: str | None) -> str | None:
    """ "old" or "new": the first word of the email template of a resolve request that the
    test answers itself; None for the others (the server answers them)."""
    template = json.loads(body or "{}").get("mapping", {}).get("email", {})
    words = str(template.get("@template", "") if isinstance(template, dict) else "").split()
    return words[0] if words and words[0] in ("old", "new") else None
