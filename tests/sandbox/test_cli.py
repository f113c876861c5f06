"""``actions sandbox``: served by a real process, fed by ``actions send``, stopped by
Ctrl-C or SIGTERM (answering the requests under way); and its usage errors."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from destinations.perkville.sandbox import PerkvilleSandbox
from framework.tooling.cli import main
from tests.sandbox.support import (
    AUTH,
    EXAMPLES,
    EXPECTED_BALANCES,
    GOOD_EVENTS,
    ROOT,
    transaction,
)
from tests.waiting import HANG_GUARD, wait_for

SETTINGS_FILE = str(EXAMPLES / "settings.json")


def sandbox_command(*options: str) -> list[str]:
    return [sys.executable, "-m", "framework.tooling.cli", "sandbox", "perkville", *options]


@contextmanager
def serving(*options: str) -> Iterator[subprocess.Popen[str]]:
    """``actions sandbox perkville --settings <example> --port 0 OPTIONS`` as a process,
    killed at the end if it is still running."""
    command = sandbox_command("--settings", SETTINGS_FILE, "--port", "0", *options)
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def head(process: subprocess.Popen[str]) -> list[str]:
    """The seven lines printed at start: the URL, the faults, the latency, the balances,
    Perkville's OAuth endpoints and how to connect to them, how to send."""
    assert process.stdout is not None
    return [process.stdout.readline().strip() for _ in range(7)]


def served_url(line: str) -> str:
    found = re.search(r"http://127\.0\.0\.1:\d+", line)
    assert found, f"no URL in {line!r}"
    return found.group(0)


def test_serves_until_ctrl_c_and_actions_send_delivers_to_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with serving() as process:
        lines = head(process)
        url = served_url(lines[0])
        send = ["send", "perkville", "--settings", SETTINGS_FILE, "--endpoint", url]
        assert main([*send, str(EXAMPLES / "events.ndjson")]) == 1  # some events fail
        assert f"{GOOD_EVENTS} delivered" in capsys.readouterr().out
        report = httpx.get(f"{url}/sandbox/balances", timeout=HANG_GUARD).json()
        assert (report["balances"], report["applied"]) == (EXPECTED_BALANCES, GOOD_EVENTS)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=HANG_GUARD)
    assert process.returncode == 0
    assert lines[1] == "faults:   none"
    assert lines[2] == "latency:  none"
    assert lines[3] == f"balances: GET {url}/sandbox/balances"
    assert lines[4] == (
        f"oauth:    authorize {url}/api/authorize/, token {url}/api/token/ (approval auto)"
    )
    assert lines[5].startswith(f"connect:  ACTIONS_OAUTH_ENDPOINT_PERKVILLE={url} ")
    assert f"--endpoint {url} EVENTS" in lines[6]
    assert "POST /transactions/ 201" in err
    assert "Traceback" not in err


def test_faults_and_latency_are_described_when_it_starts() -> None:
    options = ["--fault-rate", "0.3", "--fault-kinds", "429, drop", "--seed", "5"]
    with serving(*options, "--slow-seconds", "0.5", "--latency", "50ms,jitter 20ms") as process:
        lines = head(process)
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=HANG_GUARD)
    assert lines[1] == (
        "faults:   30% of API requests: 429, drop (seed 5, slow 0.5s, Retry-After 0.1s)"
    )
    assert lines[2] == "latency:  50ms +/- 20ms (seed 5) per API answer, after handling it"
    assert process.returncode == 0


def applied(url: str) -> int:
    """How many transactions the sandbox process at ``url`` has applied."""
    count: int = httpx.get(f"{url}/sandbox/balances", timeout=HANG_GUARD).json()["applied"]
    return count


def test_sigterm_answers_the_request_under_way_and_exits_0() -> None:
    # the answer is due long after the hang guard: only the SIGTERM can bring it
    with serving("--latency", "1h") as process, ThreadPoolExecutor(1) as pool:
        url = served_url(head(process)[0])
        answer = pool.submit(
            httpx.post, f"{url}/transactions/", json=transaction(), headers=AUTH, timeout=HANG_GUARD
        )
        wait_for(lambda: applied(url) == 1, what="the transaction to be applied")
        assert not answer.done()
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=HANG_GUARD)
        response = answer.result(timeout=HANG_GUARD)
    assert process.returncode == 0
    assert response.status_code == 201
    assert "POST /transactions/ 201" in err
    assert "Traceback" not in err


def test_a_port_in_use_is_a_usage_error(sandbox: PerkvilleSandbox) -> None:
    port = urlsplit(sandbox.url).port
    finished = subprocess.run(
        sandbox_command("--settings", SETTINGS_FILE, "--port", str(port)),
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
    )
    assert finished.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in finished.stderr


def write_json(tmp_path: Path, document: object) -> str:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["webhook"], "destination 'webhook' has no sandbox"),
        (["nowhere"], "unknown destination 'nowhere'"),
        (["perkville", "--fault-rate", "2"], "fault rate must be between 0 and 1"),
        (["perkville", "--fault-kinds", "429,boom"], "unknown fault kind boom"),
        (["perkville", "--slow-seconds", "-1"], "must not be negative"),
        (["perkville", "--latency", "50ms,20ms"], "--latency '50ms,20ms': write DURATION or"),
        (["perkville", "--latency", "50ms,jitter"], "e.g. 50ms or 50ms,jitter 20ms"),
        (["perkville", "--latency", ",jitter 5ms"], "write DURATION or DURATION,jitter DURATION"),
        (["perkville", "--latency", "fast"], "--latency 'fast': expected a duration such as"),
        (["perkville", "--latency", "5ms,jitter 2x"], "2x': expected a duration such as"),
    ],
)
def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["sandbox", *argv, "--settings", SETTINGS_FILE]) == 2
    assert message in capsys.readouterr().err


def test_invalid_settings_exit_2_naming_the_setting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    settings = write_json(tmp_path, {"business_id": "1", "location_id": "2"})
    assert main(["sandbox", "perkville", "--settings", settings]) == 2
    assert "api_key" in capsys.readouterr().err
