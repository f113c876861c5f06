"""The ``[control]`` table of the configuration file: where the control plane stores
connections, the key sealing their secrets and the admin token; and sources that list no
destination (connections name them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from framework.runtime.delivery.config import ConfigError, load_config

SOURCE = '[[sources]]\nname = "shop"\nwrite_key = "wk"\n'
SECRET_KEY = "fernet-key-SECRET-5e6f"
TOKEN = "admin-token-SECRET-7a8b"


def test_without_a_control_table_the_store_is_a_sqlite_file_beside_the_configuration(
    tmp_path: Path,
) -> None:
    config = load_config(_write(tmp_path, SOURCE), {})
    assert config.control.store_url == f"sqlite:///{tmp_path.resolve() / 'actions-control.db'}"
    assert config.control.secret_key is None
    assert config.control.admin_token is None


def test_a_source_may_list_no_destination(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, SOURCE), {})
    assert [(s.name, s.destinations) for s in config.sources] == [("shop", ())]


def test_with_a_redis_queue_the_store_defaults_to_that_redis(tmp_path: Path) -> None:
    text = 'queue = "redis://:env:REDIS_PASSWORD@redis.internal:6379/2"\n' + SOURCE
    config = load_config(_write(tmp_path, text), {"REDIS_PASSWORD": "pw"})
    assert config.control.store_url == "redis://:pw@redis.internal:6379/2"


def test_the_control_table_is_read_with_its_secrets_from_the_environment(
    tmp_path: Path,
) -> None:
    text = (
        SOURCE + '[control]\nstore = "sqlite:///state/control.db"\n'
        'secret_key = "env:CONTROL_KEY"\nadmin_token = "env:ADMIN_TOKEN"\n'
    )
    env = {"CONTROL_KEY": SECRET_KEY, "ADMIN_TOKEN": TOKEN}
    config = load_config(_write(tmp_path, text), env)
    control = config.control
    assert control.store_url == f"sqlite:///{tmp_path.resolve() / 'state' / 'control.db'}"
    assert (control.secret_key, control.admin_token) == (SECRET_KEY, TOKEN)
    assert SECRET_KEY not in repr(config)
    assert TOKEN not in repr(config)


def test_a_redis_store_takes_its_password_from_the_environment(tmp_path: Path) -> None:
    text = SOURCE + '[control]\nstore = "redis://:env:STORE_PASSWORD@127.0.0.1:6379/3"\n'
    config = load_config(_write(tmp_path, text), {"STORE_PASSWORD": "p@ss"})
    assert config.control.store_url == "redis://:p%40ss@127.0.0.1:6379/3"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('storage = "x"\n', "control.storage: unknown key (expected one of admin_token, "),
        ('store = "postgres://h/db"\n', 'control.store: expected a URL such as "sqlite:///'),
        ("store = 1\n", "control.store: expected a URL"),
        ('secret_key = ""\n', 'control.secret_key: expected a non-empty string (or "env:NAME")'),
        ("admin_token = 5\n", "control.admin_token: expected a non-empty string"),
        (
            'admin_token = "env:NOT_SET_ANYWHERE"\n',
            "control.admin_token: environment variable NOT_SET_ANYWHERE is not set",
        ),
    ],
)
def test_control_mistakes_are_reported_where_they_are(
    tmp_path: Path, table: str, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(_write(tmp_path, SOURCE + "[control]\n" + table), {})
    assert message in raised.value.message


def test_control_must_be_a_table(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(_write(tmp_path, 'control = "x"\n' + SOURCE), {})
    assert raised.value.message == "[control]: expected a table"


def _write(folder: Path, text: str) -> Path:
    path = folder / "actions.toml"
    path.write_text(text)
    return path
