"""The OAuth 2.0 messages of a connection (RFC 6749, PKCE per RFC 7636), encoded by
Authlib: the authorization URL, the token requests (code exchange, refresh) and the
reading of a token endpoint's answer.

A token endpoint's refusal (``invalid_grant``, ``invalid_client``, …, RFC 6749 §5.2) is
an :class:`InvalidAuthenticationError`: the user must reconnect. A failure that may pass
(a 5xx, 429, a time-out) is a :class:`RetryableError`. Messages name the provider's error
code, never a token or the client secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from authlib.common.security import generate_token
from authlib.oauth2.auth import encode_client_secret_basic, encode_client_secret_post
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from framework.authoring.oauth import OAuth2
from framework.core.errors import IntegrationError, InvalidAuthenticationError
from framework.core.redaction import Redactor
from framework.core.version import USER_AGENT
from framework.engine.http import PreparedRequest
from framework.engine.oauth.store import Tokens
from framework.engine.operator import OAuthClient
from framework.engine.responses import error_for_response
from framework.engine.transport import Response

FORM = "application/x-www-form-urlencoded"
_CLIENT_AUTH = {"basic": encode_client_secret_basic, "body": encode_client_secret_post}


@dataclass(frozen=True)
class Provider:
    """A destination's OAuth declaration with the operator's side of it: the client and
    where the endpoints are (an endpoint override keeps the declared paths)."""

    oauth: OAuth2
    client: OAuthClient
    authorize_url: str
    token_url: str

    @classmethod
    def of(cls, oauth: OAuth2, client: OAuthClient, endpoint: str | None) -> Provider:
        """``endpoint`` (the operator's ``ACTIONS_OAUTH_ENDPOINT_<SLUG>``) replaces the
        scheme, host and port of both URLs."""
        return cls(
            oauth,
            client,
            moved_url(oauth.authorize_url, endpoint),
            moved_url(oauth.token_url, endpoint),
        )


def moved_url(url: str, endpoint: str | None) -> str:
    """``url`` on ``endpoint``'s scheme, host and port (and under its path), if given."""
    if endpoint is None:
        return url
    target, declared = urlsplit(endpoint), urlsplit(url)
    path = target.path.rstrip("/") + declared.path
    return urlunsplit((target.scheme, target.netloc, path, declared.query, ""))


def new_verifier() -> str:
    """A PKCE code verifier (RFC 7636: 43 to 128 unreserved characters)."""
    return str(generate_token(64))


def new_state() -> str:
    """An unguessable ``state`` for one authorization."""
    return str(generate_token(32))


def authorization_url(provider: Provider, redirect_uri: str, state: str, verifier: str) -> str:
    """Where the user's browser goes to approve the connection."""
    oauth = provider.oauth
    pkce = (
        {"code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256"}
        if oauth.pkce
        else {}
    )
    return str(
        prepare_grant_uri(
            provider.authorize_url,
            provider.client.client_id,
            "code",
            redirect_uri=redirect_uri,
            scope=" ".join(oauth.scopes) or None,
            state=state,
            **pkce,
        )
    )


def code_request(
    provider: Provider, code: str, redirect_uri: str, verifier: str
) -> PreparedRequest:
    """The exchange of an authorization code for tokens."""
    pkce = {"code_verifier": verifier} if provider.oauth.pkce else {}
    return _token_request(
        provider, "authorization_code", code=code, redirect_uri=redirect_uri, **pkce
    )


def refresh_request(provider: Provider, refresh_token: str) -> PreparedRequest:
    """The refresh of an access token."""
    return _token_request(provider, "refresh_token", refresh_token=refresh_token)


def _token_request(provider: Provider, grant_type: str, **fields: str) -> PreparedRequest:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json", "Content-Type": FORM}
    authenticate = _CLIENT_AUTH[provider.oauth.client_auth]
    url, headers, body = authenticate(
        provider.client,
        "POST",
        provider.token_url,
        headers,
        prepare_token_request(grant_type, **fields),
    )
    return PreparedRequest("POST", url, headers, None, str(body).encode())


def read_tokens(
    response: Response,
    now: float,
    *,
    secrets: list[str],
    previous_refresh: str | None = None,
    then: str = "reconnect the destination",
) -> Tokens:
    """The tokens of a token endpoint's answer, or the coded error it means: a failure
    that may pass (5xx, 429, 408) as the engine classifies it, any other refusal an
    :class:`InvalidAuthenticationError` naming the provider's error and what to do
    (``then``). ``secrets`` (the grant, the client secret) are redacted from the
    endpoint's explanation. A refresh answer without a new refresh token keeps
    ``previous_refresh``."""
    status = response.status_code
    if not 200 <= status < 300:
        error = error_for_response(response, Redactor(secrets))
        if error is not None and error.retryable:
            raise error
        reason = _provider_error(response) or f"HTTP {status}"
        raise InvalidAuthenticationError(
            f"the provider refused the grant ({reason}): {then}", status=status
        )
    body = _json_object(response)
    access, refresh, lifetime = (
        body.get("access_token"),
        body.get("refresh_token"),
        body.get("expires_in"),
    )
    if not isinstance(access, str) or not access:
        raise IntegrationError(
            "the token endpoint's answer has no access_token", code="INVALID_TOKEN_RESPONSE"
        )
    if isinstance(lifetime, str) and lifetime.isdigit():
        lifetime = int(lifetime)
    expires_at = (
        now + float(lifetime)
        if isinstance(lifetime, int | float) and not isinstance(lifetime, bool)
        else None
    )
    return Tokens(
        access, refresh if isinstance(refresh, str) and refresh else previous_refresh, expires_at
    )


def _provider_error(response: Response) -> str | None:
    """The ``error`` code of an OAuth error answer (RFC 6749 §5.2), if it has one."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) and error.isidentifier() else None


def _json_object(response: Response) -> dict[str, object]:
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise IntegrationError(
            f"the token endpoint answered HTTP {response.status_code} without a JSON object",
            code="INVALID_TOKEN_RESPONSE",
            status=response.status_code,
        )
    return body
