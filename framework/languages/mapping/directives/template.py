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

from ..base import Code, Directive
from ..dynamic import per_event_text
from ..paths import Getter, Path, PathSyntaxError, TextSyntaxError, compile_getter, parse_path
from ..text import to_text

_PLACEHOLDER = re.compile(r"\{\{\{([^}]+)\}\}\}|\{\{([^}]+)\}\}")

Renderer = Callable[[Any], str]

MAX_PLACEHOLDERS = 16
"""Placeholders of a template written inline; a template with more is rendered by a loop."""


class TemplateSyntaxError(TextSyntaxError):
    """A placeholder in a template is not a valid path (``position``: the placeholder's)."""


def placeholder_keys(template: str) -> list[str]:
    """The trimmed contents of the placeholders in ``template``, in order."""
    return [(match.group(1) or match.group(2)).strip() for match in _PLACEHOLDER.finditer(template)]


def template_parts(template: str) -> tuple[list[str], list[Path]]:
    """The texts around the placeholders of ``template`` (one more than placeholders) and
    the placeholders' paths; raise :class:`TemplateSyntaxError`."""
    literals: list[str] = []
    paths: list[Path] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        key = (match.group(1) or match.group(2)).strip()
        if not key:
            raise TemplateSyntaxError(
                f"invalid template: empty placeholder {match.group()!r} in {template!r}",
                match.start(),
            )
        try:
            paths.append(parse_path(key))
        except PathSyntaxError as error:
            raise TemplateSyntaxError(
                f"invalid template: placeholder {match.group()!r}: {error}", match.start()
            ) from error
        literals.append(template[position : match.start()])
        position = match.end()
    literals.append(template[position:])
    return literals, paths


def parse_template(template: str) -> Renderer:
    """Compile ``template`` into a function of the event; raise :class:`TemplateSyntaxError`.

    For a template read from the event, or with more than :data:`MAX_PLACEHOLDERS`
    placeholders; a template of the mapping is otherwise generated inline."""
    literals, paths = template_parts(template)
    return _renderer(literals, [compile_getter(path) for path in paths])


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


def generate_template(argument: Any, location: str, code: Code) -> str:
    """A template string is written inline: each placeholder's path read, its value as
    text, and the parts joined. A directive giving the template for each event is a
    resolver parsing each distinct template once."""
    if not isinstance(argument, str):
        source = code.compile(argument, location)
        return code.call(per_event_text(source, location, "@template", parse_template))
    literals, paths = template_parts(argument)
    if not paths:
        return code.value(argument, location)
    if len(paths) > MAX_PLACEHOLDERS:
        return code.call(parse_template(argument), defined=True)
    text = code.bind(to_text)
    parts: list[str] = []
    for literal, path in zip(literals, paths, strict=False):
        if literal:
            parts.append(code.bind(literal))
        value = code.path(path)
        out = code.temp(defined=True)
        code.line(f"{out} = {value} if type({value}) is str else {text}({value})")
        parts.append(out)
    if literals[-1]:
        parts.append(code.bind(literals[-1]))
    if len(parts) == 1:
        return parts[0]
    join = code.bind("".join)
    out = code.temp(defined=True)
    code.line(f"{out} = {join}(({', '.join(parts)}))")
    return out


def _references(argument: Any, add: Callable[[str], None], walk: Callable[[object], None]) -> None:
    if isinstance(argument, str):
        for key in placeholder_keys(argument):
            add(key)
    else:
        walk(argument)


TEMPLATE = Directive("@template", references=_references, generate=generate_template)
