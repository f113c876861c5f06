"""``@merge``: ``{"objects": [<mapping>, ...], "direction": "left" | "right"}``: the objects
merged into one new object (shallow).

``right`` (the default): later objects win, as ``Object.assign``; ``left``: earlier objects
win. Objects may be directives; a value that is not an object (MISSING, null...) is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..base import Context, Directive, Resolver
from ..values import child


def compile_merge(argument: Any, location: str, context: Context) -> Resolver:
    """Compile the objects, in the order in which they are applied."""
    at = child(location, "objects")
    objects = [
        context.compile(item, child(at, index)) for index, item in enumerate(argument["objects"])
    ]
    if argument.get("direction", "right") == "left":
        objects.reverse()
    applied = tuple(objects)

    def resolve_merge(event: Mapping[str, Any]) -> Any:
        result: dict[str, Any] = {}
        for resolve in applied:
            value = resolve(event)
            if isinstance(value, Mapping):
                result.update(value)
        return result

    return resolve_merge


MERGE = Directive("@merge", compile_merge)
