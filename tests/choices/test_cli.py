"""`actions choices SLUG FIELD --settings FILE --endpoint URL` against a Perkville sandbox on
loopback: one JSON list on standard output; an error is one line `error: CODE: message` on
standard error, exit status 1, never showing the API key."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from destinations.perkville.sandbox import Faults, PerkvilleSandbox
from framework.tooling.cli import main
from tests.perkville.support import API_KEY, SETTINGS
from tests.waiting import HANG_GUARD

SLOW = 3600.0  # seconds: a slow fault's delay, far beyond the hang guard
SHORT = "0.2"  # seconds: a request time-out far shorter than a slow fault's delay

# The sandbox's perks are the values of the perk maps, once each, in order
PERKS = [
    {"value": perk, "label": f"Perk {perk}"}
    for perk in dict.fromkeys(SETTINGS["event_to_perk_map"].values())
]


@pytest.fixture
def sandbox() -> Iterator[PerkvilleSandbox]:
    """A Perkville sandbox serving one perk per list page (so every perk is a page)."""
    served = PerkvilleSandbox(SETTINGS, page_size=1)
    served.start()
    yield served
    served.stop()


def settings_file(tmp_path: Path, **changes: Any) -> Path:
    path = tmp_path / "settings.json"
    values = {name: value for name, value in {**SETTINGS, **changes}.items() if value is not None}
    path.write_text(json.dumps(values), encoding="utf-8")
    return path


def choices(
    capsys: pytest.CaptureFixture[str], settings: Path, field: str, *options: str
) -> tuple[int, str, str]:
    """``actions choices perkville FIELD``: exit status, standard output and error."""
    status = main(["choices", "perkville", field, "--settings", str(settings), *options])
    out, err = capsys.readouterr()
    return status, out, err


def test_the_perks_of_every_page_are_printed_as_one_json_list(
    sandbox: PerkvilleSandbox, tmp_path: Path
) -> None:
    """The command itself, in a new process."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "framework.tooling.cli",
            "choices",
            "perkville",
            "event_to_perk_map",
            "--settings",
            str(settings_file(tmp_path)),
            "--endpoint",
            sandbox.url,
        ],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.count("\n") == 1  # one line
    assert json.loads(done.stdout) == PERKS
    assert len(PERKS) > 2  # so the perks came from more than two pages


def test_businesses_and_locations_are_listed(
    sandbox: PerkvilleSandbox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    settings = settings_file(tmp_path, business_id=None, location_id=None)
    status, out, _ = choices(capsys, settings, "business_id", "--endpoint", sandbox.url)
    assert status == 0
    business = SETTINGS["business_id"]
    assert json.loads(out) == [{"value": business, "label": f"Business {business}"}]

    status, out, _ = choices(
        capsys, settings_file(tmp_path), "location_id", "--endpoint", sandbox.url
    )
    assert status == 0
    location = SETTINGS["location_id"]
    assert json.loads(out) == [{"value": location, "label": f"Location {location}"}]


def test_a_refused_api_key_is_one_clear_error_line(
    sandbox: PerkvilleSandbox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    wrong = "pk_live_not_the_key_0123"
    settings = settings_file(tmp_path, api_key=wrong)
    status, out, err = choices(capsys, settings, "event_to_perk_map", "--endpoint", sandbox.url)
    assert status == 1
    assert out == ""
    assert err.startswith(
        "error: INVALID_AUTHENTICATION: Perkville refused the credentials (listing the "
        "choices of event_to_perk_map): HTTP 401"
    )
    assert err.count("\n") == 1
    assert wrong not in err
    assert API_KEY not in err


def test_a_request_that_outlasts_its_time_out_is_a_timeout_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    slow = PerkvilleSandbox(SETTINGS, faults=Faults(rate=1.0, kinds=("slow",), slow_seconds=SLOW))
    slow.start()
    try:
        status, out, err = choices(
            capsys,
            settings_file(tmp_path),
            "business_id",
            "--endpoint",
            slow.url,
            "--timeout",
            SHORT,
        )
    finally:
        slow.stop()
    assert status == 1
    assert out == ""
    assert err.startswith(
        "error: TIMEOUT: Perkville did not answer in time (listing the choices of business_id)"
    )
    assert err.count("\n") == 1


def test_a_setting_still_needed_is_named(
    sandbox: PerkvilleSandbox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    settings = settings_file(tmp_path, business_id=None)
    status, out, err = choices(capsys, settings, "location_id", "--endpoint", sandbox.url)
    assert (status, out) == (1, "")
    assert err == (
        "error: SETTING_NEEDED: the choices of location_id depend on the setting "
        "business_id: fill it in first\n"
    )


def test_a_field_without_dynamic_choices_names_those_with_them(
    sandbox: PerkvilleSandbox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    settings = settings_file(tmp_path)
    status, out, err = choices(capsys, settings, "send_email", "--endpoint", sandbox.url)
    assert (status, out) == (1, "")
    assert err == (
        "error: UNKNOWN_FIELD: perkville has no field 'send_email' with dynamic choices "
        "(fields with them: business_id, location_id, event_to_perk_map, "
        "audience_to_perk_map)\n"
    )
