"""A compiled subscription: the FQL text plus the predicate it was compiled into."""

from __future__ import annotations

from dataclasses import dataclass, field

from framework.core.errors import SubscriptionSyntaxError
from framework.languages.fql.compiler import Predicate, compile_node
from framework.languages.fql.parser import parse

__all__ = ["Subscription", "compile_subscription"]


@dataclass(frozen=True, slots=True)
class Subscription:
    """An FQL subscription, parsed and compiled once. Make one with ``compile_subscription``.

    ``matches(event)`` tells whether ``event`` is selected; anything that is not a mapping
    is never selected. It is the compiled function itself (no method call in between).
    Calling the object is the same as calling ``matches``. Equality and hashing use
    ``source`` only.
    """

    source: str
    matches: Predicate = field(repr=False, compare=False)

    def __call__(self, event: object) -> bool:
        return self.matches(event)


def compile_subscription(source: str) -> Subscription:
    """Parse and compile FQL ``source``.

    Raises ``framework.core.errors.SubscriptionSyntaxError`` (with the 0-based ``position``)
    if ``source`` is empty, not valid FQL, or too large to compile in the memory and stack
    at hand.
    """
    if not isinstance(source, str):
        raise TypeError(f"an FQL subscription must be a str, not {type(source).__name__}")
    try:
        return Subscription(source, compile_node(parse(source)))
    except (RecursionError, MemoryError):
        raise SubscriptionSyntaxError(
            "subscription too large to compile", position=0, source=source
        ) from None
