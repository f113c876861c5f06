"""Scaling out on Redis Streams, with real processes and a real ``redis-server`` on
loopback: (a) three ``actions worker`` processes share one stream and deliver each event
exactly once; (b) a worker killed with SIGKILL mid-run has its pending events taken over
by the others, none lost, none awarded twice; (c) Redis killed and restarted mid-run (AOF)
loses no event the ingress answered 200 for."""

from __future__ import annotations

import signal
import subprocess
from contextlib import ExitStack, closing
from pathlib import Path

import httpx
import redis

from destinations.perkville.sandbox import PerkvilleSandbox
from framework import Faults
from framework.runtime.delivery.backends import open_queue
from framework.runtime.delivery.local_redis import LocalRedis
from framework.runtime.delivery.queue import DeadLetterFilter
from tests.delivery.support import (
    SETTINGS,
    actions,
    basic,
    batch_body,
    drained,
    first_line,
    metric,
    order,
    wait_for,
    write_config,
)

DELIVERED = "actions_events_delivered_total"
# every request applied, then answered 50 ms later: a run lasts long enough to act in it
SLOW = Faults(rate=1.0, kinds=("applied_slow",), slow_seconds=0.05, seed=7)


def events(count: int, people: int = 5) -> list[dict[str, object]]:
    """``count`` orders worth 1 point each, spread over ``people`` emails."""
    return [order(n, email=f"p{n % people}@example.com") for n in range(count)]


def expected_balances(count: int, people: int = 5) -> dict[str, float]:
    return {f"p{k}@example.com": float(len(range(k, count, people))) for k in range(people)}


def post(url: str, batch: list[dict[str, object]]) -> httpx.Response:
    return httpx.post(
        f"{url}v1/batch", content=batch_body(batch), headers={"Authorization": basic()}
    )


def post_all(url: str, all_events: list[dict[str, object]], size: int = 100) -> None:
    for start in range(0, len(all_events), size):
        answer = post(url, all_events[start : start + size])
        assert answer.status_code == 200, answer.text


def start_workers(
    stack: ExitStack, config: Path, count: int
) -> list[tuple[subprocess.Popen[str], str]]:
    """``count`` ``actions worker`` processes; each with its metrics URL."""
    started = []
    for _ in range(count):
        worker = stack.enter_context(
            actions("worker", "--config", str(config), "--concurrency", "4", "--metrics-port", "0")
        )
        assert first_line(worker).startswith("Workers started")
        started.append((worker, first_line(worker).split(" on ")[1].strip()))
    return started


def start_ingress(stack: ExitStack, config: Path) -> str:
    """An ingress machine's ``actions serve --no-workers --no-ui`` on a free port; its base
    URL."""
    ingress = ("serve", "--port", "0", "--config", str(config), "--no-workers", "--no-ui")
    serve = stack.enter_context(actions(*ingress))
    line = first_line(serve)
    assert line.startswith("Ingress on"), line
    return line.split(" on ")[1].split()[0]


def pending_of(url: str, pid: int) -> int:
    """Entries pending on the consumer of process ``pid`` (its name holds the pid)."""
    with redis.Redis.from_url(url, decode_responses=True) as client:
        consumers = client.xinfo_consumers("actions:stream", "workers")
    return sum(c["pending"] for c in consumers if f"-{pid}-" in c["name"])


def test_three_worker_processes_share_the_stream_and_deliver_each_event_once(
    tmp_path: Path, redis_url: str
) -> None:
    count = 900
    with PerkvilleSandbox(SETTINGS) as sandbox, ExitStack() as stack:
        config = write_config(tmp_path, sandbox.url, queue=redis_url)
        workers = start_workers(stack, config, 3)
        ingress = start_ingress(stack, config)
        post_all(ingress, events(count))
        assert httpx.get(ingress).status_code == 404  # no settings page on an ingress
        queue = stack.enter_context(closing(open_queue(redis_url)))
        wait_for(lambda: sandbox.applied() == count and drained(queue), what="every event")
        shares = [metric(metrics_url, DELIVERED) for _, metrics_url in workers]
        assert sandbox.duplicates() == 0  # no event was sent twice
        assert sum(shares) == count  # each delivered by exactly one worker,
        assert all(share > 0 for share in shares), shares  # and all three took part
        assert queue.dead_letters(DeadLetterFilter()) == []
    assert sandbox.balances() == expected_balances(count)


def test_a_killed_workers_pending_events_are_taken_over_by_the_others(
    tmp_path: Path, redis_url: str
) -> None:
    count = 600
    with PerkvilleSandbox(SETTINGS, faults=SLOW) as sandbox, ExitStack() as stack:
        config = write_config(tmp_path, sandbox.url, queue=redis_url, lease="1s")
        queue = stack.enter_context(closing(open_queue(redis_url)))
        post_all(start_ingress(stack, config), events(count))  # queued before workers start
        [(victim, _)] = start_workers(stack, config, 1)
        wait_for(lambda: sandbox.applied() >= 100, what="the first deliveries")
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        at_kill = sandbox.applied()
        # the others start only now: however long this look takes, none can have taken
        # over what the victim held (they would once it is a lease old)
        assert pending_of(redis_url, victim.pid) > 0  # killed with events in flight,
        assert at_kill < count  # in the middle of the run
        survivors = start_workers(stack, config, 2)
        wait_for(lambda: sandbox.applied() == count and drained(queue), what="every event")
        assert pending_of(redis_url, victim.pid) == 0  # what it held was taken over
        assert sum(metric(url, DELIVERED) for _, url in survivors) >= count - at_kill
        assert queue.dead_letters(DeadLetterFilter()) == []
    assert sandbox.balances() == expected_balances(count)  # none awarded twice


def test_events_accepted_before_redis_restarts_are_still_delivered(tmp_path: Path) -> None:
    first, second = events(600)[:400], events(600)[400:]
    with (
        LocalRedis(tmp_path / "redis") as server,
        PerkvilleSandbox(SETTINGS, faults=SLOW) as sandbox,
        ExitStack() as stack,
    ):
        config = write_config(tmp_path, sandbox.url, queue=server.url(0), lease="2s")
        ingress = start_ingress(stack, config)
        start_workers(stack, config, 2)
        post_all(ingress, first)
        wait_for(lambda: sandbox.applied() >= 50, what="the first deliveries")
        server.kill()  # SIGKILL: no shutdown, no final write
        assert sandbox.applied() < len(first)  # accepted events were only in Redis
        refused = post(ingress, second[:100])
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "1"
        assert refused.json()["error"]["code"] == "QUEUE_UNAVAILABLE"
        server.start()  # the same port and data directory: the AOF is replayed
        post_all(ingress, second)  # a client retrying what was refused
        queue = stack.enter_context(closing(open_queue(server.url(0))))
        wait_for(lambda: sandbox.applied() == 600 and drained(queue), what="every accepted event")
        assert queue.dead_letters(DeadLetterFilter()) == []
    assert sandbox.balances() == expected_balances(600)
