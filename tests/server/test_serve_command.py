"""`actions serve`: where each destination's requests go (operator configuration), a clear
usage error when the port is taken, and a clean exit (status 0) on SIGTERM or SIGINT, even
one that arrives while it starts. The page itself is driven in tests/ui."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from destinations.perkville import destination as perkville
from framework.runtime.server import SettingsServer
from framework.tooling.cli import main
from framework.tooling.cli.common import UsageError
from framework.tooling.cli.serve import operator_from

ROOT = Path(__file__).resolve().parents[2]

DESTINATIONS = {"perkville": perkville}


def test_endpoints_come_from_the_environment_then_the_options(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACTIONS_ENDPOINT_PERKVILLE", "http://127.0.0.1:1/env")
    assert operator_from([], DESTINATIONS, timeout=10).endpoints == {
        "perkville": "http://127.0.0.1:1/env"
    }
    option = ["perkville=http://127.0.0.1:2/option"]
    assert operator_from(option, DESTINATIONS, timeout=10).endpoints == {
        "perkville": "http://127.0.0.1:2/option"
    }


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("perkville", "--endpoint: expected SLUG=URL"),
        ("perkville=", "--endpoint: expected SLUG=URL"),
        (
            "acme=http://s3cr3t@x",
            "--endpoint SLUG=URL: unknown destination slug (known: perkville)",
        ),
        (
            "perkville=file:///s3cr3t",
            "--endpoint perkville=…: the endpoint must be an http or https URL, "
            "such as https://api.example.com",
        ),
        (
            "perkville=127.0.0.1:8080",
            "--endpoint perkville=…: the endpoint must be an http or https URL, "
            "such as https://api.example.com",
        ),
        (
            "perkville=http:///s3cr3t",
            "--endpoint perkville=…: the endpoint must name a host, as in https://api.example.com",
        ),
    ],
)
def test_a_bad_endpoint_option_is_a_usage_error(option: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        operator_from([option], DESTINATIONS, timeout=10)
    assert str(raised.value) == message


def test_an_endpoint_from_the_environment_must_be_an_http_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ACTIONS_ENDPOINT_PERKVILLE", "file:///s3cr3t")
    assert main(["serve", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "actions: ACTIONS_ENDPOINT_PERKVILLE: the endpoint must be an http or https URL" in err
    assert "s3cr3t" not in err


def test_a_port_in_use_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    assert f"actions: cannot listen on 127.0.0.1:{port}: Address already in use" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_exits_cleanly_on_a_stop_signal(stop: signal.Signals) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "framework.tooling.cli", "serve", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.fullmatch(r"Settings UI on (http://\S+/) \(Ctrl-C to stop\)\n", line)
        assert found is not None, line
        assert httpx.get(found.group(1), timeout=30).status_code == 200
        process.send_signal(stop)
        _, errors = process.communicate(timeout=60)
    finally:
        process.kill()
        process.communicate()
    assert process.returncode == 0, errors
    assert "Traceback" not in errors
    assert "GET / 200" in errors


def test_a_signal_while_starting_stops_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    start = SettingsServer.start

    def signalled_while_starting(server: SettingsServer) -> None:
        start(server)
        signal.raise_signal(signal.SIGTERM)  # before the start-up lines are printed

    def guard(_signum: int, _frame: object) -> None:
        """Stands for the handler serve must put back (and catches a SIGTERM it missed)."""

    monkeypatch.setattr(SettingsServer, "start", signalled_while_starting)
    previous = signal.signal(signal.SIGTERM, guard)
    try:
        assert main(["serve", "--port", "0"]) == 0
        assert signal.getsignal(signal.SIGTERM) is guard
    finally:
        signal.signal(signal.SIGTERM, previous)
