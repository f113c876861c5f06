"""A bug in plugin code (an unexpected exception in ``perform``, ``check`` or
``perform_batch``): the runner logs it on the ``framework.plugins`` logger with its
traceback, redacted, and the event fails as ``UNEXPECTED_ERROR``; the test kit's
``run_action`` raises it, as it was raised, unless told not to."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from framework import DestinationRunner, HttpRequest, Payload, Result
from framework.testing import CapturingTransport, make_track_event, run_action
from tests.framework.support import SECRET, SETTINGS, make_action, make_destination

LOGGER = "framework.plugins"
TRACK = make_track_event(messageId="m-1")


class PluginBug(Exception):
    """What the plugins of these tests raise: no framework code raises it."""


def buggy_perform(settings: Any, payload: Payload) -> HttpRequest:
    raise PluginBug(f"bad key {settings.api_key.get_secret_value()}")


def buggy_check(settings: Any, payload: Payload) -> str | None:
    raise PluginBug(f"bad key {settings.api_key.get_secret_value()}")


def buggy_perform_batch(settings: Any, payloads: list[Payload]) -> HttpRequest:
    raise PluginBug(f"bad key {settings.api_key.get_secret_value()}")


HOOKS: dict[str, dict[str, Any]] = {
    "buggy_perform": {"perform": buggy_perform},
    "buggy_check": {"check": buggy_check},
    "buggy_perform_batch": {"perform_batch": buggy_perform_batch},
}


def with_bug(function: str) -> Any:
    """The toy destination whose ``send`` action has the buggy hook ``function``."""
    return make_destination(actions={"send": make_action(**HOOKS[function])})


def run(function: str, **options: Any) -> Result:
    """One event through the runner: in a batch when the bug is in ``perform_batch``."""
    transport = CapturingTransport()
    with DestinationRunner(with_bug(function), SETTINGS, transport=transport, **options) as runner:
        if function == "buggy_perform_batch":
            [result] = runner.process_batch([TRACK])
        else:
            [result] = runner.process(TRACK)
    assert transport.requests == []
    return result


def assert_unexpected_error(result: Result) -> None:
    assert (result.message_id, result.action, result.status) == ("m-1", "send", "failed")
    assert result.error is not None
    assert (result.error.code, result.error.retryable) == ("UNEXPECTED_ERROR", False)
    assert result.error.message == "send failed unexpectedly: PluginBug: bad key [REDACTED]"


@pytest.mark.parametrize("function", list(HOOKS))
def test_a_plugin_bug_is_logged_with_its_traceback_redacted_and_fails_the_event(
    function: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger=LOGGER)
    result = run(function)
    assert_unexpected_error(result)
    [record] = [record for record in caplog.records if record.name == LOGGER]
    assert record.levelno == logging.ERROR
    text = record.getMessage()
    assert text.startswith("toy/send failed unexpectedly:\nTraceback (most recent call last):")
    assert f"in {function}\n" in text, "the plugin's frame is in the traceback"
    assert text.rstrip().endswith("PluginBug: bad key [REDACTED]")
    assert SECRET not in caplog.text


@pytest.mark.parametrize("function", list(HOOKS))
def test_a_runner_told_to_raise_plugin_errors_raises_the_original(function: str) -> None:
    with pytest.raises(PluginBug) as raised:
        run(function, raise_plugin_errors=True)
    assert type(raised.value) is PluginBug
    assert function in [entry.name for entry in raised.traceback], "its traceback intact"


@pytest.mark.parametrize("function", ["buggy_perform", "buggy_check"])
def test_run_action_raises_a_plugin_bug_by_default(function: str) -> None:
    with pytest.raises(PluginBug) as raised:
        run_action(with_bug(function), "send", TRACK, SETTINGS)
    assert type(raised.value) is PluginBug
    assert str(raised.value) == f"bad key {SECRET}", "the exception itself, as raised"
    assert function in [entry.name for entry in raised.traceback], "its traceback intact"


@pytest.mark.parametrize("function", ["buggy_perform", "buggy_check"])
def test_run_action_reports_a_plugin_bug_as_users_see_it_when_told_not_to_raise(
    function: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger=LOGGER)
    outcome = run_action(with_bug(function), "send", TRACK, SETTINGS, raise_errors=False)
    assert_unexpected_error(outcome.result)
    assert outcome.sent() == []
    assert function in caplog.text
    assert SECRET not in caplog.text
