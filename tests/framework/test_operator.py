"""The operator's configuration: endpoint variable names a shell can export, endpoints
checked where they are read (a refusal names the variable, never its value), private
targets off unless the operator turns them on, and the environment read at the edge only:
by the commands, never by a runner or the runtime."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from destinations.webhook import destination as webhook
from framework import DestinationRunner
from framework.engine.http import DEFAULT_TIMEOUT
from framework.engine.operator import (
    OAuthClient,
    OperatorConfig,
    OperatorConfigError,
    endpoint_variable,
)
from framework.tooling.cli import main

ROOT = Path(__file__).resolve().parents[2]
URL = "https://user:s3cr3t@api.example.com/v1"
SHELL_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


@pytest.mark.parametrize(
    ("slug", "variable"),
    [
        ("perkville", "ACTIONS_ENDPOINT_PERKVILLE"),
        ("acme-crm", "ACTIONS_ENDPOINT_ACME_CRM"),
        ("a1-b2-c3", "ACTIONS_ENDPOINT_A1_B2_C3"),
    ],
)
def test_an_endpoint_variable_is_named_as_a_shell_can_export_it(slug: str, variable: str) -> None:
    assert endpoint_variable(slug) == variable
    assert SHELL_NAME.match(variable)


@pytest.mark.parametrize("slug", ["", "Acme", "acme_crm", "-acme", "1acme", "acme crm", "acme\n"])
def test_only_a_destination_slug_names_an_endpoint_variable(slug: str) -> None:
    with pytest.raises(ValueError, match="is not a destination slug"):
        endpoint_variable(slug)


def test_a_slug_with_a_dash_reads_the_underscored_variable() -> None:
    environ = {"ACTIONS_ENDPOINT_ACME_CRM": URL, "ACTIONS_ENDPOINT_ACME-CRM": "http://other"}
    config = OperatorConfig.from_environment(["acme-crm"], environ=environ)
    assert dict(config.endpoints) == {"acme-crm": URL}


def test_only_the_given_destinations_and_set_variables_count() -> None:
    environ = {"ACTIONS_ENDPOINT_PERKVILLE": "", "ACTIONS_ENDPOINT_OTHER": URL}
    config = OperatorConfig.from_environment(["perkville", "webhook"], environ=environ)
    assert dict(config.endpoints) == {}


def test_endpoints_given_as_options_win_over_the_environment() -> None:
    environ = {"ACTIONS_ENDPOINT_PERKVILLE": URL, "ACTIONS_ENDPOINT_WEBHOOK": URL}
    given = {"perkville": "http://127.0.0.1:8787"}
    config = OperatorConfig.from_environment(
        ["perkville", "webhook"], environ=environ, endpoints=given, timeout=2.5
    )
    assert dict(config.endpoints) == {"perkville": "http://127.0.0.1:8787", "webhook": URL}
    assert config.timeout == 2.5


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("file:///s3cr3t", "must be an http or https URL"),
        ("s3cr3t.example:8080", "must be an http or https URL"),
        ("http:///s3cr3t", "must name a host"),
        ("http://s3cr3t.example:99999/", "is not a valid URL"),
        ("http://s3cr3t.example/ x", "must not contain spaces or control characters"),
    ],
)
def test_an_invalid_endpoint_variable_is_named_never_echoed(value: str, problem: str) -> None:
    environ = {"ACTIONS_ENDPOINT_ACME_CRM": value}
    with pytest.raises(OperatorConfigError) as raised:
        OperatorConfig.from_environment(["acme-crm"], environ=environ)
    assert raised.value.message.startswith(f"ACTIONS_ENDPOINT_ACME_CRM: the endpoint {problem}")
    assert "s3cr3t" not in str(raised.value)
    assert raised.value.code == "INVALID_OPERATOR_CONFIG"


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        pytest.param("1", True, id="1"),
        pytest.param(" TRUE ", True, id="true"),
        pytest.param("yes", True, id="yes"),
        pytest.param("on", True, id="on"),
        pytest.param("0", False, id="0"),
        pytest.param("no", False, id="no"),
        pytest.param("", False, id="empty"),
        pytest.param(None, False, id="unset"),
    ],
)
def test_private_targets_are_off_unless_the_operator_turns_them_on(
    value: str | None, allowed: bool
) -> None:
    environ = {} if value is None else {"ACTIONS_ALLOW_PRIVATE_TARGETS": value}
    config = OperatorConfig.from_environment([], environ=environ)
    assert config.allow_private_targets is allowed


def test_the_defaults_send_nowhere_else_and_keep_private_targets_off() -> None:
    config = OperatorConfig()
    assert (dict(config.endpoints), config.allow_private_targets) == ({}, False)
    assert config.timeout == DEFAULT_TIMEOUT


def test_a_given_environment_is_the_only_one_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONS_ENDPOINT_PERKVILLE", URL)
    monkeypatch.setenv("ACTIONS_ALLOW_PRIVATE_TARGETS", "1")
    assert OperatorConfig.from_environment(["perkville"], environ={}) == OperatorConfig()
    from_process = OperatorConfig.from_environment(["perkville"])
    assert (dict(from_process.endpoints), from_process.allow_private_targets) == (
        {"perkville": URL},
        True,
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"endpoints": {"perkville": "file:///s3cr3t"}}, "endpoints['perkville']: the endpoint"),
        ({"endpoints": {"Perk ville": URL}}, "endpoints: 'Perk ville' is not a destination slug"),
        ({"timeout": 0.0}, "timeout: expected a positive number of seconds"),
        ({"timeout": -1.0}, "timeout: expected a positive number of seconds"),
        ({"timeout": math.nan}, "timeout: expected a positive number of seconds"),
        ({"timeout": math.inf}, "timeout: expected a positive number of seconds"),
    ],
)
def test_the_object_checks_what_it_holds(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(OperatorConfigError) as raised:
        OperatorConfig(**arguments)  # type: ignore[arg-type]
    assert raised.value.message.startswith(message)
    assert "s3cr3t" not in raised.value.message


def test_it_cannot_change_once_built_and_its_repr_hides_the_urls() -> None:
    given = {"perkville": URL}
    client = OAuthClient("client-id", "client-secret-value")
    config = OperatorConfig(given, timeout=3.0, oauth_clients={"perkville": client})
    given["perkville"] = "http://elsewhere.example"
    assert config.endpoints["perkville"] == URL
    with pytest.raises(TypeError):
        config.endpoints["perkville"] = "http://elsewhere.example"  # type: ignore[index]
    assert repr(config) == (
        "OperatorConfig(endpoints for [perkville], allow_private_targets=False, timeout=3.0, "
        "OAuth clients for [perkville])"
    )
    assert "client-secret-value" not in repr(client)


def test_the_oauth_client_and_endpoint_come_from_the_environment() -> None:
    environ = {
        "ACTIONS_OAUTH_CLIENT_ID_PERKVILLE": "client-id",
        "ACTIONS_OAUTH_CLIENT_SECRET_PERKVILLE": "client-secret",
        "ACTIONS_OAUTH_ENDPOINT_PERKVILLE": URL,
        "ACTIONS_TOKEN_STORE": "/var/lib/actions/tokens.db",
    }
    config = OperatorConfig.from_environment(["perkville", "webhook"], environ=environ)
    assert config.oauth_clients == {"perkville": OAuthClient("client-id", "client-secret")}
    assert config.oauth_endpoints == {"perkville": URL}
    assert str(config.token_store) == "/var/lib/actions/tokens.db"


def test_an_oauth_client_needs_both_its_id_and_its_secret() -> None:
    environ = {"ACTIONS_OAUTH_CLIENT_ID_PERKVILLE": "client-id"}
    with pytest.raises(OperatorConfigError) as raised:
        OperatorConfig.from_environment(["perkville"], environ=environ)
    assert "ACTIONS_OAUTH_CLIENT_SECRET_PERKVILLE is not" in raised.value.message


def test_a_runner_never_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONS_ALLOW_PRIVATE_TARGETS", "1")
    settings = {"url": "http://10.0.0.1/hook"}
    with DestinationRunner(webhook, settings, dry_run=True) as runner:
        [result] = runner.process({"type": "track", "event": "E", "userId": "u"})
    assert result.error is not None
    assert result.error.code == "UNSAFE_URL"


@pytest.mark.parametrize("value", [None, "1"], ids=["unset", "set"])
def test_actions_send_reads_private_targets_from_the_environment(
    value: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if value is None:
        monkeypatch.delenv("ACTIONS_ALLOW_PRIVATE_TARGETS", raising=False)
    else:
        monkeypatch.setenv("ACTIONS_ALLOW_PRIVATE_TARGETS", value)
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"url": "http://10.0.0.1/hook"}))
    events = tmp_path / "events.ndjson"
    events.write_text(json.dumps({"type": "track", "event": "E", "userId": "u"}) + "\n")
    argv = ["send", "webhook", "--settings", str(settings), "--dry-run", "--json", str(events)]
    main(argv)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    codes = [(line.get("error") or {}).get("code") for line in lines]
    assert lines
    assert codes == ([None] * len(lines) if value else ["UNSAFE_URL"] * len(lines))


# Where the environment may be read: the operator's configuration (called by the
# commands), the runtime configuration's "env:NAME" secrets, and a child process's
# environment in `actions validate`.
ENVIRONMENT_READERS = {
    "framework/engine/operator.py",
    "framework/runtime/delivery/config.py",
    "framework/tooling/cli/authoring.py",
    "framework/tooling/cli/control.py",  # rotate-key: the keys, from the environment only
    "framework/tooling/cli/serve.py",  # the admin token (ACTIONS_ADMIN_TOKEN)
}
READS_ENVIRONMENT = re.compile(r"\bos\.environ\b|\bgetenv\b|\bfrom os import\b")
BUILDS_FROM_ENVIRONMENT = re.compile(r"(?<!def )\b(from_environment|private_targets_allowed)\(")


def sources() -> dict[str, str]:
    return {
        str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
        for path in sorted((ROOT / "framework").rglob("*.py"))
    }


def test_only_the_edge_modules_read_the_environment() -> None:
    readers = {name for name, text in sources().items() if READS_ENVIRONMENT.search(text)}
    assert readers == ENVIRONMENT_READERS


def test_only_the_commands_build_the_operator_configuration_from_the_environment() -> None:
    builders = {name for name, text in sources().items() if BUILDS_FROM_ENVIRONMENT.search(text)}
    assert builders == {"framework/engine/operator.py", "framework/tooling/cli/common.py"}
