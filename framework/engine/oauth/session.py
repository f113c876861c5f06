"""Keeping a connection's access token fresh: one :class:`TokenSession` per connection and
process, shared by every runner using it (every worker, every route), so that concurrent
requests share one refresh.

A session reads the grant from the token store, refreshes it ``refresh_margin`` seconds
before it expires, and again when the destination refuses the token (a 401) unless
another request already replaced that token. Before refreshing it reads the store again:
another process may have refreshed or reconnected the grant meanwhile. A refresh the
provider refuses for good marks the grant revoked in the store; the session then fails
fast with ``INVALID_AUTHENTICATION`` until the destination is reconnected (a new version of
the grant in the store).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from framework.authoring.definition import Destination
from framework.core.errors import InvalidAuthenticationError, SettingsError
from framework.engine.http import PreparedRequest
from framework.engine.oauth.grant import Provider, moved_url, read_tokens, refresh_request
from framework.engine.oauth.store import StoredGrant, TokenStore
from framework.engine.operator import (
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    OperatorConfig,
    endpoint_variable,
)
from framework.engine.transport import Response

logger = logging.getLogger("framework.engine.oauth")

Send = Callable[[PreparedRequest], Awaitable[Response]]


class TokenSession:
    """The access token of one connection, for every runner of this process."""

    def __init__(
        self,
        connection: str,
        slug: str,
        store: TokenStore,
        provider: Provider,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.connection = connection
        self.slug = slug
        self.provider = provider
        self._store = store
        self._clock = clock
        self._grant: StoredGrant | None = None
        self._lock: asyncio.Lock | None = None

    async def token(self, send: Send) -> str:
        """A current access token (refreshed first when it is about to expire)."""
        grant = self._grant
        if grant is not None and self._usable(grant):
            return grant.tokens.access_token
        async with self._locked():
            grant = self._grant
            if grant is None or not self._usable(grant):
                grant = await self._renew(send, refused=None)
            return grant.tokens.access_token

    async def rejected(self, token: str, send: Send) -> str:
        """A new access token after the destination refused ``token``: the one another
        request already got, or a refreshed one."""
        async with self._locked():
            grant = await self._renew(send, refused=token)
            return grant.tokens.access_token

    def _locked(self) -> asyncio.Lock:
        if self._lock is None:  # made on the loop that uses it
            self._lock = asyncio.Lock()
        return self._lock

    def _usable(self, grant: StoredGrant) -> bool:
        expires_at = grant.tokens.expires_at
        fresh = (
            expires_at is None or self._clock() < expires_at - self.provider.oauth.refresh_margin
        )
        return grant.revoked is None and fresh

    async def _renew(self, send: Send, refused: str | None) -> StoredGrant:
        """The stored grant if it is usable and not the ``refused`` token; else refreshed."""
        stored = await asyncio.to_thread(self._store.get, self.connection)
        if stored is None or stored.slug != self.slug:
            raise InvalidAuthenticationError(
                f"the {self.slug} connection is not in the operator's token store: "
                "connect the destination again"
            )
        self._grant = stored
        if stored.revoked is not None:
            raise InvalidAuthenticationError(stored.revoked)
        if self._usable(stored) and stored.tokens.access_token != refused:
            return stored
        return await self._refresh(stored, send)

    async def _refresh(self, stored: StoredGrant, send: Send) -> StoredGrant:
        refresh_token = stored.tokens.refresh_token
        if refresh_token is None:
            reason = (
                f"the {self.slug} connection's token expired and the provider gave no "
                "refresh token: reconnect the destination"
            )
            await asyncio.to_thread(self._store.revoke, self.connection, stored.version, reason)
            raise InvalidAuthenticationError(reason)
        response = await send(refresh_request(self.provider, refresh_token))
        try:
            tokens = read_tokens(
                response,
                self._clock(),
                secrets=[refresh_token, self.provider.client.client_secret],
                previous_refresh=refresh_token,
            )
        except InvalidAuthenticationError as error:
            logger.warning("%s: the token refresh was refused: %s", self.slug, error.message)
            await asyncio.to_thread(
                self._store.revoke, self.connection, stored.version, error.message
            )
            self._grant = None
            raise
        saved = await asyncio.to_thread(self._store.save, self.connection, self.slug, tokens)
        self._grant = saved
        logger.info("%s: the access token was refreshed", self.slug)
        return saved


class TokenSessions:
    """The sessions of one token store, by connection: one per connection and process."""

    def __init__(self, operator: OperatorConfig, *, clock: Callable[[], float] = time.time) -> None:
        self.operator = operator
        self.store = TokenStore(operator.token_store, operator.token_key)
        self._clock = clock
        self._sessions: dict[tuple[str, str], TokenSession] = {}

    def session(self, destination: Destination, connection: str) -> TokenSession:
        """The session of ``connection`` for ``destination`` (made on first use)."""
        key = (destination.slug, connection)
        session = self._sessions.get(key)
        if session is None:
            session = TokenSession(
                connection,
                destination.slug,
                self.store,
                provider_for(destination, self.operator),
                clock=self._clock,
            )
            self._sessions[key] = session
        return session


def provider_for(destination: Destination, operator: OperatorConfig) -> Provider:
    """The destination's OAuth provider under the operator's configuration; a
    :class:`SettingsError` when it has none or the operator configured no client."""
    oauth = destination.oauth
    if oauth is None:
        raise SettingsError(f"{destination.slug} does not connect with OAuth 2.0")
    client = operator.oauth_clients.get(destination.slug)
    if client is None:
        variables = [endpoint_variable(destination.slug, OAUTH_CLIENT_ID)]
        variables.append(endpoint_variable(destination.slug, OAUTH_CLIENT_SECRET))
        raise SettingsError(
            f"{destination.slug} connects with OAuth 2.0 through the operator's OAuth client, "
            f"and none is configured: set {' and '.join(variables)}"
        )
    return Provider.of(oauth, client, operator.oauth_endpoints.get(destination.slug))


def oauth_token_url(destination: Destination, operator: OperatorConfig) -> str | None:
    """Where the destination's tokens are refreshed under the operator's configuration."""
    oauth = destination.oauth
    if oauth is None:
        return None
    return moved_url(oauth.token_url, operator.oauth_endpoints.get(destination.slug))


_SHARED: dict[tuple[object, ...], TokenSessions] = {}


def shared_sessions(operator: OperatorConfig) -> TokenSessions:
    """The process's sessions for ``operator``'s token store, clients and endpoints: every
    runner built from the same operator configuration shares them (and so each refresh)."""
    key = (
        operator.token_store.resolve(),
        tuple(sorted(operator.oauth_clients.items())),
        tuple(sorted(operator.oauth_endpoints.items())),
    )
    sessions = _SHARED.get(key)
    if sessions is None:
        sessions = _SHARED[key] = TokenSessions(operator)
    return sessions
