"""OAuth 2.0 as a way to authenticate: what a destination declares.

``Destination(..., oauth=OAuth2(...))`` lets a user connect the destination with an
authorization code grant (PKCE by default) instead of pasting a token. The access token
fills one secret setting, ``token_setting``, so a destination reads its credential the same
way either way (Perkville's ``api_key``): pasted, that setting holds the token; connected,
it holds a *connection reference*, ``oauth:<id>``, naming the grant kept in the operator's
token store, and the framework puts the current access token in its place on every
request, refreshing it before it expires and once more after a 401.

Where the endpoints are and who the client is (client id and secret) is the operator's
configuration (:mod:`framework.engine.operator`), never a tenant's settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

CONNECTION_PREFIX = "oauth:"
"""A token setting whose value starts with this names a stored connection."""


def connection_id(value: str) -> str | None:
    """The connection a token setting's value names, or ``None`` for a pasted token."""
    if value.startswith(CONNECTION_PREFIX):
        return value[len(CONNECTION_PREFIX) :]
    return None


@dataclass(frozen=True)
class OAuth2:
    """An OAuth 2.0 authorization code grant (RFC 6749), with PKCE S256 (RFC 7636).

    ``authorize_url`` and ``token_url`` are the provider's absolute https URLs (an operator
    may point both at another host, e.g. a sandbox); ``token_setting`` names the secret
    setting the access token fills; ``scopes`` are asked for at authorization.

    How a token is refreshed: the standard refresh grant, at ``token_url``, ``refresh_margin``
    seconds before the token expires (when the provider said when) and once after a 401;
    ``client_auth`` says how the client authenticates there: ``"body"`` (``client_id`` and
    ``client_secret`` in the form) or ``"basic"`` (HTTP Basic). A provider that issues no
    refresh token is asked for none: the user reconnects when the token expires.

    ``label`` is the settings page's button, e.g. ``"Connect with Perkville"``.
    """

    authorize_url: str
    token_url: str
    token_setting: str
    scopes: Sequence[str] = ()
    pkce: bool = True
    client_auth: Literal["body", "basic"] = "body"
    refresh_margin: float = 60.0
    label: str = "Connect"


def oauth_problems(oauth: object, secret_settings: Sequence[str]) -> list[str]:
    """What is wrong with a destination's ``oauth`` declaration (``secret_settings``: the
    names of its secret settings), each naming the attribute."""
    if not isinstance(oauth, OAuth2):
        return [f"oauth: expected framework.OAuth2, got {type(oauth).__name__}"]
    texts = ("authorize_url", "token_url", "token_setting", "label")
    problems = [
        f"oauth.{name}: expected text, got {type(getattr(oauth, name)).__name__}"
        for name in texts
        if not isinstance(getattr(oauth, name), str)
    ]
    margin = oauth.refresh_margin
    if isinstance(margin, bool) or not isinstance(margin, int | float) or not 0 <= margin < 86_400:
        problems.append("oauth.refresh_margin: expected seconds, 0 or more, under a day")
    scopes = oauth.scopes
    if (
        isinstance(scopes, str)
        or not isinstance(scopes, Sequence)
        or not all(isinstance(scope, str) and scope and " " not in scope for scope in scopes)
    ):
        problems.append("oauth.scopes: expected a list of scope names without spaces")
    if oauth.client_auth not in ("body", "basic"):
        problems.append("oauth.client_auth: expected 'body' or 'basic'")
    if problems:
        return problems
    problems = [
        f"oauth.{name}: expected an absolute http(s) URL"
        for name in ("authorize_url", "token_url")
        if not getattr(oauth, name).startswith(("https://", "http://"))
    ]
    if oauth.token_setting not in secret_settings:
        problems.append(
            f"oauth.token_setting: {oauth.token_setting!r} is not a secret setting "
            f"(secret settings: {', '.join(secret_settings) or 'none'})"
        )
    if not oauth.label.strip():
        problems.append("oauth.label: must not be empty")
    return problems
