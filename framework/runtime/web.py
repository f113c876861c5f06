"""The one HTTP server stack of every server the framework runs (the settings page and its
API, the ingress, ``/metrics``, sandboxes): aiohttp's low-level server on the process's
event loop, with the framework's own routing in the handler.

:class:`WebServer` listens with a backlog of 1,024 (the standard library's server had 5, and
reset connections at 50 simultaneous clients), speaks HTTP/1.1 with keep-alive, and stops
gracefully: :meth:`WebServer.stop` closes the listening socket, lets the requests under way
finish (for at most ``shutdown_grace`` seconds), then closes every connection.
:class:`StopSignals` is what the commands block on until SIGTERM or SIGINT.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import Any

from aiohttp import web

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]
BACKLOG = 1024
SHUTDOWN_GRACE = 30.0  # seconds the requests under way get to finish at stop
KEEPALIVE_SECONDS = 75.0  # an idle client connection is closed after this


class _WithoutRequestBytes(logging.Filter):
    """aiohttp logs a malformed request with the parser's error, which quotes the bytes of
    the offending line (an ``Authorization`` header, say): keep the line and the error's
    type, drop the quote."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            record.msg = f"{record.getMessage()} ({record.exc_info[0].__name__})"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


logging.getLogger("aiohttp.server").addFilter(_WithoutRequestBytes())


class WebServer:
    """``handler`` served on ``host``:``port`` (0: a free port) once :meth:`start` ran."""

    def __init__(
        self,
        handler: Handler,
        host: str,
        port: int,
        *,
        backlog: int = BACKLOG,
        shutdown_grace: float = SHUTDOWN_GRACE,
    ) -> None:
        self._host = host
        self._port = port
        self._backlog = backlog
        self._handler = handler
        self._shutdown_grace = shutdown_grace
        self._runner: web.ServerRunner | None = None
        self.port = 0

    async def start(self) -> str:
        """Listen; the base URL, e.g. ``http://127.0.0.1:8321`` (no trailing slash). Raises
        ``OSError`` when the address cannot be bound."""
        # bodies arrive as sent: the ingress inflates gzip itself, within its size limits
        server = web.Server(
            self._handler,
            access_log=None,
            auto_decompress=False,
            keepalive_timeout=KEEPALIVE_SECONDS,
        )
        runner = web.ServerRunner(server, shutdown_timeout=self._shutdown_grace)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port, backlog=self._backlog)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        return self.url

    @property
    def url(self) -> str:
        """The base URL while serving (no trailing slash)."""
        shown = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{shown}:{self.port}"

    async def stop(self) -> None:
        """Stop accepting, finish the requests under way (within the grace), close."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()


class StopSignals:
    """SIGTERM and SIGINT, caught from the moment the ``with`` block starts (so one that
    arrives while the process starts up is not lost), until it ends; :meth:`wait` blocks
    the main thread until one arrives and returns its name. The previous handlers are
    restored at the end, so a second Ctrl-C while shutting down interrupts as usual."""

    def __init__(self) -> None:
        self._received: list[str] = []
        self._arrived = threading.Event()
        self._previous: dict[signal.Signals, Any] = {}

    def __enter__(self) -> StopSignals:
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._previous[sig] = signal.signal(sig, self._note)
        return self

    def _note(self, signum: int, _frame: FrameType | None) -> None:
        self._received.append(signal.Signals(signum).name)
        self._arrived.set()

    def wait(self) -> str:
        """Block until SIGTERM or SIGINT has arrived; the first one's name."""
        self._arrived.wait()
        return self._received[0]

    def __exit__(self, *_: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
