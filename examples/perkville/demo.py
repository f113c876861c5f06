"""``make demo``: the example events through the Perkville destination, really sent over
HTTP to a Perkville sandbox (a local emulator of its API) on a free loopback port; then the
balances the sandbox holds. The sandbox runs in this process and stops when the demo ends,
however it ends.

Run: .venv/bin/python examples/perkville/demo.py
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from destinations.perkville.sandbox import PerkvilleSandbox
from framework.cli import main as actions
from framework.cli.common import EXIT_FAILED, EXIT_OK

HERE = Path(__file__).resolve().parent
SETTINGS = Path(os.path.relpath(HERE / "settings.json"))
EVENTS = Path(os.path.relpath(HERE / "events.ndjson"))


def main() -> int:
    """Run the demo; its exit status is that of ``actions send``, 1 (some events are
    meant to fail) counting as success."""
    settings = json.loads(SETTINGS.read_text(encoding="utf-8"))
    with PerkvilleSandbox(settings) as sandbox:
        print(f"== A Perkville sandbox on {sandbox.url} (balances: GET /sandbox/balances)")
        command = ["send", "perkville", "--settings", str(SETTINGS)]
        command += ["--endpoint", sandbox.url, str(EVENTS)]
        print(f"== actions {' '.join(command)}")
        print(
            "== Some example events are meant to fail (not allowlisted, no email, a spend "
            "without an amount, a line that is not JSON): exit status 1 is expected.",
            flush=True,
        )
        status = actions(command)
        print(
            f"== Balances in the sandbox ({sandbox.applied()} transactions applied, "
            f"{sandbox.duplicates()} duplicates)"
        )
        for email, balance in sorted(sandbox.balances().items()):
            print(f"{email:<24} {balance:>8g}")
    return EXIT_OK if status == EXIT_FAILED else status


if __name__ == "__main__":
    sys.exit(main())
