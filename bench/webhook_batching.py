"""The Webhook delivered by the workers in batches, or one event per request, to a receiver
that answers each request 50 ms late (a real API's processing time).

For each of ``--batch-sizes`` in turn (1: one event per request), in a new folder: a
receiver process (:class:`tests.webhook.receiver.WebhookReceiver`, with that latency),
``actions serve --no-workers`` filling the SQLite queue with ``--events`` events (/v1/batch
calls, as in :mod:`bench.end_to_end`), then one ``actions worker`` delivering them. Prints
per run the events per second from the worker's start to the last event received, the
requests the receiver got, and the worker's and the receiver's CPU per event (start-up left
out).

Run: .venv/bin/python -m bench.webhook_batching [--events N] [--latency 50ms]
[--batch-sizes 1,100] [--concurrency N] [--max-load 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.processes import MAX_LOAD, ROOT, Command, CommandFailed, Tree, quiet
from bench.tracking import WRITE_KEY, batches, client, post_all
from framework import Latency, Reply, SandboxRequest
from framework.engine.loop import new_event_loop
from framework.runtime.delivery.durations import parse_duration
from framework.runtime.sandbox import INSPECTION_PREFIX
from framework.runtime.web import StopSignals
from tests.webhook.receiver import WebhookReceiver

CLIENTS = 32  # ingress calls in flight while the queue is filled
POLL_SECONDS = 0.05  # how often the receiver's count is read
STALL_SECONDS = 60.0  # a run ends when no event arrived for this long
RECEIVER_READY = "Receiver on"


class CountingReceiver(WebhookReceiver):
    """The receiver, also answering ``GET /sandbox/received``: the requests and events it
    received so far."""

    def handle(self, request: SandboxRequest) -> Reply:
        if request.path.startswith(INSPECTION_PREFIX):
            return Reply(200, {"requests": len(self.received()), "events": self.events()})
        return super().handle(request)


def serve_receiver(latency: float) -> None:
    """The receiver process: serve on a free loopback port until SIGTERM or SIGINT."""
    with StopSignals() as signals, CountingReceiver(latency=Latency(latency)) as receiver:
        print(f"{RECEIVER_READY} {receiver.url}", flush=True)
        signals.wait()


async def start_receiver(
    stack: contextlib.AsyncExitStack, folder: Path, latency: str
) -> tuple[Command, str]:
    """The receiver in a process of its own, stopped when ``stack`` closes; it and its URL."""
    log = folder / "receiver.log"
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.webhook_batching",
            "--serve-receiver",
            "--latency",
            latency,
            cwd=ROOT,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    receiver = Command(process, log)
    stack.push_async_callback(receiver.stop)
    return receiver, await receiver.url_after(RECEIVER_READY)


def config(folder: Path, url: str, batch_size: int, concurrency: int | None) -> Path:
    """One source feeding the Webhook at ``url`` in batches of ``batch_size``, through a
    SQLite queue in ``folder``."""
    delivery = f"concurrency = {concurrency}\n" if concurrency else ""
    path = folder / "actions.toml"
    path.write_text(
        f"""
queue = "sqlite:///queue.db"
[delivery]
{delivery}
[[sources]]
name = "bench"
write_key = "{WRITE_KEY}"
[[sources.destinations]]
slug = "webhook"
settings = {{ url = "{url}/hook", batch_size = {batch_size} }}
"""
    )
    return path


async def received(session: aiohttp.ClientSession, url: str) -> tuple[int, int]:
    """The requests and events the receiver got so far."""
    async with session.get(f"{url}{INSPECTION_PREFIX}received") as reply:
        report = await reply.json()
    return int(report["requests"]), int(report["events"])


async def wait_received(url: str, events: int) -> tuple[int, int, float]:
    """Read the receiver's count until ``events`` arrived (or none did for
    ``STALL_SECONDS``): requests, events, and the seconds until the last read."""
    started = progress = time.perf_counter()
    count = 0
    async with aiohttp.ClientSession() as session:
        while True:
            requests, seen = await received(session, url)
            now = time.perf_counter()
            if seen > count:
                count, progress = seen, now
            if count >= events or now - progress > STALL_SECONDS:
                return requests, count, now - started
            await asyncio.sleep(POLL_SECONDS)


async def run(
    events: int, batch_size: int, latency: str, concurrency: int | None, max_load: float
) -> dict[str, Any]:
    """One run in a new folder; its figures."""
    machine = await quiet(max_load)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        async with contextlib.AsyncExitStack() as stack:
            receiver, url = await start_receiver(stack, folder, latency)
            path = config(folder, url, batch_size, concurrency)
            argv = ["serve", "--port", "0", "--no-ui", "--no-workers", "--config", str(path)]
            serve = await Tree().start(stack, folder / "serve.log", *argv)
            base = await serve.url_after("Tracking API on")
            async with client(CLIENTS) as session:
                calls = await post_all(session, f"{base}/v1/batch", batches(events), CLIENTS)
            argv = ["worker", "--config", str(path), "--metrics-port", "0"]
            worker = await Tree().start(stack, folder / "worker.log", *argv)
            await worker.url_after("Metrics on")
            receiver_cpu = receiver.cpu_seconds()
            requests, delivered, seconds = await wait_received(url, events)
            return {
                "load": machine,
                "batch_size": batch_size,
                "refused": calls.refusals(),
                "delivered": delivered,
                "requests": requests,
                "events_per_s": delivered / seconds,
                "worker_us": worker.cpu_seconds() / max(delivered, 1) * 1e6,
                "receiver_us": (receiver.cpu_seconds() - receiver_cpu) / max(delivered, 1) * 1e6,
            }


def report(found: dict[str, Any], events: int) -> None:
    refused = f"; ingress refused: {found['refused']}" if found["refused"] else ""
    print(
        f"batch_size {found['batch_size']:>4}: {found['events_per_s']:8.0f} events/s, "
        f"{found['delivered']} of {events} events in {found['requests']} requests; "
        f"CPU µs per event: worker {found['worker_us']:.0f}, receiver "
        f"{found['receiver_us']:.0f} (load before {found['load']}){refused}",
        flush=True,
    )


def sizes(text: str) -> list[int]:
    """``--batch-sizes``: comma-separated integers from 1 to 1000."""
    try:
        found = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("expected integers separated by commas") from None
    if not all(1 <= size <= 1000 for size in found):
        raise argparse.ArgumentTypeError("each batch size must be from 1 to 1000")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--latency", default="50ms", help="the receiver's answer delay (50ms)")
    parser.add_argument("--batch-sizes", type=sizes, default=[1, 100], help="1,100")
    parser.add_argument("--concurrency", type=int, help="items in flight in the worker")
    parser.add_argument(
        "--max-load",
        type=float,
        default=MAX_LOAD,
        help=f"before each run, wait for the 1-minute load average to fall to this ({MAX_LOAD:g})",
    )
    parser.add_argument("--serve-receiver", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_receiver:
        serve_receiver(parse_duration(args.latency))
        return
    os.environ["ACTIONS_ALLOW_PRIVATE_TARGETS"] = "1"  # the receiver is on loopback
    print(
        f"{os.cpu_count()} cores; {args.events} events; receiver latency {args.latency}; "
        f"items in flight: {args.concurrency or 'the runtime default'}",
        flush=True,
    )
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        for size in args.batch_sizes:
            setup = (args.events, size, args.latency, args.concurrency, args.max_load)
            try:
                report(runner.run(run(*setup)), args.events)
            except CommandFailed as error:
                raise SystemExit(str(error)) from None


if __name__ == "__main__":
    main()
