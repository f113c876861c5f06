"""The runtime configuration's input discipline: the endpoint is an http(s) URL, a
settings file is strict JSON, and settings and mappings written in TOML hold only what
JSON can (TOML has ``inf`` and ``nan``). Errors name where, never the value, and never
escape as a ValueError or RecursionError."""

from __future__ import annotations

from pathlib import Path

import pytest

from framework.runtime.delivery.config import ConfigError, load_config
from tests.delivery.support import ENV, write_config

WHERE = "sources[0].destinations[0]"
NOT_FINITE = "a number is not a finite double (NaN, Infinity or out of range)"


@pytest.mark.parametrize(
    ("endpoint", "reason"),
    [
        ("file:///s3cr3t", "must be an http or https URL, such as https://api.example.com"),
        ("s3cr3t.example:443", "must be an http or https URL, such as https://api.example.com"),
        ("https://", "must name a host, as in https://api.example.com"),
    ],
)
def test_the_endpoint_must_be_an_http_url(tmp_path: Path, endpoint: str, reason: str) -> None:
    path = write_config(tmp_path, endpoint)
    with pytest.raises(ConfigError) as raised:
        load_config(path, ENV)
    assert raised.value.message == f"{WHERE}.endpoint: the endpoint {reason}"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"business_id": NaN}', f"{NOT_FINITE} at /business_id"),
        (
            '{"business_id": "s3cr3t\\udce9"}',
            "a string holds a lone UTF-16 surrogate at /business_id",
        ),
        (b'{"business_id": "\xff"}'.decode("latin-1"), "not UTF-8"),
    ],
)
def test_a_settings_file_is_strict_json(tmp_path: Path, text: str, reason: str) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9")
    (tmp_path / "perkville.json").write_bytes(text.encode("latin-1"))
    with pytest.raises(ConfigError) as raised:
        load_config(path, ENV)
    settings_file = tmp_path / "perkville.json"
    message = raised.value.message
    assert message.startswith(f"{WHERE}.settings_file: {str(settings_file)!r} is ")
    assert message.endswith(reason)
    assert "s3cr3t" not in message


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'api_key = "env:TEST_PERKVILLE_KEY"',
            'api_key = "env:TEST_PERKVILLE_KEY", ratio = inf',
            f"{WHERE}.settings: {NOT_FINITE} at /ratio",
        ),
        (
            'endpoint = "',
            'mappings = { award_points = { amount = { "@literal" = nan } } }\nendpoint = "',
            f"{WHERE}.mappings: {NOT_FINITE} at /award_points/amount/@literal",
        ),
    ],
)
def test_toml_values_json_cannot_hold_are_refused(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9")
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    with pytest.raises(ConfigError) as raised:
        load_config(path, ENV)
    assert raised.value.message == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x = " + "7" * 4301 + "\n", "holds an integer of more than 4300 digits"),
        ("x = " + "[" * 5000 + "]" * 5000 + "\n", "is nested too deeply"),
    ],
)
def test_toml_python_cannot_read_is_a_config_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "actions.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(path, {})
    assert raised.value.message == f"configuration file {str(path)!r} {message}"


def test_a_configuration_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "actions.toml"
    path.write_bytes(b'queue = "sqlite:///q\xff.db"\n')
    with pytest.raises(ConfigError) as raised:
        load_config(path, {})
    assert raised.value.message == f"configuration file {str(path)!r} is not UTF-8"
