"""Scaling out: end-to-end events per second with 1, 2 and 4 ``actions worker`` processes
sharing one Redis stream (``actions serve --no-workers`` as the ingress, a private
``redis-server`` with AOF and ``appendfsync always``, the Perkville sandbox in its own
process; all on this machine, over loopback), without and with the sandbox's latency.
Each run starts from an empty Redis. Prints a table per latency with the ratio to one
worker process, and where the CPU went (per delivered event, start-up left out).

Run: .venv/bin/python -m bench.scaling [--events N] [--processes 1,2,4]
[--latency none,50ms] [--concurrency N] [--appendfsync everysec] [--queue sqlite]
[--runtime-root PATH] [--max-load 1.0] (``--queue sqlite`` draws the same curve on the
embedded SQLite queue, for comparison; ``--runtime-root`` runs another copy of the
repository.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.end_to_end import Setup, arguments, run
from bench.processes import CommandFailed, Tree, cpu_seconds
from framework.engine.loop import new_event_loop
from framework.runtime.delivery.local_redis import LocalRedis


def one_run(runner: asyncio.Runner, args: argparse.Namespace, setup: Setup) -> dict[str, Any]:
    """One run; its figures, with the queue's CPU µs per delivered event (Redis's)."""
    if args.queue == "sqlite":
        return runner.run(run(setup)) | {"queue_cpu_us": 0.0}
    with (
        tempfile.TemporaryDirectory() as tmp,
        LocalRedis(Path(tmp), appendfsync=args.appendfsync) as server,
    ):
        assert server.pid is not None
        cpu = cpu_seconds(server.pid)
        found = runner.run(run(replace(setup, queue=server.url(0))))
        cpu = cpu_seconds(server.pid) - cpu
    return found | {"queue_cpu_us": cpu / max(found["delivered"], 1) * 1e6}


def table(runner: asyncio.Runner, args: argparse.Namespace, latency: str) -> None:
    """The rows for one latency."""
    print(f"\nsandbox latency {latency or 'none'}")
    print(
        f"{'worker processes':>16} | {'events/s':>8} | {'ratio':>5} | {'ingress/s':>9} | "
        "CPU µs per event: ingress, workers, queue, sandbox, client | load before"
    )
    base: float | None = None
    for count in (int(n) for n in args.processes.split(",")):
        setup = Setup(
            args.events,
            latency,
            args.concurrency,
            count,
            args.clients,
            Tree(args.runtime_root),
            max_load=args.max_load,
        )
        found = one_run(runner, args, setup)
        if found["delivered"] != args.events:
            raise SystemExit(f"only {found['delivered']} of {args.events} events delivered")
        rate = found["end_to_end_events_per_s"]
        base = base or rate
        cpu = found["cpu_us_per_event"]
        print(
            f"{count:>16} | {rate:8.0f} | {rate / base:5.2f} | "
            f"{found['ingress_events_per_s']:9.0f} | {cpu['serve']:.0f}, {cpu['workers']:.0f}, "
            f"{found['queue_cpu_us']:.0f}, {cpu['sandbox']:.0f}, {cpu['client']:.0f} | "
            f"{found['load']}",
            flush=True,
        )


def main() -> None:
    parser = arguments()
    parser.add_argument("--processes", default="1,2,4", help="worker process counts to run")
    parser.add_argument(
        "--latency", default="none,50ms", help="the sandbox latencies to run (none: no latency)"
    )
    parser.add_argument("--queue", choices=("redis", "sqlite"), default="redis")
    parser.add_argument(
        "--appendfsync", choices=("always", "everysec"), default="always", help="Redis's"
    )
    args = parser.parse_args()
    concurrency = args.concurrency or "the runtime's default"
    print(
        f"{os.cpu_count()} cores; {args.events} events per run, {args.queue} queue"
        + (f" (appendfsync {args.appendfsync}), " if args.queue == "redis" else ", ")
        + f"deliveries in flight per worker process: {concurrency}, "
        f"{args.clients} ingress calls in flight, runtime of {args.runtime_root}"
    )
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        try:
            for latency in args.latency.split(","):
                table(runner, args, "" if latency.strip() == "none" else latency.strip())
        except CommandFailed as error:
            raise SystemExit(str(error)) from None


if __name__ == "__main__":
    main()
