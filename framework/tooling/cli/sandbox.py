"""``actions sandbox``: a destination's local API emulator (:mod:`framework.runtime.sandbox`)."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from framework.authoring.registry import discover
from framework.authoring.sandbox_hook import (
    FAULT_KINDS,
    NO_LATENCY,
    Faults,
    Latency,
    SandboxServer,
)
from framework.tooling.cli.common import EXIT_OK, UsageError, read_json

if TYPE_CHECKING:
    from framework.authoring.definition import Destination

DEFAULT_PORT = 8787
_LATENCY = re.compile(r"\s*(?P<seconds>[^,\s][^,]*?)\s*(?:,\s*jitter\s+(?P<jitter>\S.*?))?\s*")
_LATENCY_FORM = "write DURATION or DURATION,jitter DURATION, e.g. 50ms or 50ms,jitter 20ms"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``sandbox``."""
    sandbox = commands.add_parser(
        "sandbox", help="serve a local emulator of a destination's API (with optional faults)"
    )
    sandbox.add_argument("destination", help="destination slug (see `actions list`)")
    sandbox.add_argument(
        "--settings", type=Path, required=True, help="JSON settings file (what the API knows)"
    )
    sandbox.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (127.0.0.1: this machine only)"
    )
    sandbox.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT}; 0: any free one)"
    )
    sandbox.add_argument(
        "--fault-rate", type=float, default=0.0, help="share of API requests given a fault (0)"
    )
    sandbox.add_argument(
        "--fault-kinds",
        default=",".join(Faults().kinds),
        help=f"comma-separated, among {','.join(FAULT_KINDS)} (all but applied_slow)",
    )
    sandbox.add_argument(
        "--latency",
        metavar="DURATION[,jitter DURATION]",
        help="answer each API request (not the /sandbox/ ones) that late, after handling it, "
        "like a real API's processing time: 50ms, or 50ms,jitter 20ms for a uniform random "
        "50 +/- 20 ms (never below 0); durations as 250ms, 2s or seconds (default: none)",
    )
    sandbox.add_argument("--seed", type=int, help="repeatable faults and jitter (default: random)")
    sandbox.add_argument(
        "--slow-seconds", type=float, default=Faults().slow_seconds, help="a slow fault's delay"
    )
    sandbox.add_argument(
        "--retry-after",
        type=float,
        default=Faults().retry_after,
        help="seconds a 429 fault asks to wait",
    )
    sandbox.set_defaults(handler=_sandbox)


def _sandbox(args: argparse.Namespace) -> int:
    # The runtime's servers load with the command that serves, not with the parser.
    from framework.core.guard import is_loopback  # noqa: PLC0415
    from framework.runtime.sandbox import Sandbox, sandbox_factory  # noqa: PLC0415
    from framework.runtime.web import StopSignals  # noqa: PLC0415

    destination = discover().destinations.get(args.destination)
    if destination is None:
        raise UsageError(f"unknown destination {args.destination!r} (see `actions list`)")
    factory = sandbox_factory(destination)
    if factory is None:
        raise UsageError(f"destination {args.destination!r} has no sandbox")
    latency = _latency(args.latency, args.seed)
    sandbox = factory(read_json(args.settings, "settings"), _faults(args))
    sandbox.latency = latency  # any sandbox: the factory's signature is (settings, faults)
    try:
        sandbox.start(args.host, args.port)
    except OSError as error:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {_reason(error)}") from None
    if not is_loopback(args.host):
        print(
            f"warning: {args.host} is not a loopback address: whoever reaches it can use it",
            file=sys.stderr,
        )
    _log_requests()
    try:
        with StopSignals() as signals:  # from the first line printed on: a clean stop
            notes = sandbox.notes() if isinstance(sandbox, Sandbox) else []
            _announce(destination, sandbox, args.settings, notes)
            signals.wait()
    finally:
        sandbox.stop()  # answers the requests under way, then closes every connection
    return EXIT_OK


def _log_requests() -> None:
    """One line per request on stderr, made cheap: the records collect no caller, thread or
    process (the switches of the logging HOWTO's "Optimization" section)."""
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)


def _reason(error: OSError) -> str:
    """Why an address cannot be bound, in a few words (e.g. ``Address already in use``)."""
    if error.errno is not None and error.errno > 0:
        return os.strerror(error.errno)
    return error.strerror or str(error)  # a host name that does not resolve


def _announce(
    destination: Destination, sandbox: SandboxServer, settings: Path, notes: list[tuple[str, str]]
) -> None:
    """Where it serves, its faults and latency, what it adds (``notes``: e.g. its OAuth
    endpoints) and how to use it (the URL first)."""
    url, slug = sandbox.url, destination.slug
    print(f"{destination.name} sandbox on {url} (Ctrl-C to stop)")
    print(f"  faults:   {_describe(sandbox.faults)}")
    print(f"  latency:  {_describe_latency(sandbox.latency)}")
    print(f"  balances: GET {url}/sandbox/balances")
    for label, text in notes:
        print(f"  {label + ':':<10}{text}")
    print(
        f"  send:     actions send {slug} --settings {settings} --endpoint {url} EVENTS", flush=True
    )


def _faults(args: argparse.Namespace) -> Faults:
    kinds = tuple(kind.strip() for kind in args.fault_kinds.split(",") if kind.strip())
    try:
        return Faults(args.fault_rate, kinds, args.seed, args.slow_seconds, args.retry_after)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _latency(text: str | None, seed: int | None) -> Latency:
    """``--latency``: ``DURATION`` or ``DURATION,jitter DURATION``."""
    if text is None:
        return NO_LATENCY
    from framework.runtime.delivery.durations import parse_duration  # noqa: PLC0415

    found = _LATENCY.fullmatch(text)
    if found is None:
        raise UsageError(f"--latency {text!r}: {_LATENCY_FORM}")
    try:
        return Latency(parse_duration(found["seconds"]), parse_duration(found["jitter"] or 0), seed)
    except ValueError as error:
        raise UsageError(f"--latency {text!r}: {error}") from None


def _describe_latency(latency: Latency) -> str:
    """The latency in one line, e.g. ``50ms +/- 20ms (seed 5) per API answer, ...``."""
    if not latency.seconds and not latency.jitter:
        return "none"
    described = f"{latency.seconds * 1000:g}ms"
    if latency.jitter:
        seed = "random" if latency.seed is None else latency.seed
        described += f" +/- {latency.jitter * 1000:g}ms (seed {seed})"
    return f"{described} per API answer, after handling it"


def _describe(faults: Faults) -> str:
    """The faults in one line, e.g. ``30% of API requests: 429, drop (seed 5, ...)``."""
    if faults.rate == 0:
        return "none"
    seed = "random" if faults.seed is None else faults.seed
    return (
        f"{faults.rate:.0%} of API requests: {', '.join(faults.kinds)} (seed {seed}, "
        f"slow {faults.slow_seconds:g}s, Retry-After {faults.retry_after:g}s)"
    )
