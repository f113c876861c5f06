"""The mapping language: where each action field's value comes from in an incoming event.

A mapping is JSON data, as in Segment's actions mapping-kit. An object with one
``@``-prefixed key (plus, optionally, ``_metadata``) is a *directive*; other objects and
arrays are resolved item by item; anything else is a literal. Directives (one module each
in :mod:`.directives`):

* ``{"@path": "$.properties.email"}``: a value of the event (see :mod:`.paths` for syntax);
* ``{"@template": "Hello {{properties.name}}"}``: text with placeholders;
* ``{"@liquid": "{{ properties.name | upcase }}"}``: a Liquid template (restricted, limited);
* ``{"@literal": value}``: ``value``, resolved as a mapping (as upstream);
* ``{"@if": {"exists" | "blank" | "string": m, "then": m, "else": m}}``: a choice
  (``string``, ours: the value is a string);
* ``{"@case": {"operator": "lower" | "upper", "value": m}}``;
* ``{"@replace": {"pattern": p, "replacement": r, "value": m, ...}}``: plain-text replacing;
* ``{"@arrayPath": [path, shape]}``: ``shape`` resolved against each item at ``path``;
* ``{"@json": {"mode": "encode" | "decode", "value": m}}``;
* ``{"@flatten": {"value": m, "separator": s}}``: nested keys joined into one object;
* ``{"@merge": {"objects": [m, ...], "direction": "left" | "right"}}``;
* ``{"@transform": {"apply": m, "mapping": m}}``: a mapping of another mapping's result;
* ``{"@excludeWhenNull": m}``: ``m``, left out when null (null properties removed);
* ``{"@first": [m1, m2, ...]}``: the first option that has a value (our extension).

A root object may hold ``__segment_internal_directive: {"@transform": {"apply": m}}``: the
other root fields then read the result of ``m`` (as upstream).

``MISSING`` stands for a value that is absent (JavaScript ``undefined``); it is left out
of resolved objects and arrays. Unlike upstream, a mapping that is not an object (``"x"``,
``[1]``) resolves to itself rather than being spread into an object.

A mapping is validated against a JSON Schema (:func:`mapping_json_schema`) whose formats
parse paths and templates, then compiled once (:func:`compile_mapping`) into plain Python
functions (see :mod:`.codegen`); the resolver it returns does no parsing or validation per
event. Values read from the event are returned as they are, not copied.
"""

from __future__ import annotations

from .base import Resolver
from .compiler import compile_mapping
from .helpers import first_of, first_string_of, path
from .missing import MISSING
from .references import referenced_paths
from .schema import mapping_json_schema
from .validate import validate_mapping

__all__ = [
    "MISSING",
    "Resolver",
    "compile_mapping",
    "first_of",
    "first_string_of",
    "mapping_json_schema",
    "path",
    "referenced_paths",
    "validate_mapping",
]
