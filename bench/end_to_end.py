"""End-to-end throughput of the delivery runtime: events posted to the ingress
(``POST /v1/batch``, 100 events a call, as Segment's libraries send them), stored in the
SQLite queue (WAL, ``synchronous=FULL``: durable before each 200), delivered by the
workers to the Perkville sandbox on loopback, one transaction per event.

By default ``actions serve --config --no-workers`` and two ``actions worker`` processes
share the queue (the fastest setting measured on 2 cores); ``--worker-processes 0`` runs
the workers inside ``actions serve``. The sandbox and the client run in this process.
Prints events per second at the ingress and end to end (first call to last delivery), the
delivery latency (from /metrics: workers inside serve only) and each process's peak memory.

Run: .venv/bin/python -m bench.end_to_end [--events N] [--workers N] [--worker-processes N]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from destinations.perkville.sandbox import PerkvilleSandbox

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = json.loads((ROOT / "examples" / "perkville" / "settings.json").read_text())
WRITE_KEY = "bench-write-key"
BATCH = 100
SQLITE = "sqlite:///queue.db"  # in the run's folder
_DEADLINE = 600.0  # seconds: the whole run gives up after this


def config(folder: Path, endpoint: str, workers: int, queue: str) -> Path:
    """A runtime configuration: one source feeding Perkville at ``endpoint``, through the
    queue at ``queue``."""
    (folder / "settings.json").write_text(json.dumps(SETTINGS))
    path = folder / "actions.toml"
    path.write_text(
        f"""
queue = "{queue}"
[delivery]
workers = {workers}
timeout = "10s"
[[sources]]
name = "bench"
write_key = "{WRITE_KEY}"
[[sources.destinations]]
slug = "perkville"
settings_file = "settings.json"
endpoint = "{endpoint}"
"""
    )
    return path


def batches(count: int) -> list[bytes]:
    """``count`` distinct Order Completed events, as /v1/batch bodies."""
    events = [
        {
            "type": "track",
            "event": "Order Completed",
            "userId": f"user-{n % 500}",
            "messageId": f"bench-{n}",
            "properties": {"order_id": f"order-{n}", "revenue": 1, "email": f"u{n % 500}@ex.com"},
            "timestamp": "2026-11-20T09:00:00Z",
        }
        for n in range(count)
    ]
    return [
        json.dumps({"batch": events[start : start + BATCH]}).encode()
        for start in range(0, count, BATCH)
    ]


def post_all(base: str, bodies: list[bytes], clients: int) -> None:
    """Post every body with ``clients`` threads; every answer must be 200."""
    auth = "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()
    headers = {"Authorization": auth, "Content-Type": "application/json"}
    failures: list[int] = []

    def send(share: list[bytes]) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            for body in share:
                status = client.post("v1/batch", content=body, headers=headers).status_code
                if status != 200:
                    failures.append(status)

    threads = [threading.Thread(target=send, args=(bodies[n::clients],)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"the ingress refused {len(failures)} calls: {sorted(set(failures))}")


def peak_rss_mb(pid: int) -> float:
    """A process's peak resident memory (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def latency(metrics: str) -> dict[str, float]:
    """Median and 99th percentile upper bounds from the latency histogram."""
    buckets = [
        (float(bound), int(count))
        for bound, count in re.findall(
            r'actions_delivery_latency_seconds_bucket\{le="([^"]+)"\} (\d+)', metrics
        )
    ]
    total = buckets[-1][1]
    found: dict[str, float] = {}
    for name, share in (("p50", 0.5), ("p99", 0.99)):
        found[name] = next(bound for bound, count in buckets if count >= share * total)
    return found


def run(
    events: int, workers: int, clients: int, worker_processes: int, queue: str = SQLITE
) -> dict[str, Any]:
    """One run through the queue at ``queue`` (a SQLite file in a new folder by default);
    the figures."""
    bodies = batches(events)
    own_cpu = cpu_seconds(os.getpid())  # this process's, for this run alone
    with tempfile.TemporaryDirectory() as tmp, PerkvilleSandbox(SETTINGS) as sandbox:
        path = config(Path(tmp), sandbox.url, workers, queue)
        ingress_only = ["--no-workers"] if worker_processes else []
        serve = _actions("serve", "--port", "0", "--config", str(path), *ingress_only)
        workers = [_actions("worker", "--config", str(path)) for _ in range(worker_processes)]
        try:
            assert serve.stdout is not None
            base = serve.stdout.readline().split(" on ")[1].split()[0]
            for worker in workers:
                assert worker.stdout is not None
                worker.stdout.readline()  # started
            start = time.perf_counter()
            post_all(base, bodies, clients)
            accepted = time.perf_counter() - start
            deadline = start + _DEADLINE
            while sandbox.applied() < events and time.perf_counter() < deadline:
                time.sleep(0.01)
            elapsed = time.perf_counter() - start
            metrics = httpx.get(base + "metrics").text
            figures = {
                "events": events,
                "delivered": sandbox.applied(),
                "ingress_events_per_s": events / accepted,
                "end_to_end_events_per_s": events / elapsed,
                "seconds": elapsed,
                **(latency(metrics) if not worker_processes else {}),
                "serve_peak_mb": peak_rss_mb(serve.pid),
                "worker_peak_mb": [peak_rss_mb(worker.pid) for worker in workers],
                "cpu_us_per_event": {
                    "serve": cpu_seconds(serve.pid) / events * 1e6,
                    "workers": sum(cpu_seconds(w.pid) for w in workers) / events * 1e6,
                    "sandbox and client": (cpu_seconds(os.getpid()) - own_cpu) / events * 1e6,
                },
                "bench_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "total_balance": sum(sandbox.balances().values()),
            }
        finally:
            for process in (serve, *workers):
                process.terminate()
                process.wait(timeout=30)
    return figures


def _actions(*argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "framework.cli", *argv],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=8, help="delivery threads per process")
    parser.add_argument("--clients", type=int, default=2, help="concurrent ingress clients")
    parser.add_argument(
        "--worker-processes",
        type=int,
        default=2,
        help="0: workers inside `actions serve`; N: `serve --no-workers` and N `actions worker`",
    )
    args = parser.parse_args()
    where = f"{args.worker_processes} worker processes" if args.worker_processes else "one process"
    print(f"{os.cpu_count()} cores; {args.events} events, batches of {BATCH}, ", end="")
    print(f"{args.workers} delivery threads per process, {args.clients} clients, {where}")
    figures = run(args.events, args.workers, args.clients, args.worker_processes)
    print(
        f"delivered          {figures['delivered']} of {figures['events']} "
        f"(total balance {figures['total_balance']:g})"
    )
    print(f"ingress            {figures['ingress_events_per_s']:8.0f} events/s (durable 200s)")
    print(
        f"end to end         {figures['end_to_end_events_per_s']:8.0f} events/s "
        f"({figures['seconds']:.1f} s)"
    )
    if "p50" in figures:  # the histogram of the workers in `actions serve`
        print(f"latency            p50 <= {figures['p50']:g} s, p99 <= {figures['p99']:g} s")
    shares = ", ".join(f"{name} {us:.0f}" for name, us in figures["cpu_us_per_event"].items())
    print(f"CPU µs per event   {shares} (including start-up)")
    workers = "".join(f", worker {mb:.0f} MB" for mb in figures["worker_peak_mb"])
    print(
        f"peak memory        serve {figures['serve_peak_mb']:.0f} MB{workers}, "
        f"sandbox and client {figures['bench_peak_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
