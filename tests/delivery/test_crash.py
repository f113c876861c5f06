"""Nothing lost, nothing doubled (b, c), with real processes on loopback: a worker killed
with SIGKILL in the middle of a run, and an ingress killed right after answering 200."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx

from destinations.perkville import destination as perkville
from destinations.perkville.sandbox import PerkvilleSandbox
from framework.runtime.delivery.config import load_config
from framework.runtime.delivery.queue import DeadLetterFilter
from framework.runtime.delivery.runtime import Runtime
from tests.delivery.support import (
    ENV,
    SETTINGS,
    actions,
    basic,
    batch_body,
    first_line,
    order,
    post_batch,
    wait_for,
    write_config,
)

EVENTS = 600


def queued_runtime(config: Path) -> Runtime:
    """A runtime of ``config`` without workers, to fill and inspect the queue."""
    return Runtime(load_config(config, ENV), {"perkville": perkville}, workers=False)


def test_a_worker_killed_mid_run_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    events = [order(n, email=f"k{n % 5}@example.com") for n in range(EVENTS)]
    with PerkvilleSandbox(SETTINGS) as sandbox:
        config = write_config(tmp_path, sandbox.url, concurrency=8, lease="1s")
        runtime = queued_runtime(config)
        try:
            for start in range(0, EVENTS, 100):
                post_batch(runtime, events[start : start + 100])
            with actions("worker", "--config", str(config)) as worker:
                assert first_line(worker).startswith("Workers started")
                wait_for(lambda: sandbox.applied() >= 50, what="the first deliveries")
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=30)
            at_kill = sandbox.applied()
            assert 0 < at_kill < EVENTS  # killed in the middle of the run,
            assert runtime.queue.depth()["in_flight"] > 0  # with leases it will never end
            restart = ("worker", "--config", str(config), "--metrics-port", "0")
            with actions(*restart) as worker:
                assert first_line(worker).startswith("Workers started")
                metrics_url = first_line(worker).split(" on ")[1].strip()
                wait_for(
                    lambda: (
                        sandbox.applied() == EVENTS and sum(runtime.queue.depth().values()) == 0
                    ),
                    what="every event after the restart",
                )
                metrics = httpx.get(metrics_url).text.splitlines()
            delivered = next(
                line for line in metrics if line.startswith("actions_events_delivered_total")
            )
            assert 0 < float(delivered.split()[-1]) <= EVENTS  # what the restarted one did
            assert 'actions_queue_depth{state="in_flight"} 0' in metrics
            assert runtime.queue.dead_letters(DeadLetterFilter()) == []
        finally:
            runtime.close()
        assert sandbox.applied() == EVENTS
        assert sandbox.balances() == {f"k{k}@example.com": EVENTS / 5 for k in range(5)}


def test_an_event_answered_200_survives_the_ingress_being_killed(tmp_path: Path) -> None:
    events = [order(n) for n in range(10)]
    with PerkvilleSandbox(SETTINGS) as sandbox:
        config = write_config(tmp_path, sandbox.url)
        ingress_only = ("serve", "--port", "0", "--config", str(config), "--no-workers")
        with actions(*ingress_only) as serve:
            url = first_line(serve).split(" on ")[1].split()[0]
            answer = httpx.post(
                f"{url}v1/batch", content=batch_body(events), headers={"Authorization": basic()}
            )
            assert answer.status_code == 200
            serve.send_signal(signal.SIGKILL)
            serve.wait(timeout=30)
        assert sandbox.applied() == 0  # nothing was delivered before the kill
        with actions("serve", "--port", "0", "--config", str(config)) as serve:
            assert first_line(serve).startswith("Settings UI on")
            wait_for(lambda: sandbox.applied() == 10, what="the 10 events after the restart")
        assert sandbox.balances() == {"ana@example.com": 10.0}
