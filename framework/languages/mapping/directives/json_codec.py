"""``@json``: ``{"mode": "encode" | "decode", "value": <mapping>}``.

* ``encode``: the value as compact JSON text, written as upstream's ``JSON.stringify``
  (see :func:`~..text.to_json_text`); MISSING stays MISSING, null gives ``"null"``.
* ``decode``: a string parsed as strict JSON (:func:`~framework.core.json_text.parse_json`); a
  string that is not (``NaN``, ``1e400``, a lone surrogate, too deep...), and any value
  that is not a string, is given as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from framework.core.json_text import JsonTextError, parse_json

from ..base import Context, Directive, Resolver
from ..missing import MISSING
from ..text import to_json_text
from ..values import child


def compile_json(argument: Any, location: str, context: Context) -> Resolver:
    """Compile the value; pick encoding or decoding once."""
    value = context.compile(argument["value"], child(location, "value"))
    if argument["mode"] == "encode":

        def resolve_encode(event: Mapping[str, Any]) -> Any:
            result = value(event)
            return MISSING if result is MISSING else to_json_text(result)

        return resolve_encode

    def resolve_decode(event: Mapping[str, Any]) -> Any:
        result = value(event)
        if not isinstance(result, str):
            return result
        try:
            return parse_json(result)
        except JsonTextError:
            return result

    return resolve_decode


JSON = Directive("@json", compile_json)
