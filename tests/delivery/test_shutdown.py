"""SIGTERM under load, on both queues: ``actions serve --config`` (ingress and workers in
one process) and ``actions worker`` stop gracefully while deliveries are under way. They
exit 0, leave nothing leased, and every event answered 200 is applied exactly once
(nothing delivered twice, nothing lost) once the rest has been delivered."""

from __future__ import annotations

import base64
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from destinations.perkville.sandbox import PerkvilleSandbox
from framework import Latency
from framework.runtime.delivery.queue import DeadLetterFilter
from tests.delivery.conftest import MakeRuntime
from tests.delivery.support import (
    SETTINGS,
    WRITE_KEY,
    actions,
    batch_body,
    drained,
    first_line,
    order,
    post_batch,
    wait_for,
    write_config,
)

EVENTS = 300
GRACE_SECONDS = 20  # far more than a delivery under way needs (its answer comes 0.2 s late)
EMAILS = 5


def events() -> list[dict[str, object]]:
    return [order(n, email=f"s{n % EMAILS}@example.com") for n in range(EVENTS)]


def stop(process: subprocess.Popen[str]) -> int:
    """SIGTERM, then the exit code (the wait is a safety bound, far above the grace)."""
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=GRACE_SECONDS + 60)


def finish_and_check(
    sandbox: PerkvilleSandbox, make_runtime: MakeRuntime, config_queue: str | None
) -> None:
    """Deliver what the stopped process left queued, then check exactly-once."""
    runtime = make_runtime(sandbox.url, queue=config_queue)
    wait_for(
        lambda: sandbox.applied() == EVENTS and drained(runtime.queue),
        what="every event after the stop",
    )
    assert sandbox.duplicates() == 0, "an event under way at the stop was delivered twice"
    assert runtime.queue.dead_letters(DeadLetterFilter()) == []
    assert sandbox.balances() == {f"s{n}@example.com": EVENTS / EMAILS for n in range(EMAILS)}


@pytest.fixture
def late_sandbox() -> Iterator[PerkvilleSandbox]:
    """The Perkville sandbox answering every request 0.2 s after applying it, so that
    deliveries are under way when the signal comes."""
    with PerkvilleSandbox(SETTINGS, latency=Latency(0.2)) as sandbox:
        yield sandbox


def graceful_config(folder: Path, sandbox: PerkvilleSandbox, queue_url: str) -> Path:
    return write_config(folder, sandbox.url, queue=queue_url, shutdown_grace=f"{GRACE_SECONDS}s")


@pytest.fixture(params=["sqlite", "redis"])
def queue_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "redis":
        url: str = request.getfixturevalue("redis_url")
        return url
    return f"sqlite:///{tmp_path / 'shared-queue.db'}"


def test_serve_stops_gracefully_on_sigterm_under_load(
    tmp_path: Path, queue_url: str, late_sandbox: PerkvilleSandbox, make_runtime: MakeRuntime
) -> None:
    config = graceful_config(tmp_path, late_sandbox, queue_url)
    with actions("serve", "--port", "0", "--config", str(config)) as serve:
        url = first_line(serve).split(" on ")[1].split()[0]
        auth = "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()
        with httpx.Client(base_url=url, headers={"Authorization": auth}) as client:
            for start in range(0, EVENTS, 50):
                body = batch_body(events()[start : start + 50])
                assert client.post("v1/batch", content=body).status_code == 200
        wait_for(lambda: late_sandbox.applied() >= 20, what="deliveries under way")
        assert stop(serve) == 0
    assert 0 < late_sandbox.applied() <= EVENTS
    runtime = make_runtime(late_sandbox.url, queue=queue_url, pool=False)
    assert runtime.queue.depth()["in_flight"] == 0, "nothing left leased"
    finish_and_check(late_sandbox, make_runtime, queue_url)


def test_worker_stops_gracefully_on_sigterm_under_load(
    tmp_path: Path, queue_url: str, late_sandbox: PerkvilleSandbox, make_runtime: MakeRuntime
) -> None:
    config = graceful_config(tmp_path, late_sandbox, queue_url)
    ingress = make_runtime(late_sandbox.url, queue=queue_url, pool=False)
    for start in range(0, EVENTS, 50):
        assert post_batch(ingress, events()[start : start + 50]) == 50
    with actions("worker", "--config", str(config)) as worker:
        assert first_line(worker).startswith("Workers started")
        wait_for(lambda: late_sandbox.applied() >= 20, what="deliveries under way")
        assert stop(worker) == 0
    assert ingress.queue.depth()["in_flight"] == 0, "nothing left leased"
    finish_and_check(late_sandbox, make_runtime, queue_url)
