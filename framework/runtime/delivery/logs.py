"""Structured logs: one JSON object per line (``time``, ``level``, ``logger``, ``msg`` and
the record's ``fields``).

What the runtime logs is chosen to hold no secret: source and route names, messageIds,
error codes, attempt counts, and error messages that the runner has already redacted.
Write keys, settings and event bodies are never logged.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from framework.core.json_text import json_problem, located

logger = logging.getLogger("framework.runtime.delivery")
_QUIET = ("httpx", "httpcore")


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line; ``extra={"fields": {...}}`` adds fields."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            document.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            document["error_type"] = record.exc_info[0].__name__  # never the message
        try:
            return _json_line(document)
        except ValueError:  # NaN, Infinity or a lone surrogate: say where, write no bad line
            problem = json_problem(document)
            where = located(problem.reason, problem.pointer or "") if problem else "unknown"
            kept = {key: document[key] for key in ("time", "level", "logger", "msg")}
            return _json_line({**kept, "log_error": f"fields left out: {where}"})


def _json_line(document: Mapping[str, Any]) -> str:
    """One strict JSON line; ``ValueError`` for what JSON or UTF-8 cannot hold."""
    text = json.dumps(document, ensure_ascii=False, allow_nan=False, default=str)
    text.encode()  # a lone surrogate cannot be written to a UTF-8 stream
    return text


def log(level: int, msg: str, **fields: Any) -> None:
    """Log ``msg`` with structured ``fields`` on the runtime's logger."""
    if logger.isEnabledFor(level):
        logger.log(level, msg, extra={"fields": fields})


def json_logging(stream: TextIO = sys.stderr, level: int = logging.INFO) -> None:
    """Send every log record (the runtime's and the server's) to ``stream`` as JSON lines."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for chatty in _QUIET:  # a line per request, with full URLs: not ours to log
        logging.getLogger(chatty).setLevel(logging.WARNING)
