"""`actions serve`: where each destination's requests go (operator configuration), and a
clear usage error when the port is taken. The page itself is driven in tests/ui."""

from __future__ import annotations

import socket

import pytest

from destinations.perkville import destination as perkville
from framework.cli import main
from framework.cli.common import UsageError
from framework.cli.serve import endpoints

DESTINATIONS = {"perkville": perkville}


def test_endpoints_come_from_the_environment_then_the_options(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACTIONS_ENDPOINT_PERKVILLE", "http://127.0.0.1:1/env")
    assert endpoints([], DESTINATIONS) == {"perkville": "http://127.0.0.1:1/env"}
    option = ["perkville=http://127.0.0.1:2/option"]
    assert endpoints(option, DESTINATIONS) == {"perkville": "http://127.0.0.1:2/option"}


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("perkville", "--endpoint 'perkville': expected SLUG=URL"),
        ("perkville=", "--endpoint 'perkville=': expected SLUG=URL"),
        ("acme=http://x", "--endpoint 'acme=http://x': unknown destination (known: perkville)"),
    ],
)
def test_a_bad_endpoint_option_is_a_usage_error(option: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        endpoints([option], DESTINATIONS)
    assert str(raised.value) == message


def test_a_port_in_use_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    assert f"actions: cannot listen on 127.0.0.1:{port}: Address already in use" in (
        capsys.readouterr().err
    )
