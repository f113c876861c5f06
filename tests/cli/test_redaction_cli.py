"""`actions test-auth` and `actions send` never print the API key: a key with a control
character is a settings error naming it (exit 2, nothing sent), and a key that the server
echoes in a long error body is not printed in part where the message is cut."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from framework.tooling.cli import main
from tests.local_server import LocalServer, local_server
from tests.perkville.support import API_KEY, SETTINGS

EVENT = {
    "type": "track",
    "event": "Checked In",
    "userId": "user-1",
    "messageId": "m-1",
    "properties": {"email": "ana@example.com"},
}
REFUSED = (
    "actions: INVALID_SETTINGS: invalid settings for perkville: "
    "api_key: contains a control character (a pasted line break?)\n"
)


def shows_part_of_the_key(text: str) -> bool:
    return any(API_KEY[i : i + 6] in text for i in range(len(API_KEY) - 5))


def settings_file(tmp_path: Path, api_key: str) -> Path:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({**SETTINGS, "api_key": api_key}), encoding="utf-8")
    return path


def run(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    server: LocalServer,
    api_key: str,
    *argv: str,
) -> tuple[int, str, str]:
    command, *rest = argv
    settings = settings_file(tmp_path, api_key)
    code = main(
        [command, "perkville", "--settings", str(settings), "--endpoint", server.url, *rest]
    )
    out, err = capsys.readouterr()
    assert not shows_part_of_the_key(out + err)
    return code, out, err


@pytest.mark.parametrize("command", [["test-auth"], ["send", "--json", "EVENTS"]])
def test_a_key_with_a_line_break_is_a_settings_error_and_nothing_is_sent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: list[str]
) -> None:
    events = tmp_path / "events.ndjson"
    events.write_text(json.dumps(EVENT) + "\n", encoding="utf-8")
    argv = [str(events) if arg == "EVENTS" else arg for arg in command]
    with local_server() as server:
        code, out, err = run(capsys, tmp_path, server, API_KEY + "\r\n", *argv)
    assert (code, out, err) == (2, "", REFUSED)
    assert server.received == []


def test_test_auth_does_not_print_part_of_a_key_echoed_across_the_cut(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with local_server() as server:
        server.status = 500
        server.body = {"message": "x" * 290 + API_KEY + "y" * 700}
        code, out, _ = run(capsys, tmp_path, server, API_KEY, "test-auth")
    assert code == 1
    assert out == (
        "failed: SERVER_ERROR: HTTP 500 Internal Server Error: "
        + "x" * 290
        + "[REDACTED] (HTTP 500)\n"
    )


def test_send_does_not_print_part_of_a_key_echoed_across_the_cut(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    events = tmp_path / "events.ndjson"
    events.write_text(json.dumps(EVENT) + "\n", encoding="utf-8")
    with local_server() as server:
        server.status = 400
        server.body = {"message": "x" * 290 + API_KEY + "y" * 700}
        code, out, _ = run(capsys, tmp_path, server, API_KEY, "send", "--json", str(events))
    assert code == 1
    [line] = [json.loads(line) for line in out.splitlines()]
    assert line["error"]["message"] == "HTTP 400 Bad Request: " + "x" * 290 + "[REDACTED]"
