"""Builders for common mappings, for action definitions written in Python."""

from __future__ import annotations

from typing import Any


def path(p: str) -> dict[str, Any]:
    """``{"@path": p}``."""
    return {"@path": p}


def first_of(*paths: str) -> dict[str, Any]:
    """``{"@first": [{"@path": p1}, {"@path": p2}, ...]}``: the first path that has a value."""
    return {"@first": [path(p) for p in paths]}
