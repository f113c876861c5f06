"""Microseconds per event through the whole in-process pipeline, for the Perkville action:
subscription matching, mapping, validation and the request built (not sent), i.e.
``DestinationRunner(perkville, settings, dry_run=True).process_async(event)`` awaited on
the engine's event loop (as the workers run it), for each example event of
``examples/perkville/events.ndjson`` (the line that is not JSON never reaches the
pipeline, so it is left out). The last column is the synchronous ``process(event)``,
which hands each event to the loop's thread and waits for it: the difference is that
hop.

Run: .venv/bin/python -m bench.pipeline   (or `make bench`)
"""

from __future__ import annotations

import json
import statistics
import time
from functools import partial
from pathlib import Path
from typing import Any

from bench.languages import microseconds
from destinations.perkville import destination as perkville
from framework import DestinationRunner
from framework.engine.loop import engine_loop
from framework.tooling.cli.common import BadLine, read_events

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "perkville"


def example_events() -> list[dict[str, Any]]:
    """The example events that are JSON objects."""
    events = read_events(str(EXAMPLES / "events.ndjson"))
    return [event for event in events if not isinstance(event, BadLine)]


async def _per_call(runner: DestinationRunner, event: dict[str, Any], number: int) -> float:
    started = time.perf_counter()
    for _ in range(number):
        await runner.process_async(event)
    return (time.perf_counter() - started) / number * 1e6


def on_loop(
    runner: DestinationRunner, event: dict[str, Any], *, number: int = 2_000, repeat: int = 5
) -> float:
    """The median over ``repeat`` runs of the time per ``process_async`` call, timed on
    the engine's loop, in microseconds."""
    loop = engine_loop()
    loop.run(_per_call(runner, event, 1))
    return statistics.median(loop.run(_per_call(runner, event, number)) for _ in range(repeat))


def main() -> None:
    settings = json.loads((EXAMPLES / "settings.json").read_text(encoding="utf-8"))
    runner = DestinationRunner(perkville, settings, dry_run=True)
    events = example_events()
    print(f"{'message id':<16} {'event':<17} {'outcome':<26} {'µs/event':>9} {'process()':>10}")
    figures: list[tuple[float, float]] = []
    for event in events:
        [result] = runner.process(event)
        outcome = result.error.code if result.error else result.status
        sync = microseconds(partial(runner.process, event), number=2_000, repeat=5)
        figures.append((on_loop(runner, event), sync))
        message_id = (result.message_id or "-")[:16]
        name = str(event.get("event", event.get("type")))[:17]
        print(f"{message_id:<16} {name:<17} {outcome:<26} {figures[-1][0]:>9.2f} {sync:>10.2f}")
    mean = [sum(column) / len(figures) for column in zip(*figures, strict=True)]
    print(f"{f'mean over {len(events)} events':<61} {mean[0]:>9.2f} {mean[1]:>10.2f}")


if __name__ == "__main__":
    main()
