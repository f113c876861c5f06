"""What the sandbox tests share: the example settings and events, what they should add up
to, and a valid transaction body."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "perkville"
SETTINGS: dict[str, Any] = json.loads((EXAMPLES / "settings.json").read_text(encoding="utf-8"))
AUTH = {"Authorization": f"Bearer {SETTINGS['api_key']}"}
# What the example events award: 9.99 - 9.99, 25.50 and three single points; the other
# events are meant to fail (or match no subscription)
EXPECTED_BALANCES = {
    "ana@example.com": 0.0,
    "ben@example.com": 25.5,
    "cleo@example.com": 1.0,
    "dev@example.com": 1.0,
    "eve@example.com": 1.0,
}
GOOD_EVENTS = 6


def example_events() -> list[Any]:
    """The example events file, line by line (the last line is not JSON: kept as text)."""
    lines = (EXAMPLES / "events.ndjson").read_text(encoding="utf-8").splitlines()
    return [_parse(line) for line in lines if line.strip()]


def _parse(line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return line


def transaction(**changes: Any) -> dict[str, Any]:
    """A valid transaction body as the destination sends it, with ``changes``."""
    return {
        "business": "4242",
        "location": "17",
        "perk": "555",
        "email": "ana@example.com",
        "quantity": 9.99,
        "send_email": False,
        "trans_source_id": "t-1",
        **changes,
    }
