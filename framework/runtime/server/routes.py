"""Which request does what: the page and its static assets, and the JSON API.

::

    GET  /                                         the page
    GET  /static/<file>                            its scripts, styles, icon, sample events
    GET  /api/destinations                         the destination picker
    GET  /api/destinations/<slug>                  its schemas, default mappings
    POST /api/destinations/<slug>/validate-settings
    POST /api/destinations/<slug>/validate-mapping
    POST /api/destinations/<slug>/test-connection
    POST /api/destinations/<slug>/dry-run
    POST /api/destinations/<slug>/choices          a field's choices, from the destination's API
    POST /api/destinations/<slug>/connect          start connecting with OAuth 2.0
    POST /api/destinations/<slug>/resolve          a mapping's fields resolved from an event
    GET  /api/connect/<flow>                       that connection's status, as the page polls it
    GET  /oauth/callback?state=&code=|error=       where the provider sends the browser back

    POST /api/session                              {"token"}: the admin token's cookie
    *    /api/connections...                       the control plane (see
                                                   :mod:`framework.runtime.server.control_api`)

and, with a delivery runtime (``actions serve --config``), the ingress of
:mod:`framework.runtime.server.ingress`: ``POST /v1/<call>`` and ``GET /metrics``.
``POST /api/session`` is the handler's (:mod:`framework.runtime.server.handler`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from framework.core.json_text import JsonTextError, dump_json, located
from framework.runtime.server.api import Body, SettingsApi
from framework.runtime.server.callback import CALLBACK_PATH, callback_html
from framework.runtime.server.control_api import ControlApi
from framework.runtime.server.errors import ApiError, not_found

if TYPE_CHECKING:
    from framework.runtime.server.ingress import Ingress

STATIC_DIR = Path(__file__).parent / "static"
SESSION_PATH = "/api/session"
_ASSET = re.compile(r"^[a-z0-9][a-z0-9-]*\.(html|js|css|json|svg)$")
_CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "json": "application/json",
    "svg": "image/svg+xml",
}


@dataclass(frozen=True)
class Response:
    """What to answer: status, body bytes, content type and any extra headers."""

    status: int
    body: bytes
    content_type: str
    headers: Mapping[str, str] = field(default_factory=dict)


def json_response(status: int, document: Any) -> Response:
    """A JSON response (UTF-8, not ASCII-escaped); a 422 ``RESULT_NOT_JSON`` error naming
    the place of what JSON cannot hold (NaN, Infinity, a lone surrogate) instead."""
    try:
        body = dump_json(document).encode()
    except JsonTextError as error:
        reason = located(error.reason, error.pointer or "")
        raise ApiError(422, "RESULT_NOT_JSON", f"the result cannot be shown: {reason}") from None
    return Response(status, body, "application/json")


def error_response(error: ApiError, headers: Mapping[str, str] | None = None) -> Response:
    """The JSON error document of ``error``, with its status."""
    response = json_response(error.status, error.to_json())
    return Response(response.status, response.body, response.content_type, dict(headers or {}))


class Router:
    """Dispatches (method, path, parsed body) to the API or to a static file; knows the
    paths of ``ingress`` too, when there is one (the handler awaits it with raw bodies).
    Without ``ui``, only the ingress's paths exist. :meth:`dispatch` may block (a
    connection test sends a request): the handler runs it off the event loop.
    ``redirect_uri()`` is the OAuth callback's URL on this server (known once it listens)."""

    def __init__(
        self,
        api: SettingsApi,
        static_dir: Path = STATIC_DIR,
        ingress: Ingress | None = None,
        *,
        ui: bool = True,
        redirect_uri: Callable[[], str],
    ) -> None:
        self._api = api
        self.ingress = ingress
        self._ui = ui
        self._static_dir = static_dir
        self._operations: dict[str, Callable[[str, Body], dict[str, Any]]] = {
            "validate-settings": api.validate_settings,
            "validate-mapping": api.validate_mapping,
            "test-connection": api.test_connection,
            "dry-run": api.dry_run,
            "resolve": api.resolve,
            "choices": api.choices,
            "connect": lambda slug, body: api.connect(slug, body, redirect_uri()),
        }

    def allowed(self, path: str) -> tuple[str, ...] | None:
        """The methods ``path`` answers to, or None for an unknown path."""
        if self.ingress is not None and (method := self.ingress.allowed(path)):
            return (method,)
        if not self._ui:
            return None
        parts = path.strip("/").split("/")
        if path == "/" or (len(parts) == 2 and parts[0] == "static"):
            return ("GET",)
        if parts[:2] == ["api", "destinations"] and len(parts) in (2, 3):
            return ("GET",)
        if parts[:2] == ["api", "destinations"] and len(parts) == 4:
            return ("POST",) if parts[3] in self._operations else None
        if (parts[:2] == ["api", "connect"] and len(parts) == 3) or path == CALLBACK_PATH:
            return ("GET",)
        if path == SESSION_PATH:
            return ("POST",)
        return ControlApi.methods(parts)

    def dispatch(
        self, method: str, path: str, body: Body, query: Mapping[str, str] | None = None
    ) -> Response:
        """The response to a request whose method is one :meth:`allowed` names;
        ``query``: its query parameters (the OAuth callback's, a deletion's version)."""
        parts = path.strip("/").split("/")
        if parts[:2] == ["api", "connections"]:
            return json_response(*self._api.control.dispatch(method, parts, body, query or {}))
        if path == "/":
            return self._asset("index.html")
        if path == CALLBACK_PATH:
            status, outcome = self._api.finish_connect(query or {})
            return Response(status, callback_html(outcome), _CONTENT_TYPES["html"])
        if parts[0] == "static":
            return self._asset(parts[1])
        if parts[1] == "connect":
            return json_response(200, self._api.connect_status(parts[2]))
        if len(parts) == 2:
            return json_response(200, self._api.list())
        if len(parts) == 3:
            return json_response(200, self._api.describe(parts[2]))
        return json_response(200, self._operations[parts[3]](parts[2], body))

    def _asset(self, name: str) -> Response:
        match = _ASSET.match(name)
        path = self._static_dir / name
        if match is None or not path.is_file():
            raise not_found(f"no such file: {name}")
        return Response(200, path.read_bytes(), _CONTENT_TYPES[match.group(1)])
