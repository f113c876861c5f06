"""Parsing untrusted JSON text strictly: UTF-8, no ``NaN``/``Infinity``, bounded nesting.

Every reader of user input (NDJSON files, the settings page's API, the Tracking API
ingress) uses :func:`parse_json`, so they refuse the same documents for the same reasons.
Messages say what is wrong, never what was sent.
"""

from __future__ import annotations

import json
from typing import Any


class JsonTextError(ValueError):
    """The text is not strict JSON. ``str()`` completes "the body is …" ("not valid JSON:
    …", "not UTF-8", "nested too deeply"); ``reason`` and ``column`` (1-based) for callers
    that word it themselves."""

    def __init__(
        self, reason: str, *, line: int | None = None, column: int | None = None, text: str = ""
    ) -> None:
        self.reason, self.line, self.column = reason, line, column
        where = f" at line {line} column {column}" if line is not None else ""
        super().__init__(text or f"not valid JSON: {reason}{where}")


def _reject_constant(name: str) -> None:
    raise JsonTextError(f"{name} is not valid JSON")


def parse_json(data: bytes | str) -> Any:
    """The JSON value in ``data``, or :class:`JsonTextError`."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(text, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise JsonTextError("the text is not UTF-8", text="not UTF-8") from None
    except json.JSONDecodeError as error:
        raise JsonTextError(error.msg, line=error.lineno, column=error.colno) from None
    except RecursionError:
        raise JsonTextError("it is nested too deeply", text="nested too deeply") from None
