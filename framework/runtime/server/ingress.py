"""Segment's HTTP Tracking API on the settings server, and ``/metrics``, when it runs with
a delivery runtime (``actions serve --config FILE``)::

    POST /v1/track | identify | page | screen | group | alias | batch
    GET  /metrics                                   Prometheus text format

A call answers ``200 {"success": true}`` once its valid events are durably queued (the
invalid events of a batch are dropped one by one, see :mod:`framework.runtime.delivery.intake`); a
refusal is 400 (malformed JSON, past Segment's size limits, a single call's invalid event),
401 (no or an unknown write key) or 503 with ``Retry-After`` (the queue cannot store the
events now, as when Redis is down: nothing was stored). Its body is ``{"code", "message",
"error": {"code", "message"}}``: the top-level pair is what segment-analytics-python reads
(the Node libraries read only the status), ``error`` the settings server's usual shape. Any
Content-Type is accepted (browsers send ``text/plain``); the write key authenticates the
call. Both are awaited on the server's event loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from framework.runtime.delivery.intake import CALLS, IntakeError
from framework.runtime.delivery.metrics import CONTENT_TYPE
from framework.runtime.delivery.queue import QueueUnavailable
from framework.runtime.server.routes import Response, json_response

CALL_PATHS = {f"/v1/{call}": call for call in CALLS}
METRICS_PATH = "/metrics"
QUEUE_RETRY_AFTER = 1  # seconds a client is asked to wait when the queue is unavailable


class IngressRuntime(Protocol):
    """What the ingress needs of the delivery runtime."""

    async def accept(
        self, call: str, raw: bytes, *, encoding: str | None, authorization: str | None
    ) -> int:
        """Queue a call's events durably; :class:`IntakeError` or :class:`QueueUnavailable`
        when refused."""

    async def metrics_text(self) -> str:
        """The metrics in Prometheus text format."""


class Ingress:
    """The Tracking API and the metrics of ``runtime``."""

    def __init__(self, runtime: IngressRuntime) -> None:
        self._runtime = runtime

    def allowed(self, path: str) -> str | None:
        """The one method ``path`` answers to here, or ``None`` when it is not ours."""
        if path in CALL_PATHS:
            return "POST"
        return "GET" if path == METRICS_PATH else None

    async def dispatch(self, path: str, headers: Mapping[str, str], raw: bytes) -> Response:
        """The response to a request whose method is the one :meth:`allowed` names."""
        if path == METRICS_PATH:
            return Response(200, (await self._runtime.metrics_text()).encode(), CONTENT_TYPE)
        try:
            await self._runtime.accept(
                CALL_PATHS[path],
                raw,
                encoding=headers.get("Content-Encoding"),
                authorization=headers.get("Authorization"),
            )
        except IntakeError as error:
            extra = {"WWW-Authenticate": 'Basic realm="actions"'} if error.status == 401 else {}
            return refusal(error.status, error.code, error.message, extra)
        except QueueUnavailable as error:  # Segment's libraries retry a 503
            retry = {"Retry-After": str(QUEUE_RETRY_AFTER)}
            return refusal(503, error.code, error.message, retry)
        return json_response(200, {"success": True})


def refusal(status: int, code: str, message: str, headers: Mapping[str, str]) -> Response:
    """A refusal as Segment's libraries read it (see the module)."""
    answer = json_response(
        status, {"code": code, "message": message, "error": {"code": code, "message": message}}
    )
    return Response(answer.status, answer.body, answer.content_type, dict(headers))
