"""``make demo``'s entry point: the example events really sent to a sandbox, then its
balances; then the same events through the delivery runtime to a fresh sandbox, its
balances and the dead letters."""

from __future__ import annotations

import subprocess
import sys

from tests.sandbox.support import EXAMPLES, EXPECTED_BALANCES, GOOD_EVENTS, ROOT
from tests.waiting import HANG_GUARD


def test_the_demo_delivers_the_examples_and_prints_the_balances() -> None:
    finished = subprocess.run(
        [sys.executable, str(EXAMPLES / "demo.py")],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,  # the demo must end on its own
    )
    assert finished.returncode == 0, finished.stderr
    out = finished.stdout
    assert "meant to fail" in out
    assert f"11 results: {GOOD_EVENTS} delivered, 4 failed, 1 skipped" in out
    assert "dry_run" not in out
    sent, runtime = out.split("== The same events through the delivery runtime")
    heading = f"== Balances in the sandbox ({GOOD_EVENTS} transactions applied, 0 duplicates)\n"
    _, balances = sent.split(heading)
    assert _balances(balances.strip()) == EXPECTED_BALANCES
    assert '200 {"success": true}' in runtime
    _, after = runtime.split(heading)
    balances, letters = after.split("== Dead letters (3;")
    assert _balances(balances) == EXPECTED_BALANCES
    letters, where = letters.split("== The demo's connection and its deliveries")
    assert "actions serve --config artifacts/demo/actions.toml" in where
    assert "http://127.0.0.1:8321/" in where
    codes = [line.split()[:2] for line in letters.splitlines()[1:]]
    assert codes == [
        ["demo-07", "EVENT_NOT_ALLOWLISTED"],
        ["demo-08", "PAYLOAD_VALIDATION_FAILED"],
        ["demo-09", "PAYLOAD_VALIDATION_FAILED"],
    ]


def _balances(text: str) -> dict[str, float]:
    printed = dict(line.split() for line in text.splitlines())
    return {email: float(total) for email, total in printed.items()}
