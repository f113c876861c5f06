"""A connected destination's access token: substituted for the reference, refreshed before
it expires and once after a 401, one refresh for concurrent requests, a refusal terminal
until the destination is reconnected, and never shown."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from destinations.perkville import destination as perkville
from framework import DestinationRunner, SettingsError
from framework.engine.loop import engine_loop
from framework.engine.oauth.session import TokenSessions
from framework.engine.oauth.store import TokenStore, TokenStoreError
from framework.engine.operator import OperatorConfig
from framework.engine.results import Result
from tests.oauth.support import CONNECTION, FakeProvider, connected_settings, operator

EVENT = {
    "type": "track",
    "event": "Checked In",
    "properties": {"email": "ana@example.com"},
}


def _runner(config: OperatorConfig, provider: FakeProvider, **options: object) -> DestinationRunner:
    return DestinationRunner.configured(
        perkville, connected_settings(), config, transport=provider.transport(), **options
    )


def _deliver_concurrently(runner: DestinationRunner, count: int) -> list[Result]:
    async def all_of_them() -> list[Result]:
        batches = await asyncio.gather(
            *(runner.process_async({**EVENT, "messageId": f"m{n}"}) for n in range(count))
        )
        return [result for results in batches for result in results]

    return engine_loop().run(all_of_them())


def _shown(results: list[Result]) -> str:
    return json.dumps([result.to_json() for result in results])


def test_the_access_token_replaces_the_reference_in_the_bearer_header(tmp_path: Path) -> None:
    config, provider = operator(tmp_path), FakeProvider()
    tokens = provider.grant(TokenStore(config.token_store))
    with _runner(config, provider) as runner:
        [result] = runner.process(EVENT)
    assert result.status == "delivered", result
    assert provider.delivered == 1
    assert result.request is not None
    assert result.request["headers"]["Authorization"] == "Bearer [REDACTED]"
    assert tokens.access_token not in _shown([result])


def test_an_expired_token_is_refreshed_once_for_concurrent_requests(tmp_path: Path) -> None:
    config, provider = operator(tmp_path), FakeProvider()
    provider.grant(TokenStore(config.token_store), expires_at=0.0)  # long expired
    with _runner(config, provider, sessions=TokenSessions(config)) as runner:
        results = _deliver_concurrently(runner, 4)
    assert [result.status for result in results] == ["delivered"] * 4
    assert provider.refreshes == 1


def test_a_token_the_api_refuses_is_refreshed_once_and_the_requests_sent_again(
    tmp_path: Path,
) -> None:
    config, provider = operator(tmp_path), FakeProvider()
    provider.grant(TokenStore(config.token_store))
    provider.expire_all()  # the provider no longer takes it, though not yet due to expire
    with _runner(config, provider, sessions=TokenSessions(config)) as runner:
        results = _deliver_concurrently(runner, 4)
    assert [result.status for result in results] == ["delivered"] * 4
    assert provider.refreshes == 1
    assert provider.delivered == 4


def test_runners_of_one_operator_configuration_share_the_refresh(tmp_path: Path) -> None:
    config, provider = operator(tmp_path), FakeProvider()
    provider.grant(TokenStore(config.token_store), expires_at=0.0)
    sessions = TokenSessions(config)
    with (
        _runner(config, provider, sessions=sessions) as first,
        _runner(config, provider, sessions=sessions) as second,
    ):
        assert first.process(EVENT)[0].status == "delivered"
        assert second.process(EVENT)[0].status == "delivered"
    assert provider.refreshes == 1


def test_a_refused_refresh_is_terminal_until_the_destination_is_reconnected(
    tmp_path: Path,
) -> None:
    config, provider = operator(tmp_path), FakeProvider()
    store = TokenStore(config.token_store)
    revoked = provider.grant(store)
    provider.revoke_all()
    with _runner(config, provider, sessions=TokenSessions(config)) as runner:
        [first] = runner.process(EVENT)
        asked = len(provider.token_requests)
        [second] = runner.process(EVENT)
        assert len(provider.token_requests) == asked, "no new refresh while revoked"
        stored = store.get(CONNECTION)
        assert stored is not None
        assert stored.revoked is not None
        provider.grant(store)  # reconnected: a new grant for the same connection
        [third] = runner.process(EVENT)
    for failed in (first, second):
        assert failed.status == "failed"
        assert failed.error is not None
        assert failed.error.code == "INVALID_AUTHENTICATION"
        assert not failed.error.retryable
        assert "reconnect" in failed.error.message
    assert third.status == "delivered"
    shown = _shown([first, second, third])
    assert revoked.access_token not in shown
    assert str(revoked.refresh_token) not in shown


def test_a_token_endpoint_that_fails_for_now_is_retried_later(tmp_path: Path) -> None:
    config, provider = operator(tmp_path), FakeProvider()
    provider.grant(TokenStore(config.token_store), expires_at=0.0)
    provider.token_status = 503
    with _runner(config, provider, sessions=TokenSessions(config)) as runner:
        [result] = runner.process(EVENT)
        assert result.error is not None
        assert result.error.retryable
        provider.token_status = None
        [retried] = runner.process(EVENT)
    assert retried.status == "delivered"
    stored = TokenStore(config.token_store).get(CONNECTION)
    assert stored is not None
    assert stored.revoked is None


def test_a_connection_of_another_destination_or_missing_is_refused(tmp_path: Path) -> None:
    config, provider = operator(tmp_path), FakeProvider()
    with _runner(config, provider, sessions=TokenSessions(config)) as runner:
        [result] = runner.process(EVENT)
    assert result.error is not None
    assert result.error.code == "INVALID_AUTHENTICATION"
    assert "not in the operator's token store" in result.error.message


def test_a_reference_without_an_oauth_client_is_a_settings_error(tmp_path: Path) -> None:
    config = OperatorConfig(token_store=tmp_path / "tokens.db")
    with pytest.raises(SettingsError) as raised:
        DestinationRunner.configured(perkville, connected_settings(), config)
    assert "ACTIONS_OAUTH_CLIENT_ID_PERKVILLE" in raised.value.message


def test_a_reference_without_a_token_store_is_a_settings_error() -> None:
    with pytest.raises(SettingsError) as raised:
        DestinationRunner(perkville, connected_settings())
    assert "no token store" in raised.value.message
    assert CONNECTION not in raised.value.message


def test_a_dry_run_sends_nothing_and_asks_for_no_token(tmp_path: Path) -> None:
    config, provider = operator(tmp_path), FakeProvider()
    provider.grant(TokenStore(config.token_store), expires_at=0.0)
    with _runner(config, provider, dry_run=True) as runner:
        [result] = runner.process(EVENT)
    assert result.status == "dry_run"
    assert provider.token_requests == []


def test_the_authentication_test_refreshes_a_refused_token(tmp_path: Path) -> None:
    config, provider = operator(tmp_path), FakeProvider()
    provider.grant(TokenStore(config.token_store))
    provider.expire_all()
    with _runner(config, provider, sessions=TokenSessions(config)) as runner:
        outcome = runner.test_authentication()
    assert outcome.ok, outcome
    assert provider.refreshes == 1


def test_the_token_store_file_is_private(tmp_path: Path) -> None:
    config, provider = operator(tmp_path), FakeProvider()
    provider.grant(TokenStore(config.token_store))
    assert config.token_store.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(("seconds_left", "refreshes"), [(30.0, 1), (120.0, 0)])
def test_a_token_is_refreshed_within_the_margin_before_it_expires(
    tmp_path: Path, seconds_left: float, refreshes: int
) -> None:
    now = 1_000_000.0
    config, provider = operator(tmp_path), FakeProvider()
    provider.grant(TokenStore(config.token_store), expires_at=now + seconds_left)
    sessions = TokenSessions(config, clock=lambda: now)
    with _runner(config, provider, sessions=sessions) as runner:
        [result] = runner.process(EVENT)
    assert result.status == "delivered"
    assert provider.refreshes == refreshes  # Perkville's margin: 60 seconds


def test_the_stored_tokens_are_sealed_and_another_key_is_a_clear_error(tmp_path: Path) -> None:
    config, provider = operator(tmp_path), FakeProvider()
    tokens = provider.grant(TokenStore(config.token_store))
    stored = config.token_store.read_bytes()
    assert tokens.access_token.encode() not in stored
    assert str(tokens.refresh_token).encode() not in stored
    key_file = config.token_store.with_name("tokens.db.key")
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert TokenStore(config.token_store).get(CONNECTION) is not None  # the same key file
    other = TokenStore(config.token_store, Fernet.generate_key().decode())
    with pytest.raises(TokenStoreError) as raised:
        other.get(CONNECTION)
    assert "sealed with another key: set ACTIONS_TOKEN_KEY" in raised.value.message
    assert key_file.read_text().strip() not in raised.value.message
