"""The mapping language: where each action field's value comes from in an incoming event.

A mapping is JSON data. An object with one ``@``-prefixed key is a *directive*; other
objects and arrays are resolved item by item; anything else is a literal. Directives:

* ``{"@path": "$.properties.email"}``: a value of the event (see :mod:`.paths` for syntax);
* ``{"@literal": value}``: ``value`` as it is; unlike upstream, its contents are never read
  as directives (so ``{"@literal": {"@type": "Person"}}`` is possible);
* ``{"@if": {"exists" | "blank": m, "then": m, "else": m}}`` (see :mod:`.directives.conditional`);
* ``{"@template": "Hello {{properties.name}}"}`` (see :mod:`.directives.template`);
* ``{"@first": [m1, m2, ...]}``: the first option that has a value (our extension).

``MISSING`` stands for a value that is absent (JavaScript ``undefined``); it is left out
of resolved objects and arrays. A mapping is validated and compiled once
(:func:`compile_mapping`); the resolver it returns does no parsing or validation per event.
Values read from the event are returned as they are, not copied.
"""

from __future__ import annotations

from .base import Resolver
from .compiler import compile_mapping
from .helpers import first_of, path
from .missing import MISSING
from .references import referenced_paths
from .validate import validate_mapping

__all__ = [
    "MISSING",
    "Resolver",
    "compile_mapping",
    "first_of",
    "path",
    "referenced_paths",
    "validate_mapping",
]
