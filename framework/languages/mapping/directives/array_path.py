"""``@arrayPath``: ``[path, item shape]``: the value at the path, with the item shape (a
mapping) resolved against each of its items.

As upstream: the path is a path string or a directive; without a shape (absent, null or
``{}``) the value is given as it is; with one, an object is taken as a one-item array and
any other value (MISSING, null, a string...) is given as it is. Paths in the shape read the
item. Items whose shape resolves to MISSING are left out, as in any array.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..base import Context, Directive, Resolver
from ..missing import MISSING
from ..values import child
from .lookup import path_getter


def compile_array_path(argument: Any, location: str, context: Context) -> Resolver:
    """Compile the path and, if there is one, the item shape."""
    path = argument[0]
    source = (
        path_getter(path) if isinstance(path, str) else context.compile(path, child(location, 0))
    )
    shape = argument[1] if len(argument) > 1 else None
    if not shape:
        return source
    each = context.compile(shape, child(location, 1))

    def resolve_array_path(event: Mapping[str, Any]) -> Any:
        root = source(event)
        if isinstance(root, Mapping):
            items: Any = (root,)
        elif isinstance(root, list | tuple):
            items = root
        else:
            return root
        return [result for result in map(each, items) if result is not MISSING]

    return resolve_array_path


def _references(argument: Any, add: Callable[[str], None], walk: Callable[[object], None]) -> None:
    if isinstance(argument, list) and argument and isinstance(argument[0], str):
        add(argument[0])
        argument = argument[1:]
    walk(argument)


ARRAY_PATH = Directive("@arrayPath", compile_array_path, _references)
