"""A connected Perkville in the delivery runtime, against the sandbox's OAuth server: an
access token that expires mid-run is refreshed once for 4 concurrent workers and no event
fails; a revoked grant dead-letters the events as INVALID_AUTHENTICATION (terminal, tried
once), and they are delivered when replayed after reconnecting."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from destinations.perkville import destination as perkville
from destinations.perkville.sandbox import PerkvilleSandbox
from framework.engine.oauth.store import TokenStore
from framework.engine.operator import OperatorConfig
from framework.runtime.delivery.config import load_config
from framework.runtime.delivery.queue import DeadLetterFilter
from framework.runtime.delivery.runtime import Runtime
from tests.delivery.support import ENV, SETTINGS, drained, order, post_batch, wait_for, write_config
from tests.oauth.support import connect, sandbox_operator


@pytest.fixture
def sandbox() -> Iterator[PerkvilleSandbox]:
    with PerkvilleSandbox(SETTINGS) as running:
        yield running


def _runtime(tmp_path: Path, operator: OperatorConfig, reference: str) -> Runtime:
    path = write_config(tmp_path, operator.endpoints["perkville"], concurrency=4, backoff="1ms")
    config = load_config(path, {**ENV, "TEST_PERKVILLE_KEY": reference})
    runtime = Runtime(config, {"perkville": perkville}, operator=operator)
    runtime.start()
    return runtime


def test_an_expired_token_is_refreshed_once_for_four_workers(
    sandbox: PerkvilleSandbox, tmp_path: Path
) -> None:
    operator = sandbox_operator(sandbox, tmp_path)
    runtime = _runtime(tmp_path, operator, connect(operator))
    try:
        post_batch(runtime, [order(1)])
        wait_for(lambda: sandbox.applied() == 1, what="the first event")
        sandbox.oauth.expire_access_tokens()
        post_batch(runtime, [order(n) for n in range(2, 22)])
        wait_for(lambda: drained(runtime.queue), what="every event")
        dead = runtime.queue.dead_letters(DeadLetterFilter())
    finally:
        runtime.close()
    assert sandbox.applied() == 21
    assert dead == []
    assert sandbox.oauth.grants() == {"authorization_code": 1, "refresh_token": 1}


def test_a_revoked_grant_dead_letters_then_replays_after_reconnecting(
    sandbox: PerkvilleSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    operator = sandbox_operator(sandbox, tmp_path)
    reference = connect(operator)
    revoked = TokenStore(operator.token_store).get(reference.removeprefix("oauth:"))
    assert revoked is not None
    runtime = _runtime(tmp_path, operator, reference)
    try:
        sandbox.oauth.revoke()
        post_batch(runtime, [order(1), order(2)])
        wait_for(lambda: drained(runtime.queue), what="both events to fail")
        dead = runtime.queue.dead_letters(DeadLetterFilter())
        assert [(d.code, d.attempts) for d in dead] == [("INVALID_AUTHENTICATION", 1)] * 2
        assert all("reconnect" in d.message for d in dead)
        assert all(d.reason == "terminal" for d in dead)
        assert connect(operator, reuse=reference) == reference
        assert runtime.queue.replay(DeadLetterFilter(), now=time.time()) == 2
        wait_for(lambda: sandbox.applied() == 2, what="the replayed events")
        letters = json.dumps([vars(d) for d in dead], default=str)
    finally:
        runtime.close()
    renewed = TokenStore(operator.token_store).get(reference.removeprefix("oauth:"))
    assert renewed is not None
    for grant in (revoked, renewed):
        for token in (grant.tokens.access_token, str(grant.tokens.refresh_token)):
            assert token not in letters
            assert token not in caplog.text
    assert "the token refresh was refused" in caplog.text
