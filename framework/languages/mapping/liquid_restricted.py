"""python-liquid restricted to the limits of :mod:`.liquid_limits`: the environment that
:mod:`.liquid_engine` parses with, and the words of a rendering's failure. A module of its
own so that python-liquid is imported with the first template, not with the mapping
language."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sized
from typing import Any, ClassVar

from liquid import Environment, Tag
from liquid.ast import Node
from liquid.exceptions import (
    FilterArgumentError,
    LiquidError,
    LiquidSyntaxError,
    ResourceLimitError,
)
from liquid.stream import TokenStream
from liquid.stringify import to_liquid_string

from .liquid_limits import (
    DISABLED_FILTERS,
    DISABLED_TAGS,
    MAX_NUMBER,
    MAX_SIZE,
    LimitReached,
    out_of_range,
    size,
    spend,
)


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


def failure(error: Exception) -> str | None:
    """Why rendering failed, and where: words that never hold a value; ``None`` for an
    error that is neither python-liquid's nor a limit's."""
    if isinstance(error, LimitReached):
        return str(error)
    if not isinstance(error, LiquidError):
        return None
    if isinstance(error, ResourceLimitError | LiquidSyntaxError | _Refused):
        reason = str(error.message)
    else:  # e.g. a comparison of a string with a number
        reason = "a value cannot be used there"
    where = error.context()
    return reason if where is None else f"{reason} (line {where[0]}, column {where[1] + 1})"


def _guarded(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` within the limits (attributes kept): its work spent from the budget,
    numbers checked, results sized, and its failures worded without values."""
    size_before = _BEFOREHAND.get(name)

    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        given = (*args, *kwargs.values())
        spend(1 + sum(size(value) for value in given))
        if any(out_of_range(value) for value in given):
            raise LimitReached(f"{name}: numbers must be within ±{MAX_NUMBER:.1e}")
        if size_before is not None and size_before(*args, **kwargs) > MAX_SIZE:
            raise LimitReached(f"{name}: the result would be longer than {MAX_SIZE}")
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
            raise LimitReached(f"{name}: the result is longer than {MAX_SIZE}")
        if out_of_range(result):
            raise LimitReached(f"{name}: numbers must be within ±{MAX_NUMBER:.1e}")
        spend(size(result))
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


ENVIRONMENT: Environment = _Restricted()
"""The environment every ``@liquid`` template is parsed in."""
