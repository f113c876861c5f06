"""CPU cost of the Perkville sandbox per request: ``actions sandbox perkville`` of a tree in
its own process (its request log to a file), and an aiohttp client in this one posting new
transactions to ``/transactions/`` with a fixed number in flight. Prints the sandbox
process's CPU µs per request and the requests per second; a warm-up round is left out of
both.

``--runtime-root`` runs another tree's sandbox (e.g. an older version unpacked with
``git archive HEAD | tar -x -C /tmp/old``) with this virtualenv, to compare.

Run: .venv/bin/python -m bench.sandbox [--requests N] [--in-flight N] [--latency 50ms]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.processes import SETTINGS_FILE, Tree, add_options, quiet

WARM_UP = 1_000  # requests


async def post_all(url: str, count: int, in_flight: int, numbers: itertools.count[int]) -> None:
    """``count`` new transactions, ``in_flight`` at a time, each answered 201."""
    settings = json.loads(SETTINGS_FILE.read_text())
    headers = {"Authorization": f"Bearer {settings['api_key']}"}
    base = {"business": "4242", "location": "17", "perk": "555", "quantity": 1}
    left = iter(range(count))

    async def sender(session: aiohttp.ClientSession) -> None:
        for _ in left:
            body = {**base, "email": "ana@example.com", "trans_source_id": f"b-{next(numbers)}"}
            async with session.post("/transactions/", json=body, headers=headers) as reply:
                await reply.read()
                if reply.status != 201:
                    raise RuntimeError(f"the sandbox answered {reply.status}")

    connector = aiohttp.TCPConnector(limit=in_flight)
    async with aiohttp.ClientSession(url, connector=connector) as session:
        await asyncio.gather(*(sender(session) for _ in range(in_flight)))


async def run(args: argparse.Namespace) -> str:
    """One run; its figures in a line."""
    load = await quiet(args.max_load)
    argv = ["sandbox", "perkville", "--settings", str(SETTINGS_FILE), "--port", "0"]
    argv += ["--latency", args.latency] if args.latency else []
    async with contextlib.AsyncExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        sandbox = await Tree(args.runtime_root).start(stack, folder / "sandbox.log", *argv)
        url = await sandbox.url_after("balances:")
        numbers = itertools.count()
        await post_all(url, WARM_UP, args.in_flight, numbers)
        cpu, started = sandbox.cpu_seconds(), time.perf_counter()
        await post_all(url, args.requests, args.in_flight, numbers)
        elapsed, cpu = time.perf_counter() - started, sandbox.cpu_seconds() - cpu
    return (
        f"{args.requests} requests, {args.in_flight} in flight: sandbox "
        f"{cpu / args.requests * 1e6:.0f} µs CPU per request, {args.requests / elapsed:.0f}/s "
        f"(load before: {load})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--in-flight", type=int, default=100)
    parser.add_argument("--latency", help="the sandbox's --latency (default: none)")
    add_options(parser)
    print(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
