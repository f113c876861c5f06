"""The form renderer covers every kind of field the framework has: a test destination with
all of them (and bounds) is served from its generated schema, filled in as a person would,
and the settings file the page saves is exactly the document those inputs mean."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from framework.runtime.server import SettingsServer
from tests.framework.support import RICH_SETTINGS_FIELDS, SECRET, field, make_destination
from tests.server.support import running_server, schemas_of

EVERYTHING = make_destination(
    slug="everything",
    name="Everything",
    settings={
        **RICH_SETTINGS_FIELDS,
        "notes": field(label="Notes", type="text", placeholder="Anything worth knowing"),
        "birthday": field(label="Birthday", format="date"),
        "size": field(label="Size", type="integer", minimum=1, maximum=1000),
        "code": field(label="Code", min_length=2, max_length=4),
    },
    extend_request=None,
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SettingsServer]:
    with running_server([EVERYTHING], schemas_dir=schemas_of([EVERYTHING], tmp_path)) as served:
        yield served


def test_every_field_type_is_rendered_and_saved_as_typed(
    page: Page, server: SettingsServer
) -> None:
    page.goto(server.url)
    expect(page.get_by_label("Destination")).to_have_value("everything")
    expect(page.get_by_label("API key")).to_have_attribute("type", "password")
    region = page.get_by_label("Region")
    expect(region.locator("option")).to_have_text(["Choose…", "US", "EU"])
    expect(region.locator("option:checked")).to_have_text("US")
    expect(page.get_by_label("Notes")).to_have_attribute("placeholder", "Anything worth knowing")
    expect(page.get_by_label("Birthday")).to_have_attribute("type", "date")
    advanced = page.locator("details", has_text="Advanced")
    expect(advanced.get_by_label("Retries")).to_have_value("3")
    expect(advanced.get_by_label("Level").locator("option:checked")).to_have_text("Low")
    scopes = page.get_by_role("group", name="Scopes", exact=True)
    expect(scopes.get_by_role("textbox")).to_have_count(1)
    expect(scopes.get_by_role("textbox")).to_have_value("read")

    page.get_by_label("Age").fill("40")
    expect(page.locator('[data-path="owner.name"] .error')).to_have_text("is required")
    expect(page.locator('[data-path="owner.team"] .error')).to_have_text("is required")
    expect(page.locator('[data-path="api_key"] .error')).to_have_text("is required")

    page.get_by_label("API key").fill(SECRET)
    region.select_option(label="EU")
    page.get_by_text("Advanced").click()
    advanced.get_by_label("Retries").fill("5")
    advanced.get_by_label("Debug").check()
    advanced.get_by_label("Level").select_option(label="High")
    page.get_by_label("Ratio").fill("0.25")
    tags = page.get_by_role("group", name="Tags", exact=True)
    for tag in ("a", "b"):
        tags.get_by_role("button", name="Add item").click()
        tags.get_by_role("textbox").last.fill(tag)
    scopes.get_by_role("button", name="Add item").click()
    scopes.get_by_role("textbox").last.fill("write")
    page.get_by_label("Nickname is null").check()
    expect(page.get_by_label("Nickname", exact=True)).to_be_disabled()
    page.get_by_label("Endpoint").fill("https://example.com/hook")
    page.get_by_label("Starts at").fill("2026-01-01T00:00:00Z")
    page.get_by_label("Name", exact=True).fill("Ann")
    page.get_by_label("Team").fill("core")
    labels = page.get_by_role("group", name="Labels", exact=True)
    labels.get_by_role("button", name="Add entry").click()
    labels.get_by_role("textbox").nth(0).fill("a")
    labels.get_by_role("textbox").nth(1).fill("1")
    page.get_by_label("Extra").fill('{"anything": [1, {"x": null}]}')
    page.get_by_label("Notes").fill("line one\nline two")
    page.get_by_label("Birthday").fill("2026-02-03")
    expect(page.locator("#settings-status")).to_have_text("Settings are valid.")

    with page.expect_download() as download:
        page.get_by_role("button", name="Save settings").click()
    assert json.loads(Path(download.value.path()).read_text()) == {
        "api_key": SECRET,
        "region": "eu",
        "retries": 5,
        "ratio": 0.25,
        "debug": True,
        "tags": ["a", "b"],
        "scopes": ["read", "write"],
        "nickname": None,
        "endpoint": "https://example.com/hook",
        "starts_at": "2026-01-01T00:00:00Z",
        "level": 2,
        "owner": {"name": "Ann", "age": 40, "team": "core"},
        "labels": {"a": 1},
        "extra": {"anything": [1, {"x": None}]},
        "notes": "line one\nline two",
        "birthday": "2026-02-03",
    }


def test_bounds_are_control_attributes_and_their_problems_show_next_to_the_field(
    page: Page, server: SettingsServer
) -> None:
    page.goto(server.url)
    expect(page.get_by_label("Destination")).to_have_value("everything")
    size, code = page.get_by_label("Size"), page.get_by_label("Code")
    expect(size).to_have_attribute("min", "1")
    expect(size).to_have_attribute("max", "1000")
    expect(size).to_have_attribute("inputmode", "numeric")
    expect(code).to_have_attribute("minlength", "2")
    expect(code).to_have_attribute("maxlength", "4")
    expect(page.get_by_label("Starts at")).to_have_attribute("placeholder", "2026-01-31T09:00:00Z")
    size_error = page.locator('[data-path="size"] .error')
    code_error = page.locator('[data-path="code"] .error')

    # One change at a time, each check awaited: no check is still running when the test ends.
    size.fill("5000")
    expect(size_error).to_have_text("must be at most 1000")
    expect(size).to_have_attribute("aria-invalid", "true")
    code.fill("a")
    expect(code_error).to_have_text("must be at least 2 characters")
    size.fill("500")
    expect(size_error).to_be_hidden()
    expect(code_error).to_have_text("must be at least 2 characters")
