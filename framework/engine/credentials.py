"""The settings a runner builds its requests from, and the credential in them.

Pasted, a destination's token setting holds the token itself and nothing changes. When it
holds an OAuth connection reference (``oauth:<id>``, :mod:`framework.authoring.oauth`),
the connection's current access token (from its
:class:`~framework.engine.oauth.session.TokenSession`) takes the reference's place in the
settings the hooks and ``perform`` see, and in the headers ``extend_request`` derives from
them; a new token is redacted from then on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from framework.authoring.definition import Destination
from framework.authoring.model import Settings, build
from framework.authoring.oauth import connection_id
from framework.core.errors import SettingsError
from framework.core.redaction import Redactor

if TYPE_CHECKING:
    from framework.engine.oauth.session import Send, TokenSession, TokenSessions

HeadersOf = Callable[[Settings], Mapping[str, str]]


class Credentials:
    """A runner's settings (``values`` validated, ``unconverted`` the names that are not),
    the headers ``headers_of`` derives from them, and the connection's session if the
    token setting names one (from ``sessions``: a :class:`SettingsError` without them)."""

    def __init__(
        self,
        destination: Destination,
        values: Mapping[str, Any],
        unconverted: set[str],
        *,
        sessions: TokenSessions | None,
        redactor: Redactor,
    ) -> None:
        self._destination = destination
        self._values = values
        self._unconverted = unconverted
        self._redactor = redactor
        self.settings: Settings = build(destination.settings, values, unconverted)
        self.headers: Mapping[str, str] = {}
        self._headers_of: HeadersOf | None = None
        self.session = _session(destination, values, sessions)
        self._token: str | None = None

    def derive_headers(self, headers_of: HeadersOf) -> None:
        """Derive the shared headers from the settings with ``headers_of``, now and
        whenever the access token changes."""
        self._headers_of = headers_of
        self.headers = dict(headers_of(self.settings))

    async def current(self, send: Send, refused: str | None = None) -> tuple[Settings, str | None]:
        """The settings to build a request with, and the access token in them (``None``
        without a connection); ``refused``: the token the destination just refused."""
        session = self.session
        if session is None:
            return self.settings, None
        token = await (session.rejected(refused, send) if refused else session.token(send))
        if token != self._token:
            self._adopt(token)
        return self.settings, token

    def _adopt(self, token: str) -> None:
        assert self._destination.oauth is not None  # a session means OAuth
        self._redactor.add([token])
        values = {**self._values, self._destination.oauth.token_setting: SecretStr(token)}
        self.settings = build(self._destination.settings, values, self._unconverted)
        if self._headers_of is not None:
            self.headers = dict(self._headers_of(self.settings))
        self._token = token


def _session(
    destination: Destination, values: Mapping[str, Any], sessions: TokenSessions | None
) -> TokenSession | None:
    """The session of the connection the token setting names, if it names one."""
    oauth = destination.oauth
    if oauth is None:
        return None
    token = values.get(oauth.token_setting)
    connection = connection_id(token.get_secret_value()) if token is not None else None
    if connection is None:
        return None
    if sessions is None:
        raise SettingsError(
            f"invalid settings for {destination.slug}: {oauth.token_setting} names an OAuth "
            "connection, and this command has no token store to read it from"
        )
    return sessions.session(destination, connection)
