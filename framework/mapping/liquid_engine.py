"""The Liquid engine behind ``@liquid`` (python-liquid), with upstream's restrictions and limits.

* Disabled, as upstream: the tags ``case``, ``for``, ``include``, ``layout``, ``render`` and
  ``tablerow`` (so there are no loops) and the filters in :data:`DISABLED_FILTERS`. Using
  one is a syntax error, found when the mapping is compiled.
* The template length (1000 characters, as upstream) is checked by the mapping schema.
* Rendering limits, instead of upstream's 500 ms render time and 100 MB memory: at most
  :data:`MAX_SIZE` characters of output and of each filter result (the quadratic ``join``
  and ``replace`` are checked before they build theirs), about as many bytes of assigned
  variables, 1000 loop iterations, 30 nested contexts and blocks. With no loop tags, a
  1000-character template then renders in bounded time and memory.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar

from liquid import BoundTemplate, Environment, Tag
from liquid.ast import Node
from liquid.exceptions import FilterError, LiquidError, LiquidSyntaxError
from liquid.stream import TokenStream
from liquid.stringify import to_liquid_string

MAX_SIZE = 1_000_000
"""Most characters in a rendering's output, a filter's result or the assigned variables."""

DISABLED_TAGS = frozenset({"case", "for", "include", "layout", "render", "tablerow"})
DISABLED_FILTERS = frozenset(
    {
        "array_to_sentence_string",
        "concat",
        "find",
        "find_exp",
        "find_index",
        "find_index_exp",
        "group_by",
        "group_by_exp",
        "has",
        "has_exp",
        "map",
        "newline_to_br",
        "reject",
        "reject_exp",
        "reverse",
        "sort",
        "sort_natural",
        "uniq",
        "where_exp",
        "type",
    }
)


class LiquidTemplateError(ValueError):
    """A template does not parse, or uses a disabled tag or filter."""


class _DisabledTag(Tag):
    """Refuses to parse: the tag named ``name`` is disabled."""

    block = False

    def __init__(self, env: Environment, name: str) -> None:
        super().__init__(env)
        self.name = name

    def parse(self, stream: TokenStream) -> Node:
        raise LiquidSyntaxError(f'tag "{self.name}" is disabled', token=stream.current)


def _limited(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` whose result may not exceed :data:`MAX_SIZE` (attributes kept)."""

    @functools.wraps(function)
    def limited(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        if isinstance(result, str | list | tuple) and len(result) > MAX_SIZE:
            raise FilterError(f"{name}: the result is longer than {MAX_SIZE}", token=None)
        return result

    return limited


def _join_size(left: object, separator: object = " ", **_: object) -> int:
    count = len(left) if isinstance(left, list | tuple) else 1
    return len(to_liquid_string(separator, autoescape=False)) * max(count - 1, 0)


def _replace_size(value: object, old: object, new: object = "", **_: object) -> int:
    text = to_liquid_string(value, autoescape=False)
    old_text = to_liquid_string(old, autoescape=False)
    new_text = to_liquid_string(new, autoescape=False)
    count = text.count(old_text) if old_text else len(text) + 1
    return len(text) + count * (len(new_text) - len(old_text))


_BEFOREHAND: dict[str, Callable[..., int]] = {"join": _join_size, "replace": _replace_size}
"""Filters whose result can grow quadratically: its size, computed before building it."""


def _checked_first(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    size = _BEFOREHAND[name]

    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if size(*args, **kwargs) > MAX_SIZE:
            raise FilterError(f"{name}: the result would be longer than {MAX_SIZE}", token=None)
        return function(*args, **kwargs)

    return checked


class _Restricted(Environment):
    """Standard Liquid without the disabled tags and filters, with resource limits."""

    loop_iteration_limit: ClassVar[int | None] = 1000
    local_namespace_limit: ClassVar[int | None] = MAX_SIZE
    output_stream_limit: ClassVar[int | None] = MAX_SIZE

    def setup_tags_and_filters(self, *, extra: bool = False) -> None:
        super().setup_tags_and_filters(extra=extra)
        for name in DISABLED_TAGS:
            self.tags[name] = _DisabledTag(self, name)
        for name in DISABLED_FILTERS:
            self.filters.pop(name, None)
        for name, function in list(self.filters.items()):
            checked = _checked_first(name, function) if name in _BEFOREHAND else function
            self.filters[name] = _limited(name, checked)


_ENVIRONMENT = _Restricted()


@functools.lru_cache(maxsize=256)
def parse_liquid(source: str) -> BoundTemplate:
    """Parse ``source`` once (cached) and check its filters; raise :class:`LiquidTemplateError`
    naming the problem and its line and column."""
    try:
        template = _ENVIRONMENT.from_string(source)
    except LiquidError as error:
        where = error.context()
        position = None if where is None else (where[0], where[1] + 1)
        raise LiquidTemplateError(_invalid(str(error.message), position)) from error
    for name, spans in template.analyze(include_partials=False).filters.items():
        if name not in _ENVIRONMENT.filters:
            disabled = name in DISABLED_FILTERS
            reason = f'filter "{name}" is disabled' if disabled else f"unknown filter {name!r}"
            raise LiquidTemplateError(_invalid(reason, _line_and_column(source, spans[0].index)))
    return template


def _invalid(reason: str, position: tuple[int, int] | None) -> str:
    where = "" if position is None else f" (line {position[0]}, column {position[1]})"
    return f"invalid Liquid template: {reason}{where}"


def _line_and_column(source: str, index: int) -> tuple[int, int]:
    line_start = source.rfind("\n", 0, index) + 1
    return source.count("\n", 0, index) + 1, index - line_start + 1


def variable_paths(template: BoundTemplate) -> list[str]:
    """The event paths a template reads, in order of appearance (assigned names excluded)."""
    analysis = template.analyze(include_partials=False)
    variables = [item for items in analysis.globals.values() for item in items]
    variables.sort(key=lambda variable: variable.span.index)
    return list(dict.fromkeys(str(variable) for variable in variables))
