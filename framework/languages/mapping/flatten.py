"""Flatten nested objects and arrays into one object whose keys are joined paths."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def flatten(
    value: Any, prefix: str = "", separator: str = ".", omit_arrays: bool = False
) -> dict[str, Any]:
    """The leaves of ``value`` keyed by their paths: ``{"a": {"b": 1}}`` -> ``{"a.b": 1}``.

    Array items are keyed by index (``"a.0.b"``); with ``omit_arrays`` arrays are leaves.
    Empty objects and arrays have no leaves, so they disappear. Keys start with
    ``prefix + separator`` when ``prefix`` is not empty. A value that is not an object (nor
    an array to flatten) has no leaves: the result is ``{}``.
    """
    result: dict[str, Any] = {}
    entries = _entries(value, omit_arrays)
    if entries is not None:
        _flatten_into(result, entries, prefix, separator, omit_arrays)
    return result


def _entries(value: Any, omit_arrays: bool) -> Iterable[tuple[Any, Any]] | None:
    if isinstance(value, Mapping):
        return value.items()
    if not omit_arrays and isinstance(value, list | tuple):
        return enumerate(value)
    return None


def _flatten_into(
    result: dict[str, Any],
    entries: Iterable[tuple[Any, Any]],
    prefix: str,
    separator: str,
    omit_arrays: bool,
) -> None:
    for key, item in entries:
        name = f"{prefix}{separator}{key}" if prefix else str(key)
        nested = _entries(item, omit_arrays)
        if nested is None:
            result[name] = item
        else:
            _flatten_into(result, nested, name, separator, omit_arrays)
