"""Values as text, the way upstream (JavaScript) writes them: ``String(value)`` and
``JSON.stringify(value)``, so that numbers read from JSON come out the same (``1.0`` -> ``1``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from .missing import MISSING


def to_text(value: Any) -> str:
    """A scalar as JavaScript's ``String`` writes it; MISSING and null are ``""``; objects and
    arrays are compact JSON (:func:`to_json_text`)."""
    if isinstance(value, str):
        return value
    if value is MISSING or value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return _number(value)
    return to_json_text(value)


def to_json_text(value: Any) -> str:
    """Compact JSON as ``JSON.stringify`` writes it: non-ASCII kept, whole floats without
    ``.0``, NaN and infinities as ``null``; any mapping is an object, a tuple an array; a
    value JSON cannot hold (a date, a set, ...) is written as its ``str()``."""
    return json.dumps(
        _plain(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str
    )


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 1e21 else value
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _number(value: float) -> str:
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)
