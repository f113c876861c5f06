"""Scaling out: end-to-end events per second with 1, 2 and 4 ``actions worker``
processes sharing one Redis stream (``actions serve --no-workers`` as the ingress, a
private ``redis-server`` with AOF and ``appendfsync always``, the Perkville sandbox; all on
this machine, over loopback). Each run starts from an empty Redis. Prints a table with the
ratio to one worker process, and where the CPU went.

Run: .venv/bin/python -m bench.scaling [--events N] [--processes 1,2,4]
[--appendfsync everysec] [--queue sqlite] (``--queue sqlite`` draws the same curve on the
embedded SQLite queue, for comparison.)
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from bench.end_to_end import SQLITE, cpu_seconds, run
from framework.delivery.local_redis import LocalRedis


def one_run(args: argparse.Namespace, processes: int) -> dict[str, Any]:
    """One run with ``processes`` worker processes; its figures, with Redis's CPU time."""
    if args.queue == "sqlite":
        figures = run(args.events, args.workers, args.clients, processes, SQLITE)
        figures["queue_cpu_us"] = 0.0
    else:
        with (
            tempfile.TemporaryDirectory() as tmp,
            LocalRedis(Path(tmp), appendfsync=args.appendfsync) as server,
        ):
            assert server.pid is not None
            figures = run(args.events, args.workers, args.clients, processes, server.url(0))
            figures["queue_cpu_us"] = cpu_seconds(server.pid) / args.events * 1e6
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=8, help="delivery threads per process")
    parser.add_argument("--clients", type=int, default=2, help="concurrent ingress clients")
    parser.add_argument("--processes", default="1,2,4", help="worker process counts to run")
    parser.add_argument("--queue", choices=("redis", "sqlite"), default="redis")
    parser.add_argument(
        "--appendfsync", choices=("always", "everysec"), default="always", help="Redis's"
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.processes.split(",")]
    print(
        f"{os.cpu_count()} cores; {args.events} events per run, {args.queue} queue"
        + (f" (appendfsync {args.appendfsync}), " if args.queue == "redis" else ", ")
        + f"{args.workers} delivery threads per worker process, {args.clients} ingress clients"
    )
    print(
        f"{'worker processes':>16} | {'events/s':>8} | {'ratio':>5} | {'ingress/s':>9} | "
        "CPU µs per event: ingress, workers, queue, sandbox+client"
    )
    base: float | None = None
    for count in counts:
        figures = one_run(args, count)
        if figures["delivered"] != args.events:
            raise SystemExit(f"only {figures['delivered']} of {args.events} events delivered")
        rate = figures["end_to_end_events_per_s"]
        base = base or rate
        cpu = figures["cpu_us_per_event"]
        print(
            f"{count:>16} | {rate:8.0f} | {rate / base:5.2f} | "
            f"{figures['ingress_events_per_s']:9.0f} | {cpu['serve']:.0f}, {cpu['workers']:.0f}, "
            f"{figures['queue_cpu_us']:.0f}, {cpu['sandbox and client']:.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
