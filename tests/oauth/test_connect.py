"""The authorization code flow with PKCE, from Connect to a stored grant, and the exact
token requests (exchange and refresh), snapshotted with their secrets redacted."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from syrupy.assertion import SnapshotAssertion

from destinations.perkville import destination as perkville
from destinations.webhook import destination as webhook
from framework import DestinationRunner
from framework.core.errors import InvalidAuthenticationError, RetryableError
from framework.core.redaction import Redactor
from framework.engine.oauth.connect import ConnectError, ConnectFlows
from framework.engine.oauth.grant import read_tokens
from framework.engine.oauth.session import TokenSessions
from framework.engine.oauth.store import TokenStore
from framework.engine.operator import OperatorConfig
from framework.engine.transport import Response
from tests.oauth.support import CLIENT, PROVIDER, FakeProvider, connected_settings, operator

REDIRECT = "http://127.0.0.1:8080/oauth/callback"
DESTINATIONS = {"perkville": perkville, "webhook": webhook}


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def _form(request: httpx.Request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.content.decode()).items()}


def _flows(tmp_path: Path, provider: FakeProvider) -> ConnectFlows:
    return ConnectFlows(DESTINATIONS, operator(tmp_path), transport=provider.transport())


def test_connect_sends_the_browser_to_the_provider_with_state_and_pkce(tmp_path: Path) -> None:
    flow, url = _flows(tmp_path, FakeProvider()).start("perkville", REDIRECT)
    assert url.startswith(f"{PROVIDER}/api/authorize/?")
    query = _query(url)
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT.client_id
    assert query["redirect_uri"] == REDIRECT
    assert query["state"] == flow
    assert query["scope"] == "PUBLIC ADMIN_CUSTOMER_GRANT_POINTS ADMIN_PERK ADMIN_LOCATION"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43  # base64url of a SHA-256, unpadded


def test_the_code_is_exchanged_with_the_verifier_and_the_grant_stored(tmp_path: Path) -> None:
    provider = FakeProvider()
    flows = _flows(tmp_path, provider)
    flow, url = flows.start("perkville", REDIRECT)
    assert flows.status(flow) is not None
    assert flows.status(flow).to_json() == {"status": "pending"}  # type: ignore[union-attr]
    status = flows.finish(flow, code="the-code")
    assert status.status == "connected"
    assert status.connection is not None
    assert status.connection.startswith("oauth:")
    [request] = provider.token_requests
    form = _form(request)
    assert form["grant_type"] == "authorization_code"
    assert form["code"] == "the-code"
    assert form["redirect_uri"] == REDIRECT
    digest = hashlib.sha256(form["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == _query(url)["code_challenge"]
    stored = TokenStore(tmp_path / "tokens.db").get(status.connection.removeprefix("oauth:"))
    assert stored is not None
    assert stored.tokens.access_token in provider.live
    assert stored.tokens.access_token not in str(status.to_json())


def test_a_connection_sends_with_its_token_after_connecting(tmp_path: Path) -> None:
    provider = FakeProvider()
    flows = _flows(tmp_path, provider)
    flow, _ = flows.start("perkville", REDIRECT)
    reference = flows.finish(flow, code="the-code").connection
    assert reference is not None
    settings = {**connected_settings(), "api_key": reference}
    config = operator(tmp_path)
    with DestinationRunner.configured(
        perkville, settings, config, transport=provider.transport(), sessions=TokenSessions(config)
    ) as runner:
        assert runner.test_authentication().ok


def test_a_flow_finishes_once_and_an_unknown_one_fails(tmp_path: Path) -> None:
    provider = FakeProvider()
    flows = _flows(tmp_path, provider)
    flow, _ = flows.start("perkville", REDIRECT)
    first = flows.finish(flow, code="the-code")
    assert flows.finish(flow, code="another-code") == first
    assert len(provider.token_requests) == 1
    unknown = flows.finish("no-such-state", code="the-code")
    assert (unknown.status, unknown.code) == ("failed", "UNKNOWN_FLOW")
    assert flows.status("no-such-state") is None


def test_a_denied_authorization_is_a_failed_flow(tmp_path: Path) -> None:
    flows = _flows(tmp_path, FakeProvider())
    flow, _ = flows.start("perkville", REDIRECT)
    status = flows.finish(flow, error="access_denied")
    assert status.to_json() == {
        "status": "failed",
        "code": "AUTHORIZATION_DENIED",
        "message": "Perkville did not authorize the connection (access_denied)",
    }


def test_a_refused_code_is_a_failed_flow_naming_the_provider_error(tmp_path: Path) -> None:
    provider = FakeProvider()
    provider.token_status = 400
    flows = _flows(tmp_path, provider)
    flow, _ = flows.start("perkville", REDIRECT)
    status = flows.finish(flow, code="the-code")
    assert (status.status, status.code) == ("failed", "INVALID_AUTHENTICATION")
    assert "server_error" in str(status.message)


def test_reconnecting_updates_the_same_connection(tmp_path: Path) -> None:
    flows = _flows(tmp_path, FakeProvider())
    flow, _ = flows.start("perkville", REDIRECT)
    reference = flows.finish(flow, code="first").connection
    again, _ = flows.start("perkville", REDIRECT, reuse=reference)
    assert flows.finish(again, code="second").connection == reference
    stored = TokenStore(tmp_path / "tokens.db").get(str(reference).removeprefix("oauth:"))
    assert stored is not None
    assert stored.version == 2


def test_a_destination_without_oauth_or_without_a_client_cannot_connect(tmp_path: Path) -> None:
    flows = _flows(tmp_path, FakeProvider())
    for slug in ("webhook", "nope"):
        with pytest.raises(ConnectError, match=f"{slug} does not connect with OAuth 2.0"):
            flows.start(slug, REDIRECT)
    without_client = ConnectFlows(DESTINATIONS, OperatorConfig(token_store=tmp_path / "t.db"))
    with pytest.raises(ConnectError, match="ACTIONS_OAUTH_CLIENT_SECRET_PERKVILLE"):
        without_client.start("perkville", REDIRECT)


def _redacted(request: httpx.Request, secrets: list[str]) -> dict[str, Any]:
    redactor = Redactor(secrets)
    headers = {name: value for name, value in request.headers.items() if name != "content-length"}
    return {
        "method": request.method,
        "url": str(request.url),
        "headers": redactor.headers(headers),
        "form": redactor.value(_form(request)),
    }


def test_the_token_exchange_and_refresh_requests(
    tmp_path: Path, snapshot: SnapshotAssertion
) -> None:
    provider = FakeProvider()
    flows = _flows(tmp_path, provider)
    flow, _ = flows.start("perkville", REDIRECT)
    reference = flows.finish(flow, code="the-code").connection
    provider.expire_all()
    config = operator(tmp_path)
    settings = {**connected_settings(), "api_key": str(reference)}
    with DestinationRunner.configured(
        perkville, settings, config, transport=provider.transport(), sessions=TokenSessions(config)
    ) as runner:
        assert runner.test_authentication().ok
    exchange, refresh = provider.token_requests
    secrets = [
        CLIENT.client_secret,
        "the-code",
        _form(exchange)["code_verifier"],
        *provider.refresh_tokens,
        *(f"refresh-{n}-secret" for n in range(1, 4)),
    ]
    shown = [_redacted(exchange, secrets), _redacted(refresh, secrets)]
    assert CLIENT.client_secret not in str(shown)
    assert shown == snapshot


def test_a_refusal_that_is_not_json_is_still_a_refusal_and_secrets_are_redacted() -> None:
    page = Response(401, {"content-type": "text/html"}, b"<h1>Unauthorized</h1>", "Unauthorized")
    with pytest.raises(InvalidAuthenticationError) as refused:
        read_tokens(page, 0.0, secrets=["the-refresh"], then="reconnect the destination")
    assert (
        refused.value.message
        == "the provider refused the grant (HTTP 401): reconnect the destination"
    )
    echoed = Response(503, {"retry-after": "7"}, b"busy, refresh_token=the-refresh", "")
    with pytest.raises(RetryableError) as later:
        read_tokens(echoed, 0.0, secrets=["the-refresh"])
    assert later.value.retry_after == 7
    assert "the-refresh" not in later.value.message
