"""A lean httpx transport for the workers: HTTP/1.1 over plain sockets, one kept-alive
connection per (thread, origin).

Measured on loopback, httpx's default transport (httpcore and h11, pure Python) costs about
400 µs of CPU more per request than the standard library's ``http.client``, and
``http.client`` (header parsing through the ``email`` package) about 100 µs more than
this; the workers send one request per event, so this is most of a delivery's CPU.
Everything above it (``httpx.Client``, the framework's request client and error
classification) is unchanged.

It speaks what a JSON API needs: one request written at once, a response with
``Content-Length``, chunked or read to the end; informational (1xx) responses skipped;
header names and values checked (no CR or LF: no header injection). The address guard still
applies at connection time: a connection to any host other than the operator's own
(``trusted`` hosts: the configured base URLs) goes to an address the guard has just
approved, as :class:`framework.guard.GuardedTransport` does.
"""

from __future__ import annotations

import select
import socket
import ssl
import threading
from collections.abc import Iterable
from typing import BinaryIO

import httpx

from framework.guard import AddressGuard

_Origin = tuple[str, str, int]
_MAX_LINE = 65_536
_MAX_HEADERS = 100
_MAX_INFORMATIONAL = 10  # 1xx responses skipped before the real one
_NO_BODY = frozenset({204, 304})


class _Connection:
    """A socket and its buffered reader."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader: BinaryIO = sock.makefile("rb")

    def closed_by_peer(self) -> bool:
        """An idle kept-alive connection that is readable has been closed by the server."""
        readable, _, _ = select.select([self.sock], [], [], 0)
        return bool(readable)

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


class KeepAliveTransport(httpx.BaseTransport):
    """Sends each request over this thread's connection to its origin, opening one when
    there is none or the server closed it; never follows redirects (the client does not)."""

    def __init__(
        self, *, timeout: float, guard: AddressGuard | None, trusted: Iterable[str] = ()
    ) -> None:
        self._timeout = timeout
        self._guard = guard
        self._trusted = frozenset(trusted)
        self._tls = ssl.create_default_context()
        self._local = threading.local()
        self._all: list[_Connection] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        head = _head(request)
        connection = self._connection(origin, request)
        try:
            connection.sock.sendall(head + request.read())
            status, headers, will_close = _read_head(connection.reader)
            content, until_close = _read_body(connection.reader, request.method, status, headers)
        except TimeoutError as error:
            self._drop(origin)
            raise httpx.ReadTimeout(str(error) or "timed out", request=request) from None
        except (OSError, ValueError) as error:
            self._drop(origin)
            raise httpx.RemoteProtocolError(type(error).__name__, request=request) from None
        if will_close or until_close:
            self._drop(origin)
        return httpx.Response(status, headers=headers, content=content)

    def _connection(self, origin: _Origin, request: httpx.Request) -> _Connection:
        pool: dict[_Origin, _Connection] = self._local.__dict__.setdefault("pool", {})
        connection = pool.get(origin)
        if connection is not None and connection.closed_by_peer():
            self._drop(origin)
            connection = None
        if connection is None:
            try:
                connection = _Connection(self._open(origin))
            except TimeoutError as error:
                raise httpx.ConnectTimeout(str(error), request=request) from None
            except OSError as error:
                raise httpx.ConnectError(str(error), request=request) from None
            pool[origin] = connection
            with self._lock:
                self._all.append(connection)
        return connection

    def _open(self, origin: _Origin) -> socket.socket:
        scheme, host, port = origin
        address = host
        if self._guard is not None and host not in self._trusted:
            address = str(self._guard.addresses(host)[0])
        sock = socket.create_connection((address, port), self._timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if scheme == "https":
            return self._tls.wrap_socket(sock, server_hostname=host)
        return sock

    def _drop(self, origin: _Origin) -> None:
        connection = self._local.__dict__.get("pool", {}).pop(origin, None)
        if connection is not None:
            connection.close()
            with self._lock:
                self._all.remove(connection)

    def close(self) -> None:
        """Close every thread's connections."""
        with self._lock:
            connections, self._all = self._all, []
        for connection in connections:
            connection.close()


def _head(request: httpx.Request) -> bytes:
    """The request line and headers (httpx has set Host and Content-Length)."""
    lines = [b"%s %s HTTP/1.1" % (request.method.encode("ascii"), request.url.raw_path)]
    for name, value in request.headers.raw:
        if b"\r" in name or b"\n" in name or b"\r" in value or b"\n" in value or b":" in name:
            raise httpx.LocalProtocolError("a header name or value contains CR, LF or ':'")
        lines.append(name + b": " + value)
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _line(reader: BinaryIO) -> bytes:
    line = reader.readline(_MAX_LINE)
    if not line:
        raise ConnectionResetError("the server closed the connection")
    if not line.endswith(b"\n"):
        raise ValueError("a line of the response is too long")
    return line


def _read_head(reader: BinaryIO) -> tuple[int, list[tuple[str, str]], bool]:
    """Status, headers and whether the server will close, skipping 1xx responses."""
    for _ in range(_MAX_INFORMATIONAL + 1):
        version, status_text, *_ = [*_line(reader).split(None, 2), b""]
        status = int(status_text)
        headers = _headers(reader)
        if not 100 <= status < 200:
            connection = {v.lower() for name, v in headers if name.lower() == "connection"}
            will_close = "close" in connection or (
                version == b"HTTP/1.0" and "keep-alive" not in connection
            )
            return status, headers, will_close
    raise ValueError("too many informational responses")


def _headers(reader: BinaryIO) -> list[tuple[str, str]]:
    """Header lines up to the blank line (trailers too)."""
    headers: list[tuple[str, str]] = []
    while (line := _line(reader)) not in (b"\r\n", b"\n"):
        if len(headers) == _MAX_HEADERS:
            raise ValueError("the response has too many headers")
        name, _, value = line.partition(b":")
        headers.append((name.strip().decode("latin-1"), value.strip().decode("latin-1")))
    return headers


def _read_body(
    reader: BinaryIO, method: str, status: int, headers: list[tuple[str, str]]
) -> tuple[bytes, bool]:
    """The body, and whether it was delimited by the connection's end."""
    if method == "HEAD" or status in _NO_BODY:
        return b"", False
    fields = {name.lower(): value for name, value in headers}
    if "chunked" in fields.get("transfer-encoding", "").lower():
        return _read_chunked(reader), False
    if "content-length" in fields:
        length = int(fields["content-length"])
        content = reader.read(length)
        if len(content) != length:
            raise ConnectionResetError("the response body is shorter than its Content-Length")
        return content, False
    return reader.read(), True


def _read_chunked(reader: BinaryIO) -> bytes:
    parts: list[bytes] = []
    while size := int(_line(reader).split(b";", 1)[0].strip(), 16):
        chunk = reader.read(size + 2)
        if len(chunk) != size + 2:
            raise ConnectionResetError("the response ended inside a chunk")
        parts.append(chunk[:-2])
    _headers(reader)  # trailers, dropped
    return b"".join(parts)
