"""Connecting a destination with OAuth 2.0: the authorization code flow, from the settings
page's Connect button to a stored grant.

:meth:`ConnectFlows.start` makes a flow (an unguessable ``state``, a PKCE verifier) and the
provider's authorization URL; the provider sends the browser back to the server's
loopback ``redirect_uri`` with ``state`` and a ``code`` (or an ``error``), and
:meth:`ConnectFlows.finish` exchanges the code for tokens and stores them in the operator's
token store under a connection id. The page learns the outcome from
:meth:`ConnectFlows.status`: a connection reference (``oauth:<id>``) for its token setting,
never a token. A flow is single use and expires after :data:`FLOW_LIFETIME` seconds.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import httpx

from framework.authoring.definition import Destination
from framework.authoring.oauth import CONNECTION_PREFIX, connection_id
from framework.core.errors import ActionsError
from framework.engine.http import RequestClient
from framework.engine.loop import engine_loop
from framework.engine.oauth.grant import (
    Provider,
    authorization_url,
    code_request,
    new_state,
    new_verifier,
    read_tokens,
)
from framework.engine.oauth.session import provider_for, shared_sessions
from framework.engine.oauth.store import new_connection_id
from framework.engine.operator import OperatorConfig
from framework.engine.transport import Transport

FLOW_LIFETIME = 600.0  # seconds from Connect to the provider's answer
UNKNOWN_FLOW = "UNKNOWN_FLOW"  # the code of an answer whose state names no flow under way
_PROVIDER_ERROR = re.compile(r"[a-z_]{1,40}")


class ConnectError(ActionsError):
    """A flow cannot start: the destination does not connect with OAuth, or the operator
    configured no client for it."""

    code = "OAUTH_NOT_AVAILABLE"


@dataclass(frozen=True)
class FlowStatus:
    """Where a flow stands: ``pending``, ``connected`` (with the connection reference) or
    ``failed`` (with a code and a message)."""

    status: Literal["pending", "connected", "failed"]
    connection: str | None = None
    code: str | None = None
    message: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The status as the settings API answers it (no empty keys)."""
        shown = {"status": self.status, "connection": self.connection}
        return {
            **{key: value for key, value in shown.items() if value is not None},
            **({"code": self.code, "message": self.message} if self.status == "failed" else {}),
        }


PENDING = FlowStatus("pending")


@dataclass(frozen=True)
class _Flow:
    destination: Destination
    provider: Provider
    redirect_uri: str
    verifier: str = field(repr=False)
    connection: str
    started: float
    status: FlowStatus = PENDING


class ConnectFlows:
    """The flows under way in one server, safe to use from the API's threads."""

    def __init__(
        self,
        destinations: Mapping[str, Destination],
        operator: OperatorConfig,
        *,
        transport: Transport | httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._destinations = destinations
        self._operator = operator
        self._store = shared_sessions(operator).store  # the sessions' store: one key load
        self._transport = transport
        self._clock = clock
        self._flows: dict[str, _Flow] = {}
        self._finishing: set[str] = set()
        self._lock = threading.Lock()

    def start(self, slug: str, redirect_uri: str, reuse: str | None = None) -> tuple[str, str]:
        """A new flow for destination ``slug``: its id (the ``state``) and the URL to send
        the browser to. ``reuse`` (a connection reference) reconnects that connection
        instead of making a new one. :class:`ConnectError` when the destination cannot
        connect."""
        destination = self._destinations.get(slug)
        if destination is None or destination.oauth is None:
            raise ConnectError(f"{slug} does not connect with OAuth 2.0")
        try:
            provider = provider_for(destination, self._operator)
        except ActionsError as error:
            raise ConnectError(error.message) from None
        connection = self._reused(slug, reuse) or new_connection_id()
        state, verifier = new_state(), new_verifier()
        flow = _Flow(destination, provider, redirect_uri, verifier, connection, self._clock())
        with self._lock:
            self._forget_expired()
            self._flows[state] = flow
        return state, authorization_url(provider, redirect_uri, state, verifier)

    def _reused(self, slug: str, reference: str | None) -> str | None:
        """The connection of ``reference``, if it is one of ``slug``'s in the store."""
        connection = connection_id(reference) if reference else None
        if connection is None:
            return None
        stored = self._store.get(connection)
        return connection if stored is not None and stored.slug == slug else None

    def status(self, flow_id: str) -> FlowStatus | None:
        """The status of a flow, or ``None`` for an unknown or expired one."""
        with self._lock:
            self._forget_expired()
            flow = self._flows.get(flow_id)
        return flow.status if flow is not None else None

    def finish(self, state: str, code: str | None = None, error: str | None = None) -> FlowStatus:
        """The provider's answer for flow ``state``: exchange ``code`` for tokens and store
        them, or record the ``error``. A flow finishes once; a second answer gets the
        first outcome."""
        with self._lock:
            self._forget_expired()
            flow = self._flows.get(state)
            if flow is None:
                return FlowStatus(
                    "failed",
                    code=UNKNOWN_FLOW,
                    message="unknown or expired connection attempt: press Connect again",
                )
            if flow.status is not PENDING or state in self._finishing:
                return flow.status
            self._finishing.add(state)
        outcome = self._outcome(flow, code, error)
        with self._lock:
            self._flows[state] = replace(flow, status=outcome)
            self._finishing.discard(state)
        return outcome

    def _outcome(self, flow: _Flow, code: str | None, error: str | None) -> FlowStatus:
        if error is not None or not code:
            reason = error if error and _PROVIDER_ERROR.fullmatch(error) else "no code"
            return FlowStatus(
                "failed",
                code="AUTHORIZATION_DENIED" if error == "access_denied" else "AUTHORIZATION_FAILED",
                message=f"{flow.destination.name} did not authorize the connection ({reason})",
            )
        try:
            tokens = engine_loop().run(self._exchange(flow, code))
            self._store.save(flow.connection, flow.destination.slug, tokens)
        except ActionsError as failure:
            return FlowStatus("failed", code=failure.code, message=failure.message)
        return FlowStatus("connected", connection=CONNECTION_PREFIX + flow.connection)

    async def _exchange(self, flow: _Flow, code: str) -> Any:
        client = RequestClient(
            timeout=self._operator.timeout,
            transport=self._transport,
            trusted=[httpx.URL(flow.provider.token_url).host],
        )
        try:
            request = code_request(flow.provider, code, flow.redirect_uri, flow.verifier)
            response = await client.send_once(request)
        finally:
            await client.close()
        secrets = [code, flow.verifier, flow.provider.client.client_secret]
        return read_tokens(response, self._clock(), secrets=secrets, then="press Connect again")

    def _forget_expired(self) -> None:
        """Drop flows older than :data:`FLOW_LIFETIME` (the caller holds the lock)."""
        oldest = self._clock() - FLOW_LIFETIME
        for state in [state for state, flow in self._flows.items() if flow.started < oldest]:
            del self._flows[state]
