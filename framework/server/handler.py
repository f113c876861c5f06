"""The HTTP side of the settings server (standard library only): limits, JSON bodies,
security headers and logging.

Every refusal is a JSON error ``{"error": {"code", "message"}}``: 400 for a body that is
not a JSON object, 403 for a Host that is not loopback (DNS rebinding) on a loopback
server, 404, 405, 411 without Content-Length, 413 past the body limit, 415 for a body
that is not ``application/json`` (so no other site's form can post to it; the ingress's
calls, authenticated by a write key, take any type and read their own bodies). The log has one
line per request (method, path without query, status) and never a body, a query string or
an exception message, so never a secret.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from framework.json_text import JsonTextError, parse_json
from framework.server.api import SettingsApi
from framework.server.errors import ApiError, bad_request
from framework.server.routes import Response, Router, error_response

if TYPE_CHECKING:
    from framework.server.ingress import Ingress

logger = logging.getLogger("framework.server")

MAX_BODY = 1_000_000  # bytes: settings, mappings and an event fit many times over
_LINGER_BYTES = 64 * MAX_BODY  # unread request bytes read (and dropped) before closing
_LINGER_SECONDS = 2.0  # the longest wait for more of them
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'",
}


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address, IPv6 with or without brackets) is loopback."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SettingsServer(ThreadingHTTPServer):
    """Serves the settings page and its API; ``url`` is where (port 0 picks a free one)."""

    daemon_threads = True

    def __init__(
        self,
        host: str,
        port: int,
        api: SettingsApi,
        *,
        max_body: int = MAX_BODY,
        ingress: Ingress | None = None,
        ui: bool = True,
    ):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.router = Router(api, ingress=ingress, ui=ui)
        self.max_body = max_body
        self.loopback = is_loopback(host)
        super().__init__((host, port), _Handler)

    def shutdown_request(self, request: Any) -> None:
        """Close after reading what the client still sends (an unread or refused body):
        closing a socket with unread input resets the connection, and the client could
        lose the response (a 411 or a 413) before reading it."""
        try:
            request.shutdown(socket.SHUT_WR)
            request.settimeout(_LINGER_SECONDS)
            remaining = _LINGER_BYTES
            while remaining > 0 and (chunk := request.recv(65536)):
                remaining -= len(chunk)
        except OSError:
            pass
        self.close_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that failed outside a request's handling (the client went away):
        one log line naming the error's type, never its message."""
        kind = sys.exc_info()[0]
        name = kind.__name__ if kind is not None else "unknown error"
        logger.warning("connection from %s failed: %s", client_address[0], name)

    @property
    def url(self) -> str:
        """The base URL of the page, e.g. ``http://127.0.0.1:8321/``."""
        host, port = str(self.server_address[0]), self.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"


class _Handler(BaseHTTPRequestHandler):
    server: SettingsServer
    server_version = "actions-serve"
    sys_version = ""
    timeout = 30  # seconds a client may take to send its request

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _handle(self) -> None:
        path = urlsplit(self.path).path
        ingress = self.server.router.ingress
        try:
            self._check_host()
            raw = ingress is not None and ingress.allowed(path) is not None
            body = self._body() if self.command == "POST" and not raw else {}
            content = self._raw() if self.command == "POST" and raw else b""
            allowed = self.server.router.allowed(path)
            if allowed is None:
                raise ApiError(404, "NOT_FOUND", f"no such page or endpoint: {path}")
            if allowed != self.command:
                error = ApiError(405, "METHOD_NOT_ALLOWED", f"{path} answers {allowed} only")
                response = error_response(error, {"Allow": allowed})
            elif ingress is not None and raw:
                response = ingress.dispatch(path, self.headers, content)
            else:
                response = self.server.router.dispatch(self.command, path, body)
        except ApiError as error:
            response = error_response(error)
        except Exception as error:  # a bug must answer 500, and log no message (secrets)
            frames = "".join(traceback.format_tb(error.__traceback__))
            logger.error("%s %s failed: %s\n%s", self.command, path, type(error).__name__, frames)
            response = error_response(
                ApiError(500, "INTERNAL_ERROR", f"internal error ({type(error).__name__})")
            )
        self._send(response)

    def _check_host(self) -> None:
        """A loopback server answers only requests addressed to a loopback name, so a page
        of another site cannot reach it through a DNS name rebound to 127.0.0.1."""
        host = self.headers.get("Host")
        if not self.server.loopback or host is None:
            return
        try:
            name = urlsplit(f"//{host}").hostname or ""
        except ValueError:  # e.g. an unclosed IPv6 bracket
            name = ""
        if not is_loopback(name):
            raise ApiError(
                403, "FORBIDDEN_HOST", "this server answers requests addressed to localhost only"
            )

    def _body(self) -> dict[str, Any]:
        """The request's JSON object, within the size limit."""
        raw = self._raw(complete=False)
        media_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json")
        if len(raw) != int(self.headers["Content-Length"]):
            raise bad_request("the request body is shorter than its Content-Length")
        return _parse(raw)

    def _raw(self, *, complete: bool = True) -> bytes:
        """The request's body bytes, within the size limit (all of them, if ``complete``)."""
        if "Transfer-Encoding" in self.headers or "Content-Length" not in self.headers:
            raise ApiError(411, "LENGTH_REQUIRED", "send the body with a Content-Length")
        try:
            length = int(self.headers["Content-Length"])
        except ValueError:
            length = -1
        if length < 0:
            raise bad_request("Content-Length must be a non-negative integer")
        if length > self.server.max_body:
            raise ApiError(
                413,
                "BODY_TOO_LARGE",
                f"the request body is {length} bytes; the limit is {self.server.max_body}",
            )
        raw = self.rfile.read(length)
        if complete and len(raw) != length:
            raise bad_request("the request body is shorter than its Content-Length")
        return raw

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in {**_HEADERS, **response.headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logger.info("%s %s %s", self.command, urlsplit(self.path).path, code)

    def log_message(self, format: str, *args: Any) -> None:
        logger.warning("%s", format % args)


def _parse(raw: bytes) -> dict[str, Any]:
    """A JSON object from a request body; 400 saying what is wrong, never what was sent."""
    try:
        document = parse_json(raw)
    except JsonTextError as error:
        raise ApiError(400, "MALFORMED_JSON", f"the request body is {error}") from None
    if not isinstance(document, dict):
        raise bad_request("the request body must be a JSON object")
    return document
