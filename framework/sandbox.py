"""Sandboxes: local emulators of a destination's API, for demos, tests and benchmarks.

A destination package may provide a ``sandbox`` module with
``create_sandbox(settings, faults) -> Sandbox``; ``actions sandbox SLUG`` finds it with
:func:`sandbox_factory`. This module holds what every sandbox shares: a standard library
HTTP server (HTTP/1.1, keep-alive, loopback by default) started and stopped in the
background, and seeded fault injection. A sandbox answers each request with
:meth:`Sandbox.handle`; paths under ``/sandbox/`` are its own inspection endpoints and
never get a fault.

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
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import random
import socket
import sys
import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self, cast
from urllib.parse import urlsplit

from framework.definition import Destination
from framework.errors import DefinitionError

logger = logging.getLogger("framework.sandbox")

FAULT_KINDS = ("429", "500", "503", "slow", "drop", "applied_drop", "applied_slow")
INSPECTION_PREFIX = "/sandbox/"
MAX_BODY = 1_000_000  # bytes
_POLL_SECONDS = 0.05  # how soon the serving thread notices stop()
_FAULT_STATUS = {"429": 429, "500": 500, "503": 503, "slow": 503}
_FAULT_MESSAGES = {
    429: "Too many requests (sandbox fault)",
    500: "Internal server error (sandbox fault)",
    503: "Service unavailable (sandbox fault)",
}


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
class SandboxRequest:
    """One request as a sandbox sees it: header names are lower case, the query is cut."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Reply:
    """A sandbox's answer: a status, a JSON body and extra headers."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


class Sandbox(ABC):
    """A destination's API on this machine; subclasses implement :meth:`handle`.

    ``start`` serves in a background thread and returns the base URL; ``stop`` (or leaving
    the ``with`` block) closes every connection, cuts the slow faults short and waits for
    the server's threads: once it returns, nothing is served and nothing changes.
    """

    def __init__(self, *, faults: Faults = NO_FAULTS) -> None:
        self.faults = faults
        self._random = random.Random(faults.seed)
        self._random_lock = threading.Lock()
        self._injected: Counter[str] = Counter()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @abstractmethod
    def handle(self, request: SandboxRequest) -> Reply:
        """Answer one request, changing the sandbox's state as the real API would."""

    def error_body(self, message: str, code: str) -> Any:
        """An error body in the emulated API's shape (fault replies use it too)."""
        return {"error": {"code": code, "message": message}}

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
        """Serve on ``host``:``port`` (0: a free port) in the background; the base URL."""
        if self._server is not None:
            raise RuntimeError("the sandbox is already started")
        self._stopping.clear()
        self._server = _Server(self, host, port)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(_POLL_SECONDS,), name="sandbox", daemon=True
        )
        self._thread.start()
        return self._server.url

    def stop(self) -> None:
        """Stop serving (nothing happens when not started)."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join()
        self._server = self._thread = None

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

    def pause(self) -> None:
        """A slow fault's wait: ``slow_seconds``, cut short by :meth:`stop`."""
        self._stopping.wait(self.faults.slow_seconds)


class _Server(ThreadingHTTPServer):
    """The HTTP server of one sandbox: a daemon thread per connection, each known, so that
    :meth:`close_connections` can end them all (idle keep-alive ones too)."""

    def __init__(self, sandbox: Sandbox, host: str, port: int) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sandbox = sandbox
        self._handlers: dict[socket.socket, threading.Thread] = {}
        self._handlers_lock = threading.Lock()
        super().__init__((host, port), _Handler)
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.server_address[1]}"

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread, args=(request, client_address), daemon=True
        )
        with self._handlers_lock:
            self._handlers[request] = thread
        thread.start()

    def shutdown_request(self, request: Any) -> None:
        with self._handlers_lock:
            self._handlers.pop(request, None)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Shut every open connection down and wait for the threads that served them."""
        with self._handlers_lock:
            handlers = list(self._handlers.items())
        for connection, _ in handlers:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)
        for _, thread in handlers:
            thread.join()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (after a time-out, or at stop) is not an error."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Reads a request, draws a fault, lets the sandbox handle it, answers (or drops)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms wait
    server_version = "ActionsSandbox/1"

    def _serve(self) -> None:
        sandbox = cast(_Server, self.server).sandbox
        request = self._read(sandbox)
        if request is None:
            return
        kind = sandbox.pick_fault(request.path)
        reply = sandbox.fault_reply(kind)  # 429, 500, 503, slow: instead of handling it
        if kind in ("slow", "applied_slow"):
            self.close_connection = True  # the client has most likely given up
        if kind == "slow":
            sandbox.pause()
        if reply is None and kind != "drop":
            reply = sandbox.handle(request)  # no fault, or an applied_* one
        if kind == "applied_slow":
            sandbox.pause()
        suffix = f" (fault {kind})" if kind else ""
        if reply is None or kind == "applied_drop":
            self.close_connection = True
            logger.info("%s %s dropped%s", request.method, request.path, suffix)
            return
        logger.info("%s %s %d%s", request.method, request.path, reply.status, suffix)
        self._send(reply)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def _read(self, sandbox: Sandbox) -> SandboxRequest | None:
        """The request, or None after refusing a body that is too large or unreadable."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.close_connection = True
            message = f"Content-Length must be a number of bytes up to {MAX_BODY}"
            self._send(Reply(413, sandbox.error_body(message, "E413")))
            return None
        headers = {name.lower(): value for name, value in self.headers.items()}
        path = urlsplit(self.path).path
        return SandboxRequest(self.command, path, headers, self.rfile.read(length))

    def _send(self, reply: Reply) -> None:
        payload = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Requests are logged by ``_serve`` (never a body or a header)."""


SandboxFactory = Callable[[Mapping[str, Any], Faults], Sandbox]


def sandbox_factory(destination: Destination) -> SandboxFactory | None:
    """The ``create_sandbox`` of the ``sandbox`` module in the package that defines
    ``destination`` (the package of a module whose module-level ``destination`` it is),
    or None when that package has none. A ``sandbox`` module that fails to import or has
    no ``create_sandbox`` is a :class:`DefinitionError`."""
    for package in _defining_packages(destination):
        name = f"{package}.sandbox"
        try:
            module = importlib.import_module(name)
        except Exception as error:  # a broken plugin module is reported, not a traceback
            if isinstance(error, ModuleNotFoundError) and error.name == name:
                continue
            message = f"{name} cannot be imported: {type(error).__name__}: {error}"
            raise DefinitionError(message) from None
        factory = getattr(module, "create_sandbox", None)
        if not callable(factory):
            raise DefinitionError(f"{name} has no create_sandbox(settings, faults) function")
        return cast(SandboxFactory, factory)
    return None


def _defining_packages(destination: Destination) -> list[str]:
    """The packages of the loaded modules whose module-level ``destination`` it is."""
    found: set[str] = set()
    for module in list(sys.modules.values()):
        if getattr(module, "__dict__", {}).get("destination") is destination:
            is_package = hasattr(module, "__path__")
            found.add(module.__name__ if is_package else module.__package__ or "")
    return sorted(name for name in found if name)
