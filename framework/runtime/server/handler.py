"""The HTTP side of the settings server, on the framework's aiohttp server
(:mod:`framework.runtime.web`) and the process's event loop: limits, JSON bodies, security headers
and logging.

Every refusal is a JSON error ``{"error": {"code", "message"}}``: 400 for a body that is
not a JSON object, 403 for a Host that is not loopback (DNS rebinding) on a loopback
server, 404, 405 (with ``Allow``), 411 without Content-Length (a chunked body is refused
too: browsers and Segment's libraries send a length), 413 past the body limit (refused from
Content-Length, before the body is read), 415 for a body that is not
``application/json`` (so no other site's form can post to it; the ingress's calls,
authenticated by a write key, take any type and read their own bodies). A bug answers 500
``INTERNAL_ERROR``. On the ingress's call paths (``/v1/track``, …) every refusal has the
ingress's Segment shape ``{"code", "message", "error": {...}}``, and a body past the limit
is 400 ``TOO_LARGE`` naming Segment's 500 KB limit (Segment's libraries retry a 413
forever). The OAuth callback, which a browser shows, answers a ``state`` that names no
flow with an HTML page (400). The log has one line per request (method, path without
query, status) and never a body, a query string (an authorization code) or an exception
message, so never a secret.

The API's operations are synchronous and some send requests through the engine (a
connection test), so they run in a pool of threads of their own, never on the loop nor in
its default executor (which the engine's name resolution uses). The ingress is awaited on
the loop.

With an admin token (:class:`SettingsServer`'s ``admin_token``; ``actions serve`` requires
one on a non-loopback address), every ``/api/`` request must carry it, as
``Authorization: Bearer <token>`` or the cookie ``actions_admin=<token>`` (compared in
constant time), else 401 ``ADMIN_TOKEN_REQUIRED``; ``POST /api/session`` ``{"token"}`` sets
that cookie (``HttpOnly; SameSite=Strict; Path=/``) when the token is right, and is a 401
otherwise. The page itself, the ingress (its write keys) and ``/metrics`` are unchanged.

Connecting a destination with OAuth 2.0, the provider sends the browser back to this
server's own URL, ``/oauth/callback`` (:attr:`SettingsServer.redirect_uri`): a loopback
redirect (RFC 8252), on 127.0.0.1 when the server listens on every address.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import traceback
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from aiohttp import web

from framework.core.guard import is_loopback
from framework.core.json_text import JsonTextError, parse_json
from framework.engine.loop import engine_loop
from framework.runtime.delivery.intake import MAX_BATCH_BYTES, TOO_LARGE
from framework.runtime.server.api import SettingsApi
from framework.runtime.server.callback import CALLBACK_PATH
from framework.runtime.server.errors import ApiError, bad_request, not_found
from framework.runtime.server.ingress import CALL_PATHS, Ingress, refusal
from framework.runtime.server.routes import (
    SESSION_PATH,
    Response,
    Router,
    error_response,
    json_response,
)
from framework.runtime.web import WebServer

logger = logging.getLogger("framework.runtime.server")

MAX_BODY = 1_000_000  # bytes: settings, mappings and an event fit many times over
API_THREADS = 8  # the API's operations under way at once; more wait their turn
_HEADERS = {
    "Server": "actions-serve",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'",
}
_EVERY_ADDRESS = ("", "0.0.0.0", "::")  # a browser reaches these as 127.0.0.1
ADMIN_COOKIE = "actions_admin"
_BODIES = ("POST", "PUT")  # the methods whose requests carry a JSON body


class SettingsServer:
    """Serves the settings page and its API (and ``ingress``, when given) on the engine
    loop once :meth:`start` ran; ``url`` is where (port 0 picks a free one). With
    ``admin_token``, every ``/api/`` request needs it (see the module)."""

    def __init__(
        self,
        host: str,
        port: int,
        api: SettingsApi,
        *,
        max_body: int = MAX_BODY,
        ingress: Ingress | None = None,
        ui: bool = True,
        admin_token: str | None = None,
    ) -> None:
        self._admin_token = None if admin_token is None else admin_token.encode()
        self._router = Router(api, ingress=ingress, ui=ui, redirect_uri=lambda: self.redirect_uri)
        self._host = host
        self._max_body = max_body
        self._loopback = is_loopback(host)
        self._pool = ThreadPoolExecutor(API_THREADS, thread_name_prefix="settings-api")
        self._web = WebServer(self._handle, host, port)

    def start(self) -> None:
        """Listen and serve; ``OSError`` when the address cannot be bound."""
        engine_loop().run(self._web.start())

    @property
    def url(self) -> str:
        """The base URL of the page, e.g. ``http://127.0.0.1:8321/``."""
        return f"{self._web.url}/"

    @property
    def redirect_uri(self) -> str:
        """Where an OAuth provider sends the browser back to, e.g.
        ``http://127.0.0.1:8321/oauth/callback``."""
        host = "127.0.0.1" if self._host in _EVERY_ADDRESS else self._host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self._web.port}{CALLBACK_PATH}"

    def stop(self) -> None:
        """Stop accepting, let the requests under way finish, close."""
        engine_loop().run(self._web.stop())
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        path = request.rel_url.raw_path
        try:
            response = await self._respond(request, path)
        except ApiError as error:
            response = self._refusal(path, error)
        except Exception as error:  # a bug must answer 500, and log no message (secrets)
            frames = "".join(traceback.format_tb(error.__traceback__))
            name = type(error).__name__
            logger.error("%s %s failed: %s\n%s", request.method, path, name, frames)
            bug = ApiError(500, "INTERNAL_ERROR", f"internal error ({name})")
            response = self._refusal(path, bug)
        logger.info("%s %s %s", request.method, path, response.status)
        headers = {**_HEADERS, **response.headers, "Content-Type": response.content_type}
        return web.Response(status=response.status, body=response.body, headers=headers)

    async def _respond(self, request: web.BaseRequest, path: str) -> Response:
        self._check_host(request.headers.get("Host"))
        allowed = self._router.allowed(path)
        if path.startswith("/api/") and path != SESSION_PATH:
            self._check_admin(request)
        if allowed is None:
            raise not_found(f"no such page or endpoint: {path}")
        if request.method not in allowed:
            methods = ", ".join(allowed)
            error = ApiError(405, "METHOD_NOT_ALLOWED", f"{path} answers {methods} only")
            return self._refusal(path, error, {"Allow": methods})
        ingress = self._router.ingress
        if ingress is not None and ingress.allowed(path) is not None:
            raw = await self._body(request, path) if request.method == "POST" else b""
            return await ingress.dispatch(path, request.headers, raw)
        if request.method in _BODIES:
            _require_json(request.headers)
            raw = await self._body(request, path)
        else:
            raw = b""
        if path == SESSION_PATH:
            return self._session(_parse(raw))
        query = request.rel_url.query
        first = {name: query.getone(name) for name in query}  # a repeated one: its first value
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._pool, self._operate, request.method, path, raw, first
        )

    def _operate(self, method: str, path: str, raw: bytes, query: Mapping[str, str]) -> Response:
        """The API's answer (in a thread of the pool)."""
        body = _parse(raw) if method in _BODIES else {}
        return self._router.dispatch(method, path, body, query)

    def _check_admin(self, request: web.BaseRequest) -> None:
        """401 unless the request carries the admin token (when there is one)."""
        if self._admin_token is None:
            return
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            given = unquote(request.cookies.get(ADMIN_COOKIE, ""))
        if not self._is_token(given.strip()):
            raise ApiError(
                401,
                "ADMIN_TOKEN_REQUIRED",
                "this server needs its admin token: send Authorization: Bearer <token>, "
                "or sign in on the page",
            )

    def _session(self, body: Mapping[str, Any]) -> Response:
        """``POST /api/session``: the admin token's cookie, when the token is right."""
        token = body.get("token")
        if not isinstance(token, str):
            raise bad_request("token: expected the admin token (a string)")
        if self._admin_token is None:
            return json_response(200, {"ok": True, "required": False})
        if not self._is_token(token):
            raise ApiError(401, "WRONG_ADMIN_TOKEN", "this is not the server's admin token")
        cookie = f"{ADMIN_COOKIE}={quote(token, safe='')}; HttpOnly; SameSite=Strict; Path=/"
        answer = json_response(200, {"ok": True, "required": True})
        return Response(answer.status, answer.body, answer.content_type, {"Set-Cookie": cookie})

    def _is_token(self, given: str) -> bool:
        expected = self._admin_token
        return expected is not None and hmac.compare_digest(given.encode(), expected)

    def _is_call(self, path: str) -> bool:
        """Whether ``path`` is one of the ingress's Tracking API calls."""
        return self._router.ingress is not None and path in CALL_PATHS

    def _refusal(
        self, path: str, error: ApiError, headers: Mapping[str, str] | None = None
    ) -> Response:
        """``error``'s response: in the ingress's shape on its call paths."""
        if self._is_call(path):
            return refusal(error.status, error.code, error.message, headers or {})
        return error_response(error, headers)

    def _check_host(self, host: str | None) -> None:
        """A loopback server answers only requests addressed to a loopback name, so a page
        of another site cannot reach it through a DNS name rebound to 127.0.0.1."""
        if not self._loopback or host is None:
            return
        try:
            name = urlsplit(f"//{host}").hostname or ""
        except ValueError:  # e.g. an unclosed IPv6 bracket
            name = ""
        if not is_loopback(name):
            raise ApiError(
                403, "FORBIDDEN_HOST", "this server answers requests addressed to localhost only"
            )

    async def _body(self, request: web.BaseRequest, path: str) -> bytes:
        """The request's body bytes, within the size limit (refused before reading when its
        Content-Length is past it). aiohttp has already refused a malformed length."""
        length = request.content_length
        if "Transfer-Encoding" in request.headers or length is None:
            raise ApiError(411, "LENGTH_REQUIRED", "send the body with a Content-Length")
        if length > self._max_body and self._is_call(path):
            raise ApiError(
                400,
                TOO_LARGE,
                f"the request body is {length} bytes, more than this server reads "
                f"({self._max_body}); Segment's limit is {MAX_BATCH_BYTES} bytes "
                f"({MAX_BATCH_BYTES // 1024} KB)",
            )
        if length > self._max_body:
            raise ApiError(
                413,
                "BODY_TOO_LARGE",
                f"the request body is {length} bytes; the limit is {self._max_body}",
            )
        try:
            return await request.content.readexactly(length)
        except (asyncio.IncompleteReadError, ConnectionResetError):  # the client went away
            raise bad_request("the request body is shorter than its Content-Length") from None


def _require_json(headers: Mapping[str, str]) -> None:
    """415 unless the body is declared ``application/json``."""
    media_type = headers.get("Content-Type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json")


def _parse(raw: bytes) -> dict[str, Any]:
    """A JSON object from a request body; 400 saying what is wrong, never what was sent."""
    try:
        document = parse_json(raw)
    except JsonTextError as error:
        raise ApiError(400, "MALFORMED_JSON", f"the request body is {error}") from None
    if not isinstance(document, dict):
        raise bad_request("the request body must be a JSON object")
    return document
