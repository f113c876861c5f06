"""Builders for common mappings, for action definitions written in Python."""

from __future__ import annotations

from typing import Any


def path(p: str) -> dict[str, Any]:
    """``{"@path": p}``."""
    return {"@path": p}


def first_of(*paths: str) -> dict[str, Any]:
    """``{"@first": [{"@path": p1}, {"@path": p2}, ...]}``: the first path that has a value."""
    return {"@first": [path(p) for p in paths]}


def first_string_of(*paths: str) -> dict[str, Any]:
    """``{"@first": [{"@if": {"string": {"@path": p1}, "then": {"@path": p1}}}, ...]}``: the
    first path whose value is a string that is not empty or only white space; a value of
    another type (a number, an object...) is skipped like a missing one."""
    return {"@first": [{"@if": {"string": path(p), "then": path(p)}} for p in paths]}
