"""`actions serve` prints the OAuth redirect URI to register with the provider when the
operator configured an OAuth client, and only then."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLIENT = {
    "ACTIONS_OAUTH_CLIENT_ID_PERKVILLE": "client-id",
    "ACTIONS_OAUTH_CLIENT_SECRET_PERKVILLE": "client-secret",
}


def served_lines(environment: dict[str, str], tmp_path: Path) -> list[str]:
    """What ``actions serve --port 0`` prints until SIGINT stops it."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ACTIONS_")},
        "ACTIONS_TOKEN_STORE": str(tmp_path / "tokens.db"),
        **environment,
    }
    command = [sys.executable, "-m", "framework.tooling.cli", "serve", "--port", "0"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # it listens: the rest follows at once
    process.send_signal(signal.SIGINT)
    rest = process.stdout.read()  # until it exits
    process.stdout.close()
    assert process.wait(timeout=60) == 0
    return [first.rstrip("\n"), *rest.splitlines()]


def test_the_redirect_uri_is_printed_for_a_configured_client(tmp_path: Path) -> None:
    first, second, *_ = served_lines(CLIENT, tmp_path)
    found = re.fullmatch(r"Settings UI on (http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)", first)
    assert found is not None
    assert second == f"OAuth redirect URI (perkville): {found.group(1)}oauth/callback"


def test_no_redirect_uri_without_a_client(tmp_path: Path) -> None:
    lines = served_lines({}, tmp_path)
    assert lines[0].startswith("Settings UI on http://127.0.0.1:")
    assert not any("OAuth" in line for line in lines)
