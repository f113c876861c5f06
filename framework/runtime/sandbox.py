"""Sandboxes: local emulators of a destination's API, for demos, tests and benchmarks.

A destination declares its sandbox with its ``sandbox`` hook,
``Destination(..., sandbox=create_sandbox)`` where ``create_sandbox(settings, faults) ->
Sandbox``; ``actions sandbox SLUG`` runs it. This module holds what every sandbox
shares: the HTTP side (a
:class:`framework.runtime.web.WebServer` on the process's event loop: HTTP/1.1, keep-alive,
loopback by default), started and stopped from synchronous code, seeded fault injection
and latency. A sandbox answers each request with :meth:`Sandbox.handle` (synchronous: it
is cheap, in-memory state), called on the loop, with a :class:`Reply` (JSON by default, or
text of another ``content_type``: an HTML page, an empty redirect); paths under
``/sandbox/`` are its own inspection endpoints and never get a fault or latency. A sandbox
may compose an emulated OAuth 2.0 authorization server
(:class:`framework.runtime.sandbox_oauth.SandboxOAuth`), whose endpoints get faults and
latency like the rest of its API.

Fault kinds (``Faults.kinds``), drawn for a request with probability ``Faults.rate``:

- ``429``: Too Many Requests with ``Retry-After: {retry_after}``, not handled;
- ``500``, ``503``: a server error, not handled;
- ``slow``: no answer for ``slow_seconds`` (past a client's time-out), then a 503; not
  handled;
- ``drop``: the connection is closed without a response; not handled;
- ``applied_drop``: handled (a transaction is applied), then the connection is closed
  without a response: the client cannot tell whether it was applied;
- ``applied_slow``: handled, then answered only after ``slow_seconds``.

The two ``applied_*`` kinds are the ambiguous failures that only an idempotency key makes
safe to retry.

Latency (:class:`Latency`) is a real API's processing time: every API request is handled
at once (a transaction is applied), and its outcome (the answer, a fault's answer or a
dropped connection) comes ``seconds`` plus a uniform random jitter later. The waits are
asynchronous: thousands of requests can wait at once. :meth:`Sandbox.stop` cuts every wait
(latency and slow faults) short and answers the requests under way.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

from framework.authoring.definition import Destination
from framework.authoring.sandbox_hook import (
    NO_FAULTS,
    NO_LATENCY,
    Faults,
    Latency,
    SandboxServer,
)
from framework.core.json_text import JsonTextError, dump_json, located
from framework.engine.loop import engine_loop
from framework.runtime.web import WebServer

logger = logging.getLogger("framework.runtime.sandbox")

INSPECTION_PREFIX = "/sandbox/"
MAX_BODY = 1_000_000  # bytes
# seconds stop gives the requests under way: their waits end at once, so only a body still
# arriving can take this long
_SHUTDOWN_GRACE = 5.0
_SLOW_KINDS = ("slow", "applied_slow")
_FAULT_STATUS = {"429": 429, "500": 500, "503": 503, "slow": 503}
_FAULT_MESSAGES = {
    429: "Too many requests (sandbox fault)",
    500: "Internal server error (sandbox fault)",
    503: "Service unavailable (sandbox fault)",
}
JSON = "application/json"
_HEADERS = {"Content-Type": JSON, "Server": "ActionsSandbox/1"}


@dataclass(frozen=True)
class SandboxRequest:
    """One request as a sandbox sees it: header names are lower case; ``path`` has no query,
    ``query`` is the query string as sent (percent-encoded, without ``?``)."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    query: str = ""


@dataclass(frozen=True)
class Reply:
    """A sandbox's answer: a status, a body and extra headers. The body is JSON, or with
    another ``content_type`` (e.g. ``text/html; charset=utf-8``) a string sent as UTF-8."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = JSON


class Sandbox(ABC):
    """A destination's API on this machine; subclasses implement :meth:`handle`.

    ``start`` serves on the process's event loop and returns the base URL; ``stop`` (or
    leaving the ``with`` block) cuts the waits short, answers the requests under way and
    closes every connection, idle keep-alive ones too: once it returns, nothing is served
    and nothing changes. ``latency`` may also be set as an attribute before ``start``
    (that is how ``actions sandbox --latency`` gives it to any destination's sandbox).
    """

    def __init__(self, *, faults: Faults = NO_FAULTS, latency: Latency = NO_LATENCY) -> None:
        self.faults = faults
        self.latency = latency
        self._random = random.Random(faults.seed)
        self._random_lock = threading.Lock()
        self._injected: Counter[str] = Counter()
        self._jitter = random.Random(latency.seed)
        self._pauses = _Pauses()
        self._server: WebServer | None = None

    @abstractmethod
    def handle(self, request: SandboxRequest) -> Reply:
        """Answer one request, changing the sandbox's state as the real API would."""

    def error_body(self, message: str, code: str) -> Any:
        """An error body in the emulated API's shape (fault replies use it too)."""
        return {"error": {"code": code, "message": message}}

    def notes(self) -> list[tuple[str, str]]:
        """What ``actions sandbox`` prints under the URL about what this sandbox adds, as
        ``(label, text)`` lines (none by default; call it while serving)."""
        return []

    @property
    def url(self) -> str:
        """The base URL while serving."""
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        return self._server.url

    def injected(self) -> dict[str, int]:
        """How many faults of each kind were injected so far."""
        with self._random_lock:
            return dict(self._injected)

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host``:``port`` (0: a free port) on the process's event loop; the base
        URL. Raises ``OSError`` when the address cannot be bound."""
        if self._server is not None:
            raise RuntimeError("the sandbox is already started")
        server = WebServer(self._serve, host, port, shutdown_grace=_SHUTDOWN_GRACE)
        self._jitter = random.Random(self.latency.seed)
        self._pauses = _Pauses()
        url = engine_loop().run(server.start())
        self._server = server
        return url

    def stop(self) -> None:
        """Stop serving (nothing happens when not started)."""
        server, self._server = self._server, None
        if server is not None:
            engine_loop().run(self._shut_down(server))

    async def _shut_down(self, server: WebServer) -> None:
        self._pauses.end()  # on the loop: its futures are not thread-safe
        await server.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def pick_fault(self, path: str) -> str | None:
        """The fault for a request to ``path``, if any (seeded; never for inspection)."""
        if self.faults.rate == 0 or path.startswith(INSPECTION_PREFIX):
            return None
        with self._random_lock:
            if self._random.random() >= self.faults.rate:
                return None
            kind = self._random.choice(self.faults.kinds)
            self._injected[kind] += 1
            return kind

    def fault_reply(self, kind: str | None) -> Reply | None:
        """The reply a fault gives instead of handling the request (None: handle it)."""
        status = _FAULT_STATUS.get(kind or "")
        if status is None:
            return None
        headers = {"Retry-After": f"{self.faults.retry_after:g}"} if status == 429 else {}
        return Reply(status, self.error_body(_FAULT_MESSAGES[status], f"E{status}"), headers)

    def answer_delay(self, path: str, kind: str | None) -> float:
        """Seconds between handling a request to ``path`` and its outcome: the latency
        with its jitter, plus ``slow_seconds`` for a slow fault (0 for inspection)."""
        if path.startswith(INSPECTION_PREFIX):
            return 0.0
        latency = self.latency
        delay = latency.seconds
        if latency.jitter:
            delay = max(0.0, delay + self._jitter.uniform(-latency.jitter, latency.jitter))
        return delay + self.faults.slow_seconds if kind in _SLOW_KINDS else delay

    async def _serve(self, request: web.BaseRequest) -> web.StreamResponse:
        """Read the request, draw a fault, handle it, wait, answer (or drop)."""
        method, path = request.method, request.rel_url.raw_path
        try:
            body = await _read_body(request)
        except ConnectionError:  # the client went away before sending all of it
            return _drop(request)
        if body is None:
            logger.info("%s %s 413", method, path)
            message = f"The request body must not exceed {MAX_BODY} bytes"
            return self._response(Reply(413, self.error_body(message, "E413")), close=True)
        headers = {name.lower(): value for name, value in request.headers.items()}
        kind = self.pick_fault(path)
        reply = self.fault_reply(kind)  # 429, 500, 503, slow: instead of handling it
        if reply is None and kind != "drop":
            query = request.rel_url.raw_query_string
            reply = self.handle(SandboxRequest(method, path, headers, body, query))
        await self._pauses.wait(self.answer_delay(path, kind))
        suffix = f" (fault {kind})" if kind else ""
        if reply is None or kind == "applied_drop":
            logger.info("%s %s dropped%s", method, path, suffix)
            return _drop(request)
        logger.info("%s %s %d%s", method, path, reply.status, suffix)
        return self._response(reply, close=kind in _SLOW_KINDS)  # a slow one's client gave up

    def _response(self, reply: Reply, *, close: bool) -> web.Response:
        """``reply`` as a response; ``close``: the connection ends after it. A body JSON
        cannot hold (NaN, Infinity, a lone surrogate) is never written: the answer is a 500
        in the API's error shape naming where it is."""
        if reply.content_type != JSON:
            payload = str(reply.body).encode()
        else:
            try:
                payload = dump_json(reply.body).encode()
            except JsonTextError as error:
                where = located(error.reason, error.pointer or "")
                message = f"The sandbox cannot write its reply as JSON: {where}"
                reply = Reply(500, self.error_body(message, "E500"))
                payload = dump_json(reply.body).encode()
        headers = _HEADERS
        if reply.headers or reply.content_type != JSON:
            headers = {**_HEADERS, "Content-Type": reply.content_type, **reply.headers}
        response = web.Response(status=reply.status, body=payload, headers=headers)
        if close:
            response.force_close()
        return response


class _Pauses:
    """The waits of the requests under way, which :meth:`end` cuts short (for good).

    A future and a timer per wait (what ``asyncio.sleep`` costs), in a set, so that
    thousands of waits cost nothing to add, remove or end.
    """

    def __init__(self) -> None:
        self._waiting: set[asyncio.Future[None]] = set()
        self._ended = False

    async def wait(self, seconds: float) -> None:
        """Wait ``seconds``, or until :meth:`end`."""
        if seconds <= 0 or self._ended:
            return
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        timer = loop.call_later(seconds, _wake, waiter)
        self._waiting.add(waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiting.discard(waiter)

    def end(self) -> None:
        """End every wait under way and every later one at once."""
        self._ended = True
        for waiter in self._waiting:
            _wake(waiter)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


async def _read_body(request: web.BaseRequest) -> bytes | None:
    """The request's body; None when it is over :data:`MAX_BODY` (refused by its
    Content-Length before reading it, or as a chunked one arrives)."""
    if (request.content_length or 0) > MAX_BODY:
        return None
    body = bytearray()
    async for chunk in request.content.iter_any():
        body += chunk
        if len(body) > MAX_BODY:
            return None
    return bytes(body)


def _drop(request: web.BaseRequest) -> web.StreamResponse:
    """Close the connection without a response. aiohttp then fails to send the returned
    (empty) response and takes it as a client that went away: nothing is sent or logged."""
    transport = request.transport
    if transport is not None:
        transport.close()
    return web.StreamResponse()


SandboxFactory = Callable[[Mapping[str, Any], Faults], SandboxServer]


def sandbox_factory(destination: Destination) -> SandboxFactory | None:
    """The destination's ``sandbox`` hook, or None when it has none."""
    return destination.sandbox
