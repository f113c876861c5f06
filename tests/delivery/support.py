"""What the delivery tests share: secrets that are easy to search for, a configuration
file, events, the bounded wait of tests/waiting.py, and an ingress served in this process."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from framework.engine.loop import engine_loop
from framework.runtime.delivery.queue import Queue
from framework.runtime.delivery.runtime import Runtime
from framework.runtime.server import SettingsApi, SettingsServer
from framework.runtime.server.ingress import Ingress
from tests.waiting import HANG_GUARD, wait_for  # noqa: F401 (the delivery tests import it here)

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "pk_live_SECRET_9f8e7d6c"  # distinctive: a leak is found by a substring search
WRITE_KEY = "wk_SECRET_1a2b3c4d"
SETTINGS: dict[str, Any] = {
    "api_key": API_KEY,
    "business_id": "4242",
    "location_id": "17",
    "event_to_perk_map": {"Order Completed": "555", "Checked In": "123456"},
    "send_email": False,
}
ENV = {"TEST_WRITE_KEY": WRITE_KEY, "TEST_PERKVILLE_KEY": API_KEY}


def write_config(
    folder: Path,
    endpoint: str | None,
    *,
    queue: str = "sqlite:///queue.db",
    destination: Mapping[str, object] | None = None,
    enabled: tuple[str, ...] = (),
    **delivery: object,
) -> Path:
    """A configuration: one source (write key from ``TEST_WRITE_KEY``) feeding Perkville at
    ``endpoint`` (its own base URL when ``None``; API key from ``TEST_PERKVILLE_KEY``, more
    keys of its table from ``destination``, an empty mapping for each action in
    ``enabled``), the queue at ``queue`` (by default a SQLite file in ``folder``),
    ``delivery`` options."""
    public = {key: value for key, value in SETTINGS.items() if key != "api_key"}
    (folder / "perkville.json").write_text(json.dumps(public))
    options = "\n".join(f"{key} = {json.dumps(value)}" for key, value in delivery.items())
    table = {**({"endpoint": endpoint} if endpoint else {}), **(destination or {})}
    keys = "\n".join(f"{key} = {json.dumps(value)}" for key, value in table.items())
    mappings = "".join(f"\n[sources.destinations.mappings.{action}]\n" for action in enabled)
    path = folder / "actions.toml"
    path.write_text(
        f"""
queue = "{queue}"

[delivery]
{options}

[[sources]]
name = "shop"
write_key = "env:TEST_WRITE_KEY"

[[sources.destinations]]
slug = "perkville"
settings_file = "perkville.json"
settings = {{ api_key = "env:TEST_PERKVILLE_KEY" }}
{keys}
{mappings}"""
    )
    return path


def order(number: int, email: str = "ana@example.com", revenue: float = 1) -> dict[str, Any]:
    """An Order Completed event worth ``revenue`` points to ``email``."""
    return {
        "type": "track",
        "event": "Order Completed",
        "userId": f"user-{number}",
        "messageId": f"order-{number}",
        "properties": {"order_id": f"o-{number}", "revenue": revenue, "email": email},
    }


def basic(write_key: str = WRITE_KEY) -> str:
    """The Authorization header Segment's libraries send."""
    return "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()


def batch_body(events: list[dict[str, Any]]) -> bytes:
    """A /v1/batch body."""
    return json.dumps({"batch": events}).encode()


def post_batch(runtime: Runtime, events: list[dict[str, Any]]) -> int:
    """``events`` accepted by ``runtime`` as one /v1/batch call with the test's write key
    (durably queued when this returns); how many events the call held."""
    call = runtime.accept("batch", batch_body(events), encoding=None, authorization=basic())
    return engine_loop().run(call)


def drained(queue: Queue) -> bool:
    """Nothing left in the queue."""
    return sum(queue.depth().values()) == 0


@contextmanager
def serving(runtime: Runtime, destinations: Mapping[str, Any]) -> Iterator[str]:
    """``runtime``'s ingress (and the settings API) on 127.0.0.1; its base URL."""
    api = SettingsApi(dict(destinations), ROOT / "schemas")
    server = SettingsServer("127.0.0.1", 0, api, ingress=Ingress(runtime))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@contextmanager
def actions(*argv: str) -> Iterator[subprocess.Popen[str]]:
    """``actions ARGV`` in a new process (secrets in its environment); killed on exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "framework.tooling.cli", *argv],
        cwd=ROOT,
        env={**os.environ, **ENV},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        yield process
    finally:
        process.kill()
        process.wait(timeout=HANG_GUARD)
        assert process.stdout is not None
        process.stdout.close()


def first_line(process: subprocess.Popen[str]) -> str:
    """The next line the process prints."""
    assert process.stdout is not None
    return process.stdout.readline()


def metric(url: str, name: str) -> float:
    """The sum of a counter's series at a ``/metrics`` URL."""
    lines = httpx.get(url).text.splitlines()
    return sum(float(line.split()[-1]) for line in lines if line.startswith(name))
