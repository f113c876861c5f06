"""Which event paths a mapping reads, for messages such as "email is missing; searched ..."."""

from __future__ import annotations

from collections.abc import Mapping

from .directives import DIRECTIVES
from .values import directive_keys


def referenced_paths(mapping: object) -> list[str]:
    """The paths a mapping reads, in order, each once, as written.

    ``@path`` gives its path string, ``@template`` its placeholders (trimmed), ``@liquid``
    the event variables its template reads, ``@arrayPath`` its path string; other directives
    and plain objects and arrays are searched (paths inside an ``@arrayPath`` shape or a
    ``@transform`` mapping are given as written, though they read an item or a result). The
    mapping is not validated: this works on invalid mappings too, as far as it can.
    """
    found: dict[str, None] = {}

    def add(path: str) -> None:
        found.setdefault(path, None)

    def walk(value: object) -> None:
        if isinstance(value, Mapping):
            keys = directive_keys(value)
            for key in keys:
                directive = DIRECTIVES.get(key)
                if directive is not None and directive.references is not None:
                    directive.references(value[key], add, walk)
                else:
                    walk(value[key])
            if not keys:
                for item in value.values():
                    walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(mapping)
    return list(found)
