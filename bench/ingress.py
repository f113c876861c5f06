"""The ingress alone: ``actions serve --config --no-workers --no-ui`` storing Tracking API
calls in the SQLite queue (``synchronous=FULL``: each 200 is durable), nothing delivered.

Two figures, against one serve process, from an aiohttp client in this process:

- **throughput**: ``--events`` in batches of 100, ``--clients`` calls in flight, after a
  warm-up of ``WARM_UP`` calls per connection (left out: it opens the connections, which
  a server that keeps them alive reuses): events per second answered 200, and the
  ingress's CPU µs per event;
- **simultaneous connections**: ``--connections`` calls started at once, each on a
  connection of its own, each posting one batch of ``SMALL_BATCH`` events: how many were
  answered 200, refused (connection not established), reset, timed out (after
  ``CALL_SECONDS``) or failed otherwise, and how long the slowest took.

``--runtime-root`` runs another copy of the repository (e.g. the previous design) with
this virtualenv.

Run: .venv/bin/python -m bench.ingress [--events 100000] [--clients 32] [--connections 1000]
[--runtime-root PATH] [--max-load 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import tempfile
from pathlib import Path

from bench.end_to_end import CLIENTS, SQLITE, config
from bench.processes import ROOT, Command, CommandFailed, Tree, add_options, quiet
from bench.tracking import BATCH, CALL_SECONDS, batches, client, post_all
from framework.engine.loop import new_event_loop

WARM_UP = 2  # calls per connection, before the figures
SMALL_BATCH = 10  # events per call of the simultaneous connections
_NOWHERE = "http://127.0.0.1:9"  # the destination's endpoint: no worker sends to it
_COUNTED = ("200", "refused", "reset", "timeout")


async def run(tree: Tree, events: int, clients: int, connections: int, max_load: float) -> None:
    """Start the ingress (once the load is at most ``max_load``), print both figures."""
    print(f"load before         {await quiet(max_load)}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = config(folder, _NOWHERE, SQLITE, {})
        async with contextlib.AsyncExitStack() as stack:
            argv = ["serve", "--port", "0", "--no-ui", "--no-workers", "--config", str(path)]
            serve = await tree.start(stack, folder / "serve.log", *argv)
            url = f"{await serve.url_after('Tracking API on')}/v1/batch"
            print(await throughput(serve, url, events, clients), flush=True)
            print(await at_once(url, connections))


async def throughput(serve: Command, url: str, events: int, clients: int) -> str:
    """Events per second and the ingress's CPU per event, in one line."""
    async with client(clients) as session:  # the warm-up opens the connections
        await post_all(session, url, batches(WARM_UP * clients * BATCH, prefix="warm"), clients)
        cpu = serve.cpu_seconds()
        calls = await post_all(session, url, batches(events), clients)
        cpu = serve.cpu_seconds() - cpu
    refused = f"; not 200: {calls.refusals()}" if calls.refusals() else ""
    return (
        f"{f'batches of {BATCH}':<19} {events / calls.seconds:8.0f} events/s durable "
        f"({events} events, {clients} calls in flight, {calls.seconds:.1f} s), "
        f"ingress CPU {cpu / events * 1e6:.0f} µs per event{refused}"
    )


async def at_once(url: str, connections: int) -> str:
    """How ``connections`` calls started at once went, in one line."""
    small = batches(connections * SMALL_BATCH, SMALL_BATCH, prefix="at-once")
    async with client(connections) as session:
        calls = await post_all(session, url, small, connections)
    found = calls.outcomes
    return (
        f"{f'{connections} at once':<19} {found['200']} answered 200, "
        f"{found['refused']} refused, {found['reset']} reset, "
        f"{found['timeout']} timed out (> {CALL_SECONDS:g} s), "
        f"{connections - sum(found[k] for k in _COUNTED)} other; "
        f"slowest {calls.slowest:.2f} s, all done in {calls.seconds:.2f} s"
    )


def _allow_files(count: int) -> None:
    """Raise this process's open-file limit (which the ingress inherits) to hold ``count``
    connections, within the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = count + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=CLIENTS, help="calls in flight")
    parser.add_argument("--connections", type=int, default=1_000, help="started at once")
    add_options(parser)
    args = parser.parse_args()
    _allow_files(args.connections)
    tree = Tree(args.runtime_root)
    where = "" if tree.root == ROOT else f", runtime of {tree.root}"
    print(f"{os.cpu_count()} cores; the ingress alone (SQLite queue){where}")
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        try:
            runner.run(run(tree, args.events, args.clients, args.connections, args.max_load))
        except CommandFailed as error:
            raise SystemExit(str(error)) from None


if __name__ == "__main__":
    main()
