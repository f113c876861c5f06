"""A bug in plugin code (an unexpected exception in ``perform``, ``check`` or
``perform_batch``): the runner logs it on the ``framework.plugins`` logger with its
traceback, redacted, and the event fails as ``UNEXPECTED_ERROR``; the test kit's
``run_action`` raises it, as it was raised, unless told not to. A bug in a destination
hook (``check_settings``, ``extend_request``, a batch size function, the authentication
request) is the same coded error, naming the hook, never a traceback at the user."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from framework import (
    ActionsError,
    AuthenticationTest,
    DestinationRunner,
    HttpRequest,
    Payload,
    Result,
)
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


def buggy_settings_hook(settings: Any) -> Any:
    raise PluginBug(f"bad key {settings.api_key.get_secret_value()}")


def buggy_authentication(settings: Any) -> HttpRequest:
    raise PluginBug(f"bad key {settings.api_key.get_secret_value()}")


@pytest.mark.parametrize("hook", ["check_settings", "extend_request"])
def test_a_bug_in_a_settings_hook_is_a_coded_error_naming_the_hook(
    hook: str, caplog: pytest.LogCaptureFixture
) -> None:
    destination = make_destination(**{hook: buggy_settings_hook})
    with caplog.at_level(logging.ERROR, logger=LOGGER), pytest.raises(ActionsError) as raised:
        DestinationRunner(destination, SETTINGS)
    assert raised.value.code == "UNEXPECTED_ERROR"
    assert raised.value.message.startswith(f"{hook} failed unexpectedly: PluginBug: bad key ")
    assert SECRET not in raised.value.message
    [record] = [r for r in caplog.records if r.name == LOGGER]
    assert "buggy_settings_hook" in record.getMessage()
    assert SECRET not in record.getMessage()
    with pytest.raises(PluginBug):
        DestinationRunner(destination, SETTINGS, raise_plugin_errors=True)


def test_a_bug_in_the_batch_size_function_is_a_coded_error_naming_it() -> None:
    action = make_action(perform_batch=buggy_perform_batch, max_batch_size=buggy_settings_hook)
    with pytest.raises(ActionsError) as raised:
        DestinationRunner(make_destination(actions={"send": action}), SETTINGS)
    assert raised.value.code == "UNEXPECTED_ERROR"
    assert raised.value.message.startswith("send.max_batch_size failed unexpectedly")
    assert SECRET not in raised.value.message


def test_a_bug_in_the_authentication_request_fails_the_test_with_a_coded_result() -> None:
    test = AuthenticationTest(request=buggy_authentication)
    with DestinationRunner(make_destination(authentication=test), SETTINGS) as runner:
        outcome = runner.test_authentication()
    assert (outcome.ok, outcome.code) == (False, "UNEXPECTED_ERROR")
    assert outcome.message.startswith("authentication.request failed unexpectedly")
    assert SECRET not in outcome.message
