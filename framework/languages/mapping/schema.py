"""The mapping language's JSON Schema (``mapping.schema.json``, draft 2020-12) and its validator.

The schema checks the structure; its formats (see :mod:`.formats`) parse paths, templates
and Liquid. ``MISSING`` (JavaScript ``undefined``) passes where ``null`` does: as a mapping
it resolves to MISSING, and where a string, a boolean or a choice is required it is refused.
jsonschema ships no type information, so it is used through this module only; it is
imported when the first mapping is validated (:func:`schema_errors`), not with the language.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

from .formats import FORMATS
from .missing import MISSING

SCHEMA_FILE = "mapping.schema.json"


@functools.cache
def _schema() -> dict[str, Any]:
    text = resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def mapping_json_schema() -> dict[str, Any]:
    """The JSON Schema of a mapping (a fresh copy, so it may be changed)."""
    return copy.deepcopy(_schema())


@functools.cache
def _validator() -> Any:
    from jsonschema import (  # noqa: PLC0415 (as long to import as the language itself)
        Draft202012Validator,
        FormatChecker,
        validators,
    )

    checker = FormatChecker(formats=())
    for name, check in FORMATS.items():
        checker.checks(name, raises=ValueError)(check)
    types = Draft202012Validator.TYPE_CHECKER.redefine("null", _is_null)
    validator = validators.extend(Draft202012Validator, type_checker=types)  # type: ignore[no-untyped-call]
    return validator(_schema(), format_checker=checker)


def _is_null(checker: Any, instance: object) -> bool:
    return instance is None or instance is MISSING


def schema_errors(document: object) -> Iterator[Any]:
    """The jsonschema ``ValidationError`` objects for ``document`` (plain JSON data)."""
    errors: Iterator[Any] = _validator().iter_errors(document)
    return errors
