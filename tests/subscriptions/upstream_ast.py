"""Test helper: write an upstream (``@segment/destination-subscriptions``) AST as FQL text.

The conformance records give some subscriptions only as upstream's AST. This converter
turns such an AST into FQL with the same meaning under upstream's matcher, so that the
records can be run through ``compile_subscription``:

- ``=`` / ``!=`` with a number: upstream compares the event value with the number's
  text, so the number becomes a string literal (``= 123`` matches ``"123"``, not ``123``);
- ``number_equals`` / ``number_not_equals`` and the ordering operators take a number,
  given either as a number or as numeric text;
- ``is_true`` / ``is_false`` are ``= true`` / ``= false``; ``exists`` / ``not_exists`` are
  ``!= null`` / ``= null``; ``starts_with`` / ``ends_with`` are ``match`` globs.
"""

from __future__ import annotations

import json
from typing import Any

_FIELD_PREFIX = {
    "event-property": "properties.",
    "event-trait": "traits.",
    "event-context": "context.",
}
_TOP_LEVEL = {"event-type": "type", "event": "event", "name": "name", "userId": "userId"}
_ORDERING = {"<", "<=", ">", ">="}


class NotAnAstError(ValueError):
    """The value is not an upstream AST (for example, a recorded parse error)."""


def upstream_ast_to_fql(ast: Any) -> str:
    """FQL text for upstream ``ast`` (a group or a condition)."""
    if not isinstance(ast, dict) or "type" not in ast:
        raise NotAnAstError(f"not an upstream FQL AST: {ast!r}")
    return _node(ast, top=True)


def _node(node: dict[str, Any], *, top: bool) -> str:
    if node["type"] != "group":
        return _condition(node)
    joiner = f" {node['operator']} "
    children = [_node(child, top=False) for child in node["children"]]
    if not children:
        raise NotAnAstError("an empty group has no FQL form")
    text = joiner.join(children)
    return text if top or len(children) == 1 else f"({text})"


def _field(node: dict[str, Any]) -> str:
    kind = node["type"]
    if kind in _TOP_LEVEL:
        return _TOP_LEVEL[kind]
    if kind in _FIELD_PREFIX:
        segments = str(node["name"]).split(".")
        return _FIELD_PREFIX[kind] + ".".join(_escape_name(s) for s in segments)
    raise NotAnAstError(f"unknown upstream condition type {kind!r}")


def _escape_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "_$-" else "\\" + c for c in name)


def _string(value: Any) -> str:
    return json.dumps(str(value))


def _number(value: Any) -> str:
    number = float(value) if isinstance(value, str) else value
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    return repr(number)


def _condition(node: dict[str, Any]) -> str:
    field = _field(node)
    operator = node["operator"]
    value = node.get("value")
    match operator:
        case "=" | "!=":
            return f"{field} {operator} {_string(value)}"
        case "number_equals":
            return f"{field} = {_number(value)}"
        case "number_not_equals":
            return f"{field} != {_number(value)}"
        case _ if operator in _ORDERING:
            return f"{field} {operator} {_number(value)}"
        case "is_true":
            return f"{field} = true"
        case "is_false":
            return f"{field} = false"
        case "exists":
            return f"{field} != null"
        case "not_exists":
            return f"{field} = null"
        case "contains":
            return f"contains({field}, {_string(value)})"
        case "not_contains":
            return f"!contains({field}, {_string(value)})"
        case "starts_with":
            return f"match({field}, {_string(str(value) + '*')})"
        case "not_starts_with":
            return f"!match({field}, {_string(str(value) + '*')})"
        case "ends_with":
            return f"match({field}, {_string('*' + str(value))})"
        case "not_ends_with":
            return f"!match({field}, {_string('*' + str(value))})"
    raise NotAnAstError(f"unknown upstream operator {operator!r}")
