"""End-to-end throughput of the delivery runtime: events posted to the ingress
(``POST /v1/batch``, 100 events a call, as Segment's libraries send them), stored in the
SQLite queue (WAL, ``synchronous=FULL``: durable before each 200), delivered by the
workers to the Perkville sandbox on loopback, one transaction per event.

Every part is a process of its own: ``actions sandbox perkville`` (optionally with
``--latency``, a real API's processing time), ``actions serve --config --no-ui`` as the
ingress, and by default two ``actions worker`` beside ``serve --no-workers``: the fastest
layout measured on 2 cores (a worker process is one event-loop thread, so one core at most,
and delivering is most of the CPU an event costs); ``--worker-processes 0`` runs the
workers inside ``actions serve``. This process is the
client (aiohttp, ``--clients`` calls in flight) and watches the sandbox's
``/sandbox/balances`` until every event is applied. Prints events per second at the ingress
and end to end (first call to last delivery), the delivery latency (from the workers'
/metrics), each process's CPU per delivered event (start-up left out) and peak memory, and
ends with the end-to-end figure alone.

``--runtime-root`` runs ``actions serve`` and ``actions worker`` of another copy of the
repository (e.g. the previous design, unpacked with ``git archive HEAD | tar -x -C
/tmp/old``) with this virtualenv, writing the configuration in its dialect (``workers``,
delivery threads, where it has no ``concurrency``); the sandbox is always this tree's.

Run: .venv/bin/python -m bench.end_to_end [--latency 50ms] [--events N] [--concurrency N]
[--worker-processes N] [--clients N] [--runtime-root PATH] [--max-load 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.processes import (
    MAX_LOAD,
    ROOT,
    SETTINGS_FILE,
    Command,
    CommandFailed,
    Tree,
    add_options,
    cpu_seconds,
    peak_mb,
    quiet,
    start_sandbox,
)
from bench.tracking import BATCH, WRITE_KEY, batches, client, post_all
from framework.engine.loop import new_event_loop

SQLITE = "sqlite:///queue.db"  # in the run's folder
WORKER_PROCESSES = 2  # the fastest layout measured on 2 cores (docs/benchmarks.md, "Throughput")
CLIENTS = 32  # calls in flight at the ingress
POLL_SECONDS = 0.02  # how often the sandbox's count is read
STALL_SECONDS = 60.0  # a run ends when no event was applied for this long
DEADLINE_SECONDS = 900.0  # and in any case after this long


@dataclass(frozen=True)
class Setup:
    """One run: how many events, the sandbox's latency (``""``: none), deliveries in flight
    per worker process (None: the runtime's default), the layout, the client, the tree
    whose runtime runs, the queue, and the load to wait for (see :func:`quiet`)."""

    events: int = 20_000
    latency: str = ""
    concurrency: int | None = None
    worker_processes: int = WORKER_PROCESSES
    clients: int = CLIENTS
    tree: Tree = field(default_factory=Tree)
    queue: str = SQLITE
    max_load: float = MAX_LOAD


def config(folder: Path, endpoint: str, queue: str, delivery: dict[str, int]) -> Path:
    """A runtime configuration: one source feeding Perkville at ``endpoint``, through the
    queue at ``queue``, with ``delivery`` options."""
    options = "".join(f"{key} = {value}\n" for key, value in delivery.items())
    path = folder / "actions.toml"
    path.write_text(
        f"""
queue = "{queue}"
[delivery]
{options}timeout = "10s"
[[sources]]
name = "bench"
write_key = "{WRITE_KEY}"
[[sources.destinations]]
slug = "perkville"
settings_file = "{SETTINGS_FILE}"
endpoint = "{endpoint}"
"""
    )
    return path


def latency(metrics: list[str]) -> dict[str, str]:
    """Median and 99th percentile of the delivery latency histograms of ``metrics``
    (Prometheus texts, one per process) added together, as bucket bounds: ``<= 10 s``, or
    ``> 60 s`` past the last finite bucket."""
    counts: dict[float, int] = {}
    for text in metrics:
        for bound, count in re.findall(
            r'actions_delivery_latency_seconds_bucket\{le="([^"]+)"\} (\d+)', text
        ):
            counts[float(bound)] = counts.get(float(bound), 0) + int(count)
    buckets = sorted(counts.items())
    if not buckets or not buckets[-1][1]:
        return {}
    total, last = buckets[-1][1], max(bound for bound, _ in buckets if bound != math.inf)
    found = {}
    for name, share in (("p50", 0.5), ("p99", 0.99)):
        bound = next(bound for bound, count in buckets if count >= share * total)
        found[name] = f"> {last:g} s" if bound == math.inf else f"<= {bound:g} s"
    return found


async def applied(session: aiohttp.ClientSession, api: str) -> tuple[int, float]:
    """Transactions the sandbox applied, and the sum of its balances."""
    async with session.get(f"{api}/sandbox/balances") as reply:
        report = await reply.json()
    return int(report["applied"]), float(sum(report["balances"].values()))


async def wait_delivered(api: str, events: int, started: float) -> tuple[int, float, float]:
    """Read the sandbox's count until ``events`` are applied (or none was for
    ``STALL_SECONDS``, or ``DEADLINE_SECONDS`` passed): applied, total balance, and the
    seconds from ``started`` to when the count was last read."""
    count, progress = 0, time.perf_counter()
    async with aiohttp.ClientSession() as session:
        while True:
            seen, balance = await applied(session, api)
            now = time.perf_counter()
            if seen > count:
                count, progress = seen, now
            if (
                count >= events
                or now - progress > STALL_SECONDS
                or now - started > DEADLINE_SECONDS
            ):
                return count, balance, now - started
            await asyncio.sleep(POLL_SECONDS)


async def scrape(urls: list[str]) -> list[str]:
    """The /metrics text at each base URL."""
    async with aiohttp.ClientSession() as session:
        texts = []
        for url in urls:
            async with session.get(f"{url}/metrics") as reply:
                texts.append(await reply.text())
        return texts


@dataclass(frozen=True)
class Parts:
    """The processes of a run: the sandbox (its base URL ``api``), the ingress (its base URL
    ``base``) and the worker processes (their /metrics base URLs)."""

    sandbox: Command
    api: str
    serve: Command
    base: str
    workers: list[Command]
    metrics: list[str]


async def start(stack: contextlib.AsyncExitStack, setup: Setup, folder: Path) -> Parts:
    """Start the run's processes, stopped when ``stack`` closes."""
    sandbox, api = await start_sandbox(stack, folder, setup.latency)
    key = await setup.tree.delivery_key()
    path = config(folder, api, setup.queue, {key: setup.concurrency} if setup.concurrency else {})
    argv = ["serve", "--port", "0", "--no-ui", "--config", str(path)]
    argv += ["--no-workers"] if setup.worker_processes else []
    serve = await setup.tree.start(stack, folder / "serve.log", *argv)
    base = await serve.url_after("Tracking API on")
    argv = ["worker", "--config", str(path), "--metrics-port", "0"]
    workers = [
        await setup.tree.start(stack, folder / f"worker-{n}.log", *argv)
        for n in range(setup.worker_processes)
    ]
    metrics = await asyncio.gather(*(worker.url_after("Metrics on") for worker in workers))
    return Parts(sandbox, api, serve, base, workers, list(metrics) if workers else [base])


async def run(setup: Setup) -> dict[str, Any]:
    """One run in a new folder; its figures."""
    bodies = batches(setup.events)
    machine = await quiet(setup.max_load)
    with tempfile.TemporaryDirectory() as tmp:
        async with contextlib.AsyncExitStack() as stack:
            parts = await start(stack, setup, Path(tmp))
            session = await stack.enter_async_context(client(setup.clients))
            url = f"{parts.base}/v1/batch"
            own_cpu = cpu_seconds(os.getpid())
            started = time.perf_counter()
            posting = asyncio.create_task(post_all(session, url, bodies, setup.clients))
            delivered, balance, seconds = await wait_delivered(parts.api, setup.events, started)
            calls = await posting
            client_cpu = cpu_seconds(os.getpid()) - own_cpu
            return {
                "load": machine,
                "events": setup.events,
                "worker_processes": setup.worker_processes,
                "delivered": delivered,
                "total_balance": balance,
                "ingress_events_per_s": setup.events / calls.seconds,
                "end_to_end_events_per_s": delivered / seconds,
                "seconds": seconds,
                "refused": calls.refusals(),
                **latency(await scrape(parts.metrics)),
                "cpu_us_per_event": cpu_per_event(parts, delivered, client_cpu),
                "peak_mb": {
                    "serve": parts.serve.peak_mb(),
                    **{f"worker {n + 1}": w.peak_mb() for n, w in enumerate(parts.workers)},
                    "sandbox": parts.sandbox.peak_mb(),
                    "client": peak_mb(os.getpid()),
                },
            }


def cpu_per_event(parts: Parts, delivered: int, client: float) -> dict[str, float]:
    """Each part's CPU µs per delivered event, start-up left out (``serve`` includes the
    workers when they run inside it)."""
    shares = {
        "serve": parts.serve.cpu_seconds(),
        "workers": sum(worker.cpu_seconds() for worker in parts.workers),
        "sandbox": parts.sandbox.cpu_seconds(),
        "client": client,
    }
    return {name: seconds / max(delivered, 1) * 1e6 for name, seconds in shares.items()}


def describe(setup: Setup) -> str:
    """The run's setting, in one line."""
    where = (
        f"serve --no-workers + {setup.worker_processes} worker processes"
        if setup.worker_processes
        else "ingress and workers in one serve"
    )
    concurrency = setup.concurrency or "the runtime's default"
    tree = "" if setup.tree.root == ROOT else f", runtime of {setup.tree.root}"
    return (
        f"{os.cpu_count()} cores; {setup.events} events, batches of {BATCH}, "
        f"{setup.clients} calls in flight, {where}, deliveries in flight per process: "
        f"{concurrency}, sandbox latency {setup.latency or 'none'}{tree}"
    )


def report(found: dict[str, Any]) -> None:
    """Print one run's figures, the end-to-end rate alone on the last line."""
    print(f"load before        {found['load']}")
    print(
        f"delivered          {found['delivered']} of {found['events']} "
        f"(total balance {found['total_balance']:g})"
    )
    refused = f"; refused: {found['refused']}" if found["refused"] else ""
    print(
        f"ingress            {found['ingress_events_per_s']:8.0f} events/s (durable 200s){refused}"
    )
    print(
        f"end to end         {found['end_to_end_events_per_s']:8.0f} events/s "
        f"({found['seconds']:.1f} s)"
    )
    if "p50" in found:
        print(f"latency            p50 {found['p50']}, p99 {found['p99']}")
    cpu = found["cpu_us_per_event"]
    shares = (
        f"serve {cpu['serve']:.0f}, workers {cpu['workers']:.0f}"
        if found["worker_processes"]
        else f"serve (ingress and workers) {cpu['serve']:.0f}"
    )
    shares += f", sandbox {cpu['sandbox']:.0f}, client {cpu['client']:.0f}"
    print(f"CPU µs per event   {shares} (per delivered event, start-up left out)")
    memory = ", ".join(f"{name} {mb:.0f} MB" for name, mb in found["peak_mb"].items())
    print(f"peak memory        {memory}")
    print(f"{found['end_to_end_events_per_s']:.0f} events/s end to end")


def arguments() -> argparse.ArgumentParser:
    """The options shared with :mod:`bench.scaling`."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=Setup.events)
    parser.add_argument(
        "--concurrency",
        type=int,
        help="deliveries in flight per process (`workers` threads in an older tree; "
        "default: the runtime's own)",
    )
    parser.add_argument("--clients", type=int, default=CLIENTS, help="ingress calls in flight")
    add_options(parser)
    return parser


def main() -> None:
    parser = arguments()
    parser.add_argument("--latency", default="", help="the sandbox's --latency, e.g. 50ms")
    parser.add_argument(
        "--worker-processes",
        type=int,
        default=WORKER_PROCESSES,
        help="0: workers inside `actions serve`; N: `serve --no-workers` and N `actions worker`",
    )
    args = parser.parse_args()
    setup = Setup(
        args.events,
        args.latency,
        args.concurrency,
        args.worker_processes,
        args.clients,
        Tree(args.runtime_root),
        max_load=args.max_load,
    )
    print(describe(setup), flush=True)
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        try:
            report(runner.run(run(setup)))
        except CommandFailed as error:
            raise SystemExit(str(error)) from None


if __name__ == "__main__":
    main()
