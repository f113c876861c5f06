"""The ``actions`` command line: list destinations, send events, test authentication."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from framework.definition import Destination
from framework.errors import ActionsError
from framework.execute import DestinationRunner, presets_as_subscriptions
from framework.http import DEFAULT_TIMEOUT, RetryPolicy
from framework.registry import Registry, discover
from framework.results import ErrorInfo, Result
from framework.schema_files import stale_schemas, write_schemas

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad arguments, files or settings: reported on stderr with exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``actions`` console script."""
    args = _parser().parse_args(argv)
    try:
        return int(args.handler(args, discover()))
    except (UsageError, ActionsError) as error:
        print(f"actions: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. piped into `head`
        return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="actions", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="destinations with their actions and presets")
    listing.add_argument("--json", action="store_true", help="one JSON document")
    listing.set_defaults(handler=_list)

    send = commands.add_parser("send", help="send Segment events through a destination")
    _destination_arguments(send)
    send.add_argument("--mapping", type=Path, help="JSON file: action slug -> mapping")
    send.add_argument("--dry-run", action="store_true", help="build requests, do not send")
    send.add_argument("--json", action="store_true", help="one JSON line per result")
    send.add_argument("--max-attempts", type=int, default=3, help="tries per request (3)")
    send.add_argument("events", help="NDJSON file of events, or - for standard input")
    send.set_defaults(handler=_send)

    auth = commands.add_parser("test-auth", help="run the destination's authentication test")
    _destination_arguments(auth)
    auth.set_defaults(handler=_test_auth)

    schemas = commands.add_parser("schemas", help="write the JSON Schema files")
    schemas.add_argument("--dir", type=Path, default=Path("schemas"), help="folder (schemas)")
    schemas.add_argument("--check", action="store_true", help="fail if the files are stale")
    schemas.set_defaults(handler=_schemas)
    return parser


def _destination_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("destination", help="destination slug (see `actions list`)")
    parser.add_argument("--settings", type=Path, required=True, help="JSON settings file")
    parser.add_argument(
        "--endpoint",
        help="replace the destination's base URL (operator setting; also "
        "ACTIONS_ENDPOINT_<SLUG>, e.g. ACTIONS_ENDPOINT_PERKVILLE)",
    )
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per request (10)"
    )


def _list(args: argparse.Namespace, registry: Registry) -> int:
    entries = [_describe(d, registry.origins[slug]) for slug, d in registry.destinations.items()]
    if args.json:
        print(json.dumps({"destinations": entries, "broken": registry.broken}, indent=2))
    else:
        for entry in entries:
            print(f"{entry['slug']}  {entry['name']}  ({entry['origin']})")
            for slug, title in entry["actions"].items():
                print(f"    action  {slug}: {title}")
            for preset in entry["presets"]:
                when = preset["subscription"]
                print(f"    preset  {preset['name']}: {preset['action']} when {when}")
        for name, reason in registry.broken.items():
            print(f"broken  {name}: {reason}", file=sys.stderr)
    return EXIT_FAILED if registry.broken else EXIT_OK


def _describe(destination: Destination, origin: str) -> dict[str, Any]:
    return {
        "slug": destination.slug,
        "name": destination.name,
        "origin": origin,
        "actions": {slug: action.title for slug, action in destination.actions.items()},
        "presets": [
            {"name": p.name, "action": p.action, "subscription": p.subscription}
            for p in destination.presets
        ],
    }


def _runner(args: argparse.Namespace, registry: Registry, **options: Any) -> DestinationRunner:
    destination = registry.destinations.get(args.destination)
    if destination is None:
        known = ", ".join(sorted(registry.destinations)) or "none"
        raise UsageError(f"unknown destination {args.destination!r} (known: {known})")
    endpoint = args.endpoint or os.environ.get(f"ACTIONS_ENDPOINT_{destination.slug.upper()}")
    return DestinationRunner(
        destination,
        _read_json(args.settings, "settings"),
        base_url=endpoint,
        timeout=args.timeout,
        **options,
    )


def _send(args: argparse.Namespace, registry: Registry) -> int:
    if args.max_attempts < 1:
        raise UsageError("--max-attempts must be at least 1")
    destination = registry.destinations.get(args.destination)
    overrides = _read_mapping(args.mapping, destination) if args.mapping and destination else {}
    subscriptions = presets_as_subscriptions(destination, overrides) if destination else None
    with _runner(
        args,
        registry,
        subscriptions=subscriptions,
        dry_run=args.dry_run,
        retry=RetryPolicy(max_attempts=args.max_attempts),
    ) as runner:
        report = _JsonReport(sys.stdout) if args.json else _TableReport(sys.stdout)
        for line_number, event in _read_events(args.events):
            if isinstance(event, _BadLine):
                results = [runner.invalid_event(None, f"line {line_number}: {event.reason}")]
            else:
                results = runner.process(event)
            for result in results:
                report.add(result)
        report.close()
        return EXIT_FAILED if report.failed else EXIT_OK


def _test_auth(args: argparse.Namespace, registry: Registry) -> int:
    with _runner(args, registry) as runner:
        outcome = runner.test_authentication()
    status = f" (HTTP {outcome.status})" if outcome.status else ""
    if outcome.ok:
        print(f"ok: {outcome.message}{status}")
        return EXIT_OK
    print(f"failed: {outcome.code}: {outcome.message}{status}")
    return EXIT_FAILED


def _schemas(args: argparse.Namespace, registry: Registry) -> int:
    found = registry.destinations.values()
    if args.check:
        stale = stale_schemas(args.dir, found)
        for line in stale:
            print(f"stale: {line}", file=sys.stderr)
        if stale:
            print("run `actions schemas` to regenerate them", file=sys.stderr)
            return EXIT_FAILED
        print(f"schemas in {args.dir} are up to date")
        return EXIT_OK
    for path in write_schemas(args.dir, found):
        print(f"wrote {path}")
    return EXIT_OK


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"cannot read {what} file {str(path)!r}: {error.strerror}") from None
    except ValueError as error:
        raise UsageError(f"{what} file {str(path)!r} is not valid JSON: {error}") from None


def _read_mapping(path: Path, destination: Destination) -> dict[str, dict[str, Any]]:
    document = _read_json(path, "mapping")
    if not isinstance(document, dict):
        raise UsageError(f"mapping file {str(path)!r} must be an object: action slug -> mapping")
    for slug, mapping in document.items():
        if slug not in destination.actions:
            known = ", ".join(sorted(destination.actions))
            raise UsageError(
                f"mapping file {str(path)!r}: unknown action {slug!r} (known: {known})"
            )
        if not isinstance(mapping, dict):
            raise UsageError(
                f"mapping file {str(path)!r}: the mapping of {slug!r} must be an object"
            )
    return document


class _BadLine:
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _read_events(source: str) -> Iterator[tuple[int, object]]:
    """``(line number, event or _BadLine)`` for every non-blank NDJSON line."""
    try:
        stream: TextIO = sys.stdin if source == "-" else open(source, encoding="utf-8")  # noqa: SIM115
    except OSError as error:
        raise UsageError(f"cannot read events file {source!r}: {error.strerror}") from None
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                event = json.loads(line, parse_constant=_reject_constant)
            except json.JSONDecodeError as error:
                yield number, _BadLine(f"not valid JSON at column {error.pos + 1}: {error.msg}")
                continue
            except ValueError as error:
                yield number, _BadLine(f"not valid JSON: {error}")
                continue
            if isinstance(event, dict):
                yield number, event
            else:
                yield (
                    number,
                    _BadLine(f"an event must be a JSON object, not {type(event).__name__}"),
                )


class _JsonReport:
    def __init__(self, out: TextIO) -> None:
        self.out, self.failed = out, False

    def add(self, result: Result) -> None:
        self.failed |= result.status == "failed"
        self.out.write(json.dumps(result.to_json()) + "\n")
        self.out.flush()

    def close(self) -> None:
        """Nothing to add after the last line."""


class _TableReport:
    def __init__(self, out: TextIO) -> None:
        self.out, self.failed = out, False
        self.counts: dict[str, int] = {}

    def add(self, result: Result) -> None:
        self.failed |= result.status == "failed"
        self.counts[result.status] = self.counts.get(result.status, 0) + 1
        head = f"{result.message_id or '-':<24} {result.action or '-':<16} {result.status:<9}"
        if result.error is not None:
            self.out.write(f"{head} {_error_line(result.error)}\n")
        elif result.request is not None:
            request = result.request
            self.out.write(f"{head} {request['method']} {request['url']}\n")
            self.out.write(f"{'':<4}{json.dumps(request['json'])}\n")
        else:
            self.out.write(f"{head} no subscription matched\n")
        self.out.flush()

    def close(self) -> None:
        summary = ", ".join(f"{count} {status}" for status, count in sorted(self.counts.items()))
        self.out.write(f"{sum(self.counts.values())} results: {summary or 'none'}\n")


def _error_line(error: ErrorInfo) -> str:
    retry = " (retryable)" if error.retryable else ""
    return f"{error.code}{retry}: {error.message}"
