"""The limits of ``@liquid`` (see :mod:`.liquid_engine`), without python-liquid: what is
disabled, the size and number limits, and the work budget that filters and renderings spend."""

from __future__ import annotations

import sys
from collections.abc import Sized
from contextvars import ContextVar
from dataclasses import dataclass

MAX_SIZE = 1_000_000
"""Most characters in a rendering's output, a filter's result or the assigned variables."""

MAX_NUMBER = sys.float_info.max
"""The largest magnitude of a number a filter is given or gives (about 1.8e308)."""

DISABLED_TAGS = frozenset({"case", "for", "include", "layout", "render", "tablerow"})
DISABLED_FILTERS = frozenset(
    {
        "array_to_sentence_string",
        "concat",
        "find",
        "find_exp",
        "find_index",
        "find_index_exp",
        "group_by",
        "group_by_exp",
        "has",
        "has_exp",
        "map",
        "newline_to_br",
        "reject",
        "reject_exp",
        "reverse",
        "sort",
        "sort_natural",
        "uniq",
        "where_exp",
        "type",
    }
)


@dataclass
class Budget:
    """The units of work one resolution may spend (``total``) and has ``left``."""

    total: int
    left: int


WORK: ContextVar[Budget] = ContextVar("liquid_work")
"""The budget of the resolution under way, while one runs."""


class LimitReached(Exception):
    """A limit was reached (the message holds no value). Not a python-liquid error, which
    a template could handle: it ends the rendering wherever it is raised."""


def spend(units: int) -> None:
    """Take ``units`` from the current budget; :class:`LimitReached` once it is spent."""
    budget = WORK.get()
    budget.left -= units
    if budget.left < 0:
        raise LimitReached(f"the work budget of {budget.total} units is spent")


def size(value: object) -> int:
    """The length of ``value``, 0 when it has none (a number)."""
    return len(value) if isinstance(value, Sized) else 0


def out_of_range(value: object) -> bool:
    """Whether ``value`` is a number beyond :data:`MAX_NUMBER`, or NaN."""
    return isinstance(value, int | float) and not -MAX_NUMBER <= value <= MAX_NUMBER
