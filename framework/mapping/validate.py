"""Check a mapping without keeping the compiled result."""

from __future__ import annotations

from ..errors import Problem
from .compiler import Compiler


def validate_mapping(mapping: object) -> list[Problem]:
    """Every problem in ``mapping`` (empty if it is valid), each at a JSON pointer.

    This runs the same walk as :func:`compile_mapping`, so the two can never disagree.
    """
    compiler = Compiler()
    compiler.compile(mapping, "")
    return compiler.problems
