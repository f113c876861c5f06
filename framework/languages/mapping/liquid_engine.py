"""The Liquid engine behind ``@liquid`` (python-liquid), with upstream's restrictions and limits.

* Disabled, as upstream: the tags ``case``, ``for``, ``include``, ``layout``, ``render`` and
  ``tablerow`` (so there are no loops) and the filters in :data:`DISABLED_FILTERS`. Using
  one is a syntax error, found when the mapping is compiled.
* The template length (1000 characters, as upstream) is checked by the mapping schema.
* Rendering limits, instead of upstream's 500 ms render time and 100 MB memory: at most
  :data:`MAX_SIZE` characters of output and of each filter result (the quadratic ``join``
  and ``replace`` are checked before they build theirs), about as many bytes of assigned
  variables, 1000 loop iterations, 30 nested contexts and blocks.
* Numbers: a filter given or giving a number beyond :data:`MAX_NUMBER` (a double's range,
  which upstream's liquidjs computes in) or not a number fails, so chained ``times`` cannot
  build integers of millions of digits.
* A step budget per resolution of a mapping (see :func:`liquid_budget`): each filter call
  spends one unit plus the length of each string, array or range it is given and of what
  it returns, and each rendering the length of its output; past :data:`WORK_BUDGET` units
  the rendering fails. With no loop tags, a 1000-character template then renders in
  bounded time and memory.

A failure is a :class:`LiquidRenderError` whose message never holds a value: the limits'
and the template's own words, else the kind of failure and where (python-liquid's
messages may quote values).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator, Mapping, Sized
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ClassVar

from liquid import BoundTemplate, Environment, Tag
from liquid.ast import Node
from liquid.exceptions import (
    FilterArgumentError,
    LiquidError,
    LiquidSyntaxError,
    ResourceLimitError,
)
from liquid.stream import TokenStream
from liquid.stringify import to_liquid_string

MAX_SIZE = 1_000_000
"""Most characters in a rendering's output, a filter's result or the assigned variables."""

MAX_NUMBER = sys.float_info.max
"""The largest magnitude of a number a filter is given or gives (about 1.8e308)."""

WORK_BUDGET = 10 * MAX_SIZE
"""Units of work the renderings of one resolution may spend (see the module)."""

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

_WORK: ContextVar[list[int]] = ContextVar("liquid_work")
"""The units the current resolution has left (a one-item list), while one runs."""


class LiquidTemplateError(ValueError):
    """A template does not parse, or uses a disabled tag or filter."""


class LiquidRenderError(Exception):
    """A rendering failed; the message names why and where, never a value."""


class _Limit(ResourceLimitError):
    """A limit of this module was reached (its message holds no value)."""


class _Refused(FilterArgumentError):
    """A filter could not be applied; the message, this module's own, holds no value
    (python-liquid gives it the filter's place)."""


class _DisabledTag(Tag):
    """Refuses to parse: the tag named ``name`` is disabled."""

    block = False

    def __init__(self, env: Environment, name: str) -> None:
        super().__init__(env)
        self.name = name

    def parse(self, stream: TokenStream) -> Node:
        raise LiquidSyntaxError(f'tag "{self.name}" is disabled', token=stream.current)


@contextmanager
def liquid_budget() -> Iterator[None]:
    """The renderings inside the block share one :data:`WORK_BUDGET` (the outermost block
    of nested ones owns it)."""
    if _WORK.get(None) is not None:
        yield
        return
    token = _WORK.set([WORK_BUDGET])
    try:
        yield
    finally:
        _WORK.reset(token)


def render(template: BoundTemplate, variables: Mapping[str, Any]) -> str:
    """``template`` rendered with ``variables``, within the limits of the module (in the
    current :func:`liquid_budget`, or one of its own); :class:`LiquidRenderError`."""
    with liquid_budget():
        try:
            output = template.render(variables)
            _spend(len(output))
        except LiquidError as error:
            raise LiquidRenderError(_failure(error)) from error
    return output


def _spend(units: int) -> None:
    left = _WORK.get()
    left[0] -= units
    if left[0] < 0:
        raise _Limit(f"the work budget of {WORK_BUDGET} units is spent", token=None)


def _failure(error: LiquidError) -> str:
    """Why rendering failed, and where: words that never hold a value."""
    if isinstance(error, ResourceLimitError | LiquidSyntaxError | _Refused):
        reason = str(error.message)
    else:  # e.g. a comparison of a string with a number
        reason = "a value cannot be used there"
    where = error.context()
    return reason if where is None else f"{reason} (line {where[0]}, column {where[1] + 1})"


def _size(value: object) -> int:
    return len(value) if isinstance(value, Sized) else 0


def _out_of_range(value: object) -> bool:
    """Whether ``value`` is a number beyond :data:`MAX_NUMBER`, or NaN."""
    return isinstance(value, int | float) and not -MAX_NUMBER <= value <= MAX_NUMBER


def _guarded(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` within the limits of the module (attributes kept): its work spent from
    the budget, numbers checked, results sized, and its failures worded without values."""
    size_before = _BEFOREHAND.get(name)

    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        given = (*args, *kwargs.values())
        _spend(1 + sum(_size(value) for value in given))
        if any(_out_of_range(value) for value in given):
            raise _Limit(f"{name}: numbers must be within ±{MAX_NUMBER:.1e}", token=None)
        if size_before is not None and size_before(*args, **kwargs) > MAX_SIZE:
            raise _Limit(f"{name}: the result would be longer than {MAX_SIZE}", token=None)
        try:
            result = function(*args, **kwargs)
        except ResourceLimitError:
            raise
        except FilterArgumentError as error:
            divide = isinstance(error.__cause__, ZeroDivisionError)
            reason = "division by zero" if divide else "an argument cannot be used"
            raise _Refused(f"{name}: {reason}", token=None) from error
        except (LiquidError, ArithmeticError, LookupError, TypeError, ValueError) as error:
            raise _Refused(f"{name}: it cannot be applied to this value", token=None) from error
        if isinstance(result, str | list | tuple) and len(result) > MAX_SIZE:
            raise _Limit(f"{name}: the result is longer than {MAX_SIZE}", token=None)
        if _out_of_range(result):
            raise _Limit(f"{name}: numbers must be within ±{MAX_NUMBER:.1e}", token=None)
        _spend(_size(result))
        return result

    return guarded


def _join_size(left: object, separator: object = " ", **_: object) -> int:
    count = len(left) if isinstance(left, Sized) and not isinstance(left, str) else 1
    return len(to_liquid_string(separator, autoescape=False)) * max(count - 1, 0)


def _replace_size(value: object, old: object, new: object = "", **_: object) -> int:
    text = to_liquid_string(value, autoescape=False)
    old_text = to_liquid_string(old, autoescape=False)
    new_text = to_liquid_string(new, autoescape=False)
    count = text.count(old_text) if old_text else len(text) + 1
    return len(text) + count * (len(new_text) - len(old_text))


_BEFOREHAND: dict[str, Callable[..., int]] = {"join": _join_size, "replace": _replace_size}
"""Filters whose result can grow quadratically: its size, computed before building it."""


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
            self.filters[name] = _guarded(name, function)


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
