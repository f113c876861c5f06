"""``actions sandbox``: a destination's local API emulator (see :mod:`framework.sandbox`)."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path

from framework.cli.common import EXIT_OK, UsageError, read_json
from framework.registry import discover
from framework.sandbox import FAULT_KINDS, Faults, sandbox_factory
from framework.server import is_loopback

DEFAULT_PORT = 8787


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
    sandbox.add_argument("--seed", type=int, help="repeatable faults (default: random)")
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
    destination = discover().destinations.get(args.destination)
    if destination is None:
        raise UsageError(f"unknown destination {args.destination!r} (see `actions list`)")
    factory = sandbox_factory(destination)
    if factory is None:
        raise UsageError(f"destination {args.destination!r} has no sandbox")
    faults = _faults(args)
    sandbox = factory(read_json(args.settings, "settings"), faults)
    try:
        url = sandbox.start(args.host, args.port)
    except OSError as error:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {error.strerror}") from None
    if not is_loopback(args.host):
        print(
            f"warning: {args.host} is not a loopback address: whoever reaches it can use it",
            file=sys.stderr,
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    try:  # from the first line printed on, Ctrl-C is a clean stop
        _announce(destination.name, destination.slug, url, faults, args.settings)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return EXIT_OK


def _announce(name: str, slug: str, url: str, faults: Faults, settings: Path) -> None:
    """Where it serves, its faults, and how to use it (the URL on the first line)."""
    print(f"{name} sandbox on {url} (Ctrl-C to stop)")
    print(f"  faults:   {_describe(faults)}")
    print(f"  balances: GET {url}/sandbox/balances")
    print(
        f"  send:     actions send {slug} --settings {settings} --endpoint {url} EVENTS", flush=True
    )


def _faults(args: argparse.Namespace) -> Faults:
    kinds = tuple(kind.strip() for kind in args.fault_kinds.split(",") if kind.strip())
    try:
        return Faults(args.fault_rate, kinds, args.seed, args.slow_seconds, args.retry_after)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _describe(faults: Faults) -> str:
    """The faults in one line, e.g. ``30% of API requests: 429, drop (seed 5, ...)``."""
    if faults.rate == 0:
        return "none"
    seed = "random" if faults.seed is None else faults.seed
    return (
        f"{faults.rate:.0%} of API requests: {', '.join(faults.kinds)} (seed {seed}, "
        f"slow {faults.slow_seconds:g}s, Retry-After {faults.retry_after:g}s)"
    )
