"""The command line's input discipline: NDJSON read as bytes, each bad line a coded error
and the next line read all the same, bounded line length and bounded skipping (so
``/dev/zero`` ends), strict settings and mapping files, mapping depth, and ``--endpoint``
an http(s) URL. Never a traceback, never a value in a message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from framework.authoring.registry import Registry
from framework.tooling.cli import common, destinations, main
from tests.nesting import in_objects

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "examples" / "perkville" / "settings.json"
ACTIONS = Path(sys.executable).with_name("actions")
HANG_GUARD = 300  # seconds: only a hang reaches it


def event(message_id: str) -> bytes:
    body = {"type": "track", "event": "Checked In", "messageId": message_id, "email": "a@x.io"}
    return json.dumps(body).encode()


def send(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, *argv: str
) -> tuple[int, list[dict[str, Any]], str]:
    """`actions send perkville --dry-run --json` of a file holding ``content``."""
    path = tmp_path / "events.ndjson"
    path.write_bytes(content)
    code = main(
        ["send", "perkville", "--settings", str(SETTINGS), "--dry-run", "--json", *argv, str(path)]
    )
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, [json.loads(line) for line in out.splitlines()], err


def outcomes(lines: list[dict[str, Any]]) -> list[tuple[str | None, str]]:
    """(message id or the error message, status) of each result line."""
    return [(line["message_id"] or line["error"]["message"], line["status"]) for line in lines]


def test_each_bad_line_is_a_coded_error_and_the_next_line_is_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    deep = b"[" * 65 + b"]" * 65
    content = b"\n".join(
        [
            event("m1"),
            b'{"type": "track", "event": "s3cr3t\\udce9"}',
            b'{"type": "track", "n": ' + b"7" * 4301 + b"}",
            b'{"type": "track", "event": "caf\xe9"}',
            b"\x00" * 100,
            b'{"type": "track", "revenue": 1e400}',
            deep,
            event("m2"),
        ]
    )
    code, lines, _ = send(capsys, tmp_path, content + b"\n")
    assert code == 1
    assert outcomes(lines) == [
        ("m1", "dry_run"),
        ("line 2: not valid JSON: a string holds a lone UTF-16 surrogate at /event", "failed"),
        ("line 3: not valid JSON: an integer has more than 4300 digits at /n", "failed"),
        ("line 4: not UTF-8", "failed"),
        ("line 5: not valid JSON at column 1: Expecting value", "failed"),
        (
            "line 6: not valid JSON: a number is not a finite double (NaN, Infinity or out "
            "of range) at /revenue",
            "failed",
        ),
        (
            "line 7: not valid JSON: it is nested more than 64 deep at " + ("/0" * 64)[:119] + "…",
            "failed",
        ),
        ("m2", "dry_run"),
    ]
    assert {line["error"]["code"] for line in lines if line["error"]} == {"INVALID_EVENT"}
    assert "s3cr3t" not in json.dumps(lines)


def test_a_line_of_the_longest_length_is_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    longest = event("m1").ljust(common.MAX_LINE)
    assert len(longest) == common.MAX_LINE
    code, lines, _ = send(capsys, tmp_path, longest + b"\n" + event("m2"))
    assert (code, outcomes(lines)) == (0, [("m1", "dry_run"), ("m2", "dry_run")])


def test_a_longer_line_is_an_error_skipped_to_its_end(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    longer = event("m1").ljust(common.MAX_LINE + 1)
    code, lines, _ = send(capsys, tmp_path, event("m0") + b"\n" + longer + b"\n" + event("m2"))
    assert code == 1
    assert outcomes(lines) == [
        ("m0", "dry_run"),
        (f"line 2: is longer than {common.MAX_LINE} bytes", "failed"),
        ("m2", "dry_run"),
    ]


def test_reading_stops_once_too_much_was_skipped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "MAX_LINE", 200)
    monkeypatch.setattr(common, "MAX_SKIPPED", 1000)
    content = b"\n".join(
        [
            b"x" * 300,
            event("m1"),
            b"y" * 600,
            event("m2"),
            b"\x00" * 5000 + event("m3"),
            event("m4"),
        ]
    )
    code, lines, _ = send(capsys, tmp_path, content)
    assert code == 1
    assert outcomes(lines) == [
        ("line 1: is longer than 200 bytes", "failed"),
        ("m1", "dry_run"),
        ("line 3: is longer than 200 bytes", "failed"),
        ("m2", "dry_run"),
        (
            "line 5: is longer than 200 bytes; reading stopped after skipping 1000 bytes of "
            "over-long lines",
            "failed",
        ),
    ]


@pytest.mark.parametrize(
    ("size", "reason"),
    [
        (100, "not valid JSON at column 1: Expecting value"),
        (3 * common.MAX_LINE, f"is longer than {common.MAX_LINE} bytes"),
        (
            common.MAX_SKIPPED + 1,
            f"is longer than {common.MAX_LINE} bytes; reading stopped after skipping "
            f"{common.MAX_SKIPPED} bytes of over-long lines",
        ),
    ],
)
def test_zero_bytes_as_head_c_would_give_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, size: int, reason: str
) -> None:
    code, lines, _ = send(capsys, tmp_path, b"\x00" * size)
    assert (code, outcomes(lines)) == (1, [(f"line 1: {reason}", "failed")])


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("source", ["file", "standard input"])
def test_dev_zero_ends_with_one_error(source: str) -> None:
    argv = [str(ACTIONS), "send", "perkville", "--settings", str(SETTINGS), "--dry-run", "--json"]
    with open("/dev/zero", "rb") as zeros:
        done = subprocess.run(
            [*argv, "/dev/zero" if source == "file" else "-"],
            stdin=zeros if source == "standard input" else subprocess.DEVNULL,
            capture_output=True,
            timeout=HANG_GUARD,
            check=False,
        )
    assert done.returncode == 1, done.stderr
    [line] = [json.loads(text) for text in done.stdout.splitlines()]
    assert line["error"]["code"] == "INVALID_EVENT"
    assert "reading stopped after skipping" in line["error"]["message"]
    assert b"Traceback" not in done.stderr


def test_map_and_match_go_on_after_a_bad_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    events = tmp_path / "events.ndjson"
    events.write_bytes(b'{"event": "\\udce9"}\n\xff\n' + event("m1") + b"\n")
    mapping = tmp_path / "mapping.json"
    mapping.write_text('{"id": {"@path": "$.messageId"}}')
    assert main(["map", str(mapping), str(events)]) == 1
    assert main(["match", 'type = "track"', str(events)]) == 1
    out, err = capsys.readouterr()
    shown = [json.loads(line) for line in out.splitlines()]
    assert [line.get("output") or line.get("match") or line["error"]["code"] for line in shown] == [
        "INVALID_EVENT",
        "INVALID_EVENT",
        {"id": "m1"},
        "INVALID_EVENT",
        "INVALID_EVENT",
        True,
    ]
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param(
            {"award_points": {"amount": in_objects(40, {"@path": "$.properties.total"})}},
            "actions: INVALID_MAPPING: /amount" + "/k" * 31 + ": it is nested more than 32 deep",
            id="deeper than a mapping may be",
        ),
        pytest.param(
            {"award_points": {"amount": in_objects(300, {"@path": "$.properties.total"})}},
            "is not valid JSON: it is nested more than 64 deep at /award_points/amount/k/k",
            id="deeper than JSON may be",
        ),
    ],
)
def test_a_deep_mapping_file_is_a_coded_error_naming_where(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, document: Any, message: str
) -> None:
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(document))
    code, lines, err = send(capsys, tmp_path, event("m1"), "--mapping", str(mapping))
    assert (code, lines) == (2, [])
    assert message in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"award_points": {"amount": NaN}}',
            "MALFORMED_JSON: mapping file '{path}' is not valid JSON: a number is not a finite "
            "double (NaN, Infinity or out of range) at /award_points/amount",
        ),
        (
            '{"award_points": {"email": {"@path": "\\udce9"}}}',
            "MALFORMED_JSON: mapping file '{path}' is not valid JSON: a string holds a lone "
            "UTF-16 surrogate at /award_points/email/@path",
        ),
    ],
)
def test_a_mapping_file_is_strict_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, message: str
) -> None:
    mapping = tmp_path / "mapping.json"
    mapping.write_text(text)
    code, _, err = send(capsys, tmp_path, event("m1"), "--mapping", str(mapping))
    assert code == 2
    assert message.format(path=mapping) in err


def test_map_refuses_a_deep_mapping_at_its_pointer(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(in_objects(40, {"@path": "$.properties.total"})))
    events = tmp_path / "events.ndjson"
    events.write_bytes(event("m1"))
    assert main(["map", str(mapping), str(events)]) == 2
    err = capsys.readouterr().err
    assert "/k" * 32 + ": it is nested more than 32 deep" in err


@pytest.mark.parametrize(
    ("endpoint", "reason"),
    [
        ("file:///etc/s3cr3t", "must be an http or https URL, such as https://api.example.com"),
        ("ftp://s3cr3t.example", "must be an http or https URL, such as https://api.example.com"),
        ("s3cr3t.example:8080", "must be an http or https URL, such as https://api.example.com"),
        ("http:///s3cr3t", "must name a host, as in https://api.example.com"),
        ("http://s3cr3t:99999", "is not a valid URL; expected one such as https://api.example.com"),
        ("http://s3cr3t\n.example", "must not contain spaces or control characters"),
    ],
)
@pytest.mark.parametrize("command", ["send", "test-auth"])
def test_an_endpoint_that_is_not_an_http_url_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], command: str, endpoint: str, reason: str
) -> None:
    argv = [command, "perkville", "--settings", str(SETTINGS), "--endpoint", endpoint]
    with pytest.raises(SystemExit) as exited:
        main([*argv, "-"] if command == "send" else argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --endpoint: the endpoint {reason}" in err
    assert "s3cr3t" not in err


@pytest.mark.parametrize("command", ["send", "test-auth"])
def test_an_endpoint_from_the_environment_must_be_an_http_url(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.setenv("ACTIONS_ENDPOINT_PERKVILLE", "file:///s3cr3t")
    argv = [command, "perkville", "--settings", str(SETTINGS)]
    assert main([*argv, os.devnull] if command == "send" else argv) == 2
    err = capsys.readouterr().err
    assert err == (
        "actions: ACTIONS_ENDPOINT_PERKVILLE: the endpoint must be an http or https URL, "
        "such as https://api.example.com\n"
    )


def test_output_json_cannot_hold_is_a_coded_error_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # a plugin module whose file name is not UTF-8 is named with a lone surrogate
    broken = Registry({}, {}, {"plugins/bad\udcff.py": "ImportError: no module"})
    monkeypatch.setattr(destinations, "discover", lambda: broken)
    assert main(["list", "--json"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "actions: RESULT_NOT_JSON: the output cannot be written: not valid JSON: "
        "a key holds a lone UTF-16 surrogate at /broken\n"
    )
