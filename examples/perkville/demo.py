"""``make demo``: the example events through the Perkville destination, really sent over
HTTP to a Perkville sandbox (a local emulator of its API) on a free loopback port; then the
balances the sandbox holds. Then the same events through the delivery runtime (what
``actions serve --config`` runs): one ``/v1/batch`` call to the Tracking API ingress, the
SQLite queue, the workers, a fresh sandbox; then its balances and the dead letters. The
sandboxes, the ingress and the workers run in this process and stop when the demo ends,
however it ends; the runtime's files (configuration, queue, connections, delivery
statistics) are kept in artifacts/demo/, so that ``actions serve --config`` then shows the
demo's connection and its deliveries on the settings page.

Run: .venv/bin/python examples/perkville/demo.py
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from destinations.perkville.sandbox import PerkvilleSandbox
from framework.authoring.registry import discover
from framework.runtime.delivery.queue import DeadLetterFilter
from framework.runtime.server import SettingsApi, SettingsServer
from framework.runtime.server.ingress import Ingress
from framework.tooling.cli import main as actions
from framework.tooling.cli.common import EXIT_FAILED, EXIT_OK
from framework.tooling.cli.runtime import open_runtime
from framework.tooling.cli.serve import DEFAULT_PORT

HERE = Path(__file__).resolve().parent
SETTINGS = Path(os.path.relpath(HERE / "settings.json"))
EVENTS = Path(os.path.relpath(HERE / "events.ndjson"))
SCHEMAS = HERE.parents[1] / "schemas"
# the runtime's files (configuration, queue, connections, statistics), kept after the demo
# so that `actions serve --config` shows them; git ignores artifacts/
RUNTIME_FOLDER = HERE.parents[1] / "artifacts" / "demo"
WRITE_KEY = "demo_write_key"
DRAIN_SECONDS = 120.0  # a hang guard only (the post and the drain take well under a second)


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
        _print_balances(sandbox)
    if status != EXIT_FAILED:
        return status
    return through_the_runtime(settings)


def through_the_runtime(settings: dict[str, Any]) -> int:
    """The example events through the delivery runtime, to a fresh sandbox; 0 once the
    queue has drained, 1 if it did not within :data:`DRAIN_SECONDS`."""
    print(
        "\n== The same events through the delivery runtime: Segment Tracking API ingress "
        "→ SQLite queue (WAL) → workers → a fresh Perkville sandbox",
        flush=True,
    )
    events = [_identified(json.loads(line)) for line in _json_lines(EVENTS)]
    shutil.rmtree(RUNTIME_FOLDER, ignore_errors=True)  # each demo starts afresh
    RUNTIME_FOLDER.mkdir(parents=True)
    with PerkvilleSandbox(settings) as sandbox:
        config = _write_config(RUNTIME_FOLDER, sandbox.url)
        print(f"== A fresh Perkville sandbox on {sandbox.url}")
        print(f"== Runtime configuration (as for `actions serve --config`): {config}")
        print(config.read_text(encoding="utf-8").strip())
        destinations = discover().destinations
        runtime = open_runtime(config, destinations, workers=True)
        try:
            server = SettingsServer(
                "127.0.0.1", 0, SettingsApi(destinations, SCHEMAS), ingress=Ingress(runtime)
            )
            server.start()
            runtime.start()
            try:
                url = f"{server.url}v1/batch"
                print(
                    f"== POST {url} (Basic auth {WRITE_KEY}:): {len(events)} events in one "
                    "batch, the line that is not JSON left out, an anonymousId added where "
                    "there is no userId"
                )
                answer = httpx.post(
                    url, json={"batch": events}, auth=(WRITE_KEY, ""), timeout=DRAIN_SECONDS
                )
                print(f"{answer.status_code} {answer.text}", flush=True)
                drained = answer.is_success and _wait_drained(runtime.queue.depth)
            finally:
                server.stop()
            letters = runtime.queue.dead_letters(DeadLetterFilter(None, None, None))
        finally:
            runtime.close()
        if not answer.is_success:
            return EXIT_FAILED
        if not drained:
            print(f"== The queue did not drain within {DRAIN_SECONDS:g} s", file=sys.stderr)
            return EXIT_FAILED
        _print_balances(sandbox)
        print(f"== Dead letters ({len(letters)}; `actions dlq list --config {config}`)")
        for letter in letters:
            print(f"{letter.message_id:<10} {letter.code:<28} {letter.message}")
    shown = config.relative_to(Path.cwd()) if config.is_relative_to(Path.cwd()) else config
    print(
        "== The demo's connection and its deliveries, on the settings page: run "
        f"`.venv/bin/actions serve --config {shown}` and open http://127.0.0.1:{DEFAULT_PORT}/ "
        "(Connections: perkville; its sandbox has stopped, so a replay waits for one)"
    )
    return EXIT_OK


def _json_lines(path: Path) -> list[str]:
    """The lines of ``path`` that are JSON (the example's last line is not)."""
    kept = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            json.loads(line)
        except ValueError:
            continue
        kept.append(line)
    return kept


def _identified(event: dict[str, Any]) -> dict[str, Any]:
    """``event`` with an ``anonymousId`` when it has no ``userId``: the Tracking API needs
    one of the two (Segment's libraries always send one; ``actions send`` does not care)."""
    if "userId" in event or "anonymousId" in event:
        return event
    return {**event, "anonymousId": f"anon-{event.get('messageId', 'demo')}"}


def _write_config(folder: Path, endpoint: str) -> Path:
    """A runtime configuration in ``folder``: the queue beside it, one source, Perkville
    at ``endpoint`` with the example's settings, quick retries."""
    path = folder / "actions.toml"
    path.write_text(
        f"""queue = "sqlite:///{(folder / "queue.db").as_posix()}"

[delivery]
concurrency = 64
max_attempts = 3
backoff = "50ms"
max_backoff = "200ms"

[[sources]]
name = "demo"
write_key = "{WRITE_KEY}"

[[sources.destinations]]
slug = "perkville"
settings_file = {json.dumps(str(SETTINGS.resolve()))}
endpoint = "{endpoint}"
""",
        encoding="utf-8",
    )
    return path


def _wait_drained(depth: Any) -> bool:
    """Poll the queue's depth until nothing is queued or in flight (at most
    :data:`DRAIN_SECONDS`)."""
    deadline = time.monotonic() + DRAIN_SECONDS
    while sum(depth().values()) > 0:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _print_balances(sandbox: PerkvilleSandbox) -> None:
    print(
        f"== Balances in the sandbox ({sandbox.applied()} transactions applied, "
        f"{sandbox.duplicates()} duplicates)"
    )
    for email, balance in sorted(sandbox.balances().items()):
        print(f"{email:<24} {balance:>8g}")


if __name__ == "__main__":
    sys.exit(main())
