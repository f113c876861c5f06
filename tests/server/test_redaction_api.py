"""The settings page's Test connection never shows the API key: a key with a control
character is refused by name before anything is sent, and a key that Perkville echoes in a
long error body is not shown in part where the message is cut."""

from __future__ import annotations

from typing import Any

import httpx

from tests.local_server import LocalServer
from tests.perkville.support import API_KEY, SETTINGS

PROBLEM = {"location": "api_key", "message": "contains a control character (a pasted line break?)"}


def post(client: httpx.Client, operation: str, body: dict[str, Any]) -> httpx.Response:
    response = client.post(f"/api/destinations/perkville/{operation}", json=body)
    assert not any(API_KEY[i : i + 6] in response.text for i in range(len(API_KEY) - 5))
    return response


def test_a_key_with_a_line_break_is_refused_by_name_and_nothing_is_sent(
    client: httpx.Client, mock: LocalServer
) -> None:
    settings = {**SETTINGS, "api_key": API_KEY + "\n"}
    response = post(client, "test-connection", {"settings": settings})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "INVALID_SETTINGS"
    assert error["problems"] == [PROBLEM]
    assert mock.received == []


def test_the_settings_check_names_the_key_with_a_control_character(client: httpx.Client) -> None:
    settings = {**SETTINGS, "api_key": "\x00" + API_KEY}
    answer = post(client, "validate-settings", {"settings": settings}).json()
    assert answer == {"ok": False, "problems": [PROBLEM]}


def test_a_key_echoed_across_the_cut_is_not_shown_in_part(
    client: httpx.Client, mock: LocalServer
) -> None:
    mock.status = 500
    mock.body = {"message": "x" * 290 + API_KEY + "y" * 700}
    answer = post(client, "test-connection", {"settings": SETTINGS}).json()
    assert answer["ok"] is False
    assert answer["code"] == "SERVER_ERROR"
    assert answer["message"] == "HTTP 500 Internal Server Error: " + "x" * 290 + "[REDACTED]"
