"""The directive table.

Adding a directive: write a module with its generate function (statements of the
generated function, see :class:`~..base.Code`) or its compile function (a resolver the
generated function calls) and a :class:`Directive`, add it to ``DIRECTIVES``, and
describe its argument in ``mapping.schema.json`` (the ``directive`` definition lists the
known names).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..base import Directive
from .array_path import ARRAY_PATH
from .case import CASE
from .conditional import IF
from .exclude_null import EXCLUDE_WHEN_NULL
from .first import FIRST
from .flatten import FLATTEN
from .json_codec import JSON
from .liquid import LIQUID
from .literal import LITERAL
from .lookup import PATH
from .merge import MERGE
from .replace import REPLACE
from .template import TEMPLATE
from .transform import TRANSFORM

DIRECTIVES: Mapping[str, Directive] = MappingProxyType(
    {
        directive.name: directive
        for directive in (
            PATH,
            LITERAL,
            IF,
            TEMPLATE,
            FIRST,
            CASE,
            REPLACE,
            ARRAY_PATH,
            JSON,
            FLATTEN,
            MERGE,
            TRANSFORM,
            EXCLUDE_WHEN_NULL,
            LIQUID,
        )
    }
)
"""Every directive, by name."""

__all__ = ["DIRECTIVES"]
