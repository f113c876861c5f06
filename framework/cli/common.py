"""What every command shares: exit statuses, usage errors, reading JSON and NDJSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from framework.json_text import JsonTextError, parse_json

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad arguments, files or settings: reported on stderr with exit status 2."""


def check_or_write(
    check: bool,
    folder: Path,
    stale: Callable[[], list[str]],
    write: Callable[[], list[Path]],
    command: str,
) -> int:
    """``--check``: name each stale file and fail; otherwise write the files and list them."""
    if not check:
        for path in write():
            print(f"wrote {path}")
        return EXIT_OK
    problems = stale()
    for line in problems:
        print(f"stale: {line}", file=sys.stderr)
    if problems:
        print(f"run `{command}` to regenerate them", file=sys.stderr)
        return EXIT_FAILED
    print(f"{folder} is up to date")
    return EXIT_OK


def read_json(path: Path, what: str) -> Any:
    """The JSON document in ``path``; a missing or invalid file is a :class:`UsageError`."""
    try:
        return parse_json(path.read_bytes())
    except OSError as error:
        raise UsageError(f"cannot read {what} file {str(path)!r}: {error.strerror}") from None
    except JsonTextError as error:
        raise UsageError(f"{what} file {str(path)!r} is {error}") from None


@dataclass(frozen=True)
class BadLine:
    """An NDJSON line that is not a JSON object, and why."""

    line: int
    reason: str

    def message(self) -> str:
        """The reason, naming the line."""
        return f"line {self.line}: {self.reason}"


def read_events(source: str) -> Iterator[dict[str, Any] | BadLine]:
    """Each non-blank NDJSON line of a file (or ``-``, standard input): an event or a BadLine."""
    try:
        stream: TextIO = sys.stdin if source == "-" else open(source, encoding="utf-8")  # noqa: SIM115
    except OSError as error:
        raise UsageError(f"cannot read events file {source!r}: {error.strerror}") from None
    with stream:
        for number, line in enumerate(stream, start=1):
            if line.strip():
                yield _parse_event(number, line)


def _parse_event(number: int, line: str) -> dict[str, Any] | BadLine:
    try:
        event = parse_json(line)
    except JsonTextError as error:
        where = f" at column {error.column}" if error.column is not None else ""
        return BadLine(number, f"not valid JSON{where}: {error.reason}")
    if not isinstance(event, dict):
        return BadLine(number, f"an event must be a JSON object, not {type(event).__name__}")
    return event


def message_id(event: dict[str, Any]) -> str | None:
    """The event's ``messageId`` when it is a string."""
    value = event.get("messageId")
    return value if isinstance(value, str) else None


def write_line(document: Any) -> None:
    """One JSON line on standard output, flushed (for pipelines)."""
    sys.stdout.write(json.dumps(document) + "\n")
    sys.stdout.flush()
