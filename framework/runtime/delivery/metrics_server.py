"""``GET /metrics`` alone, for a process without the settings server (``actions worker
--metrics-port``); anything else is a 404. Served by aiohttp on the process's event loop
(:mod:`framework.runtime.web`). Scrapes are not logged; a failure to render names its error's type
only (never its message)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from framework.engine.loop import engine_loop
from framework.runtime.delivery.metrics import CONTENT_TYPE
from framework.runtime.web import WebServer

logger = logging.getLogger("framework.runtime.delivery")

METRICS_PATH = "/metrics"
_TEXT = "text/plain; charset=utf-8"


class MetricsServer:
    """Serves the text ``metrics_source`` renders (e.g. the runtime's ``metrics_text``) on
    ``host``:``port`` (0: a free one) once :meth:`start` ran."""

    def __init__(self, host: str, port: int, metrics_source: Callable[[], Awaitable[str]]) -> None:
        self._source = metrics_source
        self._web = WebServer(self._handle, host, port)

    def start(self) -> None:
        """Listen and serve; ``OSError`` when the address cannot be bound."""
        engine_loop().run(self._web.start())

    @property
    def url(self) -> str:
        """Where the metrics are, e.g. ``http://127.0.0.1:9464/metrics``."""
        return f"{self._web.url}{METRICS_PATH}"

    def stop(self) -> None:
        """Stop accepting, answer the scrapes under way, close."""
        engine_loop().run(self._web.stop())

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        if request.method != "GET" or request.rel_url.raw_path != METRICS_PATH:
            return _answer(404, "only /metrics is served here\n", _TEXT)
        try:
            text = await self._source()
        except Exception as error:  # a bug: say which, never its message (secrets)
            logger.error("GET /metrics failed: %s", type(error).__name__)
            return _answer(500, f"metrics unavailable ({type(error).__name__})\n", _TEXT)
        return _answer(200, text, CONTENT_TYPE)


def _answer(status: int, text: str, content_type: str) -> web.Response:
    return web.Response(status=status, body=text.encode(), headers={"Content-Type": content_type})
