"""The ``actions`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from framework.core.errors import ActionsError
from framework.core.json_text import JsonTextError
from framework.tooling.cli import (
    authoring,
    control,
    destinations,
    languages,
    runtime,
    sandbox,
    serve,
)
from framework.tooling.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``actions`` console script."""
    args = _parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (UsageError, ActionsError) as error:
        print(f"actions: {error}", file=sys.stderr)
        return EXIT_USAGE
    except JsonTextError as error:  # output that JSON cannot hold
        print(f"actions: RESULT_NOT_JSON: the output cannot be written: {error}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:  # e.g. piped into `head`
        return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="actions", description="Segment Actions-style destinations: send, test, inspect."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    destinations.register(commands)
    languages.register(commands)
    authoring.register(commands)
    serve.register(commands)
    sandbox.register(commands)
    runtime.register(commands)
    control.register(commands)
    return parser
