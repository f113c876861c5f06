"""Event paths: parse a path string once into steps, then read values without parsing.

Syntax (the ``$`` prefix is optional; ``""``, ``"$"`` and ``"$."`` mean the whole event)::

    $.properties.email          dotted keys (may contain spaces: $.integrations.Actions Amplitude)
    $.products[0].price         bracketed index
    $.products.0.price          a dotted key made of digits is also an index
    $.properties["plan.name"]   bracketed quoted key ('...' or "..."; backslash escapes a char)
    $["odd key"]

A parsed path is a tuple of steps: ``str`` (a key) or ``int`` (an index into a list, or
the key ``str(index)`` of an object, as in JavaScript). Reading never raises: a step that
does not apply gives :data:`MISSING`. Values are returned as they are in the event (no copy).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from framework.core.json_text import MAX_INTEGER_DIGITS

from .missing import MISSING

Step = str | int
Path = tuple[Step, ...]
Getter = Callable[[Any], Any]

_ROOTS = frozenset({"", "$", "$."})
_NAME = re.compile(r"[^.\[\]]+")
_DIGITS = re.compile(r"[0-9]+")


class TextSyntaxError(ValueError):
    """A path or a template does not parse; ``position`` is the 0-based offset of the
    problem (what a message about a text read from an event may say of it)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


class PathSyntaxError(TextSyntaxError):
    """A path string does not parse."""

    def __init__(self, path: str, reason: str, position: int) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"invalid path {path!r}: {reason} at position {position}", position)


def parse_path(text: str) -> Path:
    """Parse ``text`` into a tuple of steps; raise :class:`PathSyntaxError` if it is malformed."""
    if text in _ROOTS:
        return ()
    steps: list[Step] = []
    end = len(text)
    if text[0] == "$" and text[1] in ".[":
        pos = 1
    elif text[0] == "[":
        pos = 0
    else:
        pos = _read_name(text, 0, steps)
    while pos < end:
        char = text[pos]
        if char == ".":
            pos = _read_name(text, pos + 1, steps)
        elif char == "[":
            pos = _read_bracket(text, pos, steps)
        else:
            raise PathSyntaxError(text, f"unexpected {char!r}", pos)
    return tuple(steps)


def _read_name(text: str, pos: int, steps: list[Step]) -> int:
    match = _NAME.match(text, pos)
    if match is None:
        found = f"found {text[pos]!r}" if pos < len(text) else "the path ends"
        raise PathSyntaxError(text, f"expected a key but {found}", pos)
    name = match.group()
    steps.append(int(name) if _is_index(name) else name)
    return match.end()


def _is_index(name: str) -> bool:
    """Whether a dotted key is an index (no list holds more items than 4300 digits count)."""
    return (
        name.isascii()
        and name.isdigit()
        and (name == "0" or name[0] != "0")
        and len(name) <= MAX_INTEGER_DIGITS
    )


def _read_bracket(text: str, pos: int, steps: list[Step]) -> int:
    """Read ``[digits]`` or ``["key"]`` / ``['key']`` starting at the ``[`` at ``pos``."""
    end = len(text)
    inner = pos + 1
    if inner < end and text[inner] in "\"'":
        quote = text[inner]
        chars: list[str] = []
        i = inner + 1
        while True:
            if i >= end:
                raise PathSyntaxError(text, "unterminated quoted key", inner)
            char = text[i]
            if char == quote:
                break
            if char == "\\" and i + 1 < end:
                i += 1
                char = text[i]
            chars.append(char)
            i += 1
        steps.append("".join(chars))
        close = i + 1
    else:
        match = _DIGITS.match(text, inner)
        if match is None:
            raise PathSyntaxError(text, "expected an index or a quoted key after '['", inner)
        if len(match.group()) > MAX_INTEGER_DIGITS:
            raise PathSyntaxError(
                text, f"an index has more than {MAX_INTEGER_DIGITS} digits", inner
            )
        steps.append(int(match.group()))
        close = match.end()
    if close >= end or text[close] != "]":
        raise PathSyntaxError(text, "expected ']'", close)
    return close + 1


def compile_getter(path: Path) -> Getter:
    """Return a function reading ``path`` from a value (an event or part of one)."""
    if not path:
        return _identity
    pairs = tuple((str(step), step if isinstance(step, int) else None) for step in path)
    if len(pairs) == 1 and pairs[0][1] is None:
        key = pairs[0][0]

        def get_key(value: Any) -> Any:
            if type(value) is dict:
                return value.get(key, MISSING)
            return _walk(value, pairs)

        return get_key

    def get_path(value: Any) -> Any:
        return _walk(value, pairs)

    return get_path


def get_path(value: Any, path: Path) -> Any:
    """Read an already parsed ``path`` from ``value`` (:data:`MISSING` if absent)."""
    return compile_getter(path)(value)


def _identity(value: Any) -> Any:
    return value


def _walk(value: Any, pairs: tuple[tuple[str, int | None], ...]) -> Any:
    for key, index in pairs:
        if isinstance(value, dict):
            value = value.get(key, MISSING)
        elif index is not None and isinstance(value, list | tuple):
            if index >= len(value):
                return MISSING
            value = value[index]
        elif isinstance(value, Mapping):
            value = value.get(key, MISSING)
        else:
            return MISSING
    return value
