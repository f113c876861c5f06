"""The delivery runtime's commands: ``worker`` (deliver what the queue holds) and ``dlq``
(list, show and replay dead letters); ``serve --config`` is in :mod:`framework.tooling.cli.serve`
and uses :func:`open_runtime`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from framework.authoring.registry import discover
from framework.core.json_text import dump_json
from framework.tooling.cli.common import EXIT_FAILED, EXIT_OK, UsageError, operator_config

if TYPE_CHECKING:
    from framework.authoring.definition import Destination
    from framework.engine.operator import OperatorConfig
    from framework.runtime.delivery.metrics_server import MetricsServer
    from framework.runtime.delivery.queue import DeadLetter, DeadLetterFilter, Queue
    from framework.runtime.delivery.runtime import Runtime

_MESSAGE_WIDTH = 60


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``worker`` and ``dlq``."""
    worker = commands.add_parser("worker", help="deliver queued events (no ingress)")
    worker.add_argument("--config", type=Path, required=True, help="runtime configuration (TOML)")
    worker.add_argument(
        "--concurrency", type=int, help="deliveries in flight at once (default: the config's)"
    )
    worker.add_argument(
        "--metrics-port", type=int, help="serve GET /metrics on this port (0: a free one)"
    )
    worker.add_argument(
        "--metrics-host", default="127.0.0.1", help="address for --metrics-port (127.0.0.1)"
    )
    worker.set_defaults(handler=_worker)

    dlq = commands.add_parser("dlq", help="dead letters: list, show, replay")
    actions = dlq.add_subparsers(required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="dead letters, oldest failure first")
    _queue_arguments(listing)
    _filter_arguments(listing)
    listing.add_argument("--json", action="store_true", help="one JSON line per dead letter")
    listing.set_defaults(handler=_list)
    show = actions.add_parser("show", help="one dead letter with its event, as JSON")
    _queue_arguments(show)
    show.add_argument("id", type=int, help="the dead letter's id (see `actions dlq list`)")
    show.set_defaults(handler=_show)
    replay = actions.add_parser("replay", help="queue dead letters again (attempts from 0)")
    _queue_arguments(replay)
    _filter_arguments(replay)
    replay.set_defaults(handler=_replay)


def _queue_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--config", type=Path, help="runtime configuration (its queue URL)")
    where.add_argument(
        "--queue", help="the queue's URL: sqlite:///actions-queue.db or redis://HOST:PORT/DB"
    )


def _filter_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", help="failed at or after T (ISO 8601, or a duration ago: 2h)")
    parser.add_argument("--until", help="failed before T (ISO 8601, or a duration ago)")
    parser.add_argument("--code", help="with this error code, e.g. INVALID_AUTHENTICATION")


def open_runtime(
    config_path: Path,
    destinations: Mapping[str, Destination],
    *,
    workers: bool,
    concurrency: int | None = None,
    operator: OperatorConfig | None = None,
    seed: bool = False,
) -> Runtime:
    """The runtime a configuration file describes, with the operator's configuration
    (endpoints for the destinations the file gives none, private targets; by default the
    environment's, read here) and its control plane (the stored connections, applied live;
    with ``seed``, the file's destinations are stored as read-only connections); logs
    become JSON lines on stderr."""
    # The runtime (its queues, servers and the engine) loads with the commands that run it.
    from framework.runtime.control.opened import open_control  # noqa: PLC0415
    from framework.runtime.delivery.config import load_config  # noqa: PLC0415
    from framework.runtime.delivery.logs import json_logging  # noqa: PLC0415
    from framework.runtime.delivery.runtime import Runtime  # noqa: PLC0415

    if operator is None:
        operator = operator_config(destinations)
    config = load_config(config_path)
    if concurrency is not None:
        if concurrency < 1:
            raise UsageError("--concurrency must be at least 1")
        config = replace(config, delivery=replace(config.delivery, concurrency=concurrency))
    control = open_control(config, config_path.parent, destinations, seed=seed)
    try:
        runtime = Runtime(config, destinations, operator=operator, workers=workers, control=control)
    except BaseException:
        control.close()
        raise
    json_logging()
    return runtime


def _worker(args: argparse.Namespace) -> int:
    from framework.runtime.delivery.logs import log  # noqa: PLC0415 (see open_runtime)
    from framework.runtime.web import StopSignals  # noqa: PLC0415

    registry = discover()
    runtime = open_runtime(
        args.config, registry.destinations, workers=True, concurrency=args.concurrency
    )
    metrics = None
    try:
        with StopSignals() as signals:  # a signal while starting up stops it too
            if args.metrics_port is not None:
                metrics = _metrics_server(args, runtime)
            runtime.start()
            log(logging.INFO, "workers started", concurrency=runtime.config.delivery.concurrency)
            print("Workers started (Ctrl-C to stop)", flush=True)
            if metrics is not None:
                print(f"Metrics on {metrics.url}", flush=True)
            log(logging.INFO, "stopping", signal=signals.wait())
    finally:  # outside the block: a second signal interrupts the shutdown
        runtime.close()  # deliveries under way finish; the rest are released at once
        if metrics is not None:
            metrics.stop()
    return EXIT_OK


def _metrics_server(args: argparse.Namespace, runtime: Runtime) -> MetricsServer:
    from framework.runtime.delivery.metrics_server import MetricsServer  # noqa: PLC0415

    metrics = MetricsServer(args.metrics_host, args.metrics_port, runtime.metrics_text)
    try:
        metrics.start()
    except OSError as error:  # the event loop words its strerror; the errno's is plainer
        reason = os.strerror(error.errno) if error.errno else str(error)
        where = f"{args.metrics_host}:{args.metrics_port}"
        raise UsageError(f"cannot listen on {where}: {reason}") from None
    return metrics


def _open(args: argparse.Namespace) -> Queue:
    from framework.runtime.delivery.backends import open_queue  # noqa: PLC0415 (sqlite3, redis)
    from framework.runtime.delivery.config import load_queue_url  # noqa: PLC0415

    url: str = args.queue if args.queue else load_queue_url(args.config)
    return open_queue(url)


def _filter(args: argparse.Namespace) -> DeadLetterFilter:
    from framework.runtime.delivery.durations import parse_time  # noqa: PLC0415
    from framework.runtime.delivery.queue import DeadLetterFilter  # noqa: PLC0415

    now = time.time()
    try:
        since = parse_time(args.since, now) if args.since else None
        until = parse_time(args.until, now) if args.until else None
    except ValueError as error:
        raise UsageError(str(error)) from None
    return DeadLetterFilter(since, until, args.code)


def _list(args: argparse.Namespace) -> int:
    from framework.runtime.delivery.durations import iso_time  # noqa: PLC0415

    queue = _open(args)
    try:
        letters = queue.dead_letters(_filter(args))
    finally:
        queue.close()
    for letter in letters:
        if args.json:
            print(dump_json(_summary(letter)))
        else:
            message = letter.message[:_MESSAGE_WIDTH]
            print(
                f"{letter.id:<6} {iso_time(letter.failed_at)}  {letter.source}  {letter.route}  "
                f"{letter.message_id}  {letter.code} ({letter.reason}, {letter.attempts} "
                f"attempts): {message}"
            )
    if not args.json:
        print(f"{len(letters)} dead letters")
    return EXIT_OK


def _summary(letter: DeadLetter) -> dict[str, object]:
    from framework.runtime.delivery.durations import iso_time  # noqa: PLC0415

    shown: dict[str, object] = asdict(letter)
    del shown["event"]
    shown["enqueued_at"] = iso_time(letter.enqueued_at)
    shown["failed_at"] = iso_time(letter.failed_at)
    return shown


def _show(args: argparse.Namespace) -> int:
    queue = _open(args)
    try:
        letter = queue.dead_letter(args.id)
    finally:
        queue.close()
    if letter is None:
        print(f"no dead letter {args.id}", file=sys.stderr)
        return EXIT_FAILED
    print(dump_json({**_summary(letter), "event": json.loads(letter.event)}, indent=2))
    return EXIT_OK


def _replay(args: argparse.Namespace) -> int:
    queue = _open(args)
    try:
        count = queue.replay(_filter(args), time.time())
    finally:
        queue.close()
    print(f"replayed {count} dead letters")
    return EXIT_OK
