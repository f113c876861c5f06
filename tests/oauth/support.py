"""A fake OAuth provider and Perkville API behind one httpx MockTransport, the operator
configurations that point Perkville at it or at a sandbox, and connecting as the
settings page does."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx

from destinations.perkville import destination as perkville
from destinations.perkville.sandbox import PerkvilleSandbox
from framework.engine.oauth.connect import ConnectFlows
from framework.engine.oauth.store import Tokens, TokenStore
from framework.engine.operator import OAuthClient, OperatorConfig
from tests.perkville.support import SETTINGS

API = "https://api.example.test/v2"
PROVIDER = "https://auth.example.test"
CLIENT = OAuthClient("perkville-client", "perkville-client-secret")
CONNECTION = "conn-1"


def operator(tmp_path: Path) -> OperatorConfig:
    """Perkville's API and OAuth provider on the fake hosts, its client, a token store."""
    return OperatorConfig(
        {"perkville": API},
        oauth_clients={"perkville": CLIENT},
        oauth_endpoints={"perkville": PROVIDER},
        token_store=tmp_path / "tokens.db",
    )


def connected_settings(connection: str = CONNECTION) -> dict[str, Any]:
    """Perkville settings whose API key is a connection reference."""
    return {**SETTINGS, "api_key": f"oauth:{connection}"}


class FakeProvider:
    """Issues tokens (``access-N``, ``refresh-N``), refreshes them (rotating the refresh
    token), and serves ``POST /transactions/`` to live access tokens only."""

    def __init__(self) -> None:
        self._numbers = itertools.count(1)
        self.live: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.token_requests: list[httpx.Request] = []
        self.refreshes = 0
        self.delivered = 0
        self.token_status: int | None = None  # forced status of the token endpoint

    def grant(
        self, store: TokenStore, connection: str = CONNECTION, expires_at: float = 1e12
    ) -> Tokens:
        """Issue tokens and store them as ``connection``'s grant."""
        tokens = self._issue(expires_at)
        store.save(connection, "perkville", tokens)
        return tokens

    def _issue(self, expires_at: float | None) -> Tokens:
        number = next(self._numbers)
        access, refresh = f"access-{number}-secret", f"refresh-{number}-secret"
        self.live.add(access)
        self.refresh_tokens.add(refresh)
        return Tokens(access, refresh, expires_at)

    def expire_all(self) -> None:
        """Every access token issued so far is refused from now on."""
        self.live.clear()

    def revoke_all(self) -> None:
        """Every token issued so far is refused, refresh tokens too."""
        self.live.clear()
        self.refresh_tokens.clear()

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == httpx.URL(PROVIDER).host:
            return self._token(request)
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.live:
            return httpx.Response(401, json={"status": "failure", "errors": ["bad token"]})
        self.delivered += 1
        return httpx.Response(201, json={"status": "success"})

    def _token(self, request: httpx.Request) -> httpx.Response:
        self.token_requests.append(request)
        if self.token_status is not None:
            return httpx.Response(self.token_status, json={"error": "server_error"})
        form = {key: values[0] for key, values in parse_qs(request.content.decode()).items()}
        if form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return httpx.Response(400, json={"error": "invalid_grant"})
            self.refresh_tokens.discard(form["refresh_token"])
            self.refreshes += 1
        elif form.get("grant_type") != "authorization_code":
            return httpx.Response(400, json={"error": "unsupported_grant_type"})
        tokens = self._issue(None)
        body: dict[str, Any] = {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "token_type": "Bearer",
            "expires_in": 3600,
        }
        return httpx.Response(200, content=json.dumps(body).encode())


REDIRECT = "http://127.0.0.1:9/oauth/callback"  # the flow is finished by the test itself


def sandbox_operator(sandbox: PerkvilleSandbox, tmp_path: Path) -> OperatorConfig:
    client = OAuthClient(sandbox.oauth.CLIENT_ID, sandbox.oauth.CLIENT_SECRET)
    return OperatorConfig(
        {"perkville": sandbox.url},
        oauth_clients={"perkville": client},
        oauth_endpoints={"perkville": sandbox.url},
        token_store=tmp_path / "tokens.db",
    )


def connect(operator: OperatorConfig, reuse: str | None = None) -> str:
    """Connect Perkville as the settings page does: the browser's part is an HTTP GET of
    the authorization URL, which the sandbox approves with a redirect."""
    flows = ConnectFlows({"perkville": perkville}, operator)
    state, url = flows.start("perkville", REDIRECT, reuse=reuse)
    answer = httpx.get(url, follow_redirects=False)
    assert answer.status_code == 302
    back = httpx.URL(answer.headers["location"])
    assert back.params["state"] == state
    status = flows.finish(state, code=back.params["code"])
    assert status.connection is not None, status
    return status.connection
