"""Webhook settings: what is required, the defaults, and every refusal, each naming the
setting (and never echoing the shared secret)."""

from __future__ import annotations

from typing import Any

import pytest

from framework import SettingsError
from framework.authoring.model import values_of
from framework.testing import CapturingTransport
from tests.webhook.support import SECRET, SETTINGS, runner


def test_defaults() -> None:
    with runner(SETTINGS) as run:
        assert values_of(run.settings) == {
            "url": "https://hooks.example.com/segment",
            "method": "POST",
            "batch_size": 100,
        }


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        pytest.param({}, "url: is required", id="missing url"),
        pytest.param({"url": ""}, "url: ", id="empty url"),
        pytest.param(
            {"url": "hooks.example.com/x"}, "url: expected an absolute URI", id="no scheme"
        ),
        pytest.param({**SETTINGS, "method": "GET"}, "method: ", id="GET"),
        pytest.param({**SETTINGS, "method": "DELETE"}, "method: ", id="DELETE"),
        pytest.param({**SETTINGS, "method": 1}, "method: ", id="not a string"),
        pytest.param({**SETTINGS, "batch_size": 0}, "batch_size: must be at least 1", id="0"),
        pytest.param(
            {**SETTINGS, "batch_size": -5}, "batch_size: must be at least 1", id="negative"
        ),
        pytest.param(
            {**SETTINGS, "batch_size": 1001}, "batch_size: must be at most 1000", id="1001"
        ),
        pytest.param({**SETTINGS, "batch_size": "ten"}, "batch_size: ", id="batch_size text"),
        pytest.param({**SETTINGS, "batch_size": 2.5}, "batch_size: ", id="batch_size fraction"),
        pytest.param({**SETTINGS, "headers": ["X-A: b"]}, "headers: ", id="headers list"),
        pytest.param({**SETTINGS, "headers": {"X-A": 1}}, "headers.X-A: ", id="header number"),
        pytest.param(
            {**SETTINGS, "headers": {"Content-Type": "text/plain"}},
            "headers.Content-Type: is set by the webhook and cannot be replaced",
            id="Content-Type",
        ),
        pytest.param(
            {**SETTINGS, "headers": {"content-type": "text/plain"}},
            "headers.content-type: is set by the webhook and cannot be replaced",
            id="content-type, any case",
        ),
        pytest.param(
            {**SETTINGS, "headers": {"X-Signature": "sha256=forged"}},
            "headers.X-Signature: is set by the webhook and cannot be replaced",
            id="X-Signature",
        ),
        pytest.param(
            {**SETTINGS, "headers": {"Host": "internal"}},
            "headers.Host: is set by the webhook and cannot be replaced",
            id="Host",
        ),
        pytest.param(
            {**SETTINGS, "headers": {"Content-Length": "0"}},
            "headers.Content-Length: is set by the webhook and cannot be replaced",
            id="Content-Length",
        ),
        pytest.param(
            {**SETTINGS, "headers": {"Bad Name": "x"}},
            "headers: 'Bad Name' is not a valid header name",
            id="header name with a space",
        ),
        pytest.param(
            {**SETTINGS, "headers": {"X-A": "one\r\nX-Injected: two"}},
            "headers.X-A: the value must be printable ASCII, without line breaks",
            id="header injection",
        ),
        pytest.param(
            {**SETTINGS, "headers": {"X-A": "café"}},
            "headers.X-A: the value must be printable ASCII, without line breaks",
            id="non-ASCII value",
        ),
        pytest.param(
            {**SETTINGS, "shared_secret": ""},
            "shared_secret: must not be empty (leave it out to send unsigned requests)",
            id="empty secret",
        ),
        pytest.param({**SETTINGS, "shared_secret": 42}, "shared_secret: ", id="secret number"),
        pytest.param(
            {**SETTINGS, "colour": "blue"}, "colour: is not a known setting", id="unknown setting"
        ),
    ],
)
def test_bad_settings_are_refused_before_any_event(settings: dict[str, Any], problem: str) -> None:
    transport = CapturingTransport()
    with pytest.raises(SettingsError) as raised:
        runner(settings, transport)
    assert raised.value.code == "INVALID_SETTINGS"
    assert raised.value.message.startswith("invalid settings for webhook: ")
    assert problem in raised.value.message
    assert transport.requests == []


def test_every_problem_of_a_stage_is_reported_at_once() -> None:
    """Field problems (types, bounds) are reported together; the rules across settings run
    on settings whose fields are valid, and report every problem of theirs together."""
    settings = {
        **SETTINGS,
        "batch_size": 0,
        "method": "GET",
        "headers": {"X-Signature": "x", "Content-Type": "y"},
        "shared_secret": "",
    }
    with pytest.raises(SettingsError) as raised:
        runner(settings)
    assert "batch_size:" in raised.value.message
    assert "method:" in raised.value.message
    with pytest.raises(SettingsError) as raised:
        runner({**settings, "batch_size": 10, "method": "PUT"})
    for problem in ("headers.X-Signature:", "headers.Content-Type:", "shared_secret:"):
        assert problem in raised.value.message


def test_a_settings_error_never_echoes_the_secret() -> None:
    with pytest.raises(SettingsError) as raised:
        runner({**SETTINGS, "shared_secret": SECRET, "method": "GET", "batch_size": 0})
    assert SECRET not in str(raised.value)
