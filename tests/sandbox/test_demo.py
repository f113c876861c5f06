"""``make demo``'s entry point: the example events really sent to a sandbox, then its
balances."""

from __future__ import annotations

import subprocess
import sys

from tests.sandbox.support import EXAMPLES, EXPECTED_BALANCES, GOOD_EVENTS, ROOT


def test_the_demo_delivers_the_examples_and_prints_the_balances() -> None:
    finished = subprocess.run(
        [sys.executable, str(EXAMPLES / "demo.py")],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,  # a bound: the demo must end on its own
    )
    assert finished.returncode == 0, finished.stderr
    out = finished.stdout
    assert "meant to fail" in out
    assert f"11 results: {GOOD_EVENTS} delivered, 4 failed, 1 skipped" in out
    assert "dry_run" not in out
    _, balances = out.split(
        f"== Balances in the sandbox ({GOOD_EVENTS} transactions applied, 0 duplicates)\n"
    )
    printed = dict(line.split() for line in balances.splitlines())
    assert {email: float(total) for email, total in printed.items()} == EXPECTED_BALANCES
