"""The control plane's routes on the settings server (``actions serve --config``)::

    GET    /api/connections                    {"connections": [...]}
    POST   /api/connections                    create: 201 and the connection
    GET    /api/connections/<name>             one connection
    PUT    /api/connections/<name>             replace it; the body names its "version"
    DELETE /api/connections/<name>?version=N   delete it (only if still at version N)
    GET    /api/connections/<name>/delivery    its delivery over the last hour
    POST   /api/connections/<name>/replay      {"code"?}: its dead letters queued again

The operations are :class:`~framework.runtime.control.service.ControlPlane`'s; the
delivery view and replay are the runtime's (``delivery`` and ``replay``; without them,
501). Without a control plane (``serve`` without ``--config``), every route is a 404 that
says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from framework.core.errors import ActionsError
from framework.runtime.server.errors import ApiError, bad_request, not_found

if TYPE_CHECKING:
    from framework.runtime.control.service import ControlPlane

PREFIX = ("api", "connections")
_METHODS = {1: ("GET", "POST"), 2: ("GET", "PUT", "DELETE")}
_VIEWS = {"delivery": "GET", "replay": "POST"}


@dataclass(frozen=True)
class ControlApi:
    """The routes above over ``plane``; ``delivery(name)`` is a connection's delivery
    view, ``replay(name, code)`` requeues its dead letters (those with error ``code``, or
    all) and says how many."""

    plane: ControlPlane | None = None
    delivery: Callable[[str], dict[str, Any]] | None = None
    replay: Callable[[str, str | None], int] | None = None

    @staticmethod
    def methods(parts: list[str]) -> tuple[str, ...] | None:
        """The methods ``/api/connections/...`` (split at ``/``) answers, or ``None``
        when the path is not one of these routes."""
        if parts[:2] != list(PREFIX) or not all(parts[2:]):
            return None
        if len(parts) == 4:
            method = _VIEWS.get(parts[3])
            return None if method is None else (method,)
        return _METHODS.get(len(parts) - 1)

    def dispatch(
        self, method: str, parts: list[str], body: Mapping[str, Any], query: Mapping[str, str]
    ) -> tuple[int, dict[str, Any]]:
        """The status and document answering a request :meth:`methods` allows."""
        plane = self.plane
        if plane is None:
            raise not_found(
                "connections need the runtime: start the server with `actions serve --config FILE`"
            )
        try:
            return self._operate(plane, method, parts, body, query)
        except ActionsError as error:  # the store: unreachable, or sealed with another key
            raise ApiError(503, error.code, error.message) from None

    def _operate(
        self,
        plane: ControlPlane,
        method: str,
        parts: list[str],
        body: Mapping[str, Any],
        query: Mapping[str, str],
    ) -> tuple[int, dict[str, Any]]:
        if len(parts) == 2:
            return (201, plane.create(body)) if method == "POST" else (200, plane.list())
        name = parts[2]
        if len(parts) == 4:
            plane.get(name)  # a 404 for an unknown connection
            return 200, self._view(parts[3], name, body)
        if method == "PUT":
            return 200, plane.update(name, body)
        if method == "DELETE":
            return 200, plane.delete(name, _version(query.get("version")))
        return 200, plane.get(name)

    def _view(self, view: str, name: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """The delivery view or a replay."""
        if view == "delivery":
            if self.delivery is None:
                raise _unavailable()
            return self.delivery(name)
        if self.replay is None:
            raise _unavailable()
        code = body.get("code")
        if code is not None and not isinstance(code, str):
            raise bad_request("code: expected an error code, e.g. INVALID_AUTHENTICATION")
        return {"replayed": self.replay(name, code)}


def _version(text: str | None) -> int | None:
    if text is None:
        return None
    if not text.isdigit():
        raise bad_request("version: expected the version the connection was read at")
    return int(text)


def _unavailable() -> ApiError:
    return ApiError(501, "NOT_AVAILABLE", "delivery data is not available in this process")
