"""The FQL syntax tree: small frozen dataclasses made by the parser, read by the compiler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

__all__ = [
    "And",
    "Comparison",
    "ComparisonOperator",
    "Field",
    "FunctionCall",
    "FunctionName",
    "Node",
    "Not",
    "Or",
    "Value",
]

ComparisonOperator: TypeAlias = Literal["=", "!=", "<", "<=", ">", ">="]
FunctionName: TypeAlias = Literal["contains", "match"]
Value: TypeAlias = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Field:
    """A path into the event, one name per level (``properties.a`` is ``("properties", "a")``)."""

    path: tuple[str, ...]

    def __str__(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True, slots=True)
class Comparison:
    """``field <operator> value``. Ordering operators always carry a number."""

    field: Field
    operator: ComparisonOperator
    value: Value


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """``contains(field, "text")`` or ``match(field, "glob*")``."""

    function: FunctionName
    field: Field
    argument: str


@dataclass(frozen=True, slots=True)
class Not:
    """``not X`` / ``!X``."""

    operand: Node


@dataclass(frozen=True, slots=True)
class And:
    """All of ``operands`` (two or more)."""

    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Any of ``operands`` (two or more)."""

    operands: tuple[Node, ...]


Node: TypeAlias = Comparison | FunctionCall | Not | And | Or
