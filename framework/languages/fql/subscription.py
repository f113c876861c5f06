"""A compiled subscription: the FQL text plus the predicate it was compiled into."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from framework.languages.fql.compiler import Predicate, compile_node
from framework.languages.fql.parser import parse

__all__ = ["Subscription", "compile_subscription"]


@dataclass(frozen=True, slots=True)
class Subscription:
    """An FQL subscription, parsed and compiled once. Make one with ``compile_subscription``.

    Calling the object is the same as calling ``matches``. Equality and hashing use
    ``source`` only.
    """

    source: str
    _predicate: Predicate = field(repr=False, compare=False)

    def matches(self, event: Mapping[str, Any]) -> bool:
        """Whether ``event`` is selected. Anything that is not a mapping is never selected."""
        if type(event) is not dict and not isinstance(event, Mapping):
            return False
        return self._predicate(event)

    __call__ = matches


def compile_subscription(source: str) -> Subscription:
    """Parse and compile FQL ``source``.

    Raises ``framework.core.errors.SubscriptionSyntaxError`` (with the 0-based ``position``)
    if ``source`` is empty or not valid FQL.
    """
    if not isinstance(source, str):
        raise TypeError(f"an FQL subscription must be a str, not {type(source).__name__}")
    return Subscription(source, compile_node(parse(source)))
