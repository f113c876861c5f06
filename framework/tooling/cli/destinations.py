"""Commands about destinations: ``list``, ``send``, ``test-auth``, ``choices`` and
``schemas``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from framework.authoring.registry import Registry, discover
from framework.core.endpoint import ENDPOINT_VARIABLES
from framework.core.errors import ActionsError
from framework.core.json_text import dump_json
from framework.tooling.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    BadLine,
    UsageError,
    check_or_write,
    endpoint_option,
    operator_config,
    read_events,
    read_json,
    write_line,
)
from framework.tooling.cli.progress import progress_for

if TYPE_CHECKING:
    from framework.authoring.definition import Destination
    from framework.engine.execute import DestinationRunner
    from framework.engine.operator import OperatorConfig
    from framework.engine.results import ErrorInfo, Result

OFF_BY_DEFAULT = "(off by default: enable with a mapping for its action)"
MAX_GROUP = 1_000  # events read and sent together, at most, for an action sending batches


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``list``, ``send``, ``test-auth``, ``choices`` and ``schemas``."""
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

    choices = commands.add_parser(
        "choices", help="list a field's choices from the destination's API, as JSON"
    )
    _destination_arguments(choices)
    choices.add_argument("field", help='a setting, or "<action slug>.<field>"')
    choices.set_defaults(handler=_choices)

    schemas = commands.add_parser("schemas", help="write the JSON Schema files")
    schemas.add_argument("--dir", type=Path, default=Path("schemas"), help="folder (schemas)")
    schemas.add_argument("--check", action="store_true", help="fail if the files are stale")
    schemas.set_defaults(handler=_schemas)


def _destination_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("destination", help="destination slug (see `actions list`)")
    parser.add_argument("--settings", type=Path, required=True, help="JSON settings file")
    parser.add_argument(
        "--endpoint",
        type=endpoint_option,
        help="replace the destination's base URL: an http(s) URL (operator setting); also "
        + ENDPOINT_VARIABLES,
    )
    parser.add_argument("--timeout", type=float, help="seconds per request (10)")


def _list(args: argparse.Namespace) -> int:
    registry = discover()
    entries = [_describe(d, registry.origins[slug]) for slug, d in registry.destinations.items()]
    if args.json:
        print(dump_json({"destinations": entries, "broken": registry.broken}, indent=2))
    else:
        for entry in entries:
            print(f"{entry['slug']}  {entry['name']}  ({entry['origin']})")
            for slug, title in entry["actions"].items():
                print(f"    action  {slug}: {title}")
            for preset in entry["presets"]:
                when = preset["subscription"]
                off = "" if preset["enabled"] else f" {OFF_BY_DEFAULT}"
                print(f"    preset  {preset['name']}: {preset['action']} when {when}{off}")
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
            {
                "name": p.name,
                "action": p.action,
                "subscription": p.subscription,
                "enabled": p.enabled,
            }
            for p in destination.presets
        ],
    }


def _destination(registry: Registry, slug: str) -> Destination:
    destination = registry.destinations.get(slug)
    if destination is None:
        known = ", ".join(sorted(registry.destinations)) or "none"
        raise UsageError(f"unknown destination {slug!r} (known: {known})")
    return destination


def _runner(
    args: argparse.Namespace, destination: Destination, **options: Any
) -> DestinationRunner:
    from framework.engine.execute import DestinationRunner  # noqa: PLC0415 (the engine: sending)

    settings = read_json(args.settings, "settings")
    return DestinationRunner.configured(
        destination, settings, _operator(args, destination), **options
    )


def _operator(args: argparse.Namespace, destination: Destination) -> OperatorConfig:
    """The operator's configuration for ``destination``: ``--endpoint`` over the
    environment's, ``--timeout``."""
    slug = destination.slug
    given = {slug: args.endpoint} if args.endpoint else {}
    return operator_config([slug], endpoints=given, timeout=args.timeout)


def _send(args: argparse.Namespace) -> int:
    from framework.engine.execute import presets_as_subscriptions  # noqa: PLC0415 (see _runner)
    from framework.engine.http import RetryPolicy  # noqa: PLC0415

    if args.max_attempts < 1:
        raise UsageError("--max-attempts must be at least 1")
    destination = _destination(discover(), args.destination)
    overrides = _read_mapping(args.mapping, destination) if args.mapping else {}
    report = _Report(as_json=args.json)
    with _runner(
        args,
        destination,
        subscriptions=presets_as_subscriptions(destination, overrides),
        dry_run=args.dry_run,
        retry=RetryPolicy(max_attempts=args.max_attempts),
    ) as runner:
        progress = progress_for(args.events, sys.stderr)
        size = min(runner.max_batch_size or 1, MAX_GROUP)
        for group in _groups(read_events(args.events), size):
            if isinstance(group, BadLine):
                results, count = [runner.invalid_event(None, group.message())], 1
            else:
                results, count = runner.process_batch(group), len(group)
            if progress is not None and sys.stdout.isatty():
                progress.clear()  # the results go to the same terminal
            for result in results:
                report.add(result)
            if progress is not None:
                progress.advance(count)
        if progress is not None:
            progress.finish()
    report.close()
    return EXIT_FAILED if report.counts.get("failed") else EXIT_OK


def _groups(
    lines: Iterable[dict[str, Any] | BadLine], size: int
) -> Iterator[list[dict[str, Any]] | BadLine]:
    """The events read, in order, as groups of at most ``size`` consecutive events (one
    ``process_batch`` call each, so an action with ``perform_batch`` sends them in
    chunks), and each line that is no event in its place, ending the group before it."""
    group: list[dict[str, Any]] = []
    for line in lines:
        if isinstance(line, BadLine):
            if group:
                yield group
                group = []
            yield line
            continue
        group.append(line)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group


def _test_auth(args: argparse.Namespace) -> int:
    with _runner(args, _destination(discover(), args.destination)) as runner:
        outcome = runner.test_authentication()
    status = f" (HTTP {outcome.status})" if outcome.status else ""
    if outcome.ok:
        print(f"ok: {outcome.message}{status}")
        return EXIT_OK
    print(f"failed: {outcome.code}: {outcome.message}{status}")
    return EXIT_FAILED


def _choices(args: argparse.Namespace) -> int:
    """One JSON list of ``{"value", "label"}``; an error is one line ``error: CODE: ...``."""
    from framework.engine.choices import list_choices  # noqa: PLC0415 (see _runner)

    destination = _destination(discover(), args.destination)
    settings = read_json(args.settings, "settings")
    operator = _operator(args, destination)
    try:
        choices = list_choices(destination, settings, args.field, operator=operator)
    except ActionsError as error:
        print(f"error: {error.code}: {error.message}", file=sys.stderr)
        return EXIT_FAILED
    write_line(choices)
    return EXIT_OK


def _schemas(args: argparse.Namespace) -> int:
    from framework.tooling.schema_files import stale_schemas, write_schemas  # noqa: PLC0415

    found = list(discover().destinations.values())
    return check_or_write(
        args.check,
        args.dir,
        lambda: stale_schemas(args.dir, found),
        lambda: write_schemas(args.dir, found),
        "actions schemas",
    )


def _read_mapping(path: Path, destination: Destination) -> dict[str, dict[str, Any]]:
    document = read_json(path, "mapping")
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


class _Report:
    """Results as JSON lines, or as a readable table with the request bodies and a summary.
    In the table, a batch request's body is shown once, under the first of its events."""

    def __init__(self, *, as_json: bool) -> None:
        self.as_json = as_json
        self.counts: dict[str, int] = {}
        self._shown: dict[str, Any] | None = None  # the last request whose body was shown

    def add(self, result: Result) -> None:
        self.counts[result.status] = self.counts.get(result.status, 0) + 1
        if self.as_json:
            write_line(result.to_json())
            return
        head = f"{result.message_id or '-':<24} {result.action or '-':<16} {result.status:<9}"
        if result.error is not None:
            print(f"{head} {_error_line(result.error)}")
        elif result.request is not None:
            print(f"{head} {result.request['method']} {result.request['url']}")
            if result.request is not self._shown:  # the events of a chunk share its request
                print(f"    {dump_json(result.request['json'])}")
                self._shown = result.request
        else:
            print(f"{head} {result.reason or 'skipped'}")
        sys.stdout.flush()

    def close(self) -> None:
        if not self.as_json:
            summary = ", ".join(f"{n} {status}" for status, n in sorted(self.counts.items()))
            print(f"{sum(self.counts.values())} results: {summary or 'none'}")


def _error_line(error: ErrorInfo) -> str:
    retry = " (retryable)" if error.retryable else ""
    return f"{error.code}{retry}: {error.message}"
