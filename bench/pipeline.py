"""Microseconds per event through the whole in-process pipeline, for the Perkville action:
subscription matching, mapping, validation and the request built (not sent), i.e.
``DestinationRunner(perkville, settings, dry_run=True).process(event)``, for each example
event of ``examples/perkville/events.ndjson`` (the line that is not JSON never reaches
the pipeline, so it is left out).

Run: .venv/bin/python -m bench.pipeline   (or `make bench`)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.languages import microseconds
from destinations.perkville import destination as perkville
from framework.cli.common import BadLine, read_events
from framework.execute import DestinationRunner

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "perkville"


def example_events() -> list[dict[str, Any]]:
    """The example events that are JSON objects."""
    events = read_events(str(EXAMPLES / "events.ndjson"))
    return [event for event in events if not isinstance(event, BadLine)]


def main() -> None:
    settings = json.loads((EXAMPLES / "settings.json").read_text(encoding="utf-8"))
    runner = DestinationRunner(perkville, settings, dry_run=True)
    events = example_events()
    print(f"{'message id':<16} {'event':<17} {'outcome':<26} {'µs/event':>9}")
    figures = []
    for event in events:
        [result] = runner.process(event)
        outcome = result.error.code if result.error else result.status
        figure = microseconds(lambda event=event: runner.process(event), number=2_000, repeat=5)
        figures.append(figure)
        message_id = (result.message_id or "-")[:16]
        name = str(event.get("event", event.get("type")))[:17]
        print(f"{message_id:<16} {name:<17} {outcome:<26} {figure:>9.2f}")
    print(f"{f'mean over {len(events)} events':<61} {sum(figures) / len(figures):>9.2f}")


if __name__ == "__main__":
    main()
