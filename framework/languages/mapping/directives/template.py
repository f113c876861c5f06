"""``@template``: text with ``{{path}}`` (or ``{{{path}}}``) placeholders filled from the event.

Upstream semantics (mustache-like, no HTML escaping in either form): the placeholder's
content, trimmed, is a path (same syntax as ``@path``, ``$.`` optional); MISSING and null
become ``""``. Values are written as upstream writes them (:func:`~..text.to_text`):
booleans as ``true``/``false``, whole floats without ``.0``, objects and arrays as compact
JSON. The template is parsed once; a value put in is never read as a template.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..base import Context, Directive, Resolver
from ..dynamic import per_event_text
from ..paths import Getter, PathSyntaxError, TextSyntaxError, compile_getter, parse_path
from ..text import to_text

_PLACEHOLDER = re.compile(r"\{\{\{([^}]+)\}\}\}|\{\{([^}]+)\}\}")

Renderer = Callable[[Any], str]


class TemplateSyntaxError(TextSyntaxError):
    """A placeholder in a template is not a valid path (``position``: the placeholder's)."""


def placeholder_keys(template: str) -> list[str]:
    """The trimmed contents of the placeholders in ``template``, in order."""
    return [(match.group(1) or match.group(2)).strip() for match in _PLACEHOLDER.finditer(template)]


def parse_template(template: str) -> Renderer:
    """Compile ``template`` into a function of the event; raise :class:`TemplateSyntaxError`."""
    literals: list[str] = []
    getters: list[Getter] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        key = (match.group(1) or match.group(2)).strip()
        if not key:
            raise TemplateSyntaxError(
                f"invalid template: empty placeholder {match.group()!r} in {template!r}",
                match.start(),
            )
        try:
            getters.append(compile_getter(parse_path(key)))
        except PathSyntaxError as error:
            raise TemplateSyntaxError(
                f"invalid template: placeholder {match.group()!r}: {error}", match.start()
            ) from error
        literals.append(template[position : match.start()])
        position = match.end()
    literals.append(template[position:])
    return _renderer(literals, getters)


def _renderer(literals: list[str], getters: list[Getter]) -> Renderer:
    if not getters:
        text = literals[0]
        return lambda event: text
    if len(getters) == 1 and literals == ["", ""]:
        only = getters[0]
        return lambda event: to_text(only(event))
    head = literals[0]
    rest = tuple(zip(getters, literals[1:], strict=True))

    def render(event: Any) -> str:
        parts = [head]
        for get, tail in rest:
            parts.append(to_text(get(event)))
            parts.append(tail)
        return "".join(parts)

    return render


def compile_template(argument: Any, location: str, context: Context) -> Resolver:
    """A template string, or a directive giving the template for each event."""
    if isinstance(argument, str):
        return parse_template(argument)
    return per_event_text(
        context.compile(argument, location), location, "@template", parse_template
    )


def _references(argument: Any, add: Callable[[str], None], walk: Callable[[object], None]) -> None:
    if isinstance(argument, str):
        for key in placeholder_keys(argument):
            add(key)
    else:
        walk(argument)


TEMPLATE = Directive("@template", compile_template, _references)
