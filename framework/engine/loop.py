"""The process's one event loop, in a background thread.

Everything that does network I/O runs on it: the delivery engine's requests, the workers,
the HTTP servers. Synchronous code (the command line, the settings API's operations,
tests) hands it a coroutine with :meth:`LoopThread.run` and blocks until the result is
there; code already on the loop awaits instead. uvloop drives the loop where it is
installed (it roughly halves the loop's own CPU per request).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_shared: LoopThread | None = None


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A new event loop: uvloop's when it is installed, else asyncio's own."""
    try:
        import uvloop  # noqa: PLC0415 (optional: not on every platform)
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class LoopThread:
    """An event loop running forever in a daemon thread."""

    def __init__(self, name: str = "engine-loop") -> None:
        self.loop = new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule ``coroutine`` on the loop; its future (from any thread)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the loop and wait for its result (or exception). Calling it
        from the loop's own thread would wait forever, so that is refused."""
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise RuntimeError("LoopThread.run called on the loop's own thread: await instead")
        return self.submit(coroutine).result()

    def in_loop_thread(self) -> bool:
        """Whether the caller runs on the loop's thread."""
        return threading.current_thread() is self._thread


def engine_loop() -> LoopThread:
    """The process's shared loop, started on first use."""
    global _shared  # noqa: PLW0603 (one loop per process, started lazily)
    with _lock:
        if _shared is None:
            _shared = LoopThread()
        return _shared
