"""Check a mapping against the mapping schema; every problem at once, in document order.

First, without recursion, that it is JSON data at all: objects and arrays nested at most
:data:`MAX_DEPTH` deep (ample for any mapping, and so every later step, recursive, stays
far from Python's recursion limit), no NaN or infinity, no integer of more than 4300
digits, no lone UTF-16 surrogate. The first such problem is the only one reported.
"""

from __future__ import annotations

from typing import Any

from framework.core.errors import Problem
from framework.core.json_text import json_problem

from .messages import problem_of
from .schema import schema_errors
from .values import child, plain_json

MAX_DEPTH = 32
"""Objects and arrays nested inside one another in a mapping (its root object counts)."""


def validate_mapping(mapping: object) -> list[Problem]:
    """Every problem in ``mapping`` (empty if it is valid), each at a JSON pointer.

    The structure is checked by the schema (:func:`mapping_json_schema`); paths, templates
    and Liquid templates by parsing them. :func:`compile_mapping` runs the same check.
    """
    return checked(mapping)[1]


def checked(mapping: object) -> tuple[Any, list[Problem]]:
    """``mapping`` as :func:`plain_json` data, and its problems (empty if it is valid)."""
    problem = json_problem(mapping, max_depth=MAX_DEPTH)
    if problem is not None:
        return None, [Problem(problem.pointer or "", problem.reason)]
    document = plain_json(mapping)
    return document, problems_in(document)


def problems_in(document: Any) -> list[Problem]:
    """The problems in ``document`` (already :func:`plain_json`), without duplicates."""
    problems = list(dict.fromkeys(problem_of(error) for error in schema_errors(document)))
    if len(problems) > 1:
        order = _document_order(document)
        problems.sort(key=lambda problem: order[problem.location])
    return problems


def _document_order(document: Any) -> dict[str, int]:
    """Each JSON pointer in ``document``, numbered in reading order."""
    order: dict[str, int] = {}

    def visit(value: Any, location: str) -> None:
        order.setdefault(location, len(order))
        if isinstance(value, dict):
            for key, item in value.items():
                visit(item, child(location, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                visit(item, child(location, index))

    visit(document, "")
    return order
