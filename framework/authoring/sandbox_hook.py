"""What a destination's ``sandbox`` hook is given and returns.

``Destination(..., sandbox=create_sandbox)`` where ``create_sandbox(settings, faults)``
returns a :class:`SandboxServer`, in practice a subclass of
:class:`framework.runtime.sandbox.Sandbox` (exported as ``framework.Sandbox``). The fault
kinds are described in that module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

FAULT_KINDS = ("429", "500", "503", "slow", "drop", "applied_drop", "applied_slow")


@dataclass(frozen=True)
class Faults:
    """Which faults a sandbox injects, how often, and how (see the module's docstring).

    ``seed`` makes the sequence of faults repeatable (the same requests, in the same
    order, get the same faults); ``None`` seeds from the system. Invalid values raise
    :class:`ValueError`.
    """

    rate: float = 0.0
    kinds: tuple[str, ...] = ("429", "500", "503", "slow", "drop", "applied_drop")
    seed: int | None = None
    slow_seconds: float = 2.0
    retry_after: float = 0.1

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, not {self.rate}")
        unknown = [kind for kind in self.kinds if kind not in FAULT_KINDS]
        if unknown:
            raise ValueError(
                f"unknown fault kind {', '.join(unknown)} (known: {', '.join(FAULT_KINDS)})"
            )
        if self.rate > 0 and not self.kinds:
            raise ValueError("a fault rate above 0 needs at least one fault kind")
        if self.slow_seconds < 0 or self.retry_after < 0:
            raise ValueError("slow_seconds and retry_after must not be negative")


NO_FAULTS = Faults()


@dataclass(frozen=True)
class Latency:
    """How late a sandbox answers its API requests: ``seconds`` after handling one, plus a
    uniform random jitter in [-``jitter``, +``jitter``], never less than 0.

    ``seed`` makes the jitter repeatable (the sequence starts over at each start);
    ``None`` seeds from the system. Negative values raise :class:`ValueError`.
    """

    seconds: float = 0.0
    jitter: float = 0.0
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.seconds < 0 or self.jitter < 0:
            raise ValueError("latency and jitter must not be negative")


NO_LATENCY = Latency()


class SandboxServer(Protocol):
    """What ``actions sandbox`` needs of the object a sandbox hook returns."""

    faults: Faults
    latency: Latency

    @property
    def url(self) -> str: ...

    def start(self, host: str = ..., port: int = ...) -> str: ...

    def stop(self) -> None: ...
