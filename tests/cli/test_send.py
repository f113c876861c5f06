"""`actions send`: the documented JSON lines, the table, and the exit statuses."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from framework.tooling.cli import main
from tests.local_server import local_server

ROOT = Path(__file__).resolve().parents[2]
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"
EXAMPLES = ROOT / "examples" / "perkville"
KEYS = ["message_id", "action", "status", "request", "error", "reason"]


def shared(name: str) -> Path:
    path = SHARED_FIXTURES / name
    if not path.exists():
        pytest.skip(f"shared fixtures not found at {SHARED_FIXTURES} (../shared is absent)")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, Any]], str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()] if "--json" in argv else []
    return code, lines, err


def send_examples(
    capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, list[dict[str, Any]], str]:
    """`actions send perkville` with the example settings and ``argv``."""
    return run(capsys, "send", "perkville", "--settings", str(EXAMPLES / "settings.json"), *argv)


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_shared_fixtures_dry_run_json(capsys: pytest.CaptureFixture[str]) -> None:
    settings = shared("perkville-settings.json")
    api_key = json.loads(settings.read_text())["api_key"]
    code, lines, _ = run(
        capsys,
        "send",
        "perkville",
        "--settings",
        str(settings),
        "--dry-run",
        "--json",
        str(shared("perkville-events.ndjson")),
    )
    assert code == 1, "two fixture events fail"
    assert all(list(line) == KEYS for line in lines)
    outcome = {
        line["message_id"]: (line["status"], line["error"] and line["error"]["code"])
        for line in lines
    }
    assert outcome == {
        "msg-0001": ("dry_run", None),
        "msg-0002": ("dry_run", None),
        "msg-0003": ("dry_run", None),
        "msg-0004": ("dry_run", None),
        "msg-0005": ("dry_run", None),
        "msg-0006": ("dry_run", None),
        "msg-0007": ("dry_run", None),
        "msg-0008": ("failed", "EVENT_NOT_ALLOWLISTED"),
        "msg-0009": ("failed", "PAYLOAD_VALIDATION_FAILED"),
        "msg-0010": ("skipped", None),
        "msg-0011": ("dry_run", None),
    }
    quantities = {
        line["message_id"]: (line["request"]["json"]["quantity"], line["request"]["json"]["perk"])
        for line in lines
        if line["request"]
    }
    assert quantities == {
        "msg-0001": (9.99, "555"),
        "msg-0002": (25, "555"),
        "msg-0003": (42.5, "555"),
        "msg-0004": (1, "123456"),
        "msg-0005": (-9.99, "555"),
        "msg-0006": (1, "777"),
        "msg-0007": (1, "123456"),
        "msg-0011": (1, "900"),
    }
    skipped = lines[9]
    assert (skipped["action"], skipped["request"], skipped["error"]) == (None, None, None)
    assert skipped["reason"].startswith("Perkville takes track events.")
    assert "Award Perk for Audience" in skipped["reason"]
    assert all(line["reason"] is None for line in lines if line["status"] != "skipped")
    first = lines[0]["request"]
    assert first["method"] == "POST"
    assert first["url"] == "https://api.perkville.com/v2/transactions/"
    assert first["headers"]["Authorization"] == "Bearer [REDACTED]"
    assert api_key not in json.dumps(lines)


def test_a_line_that_is_not_json_is_a_failed_event_not_a_crash(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = json.dumps(
        {"type": "track", "event": "Checked In", "messageId": "m1", "email": "a@x.io"}
    )
    events = write(tmp_path, "events.ndjson", f'{good}\n{{"type": "track",\n\nNaN\n[1, 2]\n')
    code, lines, _ = send_examples(
        capsys,
        "--dry-run",
        "--json",
        str(events),
    )
    assert code == 1
    assert [line["status"] for line in lines] == ["dry_run", "failed", "failed", "failed"]
    errors = [line["error"] for line in lines[1:]]
    assert all(error["code"] == "INVALID_EVENT" for error in errors)
    assert "line 2" in errors[0]["message"]
    assert "line 4" in errors[1]["message"], "NaN is not JSON"
    assert "line 5" in errors[2]["message"]
    assert "JSON object" in errors[2]["message"]


def test_all_good_events_exit_zero(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    event = {"type": "track", "event": "Checked In", "messageId": "m1", "email": "a@x.io"}
    events = write(tmp_path, "events.ndjson", json.dumps(event) + "\n")
    code, lines, _ = send_examples(
        capsys,
        "--dry-run",
        "--json",
        str(events),
    )
    assert (code, [line["status"] for line in lines]) == (0, ["dry_run"])


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        pytest.param('{"business_id": "1"}', "api_key: is required", id="missing setting"),
        pytest.param(
            '{"api_key": "k", "business_id": "1", "location_id": "2", "send_email": "no"}',
            "send_email: expected a boolean",
            id="wrong type",
        ),
        pytest.param("{not json", "is not valid JSON", id="not json"),
        pytest.param(
            '{"api_key": NaN}',
            "is not valid JSON: a number is not a finite double (NaN, Infinity or out of range)"
            " at /api_key",
            id="NaN",
        ),
        pytest.param(
            '{"api_key": "\\udce9"}',
            "is not valid JSON: a string holds a lone UTF-16 surrogate at /api_key",
            id="lone surrogate",
        ),
        pytest.param(
            '{"business_id": ' + "1" * 4301 + "}",
            "is not valid JSON: an integer has more than 4300 digits at /business_id",
            id="long integer",
        ),
    ],
)
def test_settings_errors_exit_2_naming_the_setting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, settings: str, message: str
) -> None:
    path = write(tmp_path, "settings.json", settings)
    code, _, err = run(
        capsys,
        "send",
        "perkville",
        "--settings",
        str(path),
        "--dry-run",
        "--json",
        str(EXAMPLES / "events.ndjson"),
    )
    assert code == 2
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            ["send", "nope", "--settings", "x", "-"], "unknown destination 'nope'", id="dest"
        ),
        pytest.param(
            ["send", "perkville", "--settings", "/no/such/file", "-"],
            "cannot read settings",
            id="settings file",
        ),
        pytest.param(
            ["send", "perkville", "--settings", str(EXAMPLES / "settings.json"), "/no/such/events"],
            "cannot read events file",
            id="events file",
        ),
        pytest.param(
            [
                "send",
                "perkville",
                "--settings",
                str(EXAMPLES / "settings.json"),
                "--max-attempts",
                "0",
                "-",
            ],
            "--max-attempts",
            id="attempts",
        ),
    ],
)
def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err


def test_mapping_file_overrides_the_preset_mapping(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    mapping = write(
        tmp_path,
        "mapping.json",
        json.dumps(
            {
                "award_points": {
                    "email": {"@path": "$.traits.email"},
                    "limit_to_once_per_calendar_day": True,
                }
            }
        ),
    )
    event = {
        "type": "track",
        "event": "Checked In",
        "messageId": "m1",
        "traits": {"email": "t@x.io"},
        "email": "ignored@x.io",
    }
    events = write(tmp_path, "events.ndjson", json.dumps(event))
    code, [line], _ = send_examples(
        capsys,
        "--mapping",
        str(mapping),
        "--dry-run",
        "--json",
        str(events),
    )
    assert code == 0
    assert line["request"]["json"]["email"] == "t@x.io"
    assert line["request"]["json"]["limit_to_once_per_calendar_day"] is True


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        pytest.param({"nope": {}}, "unknown action 'nope'", id="unknown action"),
        pytest.param(
            {"award_points": {"colour": "red"}}, "has no field 'colour'", id="unknown field"
        ),
        pytest.param({"award_points": {"email": {"@nope": 1}}}, "/email", id="invalid directive"),
        pytest.param({"award_points": []}, "must be an object", id="not an object"),
    ],
)
def test_bad_mapping_files_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, mapping: object, message: str
) -> None:
    path = write(tmp_path, "mapping.json", json.dumps(mapping))
    code, _, err = send_examples(
        capsys,
        "--mapping",
        str(path),
        "--dry-run",
        str(EXAMPLES / "events.ndjson"),
    )
    assert code == 2
    assert message in err


def test_table_output_shows_requests_errors_and_a_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        [
            "send",
            "perkville",
            "--settings",
            str(EXAMPLES / "settings.json"),
            "--dry-run",
            str(EXAMPLES / "events.ndjson"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "POST https://api.perkville.com/v2/transactions/" in out
    assert '"quantity": -9.99' in out
    assert "EVENT_NOT_ALLOWLISTED" in out
    [skipped] = [line for line in out.splitlines() if line.startswith("demo-10 ")]
    assert "skipped   Perkville takes track events." in skipped
    assert "Award Perk for Audience" in skipped
    assert "no subscription matched" not in out
    assert out.rstrip().endswith("11 results: 6 dry_run, 4 failed, 1 skipped")
    assert "demo-api-key-0000" not in out


def test_delivery_to_a_local_endpoint(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    event = {"type": "track", "event": "Checked In", "messageId": "m1", "email": "a@x.io"}
    events = write(tmp_path, "events.ndjson", json.dumps(event))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(events.read_bytes())))
    with local_server() as server:
        code, [line], _ = send_examples(
            capsys,
            "--endpoint",
            server.url + "/v2",
            "--json",
            "-",
        )
    assert (code, line["status"]) == (0, "delivered")
    [received] = server.received
    assert (received.method, received.path) == ("POST", "/v2/transactions/")
    assert received.headers["Authorization"] == "Bearer demo-api-key-0000"
    assert received.json()["trans_source_id"] == "m1"


def test_endpoint_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with local_server() as server:
        server.status = 500
        monkeypatch.setenv("ACTIONS_ENDPOINT_PERKVILLE", server.url)
        code, lines, _ = send_examples(
            capsys,
            "--max-attempts",
            "1",
            "--json",
            str(EXAMPLES / "events.ndjson"),
        )
    assert code == 1
    delivered = [line for line in lines if line["request"]]
    assert delivered, "the requests went to the local endpoint"
    assert all(line["error"]["code"] == "SERVER_ERROR" for line in delivered)
    assert all(line["error"]["retryable"] for line in delivered)
    assert len(server.received) == len(delivered)


@pytest.mark.parametrize(
    ("status", "expected", "code"),
    [
        (200, "ok: authentication succeeded", 0),
        (401, "invalid API key", 1),
        (404, "unknown business id", 1),
    ],
)
def test_test_auth(
    capsys: pytest.CaptureFixture[str], status: int, expected: str, code: int
) -> None:
    with local_server() as server:
        server.status = status
        exit_code = main(
            [
                "test-auth",
                "perkville",
                "--settings",
                str(EXAMPLES / "settings.json"),
                "--endpoint",
                server.url,
            ]
        )
    out = capsys.readouterr().out
    assert exit_code == code
    assert expected in out
    assert server.received[0].path == "/businesses/4242/"
    assert "demo-api-key-0000" not in out


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    [perkville] = [d for d in listing["destinations"] if d["slug"] == "perkville"]
    assert perkville["actions"] == {
        "award_points": "Award Points",
        "award_perk_for_audience": "Award Perk for Audience",
    }
    assert perkville["presets"] == [
        {
            "name": "Award Points",
            "action": "award_points",
            "subscription": 'type = "track"',
            "enabled": True,
        },
        {
            "name": "Award Perk for Audience",
            "action": "award_perk_for_audience",
            "subscription": 'type = "identify"',
            "enabled": False,
        },
    ]
    assert perkville["origin"] == "built-in destinations.perkville"


def test_list_marks_a_preset_that_is_off_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    presets = [line for line in capsys.readouterr().out.splitlines() if "preset  " in line]
    [track] = [line for line in presets if "award_points when" in line]
    [engage] = [line for line in presets if "award_perk_for_audience when" in line]
    assert "off by default" not in track
    assert engage.endswith("(off by default: enable with a mapping for its action)")


def test_console_script_reads_standard_input() -> None:
    actions = Path(sys.executable).with_name("actions")
    event = {
        "type": "track",
        "event": "Referral Sent",
        "messageId": "m9",
        "properties": {"email": "r@x.io"},
    }
    done = subprocess.run(
        [
            str(actions),
            "send",
            "perkville",
            "--settings",
            str(EXAMPLES / "settings.json"),
            "--dry-run",
            "--json",
            "-",
        ],
        input=json.dumps(event) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["request"]["json"]["perk"] == "777"
