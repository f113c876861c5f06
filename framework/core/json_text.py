"""Reading untrusted JSON strictly and writing JSON that every parser accepts.

Every reader of user input (NDJSON files and standard input, the settings page's API, the
Tracking API ingress, mapping and settings files) uses :func:`parse_json`, so they refuse
the same documents for the same reasons: text that is not UTF-8, malformed JSON, a string
holding a lone UTF-16 surrogate (``"\\udce9"``), an integer of more than
:data:`MAX_INTEGER_DIGITS` digits, a number that is not a finite double (``1e400``,
``NaN``, ``Infinity``), or nesting deeper than :data:`MAX_DEPTH`. Messages say what is wrong
and where (a JSON pointer), never what was sent.

A reader that judges the items of a document one by one (the ingress, for the events of a
batch) uses :func:`parse_document`: only what makes the whole text unreadable is raised
there, and :meth:`Document.problem` then names what is wrong with one item.

Every JSON the project writes goes through :func:`dump_json`: never ``NaN``/``Infinity``,
never a lone surrogate.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 64  # arrays and objects inside one another
MAX_INTEGER_DIGITS = 4300  # Python's own limit for converting text to an integer
_TOO_BIG = 10**MAX_INTEGER_DIGITS  # the least integer of more digits
# What the text must hold for an item-level problem to be possible (cheap to search).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SHOWN_POINTER = 120  # characters of a pointer named in a message


class JsonTextError(ValueError):
    """The text is not strict JSON. ``str()`` completes "the body is …" ("not valid JSON:
    …", "not UTF-8", "nested too deeply"); ``reason``, ``line`` and ``column`` (1-based) of
    a syntax error or the JSON ``pointer`` of a problem value, for callers that word it
    themselves."""

    def __init__(
        self,
        reason: str,
        *,
        line: int | None = None,
        column: int | None = None,
        pointer: str | None = None,
        text: str = "",
    ) -> None:
        self.reason, self.line, self.column, self.pointer = reason, line, column, pointer
        where = f" at line {line} column {column}" if line is not None else ""
        super().__init__(text or f"not valid JSON: {reason}{where}")


@dataclass(frozen=True)
class _Unreadable:
    """Stands in, while parsing, for a number that has no faithful Python value."""

    reason: str


_NOT_FINITE = _Unreadable("a number is not a finite double (NaN, Infinity or out of range)")
_TOO_LONG = _Unreadable(f"an integer has more than {MAX_INTEGER_DIGITS} digits")


# Counts the stand-ins made, in any thread: a parse that made none holds none.
_stand_ins = itertools.count()


def _integer(text: str) -> int | _Unreadable:
    if len(text) <= MAX_INTEGER_DIGITS:
        return int(text)
    next(_stand_ins)
    return _TOO_LONG if len(text.lstrip("-")) > MAX_INTEGER_DIGITS else int(text)


def _number(text: str) -> float | _Unreadable:
    value = float(text)
    if math.isfinite(value):
        return value
    next(_stand_ins)
    return _NOT_FINITE


def _constant(name: str) -> _Unreadable:
    next(_stand_ins)
    return _NOT_FINITE


_CAREFUL = json.JSONDecoder(parse_int=_integer, parse_float=_number, parse_constant=_constant)


@dataclass(frozen=True)
class Document:
    """A parsed JSON text: its ``value``; ``suspect`` when a part of it may hold a lone
    surrogate or an unreadable number, ``nested`` when one may be nested too deeply."""

    value: Any
    suspect: bool
    nested: bool

    def problem(self, item: Any, pointer: str = "") -> JsonTextError | None:
        """What is wrong with ``item`` (a part of :attr:`value`), or ``None``."""
        container = type(item) is dict or type(item) is list
        if self.suspect or (self.nested and container and _deeper_than(item, MAX_DEPTH)):
            return json_problem(item, pointer)
        return None


def _deeper_than(value: Any, levels: int) -> bool:
    """Whether ``value`` (a parsed array or object) holds arrays and objects more than
    ``levels`` deep; the recursion is bounded by the parser's own."""
    members = value.values() if type(value) is dict else value
    if levels == 0:
        return True
    for member in members:
        kind = type(member)
        if (kind is dict or kind is list) and _deeper_than(member, levels - 1):
            return True
    return False


def parse_document(data: bytes | str) -> Document:
    """The JSON text in ``data``, raising :class:`JsonTextError` only when the text as a
    whole cannot be read; problems inside it are left to :meth:`Document.problem`."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    try:
        text = data if isinstance(data, str) else raw.decode("utf-8")
    except UnicodeDecodeError:
        raise JsonTextError("the text is not UTF-8", text="not UTF-8") from None
    before = next(_stand_ins)
    try:
        value = _CAREFUL.decode(text)
    except json.JSONDecodeError as error:
        raise JsonTextError(error.msg, line=error.lineno, column=error.colno) from None
    except RecursionError:
        raise JsonTextError("it is nested too deeply", text="nested too deeply") from None
    suspect = (
        next(_stand_ins) != before + 1
        or _SURROGATE_ESCAPE.search(raw) is not None
        or (isinstance(data, str) and not _is_unicode(data))
    )
    return Document(value, suspect, raw.count(b"{") + raw.count(b"[") > MAX_DEPTH)


def parse_json(data: bytes | str) -> Any:
    """The JSON value in ``data``, or :class:`JsonTextError` for any problem in it."""
    document = parse_document(data)
    problem = document.problem(document.value)
    if problem is not None:
        raise problem
    return document.value


def json_problem(
    item: Any, pointer: str = "", *, max_depth: int = MAX_DEPTH
) -> JsonTextError | None:
    """The first thing in ``item`` (Python data, at JSON ``pointer``) that strict JSON
    cannot hold, or ``None``: a lone surrogate, a number that is not a finite double, an
    integer of more than :data:`MAX_INTEGER_DIGITS` digits, or objects and arrays (any
    mapping, list or tuple) nested more than ``max_depth`` deep. Walks without recursion."""
    pending: list[tuple[Any, str, int]] = [(item, pointer, 0)]
    while pending:
        value, at, depth = pending.pop()
        if isinstance(value, str):
            if not _is_unicode(value):
                return _at(at, "a string holds a lone UTF-16 surrogate")
        elif isinstance(value, _Unreadable):
            return _at(at, value.reason)
        elif isinstance(value, float):
            if not math.isfinite(value):
                return _at(at, _NOT_FINITE.reason)
        elif isinstance(value, int):
            if not -_TOO_BIG < value < _TOO_BIG:
                return _at(at, _TOO_LONG.reason)
        elif isinstance(value, Mapping | list | tuple):
            if depth >= max_depth:
                return _at(at, f"it is nested more than {max_depth} deep")
            pairs = value.items() if isinstance(value, Mapping) else enumerate(value)
            for key, member in pairs:
                if isinstance(key, str) and not _is_unicode(key):  # named by its object
                    return _at(at, "a key holds a lone UTF-16 surrogate")
                pending.append((member, f"{at}/{_escape(str(key))}", depth + 1))
    return None


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _at(pointer: str, reason: str) -> JsonTextError:
    return JsonTextError(
        reason, pointer=pointer, text=f"not valid JSON: {located(reason, pointer)}"
    )


def located(reason: str, pointer: str) -> str:
    """``reason``, then "at" ``pointer`` (shortened when long) unless it is the root."""
    shown = pointer if len(pointer) <= _SHOWN_POINTER else pointer[: _SHOWN_POINTER - 1] + "…"
    return f"{reason} at {shown}" if pointer else reason


def dump_json(value: Any, *, indent: int | None = None, compact: bool = False) -> str:
    """``value`` as JSON text (non-ASCII kept as is); :class:`JsonTextError` naming the
    place of a non-finite number or a lone surrogate instead of writing either."""
    separators = (",", ":") if compact else None
    try:
        text = json.dumps(
            value, ensure_ascii=False, allow_nan=False, indent=indent, separators=separators
        )
    except ValueError:  # the walk names the problem (a cycle is nested too deeply)
        raise json_problem(value) or JsonTextError("it cannot be written as JSON") from None
    if not _is_unicode(text):
        raise json_problem(value) or _at("", "a string holds a lone UTF-16 surrogate")
    return text
