"""`actions test-auth`, `send` and `choices` with a connected Perkville: the settings file
holds a connection reference, the operator's environment the client and the token store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from destinations.perkville.sandbox import PerkvilleSandbox
from framework.engine.operator import OperatorConfig
from framework.tooling.cli import main
from tests.delivery.support import SETTINGS
from tests.oauth.support import connect, sandbox_operator


def _environment(monkeypatch: pytest.MonkeyPatch, operator: OperatorConfig) -> None:
    [(slug, client)] = operator.oauth_clients.items()
    variable = slug.upper()
    monkeypatch.setenv(f"ACTIONS_OAUTH_CLIENT_ID_{variable}", client.client_id)
    monkeypatch.setenv(f"ACTIONS_OAUTH_CLIENT_SECRET_{variable}", client.client_secret)
    monkeypatch.setenv(f"ACTIONS_OAUTH_ENDPOINT_{variable}", operator.oauth_endpoints[slug])
    monkeypatch.setenv("ACTIONS_TOKEN_STORE", str(operator.token_store))


def test_test_auth_send_and_choices_use_the_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.ndjson"
    events.write_text(json.dumps({"type": "track", "event": "Checked In", "email": "a@b.co"}))
    with PerkvilleSandbox(SETTINGS) as sandbox:
        operator = sandbox_operator(sandbox, tmp_path)
        _environment(monkeypatch, operator)
        settings = tmp_path / "settings.json"
        settings.write_text(json.dumps({**SETTINGS, "api_key": connect(operator)}))
        sandbox.oauth.expire_access_tokens()
        endpoint = ["--settings", str(settings), "--endpoint", sandbox.url]
        assert main(["test-auth", "perkville", *endpoint]) == 0
        assert main(["send", "perkville", *endpoint, str(events)]) == 0
        assert main(["choices", "perkville", "location_id", *endpoint]) == 0
        applied, grants = sandbox.applied(), sandbox.oauth.grants()
    out = capsys.readouterr().out
    assert "authentication succeeded" in out
    assert "1 delivered" in out
    assert json.loads(out.splitlines()[-1]) == [{"value": "17", "label": "Location 17"}]
    assert applied == 1
    assert grants == {"authorization_code": 1, "refresh_token": 1}  # one per process


def test_a_connection_without_an_oauth_client_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({**SETTINGS, "api_key": "oauth:some-connection"}))
    assert main(["test-auth", "perkville", "--settings", str(settings)]) != 0
    err = capsys.readouterr().err
    assert "ACTIONS_OAUTH_CLIENT_ID_PERKVILLE" in err
    assert "some-connection" not in err
    assert "Traceback" not in err
