"""Commands for people writing mappings and subscriptions: ``map`` and ``match``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from framework.core.errors import MappingResolutionError
from framework.tooling.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    BadLine,
    message_id,
    read_events,
    read_json,
    write_line,
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``map`` and ``match``."""
    mapping = commands.add_parser("map", help="resolve a mapping against each event")
    mapping.add_argument("mapping_file", type=Path, help="JSON file holding one mapping")
    mapping.add_argument("events", help="NDJSON file of events, or - for standard input")
    mapping.set_defaults(handler=_map)

    match = commands.add_parser("match", help="does an FQL subscription select each event?")
    match.add_argument("fql", help="the subscription, e.g. 'type = \"track\"'")
    match.add_argument("events", help="NDJSON file of events, or - for standard input")
    match.set_defaults(handler=_match)


def _map(args: argparse.Namespace) -> int:
    # The languages load with their commands, not with the parser.
    from framework.languages.mapping import MISSING, compile_mapping, validate_mapping  # noqa: PLC0415

    document = read_json(args.mapping_file, "mapping")
    problems = validate_mapping(document)
    if problems:
        print(f"actions: {args.mapping_file}: invalid mapping", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_USAGE
    resolve = compile_mapping(document)
    failed = False
    for event in read_events(args.events):
        if isinstance(event, BadLine):
            failed = True
            write_line(_bad_line(event))
            continue
        try:
            output = resolve(event)
        except MappingResolutionError as error:
            failed = True
            write_line(_error(message_id(event), error.code, error.message))
        else:
            shown = None if output is MISSING else output
            write_line({"message_id": message_id(event), "output": shown})
    return EXIT_FAILED if failed else EXIT_OK


def _match(args: argparse.Namespace) -> int:
    from framework.languages.fql import compile_subscription  # noqa: PLC0415 (see _map)

    subscription = compile_subscription(args.fql)
    failed = False
    for event in read_events(args.events):
        if isinstance(event, BadLine):
            failed = True
            write_line(_bad_line(event))
        else:
            write_line({"message_id": message_id(event), "match": subscription.matches(event)})
    return EXIT_FAILED if failed else EXIT_OK


def _bad_line(line: BadLine) -> dict[str, Any]:
    return _error(None, "INVALID_EVENT", line.message())


def _error(message_id: str | None, code: str, message: str) -> dict[str, Any]:
    return {"message_id": message_id, "error": {"code": code, "message": message}}
