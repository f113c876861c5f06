"""The directive table.

Adding a directive: write a module with its compile function and a :class:`Directive`,
add it to ``DIRECTIVES``, and remove its name from ``NOT_YET_SUPPORTED``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..base import Directive
from .conditional import IF
from .first import FIRST
from .literal import LITERAL
from .lookup import PATH
from .template import TEMPLATE

DIRECTIVES: Mapping[str, Directive] = MappingProxyType(
    {directive.name: directive for directive in (PATH, LITERAL, IF, TEMPLATE, FIRST)}
)
"""Every directive this package implements, by name."""

NOT_YET_SUPPORTED = frozenset(
    {
        "@arrayPath",
        "@case",
        "@excludeWhenNull",
        "@flatten",
        "@json",
        "@liquid",
        "@merge",
        "@replace",
        "@transform",
    }
)
"""Upstream directives not implemented yet (reported as such, not as unknown)."""

__all__ = ["DIRECTIVES", "NOT_YET_SUPPORTED"]
