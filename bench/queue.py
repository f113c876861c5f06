"""Group commit on the SQLite queue: a burst of concurrent enqueue calls (as the ingress
makes them, one per Tracking API request) on the asynchronous queue, whose writer thread
commits the calls waiting together in one transaction (one fsync), against the
synchronous queue called from a pool of threads (the thread-per-request ingress: one
transaction per call). Each round uses a fresh file in a temporary folder; prints calls
and messages per second and transactions (fsyncs, ``synchronous=FULL``) per call, the
median of the rounds, and the machine's load.

Run: .venv/bin/python -m bench.queue [--calls 200] [--messages 10] [--threads 16]
[--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from framework.engine.loop import engine_loop
from framework.runtime.delivery.queue import Message
from framework.runtime.delivery.sqlite_queue import SqliteQueue
from framework.runtime.delivery.threaded_queue import ThreadedSqliteQueue


def batches(calls: int, messages: int) -> list[list[Message]]:
    """``calls`` batches of ``messages`` new messages each, one route each."""
    now = time.time()
    return [
        [Message("shop", f"m{c}-{n}", '{"event": "Order"}', now, ("d/a",)) for n in range(messages)]
        for c in range(calls)
    ]


async def grouped(path: Path, work: list[list[Message]]) -> tuple[float, int]:
    """Every batch enqueued at once on the asynchronous queue: seconds, transactions."""
    queue = await ThreadedSqliteQueue.open(path)
    try:
        started = time.perf_counter()
        await asyncio.gather(*(queue.enqueue(batch) for batch in work))
        return time.perf_counter() - started, queue.commits["durable"]
    finally:
        await queue.close()


def threaded(path: Path, work: list[list[Message]], threads: int) -> tuple[float, int]:
    """Every batch enqueued on the synchronous queue from ``threads`` threads: seconds,
    transactions (one per call)."""
    queue = SqliteQueue(path)
    try:
        with ThreadPoolExecutor(threads) as pool:
            started = time.perf_counter()
            list(pool.map(queue.enqueue, work))
            return time.perf_counter() - started, len(work)
    finally:
        queue.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200, help="concurrent enqueue calls")
    parser.add_argument("--messages", type=int, default=10, help="messages per call")
    parser.add_argument("--threads", type=int, default=16, help="threads of the old path")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    loop = engine_loop()
    old = f"{args.threads} threads"
    runs: dict[str, list[tuple[float, int]]] = {"group commit": [], old: []}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.rounds):
            work = batches(args.calls, args.messages)
            runs["group commit"].append(loop.run(grouped(Path(tmp, f"g{n}.db"), work)))
            runs[old].append(threaded(Path(tmp, f"t{n}.db"), work, args.threads))
    print(
        f"{os.cpu_count()} cores, load {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
        f"{args.calls} concurrent enqueue calls of {args.messages} messages, "
        f"median of {args.rounds} rounds"
    )
    print(f"{'path':>13} | {'calls/s':>8} | {'messages/s':>10} | transactions per call")
    for name, figures in runs.items():
        seconds = statistics.median(s for s, _ in figures)
        transactions = statistics.median(t for _, t in figures)
        print(
            f"{name:>13} | {args.calls / seconds:8.0f} | "
            f"{args.calls * args.messages / seconds:10.0f} | {transactions / args.calls:.3f}"
        )


if __name__ == "__main__":
    main()
