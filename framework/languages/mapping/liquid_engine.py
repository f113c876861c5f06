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

The limits are in :mod:`.liquid_limits`, python-liquid's side in :mod:`.liquid_restricted`,
imported when the first template is parsed: python-liquid takes as long to import as the
rest of the ``actions`` command's start, and most mappings hold no ``@liquid``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .liquid_limits import (
    DISABLED_FILTERS,
    DISABLED_TAGS,
    MAX_NUMBER,
    MAX_SIZE,
    WORK,
    Budget,
    spend,
)

if TYPE_CHECKING:
    from liquid import BoundTemplate

__all__ = [
    "DISABLED_FILTERS",
    "DISABLED_TAGS",
    "MAX_NUMBER",
    "MAX_SIZE",
    "WORK_BUDGET",
    "LiquidRenderError",
    "LiquidTemplateError",
    "liquid_budget",
    "parse_liquid",
    "render",
    "variable_paths",
]

WORK_BUDGET = 10 * MAX_SIZE
"""Units of work the renderings of one resolution may spend (see the module)."""


class LiquidTemplateError(ValueError):
    """A template does not parse, or uses a disabled tag or filter."""


class LiquidRenderError(Exception):
    """A rendering failed; the message names why and where, never a value."""


@contextmanager
def liquid_budget() -> Iterator[None]:
    """The renderings inside the block share one :data:`WORK_BUDGET` (the outermost block
    of nested ones owns it)."""
    if WORK.get(None) is not None:
        yield
        return
    token = WORK.set(Budget(WORK_BUDGET, WORK_BUDGET))
    try:
        yield
    finally:
        WORK.reset(token)


def render(template: BoundTemplate, variables: Mapping[str, Any]) -> str:
    """``template`` rendered with ``variables``, within the limits of the module (in the
    current :func:`liquid_budget`, or one of its own); :class:`LiquidRenderError`."""
    with liquid_budget():
        try:
            output = template.render(variables)
            spend(len(output))
        except Exception as error:  # python-liquid's or a limit's; any other propagates
            from .liquid_restricted import failure  # noqa: PLC0415 (loaded with the template)

            reason = failure(error)
            if reason is None:
                raise
            raise LiquidRenderError(reason) from error
    return output


@functools.lru_cache(maxsize=256)
def parse_liquid(source: str) -> BoundTemplate:
    """Parse ``source`` once (cached) and check its filters; raise :class:`LiquidTemplateError`
    naming the problem and its line and column."""
    from liquid.exceptions import LiquidError  # noqa: PLC0415 (python-liquid: on first use)

    from .liquid_restricted import ENVIRONMENT  # noqa: PLC0415

    try:
        template = ENVIRONMENT.from_string(source)
    except LiquidError as error:
        where = error.context()
        position = None if where is None else (where[0], where[1] + 1)
        raise LiquidTemplateError(_invalid(str(error.message), position)) from error
    for name, spans in template.analyze(include_partials=False).filters.items():
        if name not in ENVIRONMENT.filters:
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
