"""What every command shares: exit statuses, usage errors, reading JSON and NDJSON.

NDJSON is read as bytes, line by line, each line judged on its own (:func:`read_events`):
a line that is not a strict JSON object (:func:`~framework.core.json_text.parse_json`) is a
:class:`BadLine` and the next line is read all the same. A line may hold
:data:`MAX_LINE` bytes; a longer one is a BadLine, skipped up to its end. Once more than
:data:`MAX_SKIPPED` bytes of such lines were skipped (``/dev/zero`` has no line end),
reading stops with a last BadLine saying so, so memory and time stay bounded.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from framework.core.errors import ActionsError
from framework.core.json_text import JsonTextError, dump_json, parse_json

if TYPE_CHECKING:
    from framework.engine.operator import OperatorConfig

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
MAX_LINE = 1 << 20  # bytes in one NDJSON line (1 MiB), its line end not counted
MAX_SKIPPED = 64 << 20  # bytes of over-long lines skipped before reading stops (64 MiB)
_CHUNK = 1 << 16  # bytes read at a time while skipping


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
    """The strict JSON document in ``path``; a missing file is a :class:`UsageError`, an
    invalid one a ``MALFORMED_JSON`` error naming where the problem is."""
    try:
        return parse_json(path.read_bytes())
    except OSError as error:
        raise UsageError(f"cannot read {what} file {str(path)!r}: {error.strerror}") from None
    except JsonTextError as error:
        message = f"{what} file {str(path)!r} is {error}"
        raise ActionsError(message, code="MALFORMED_JSON") from None


def endpoint_option(url: str) -> str:
    """The type of an ``--endpoint URL`` option: a usage error unless ``url`` can be an
    endpoint (:mod:`framework.core.endpoint`)."""
    from framework.core.endpoint import endpoint_problem  # noqa: PLC0415 (with the option)

    problem = endpoint_problem(url)
    if problem is not None:
        raise argparse.ArgumentTypeError(f"the endpoint {problem}")
    return url


def operator_config(
    slugs: Iterable[str],
    *,
    endpoints: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> OperatorConfig:
    """The operator configuration of a command, where the environment is read (the only
    place commands read it for this): ``ACTIONS_ENDPOINT_<SLUG>`` of each of ``slugs``,
    overridden by ``endpoints`` (from options), and ``ACTIONS_ALLOW_PRIVATE_TARGETS``;
    ``timeout`` (``None``: the engine's default). A :class:`UsageError` naming the variable
    or option (never its value) when invalid."""
    # The engine (httpx, asyncio) loads with the commands that send, not with the parser.
    from framework.engine.http import DEFAULT_TIMEOUT  # noqa: PLC0415
    from framework.engine.operator import OperatorConfig, OperatorConfigError  # noqa: PLC0415

    seconds = DEFAULT_TIMEOUT if timeout is None else timeout
    try:
        return OperatorConfig.from_environment(slugs, endpoints=endpoints, timeout=seconds)
    except OperatorConfigError as error:
        raise UsageError(error.message) from None


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
        stream: BinaryIO = sys.stdin.buffer if source == "-" else open(source, "rb")  # noqa: SIM115
    except OSError as error:
        raise UsageError(f"cannot read events file {source!r}: {error.strerror}") from None
    with stream:
        for line in ndjson_lines(stream):
            yield line if isinstance(line, BadLine) else _parse_event(*line)


def ndjson_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes] | BadLine]:
    """Each non-blank line of ``stream`` with its number (from 1), or a BadLine for one
    longer than :data:`MAX_LINE`; the last, when reading stops (see the module)."""
    number = skipped = 0
    while line := stream.readline(MAX_LINE + 1):
        number += 1
        if len(line) <= MAX_LINE or line.endswith(b"\n"):
            if line.strip():
                yield number, line
            continue
        skipped += len(line) + _skip_line(stream, MAX_SKIPPED - skipped - len(line))
        if skipped > MAX_SKIPPED:
            yield BadLine(
                number,
                f"is longer than {MAX_LINE} bytes; reading stopped after skipping "
                f"{MAX_SKIPPED} bytes of over-long lines",
            )
            return
        yield BadLine(number, f"is longer than {MAX_LINE} bytes")


def _skip_line(stream: BinaryIO, allowance: int) -> int:
    """Read past the end of the current line: the bytes read, or more than ``allowance``
    (reading stops there) when the line does not end within that many."""
    size = 0
    while size <= allowance:
        chunk = stream.readline(_CHUNK)
        size += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            break
    return size


def _parse_event(number: int, line: bytes) -> dict[str, Any] | BadLine:
    try:
        event = parse_json(line)
    except JsonTextError as error:
        if error.column is None:  # not UTF-8, or a value strict JSON refuses (at a pointer)
            return BadLine(number, str(error))
        return BadLine(number, f"not valid JSON at column {error.column}: {error.reason}")
    if not isinstance(event, dict):
        return BadLine(number, f"an event must be a JSON object, not {type(event).__name__}")
    return event


def message_id(event: dict[str, Any]) -> str | None:
    """The event's ``messageId`` when it is a string."""
    value = event.get("messageId")
    return value if isinstance(value, str) else None


def write_line(document: Any) -> None:
    """One JSON line on standard output, flushed (for pipelines)."""
    sys.stdout.write(dump_json(document) + "\n")
    sys.stdout.flush()
