"""``@case``: ``{"operator": "lower" | "upper", "value": <mapping>}``: the value in lower or
upper case. A value that is not a string (a number, null, an object, MISSING...) is kept."""

from __future__ import annotations

from typing import Any

from ..base import Code, Directive
from ..values import child


def generate_case(argument: Any, location: str, code: Code) -> str:
    """Resolve the value; pick the conversion once."""
    value = code.value(argument["value"], child(location, "value"))
    convert = code.bind(str.lower if argument["operator"] == "lower" else str.upper)
    out = code.temp(defined=code.is_defined(value))
    code.line(f"{out} = {convert}({value}) if isinstance({value}, str) else {value}")
    return out


CASE = Directive("@case", generate=generate_case)
