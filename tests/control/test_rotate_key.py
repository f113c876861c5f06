"""``actions connections rotate-key``: every stored secret re-sealed with the new key, the
store then opened with the new key only; keys come from the environment or the key file,
and a wrong one is a clear error that never shows a key."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from framework.core.keys import load_key
from framework.runtime.control.connections import Connection
from framework.runtime.control.secrets import SecretBox, WrongKeyError
from framework.runtime.control.store import key_file_for, open_connection_store
from framework.tooling.cli import main
from tests.delivery.conftest import redis_server, redis_url  # noqa: F401 (fixtures)
from tests.delivery.support import API_KEY, SETTINGS

OLD, NEW = Fernet.generate_key(), Fernet.generate_key()
CONNECTION = Connection("rewards", "shop", "perkville", dict(SETTINGS), {})


@pytest.fixture(params=["sqlite", "redis"])
def url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return "sqlite:///control.db"
    return str(request.getfixturevalue("redis_url"))


def _fill(url: str, base: Path, key: bytes) -> None:
    store = open_connection_store(url, base, SecretBox([key]))
    try:
        store.put(CONNECTION, None)
    finally:
        store.close()


def _read(url: str, base: Path, key: bytes) -> Connection | None:
    store = open_connection_store(url, base, SecretBox([key]))
    try:
        return store.get("rewards")
    finally:
        store.close()


def _rotate(url: str, base: Path, *options: str) -> int:
    return main(["connections", "rotate-key", "--store", url, "--base", str(base), *options])


def test_rotating_from_a_configured_key(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(url, tmp_path, OLD)
    monkeypatch.setenv("OLD_KEY", OLD.decode())
    monkeypatch.setenv("NEW_KEY", NEW.decode())
    assert _rotate(url, tmp_path, "--old-key", "env:OLD_KEY", "--new-key", "env:NEW_KEY") == 0
    out = capsys.readouterr().out
    assert "re-sealed 1 connection(s) with the new key" in out
    assert OLD.decode() not in out
    assert NEW.decode() not in out
    assert _read(url, tmp_path, NEW) == replace(CONNECTION, version=1)
    with pytest.raises(WrongKeyError):
        _read(url, tmp_path, OLD)


def test_rotating_from_the_key_file_beside_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "sqlite:///control.db"
    key_file = key_file_for(url, tmp_path)
    [old], _ = load_key(None, key_file)
    _fill(url, tmp_path, old)
    monkeypatch.setenv("NEW_KEY", NEW.decode())
    assert _rotate(url, tmp_path, "--new-key", "env:NEW_KEY") == 0
    stored = _read(url, tmp_path, NEW)
    assert stored is not None
    assert stored.settings["api_key"] == API_KEY
    held = (tmp_path / "control.db").read_bytes()  # closed: its WAL checkpointed into it
    assert b"4242" in held
    assert API_KEY.encode() not in held


def test_a_wrong_old_key_changes_nothing_and_shows_no_key(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(url, tmp_path, OLD)
    monkeypatch.setenv("WRONG_KEY", NEW.decode())
    monkeypatch.setenv("NEW_KEY", NEW.decode())
    assert _rotate(url, tmp_path, "--old-key", "env:WRONG_KEY", "--new-key", "env:NEW_KEY") == 2
    err = capsys.readouterr().err
    assert "WRONG_SECRET_KEY: the control store" in err
    assert "was sealed with another secret key" in err
    assert NEW.decode() not in err
    assert OLD.decode() not in err
    assert _read(url, tmp_path, OLD) is not None


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        pytest.param(
            ["--new-key", "env:UNSET_KEY_VARIABLE"],
            "--new-key: the environment variable UNSET_KEY_VARIABLE is not set",
            id="unset variable",
        ),
        pytest.param(
            ["--new-key", NEW.decode()],
            "--new-key: expected env:NAME (a key is never given on the command line)",
            id="a key on the command line",
        ),
        pytest.param(
            ["--new-key", "env:NOT_A_KEY"],
            "INVALID_SECRET_KEY: --new-key is not a Fernet key",
            id="not a key",
        ),
    ],
)
def test_bad_keys_are_usage_errors(
    options: list[str],
    problem: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OLD_KEY", OLD.decode())
    monkeypatch.setenv("NOT_A_KEY", "hunter2")
    assert _rotate("sqlite:///c.db", tmp_path, "--old-key", "env:OLD_KEY", *options) == 2
    err = capsys.readouterr().err
    assert problem in err
    assert "hunter2" not in err
    assert not (tmp_path / "c.db").exists()  # refused before the store was opened


def test_without_a_key_file_the_old_key_must_be_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEW_KEY", NEW.decode())
    assert _rotate("sqlite:///c.db", tmp_path, "--new-key", "env:NEW_KEY") == 2
    assert f"no key file {tmp_path / 'c.db.key'}" in capsys.readouterr().err
    assert not (tmp_path / "c.db.key").exists()


def test_rotating_while_running_with_both_keys(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(url, tmp_path, OLD)
    running = open_connection_store(url, tmp_path, SecretBox([NEW, OLD]))  # restarted so
    try:
        running.put(replace(CONNECTION, name="added"), None)  # sealed with the new key
        monkeypatch.setenv("BOTH_KEYS", f"{NEW.decode()},{OLD.decode()}")
        monkeypatch.setenv("NEW_KEY", NEW.decode())
        assert _rotate(url, tmp_path, "--old-key", "env:BOTH_KEYS", "--new-key", "env:NEW_KEY") == 0
        assert running.get("rewards") == replace(CONNECTION, version=1)  # still served
    finally:
        running.close()
    store = open_connection_store(url, tmp_path, SecretBox([NEW]))
    try:
        assert [c.name for c in store.list()] == ["added", "rewards"]
    finally:
        store.close()
