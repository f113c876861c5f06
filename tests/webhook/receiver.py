"""A webhook's receiving end on loopback, for tests and the batching benchmark: it records
every request (method, path, lower-case headers, body bytes and parsed JSON) in arrival
order and answers each with the status ``answer(body)`` gives (200 by default), after its
latency. It is a :class:`framework.runtime.sandbox.Sandbox`, so it serves on the engine's loop and
stops with the ``with`` block."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from framework import NO_LATENCY, Latency, Reply, Sandbox, SandboxRequest


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw it."""

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any


class WebhookReceiver(Sandbox):
    """Records requests; ``answer`` chooses each one's status from its parsed body."""

    def __init__(
        self, answer: Callable[[Any], int] | None = None, *, latency: Latency = NO_LATENCY
    ) -> None:
        super().__init__(latency=latency)
        self._answer = answer
        self._lock = threading.Lock()
        self._received: list[Received] = []

    def handle(self, request: SandboxRequest) -> Reply:
        body = json.loads(request.body)
        with self._lock:
            self._received.append(
                Received(request.method, request.path, dict(request.headers), request.body, body)
            )
        status = self._answer(body) if self._answer is not None else 200
        return Reply(status, {"ok": status < 300})

    def received(self) -> list[Received]:
        """Every request so far, in arrival order."""
        with self._lock:
            return list(self._received)

    def events(self) -> int:
        """How many events the requests so far carried (an array's items, or one)."""
        return sum(len(got.body) if isinstance(got.body, list) else 1 for got in self.received())
