"""The ``MISSING`` sentinel: a value that is absent (JavaScript ``undefined``), unlike ``None``."""

from __future__ import annotations

import enum
from typing import Final


class MissingType(enum.Enum):
    """Type of :data:`MISSING`; an enum so the value is a true singleton (copy and pickle safe)."""

    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"

    def __str__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = MissingType.MISSING
"""No value at all. ``None`` is JSON ``null``, a value; ``MISSING`` is its absence."""
