"""The connection stores, SQLite and Redis alike: round trips, versions (of two updates
from one version exactly one wins), the revision, secrets sealed at rest (the file's
bytes and Redis's values hold none in clear), the key checked at open, re-sealing."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import redis
from cryptography.fernet import Fernet

from framework.runtime.control.connections import Connection
from framework.runtime.control.secrets import SecretBox, WrongKeyError
from framework.runtime.control.store import (
    SqliteConnectionStore,
    StoreUnavailable,
    VersionConflict,
    open_connection_store,
)
from framework.runtime.delivery.config import ConfigError
from tests.delivery.conftest import redis_server, redis_url  # noqa: F401 (fixtures)
from tests.delivery.support import API_KEY, SETTINGS

KEY, OTHER = Fernet.generate_key(), Fernet.generate_key()
Open = Callable[..., Any]  # open(box=SecretBox([KEY])) -> a store of this test's own


@pytest.fixture(params=["sqlite", "redis"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store of each kind."""
    if request.param == "sqlite":
        return "sqlite:///control.db"
    return str(request.getfixturevalue("redis_url"))


@pytest.fixture
def open_store(url: str, tmp_path: Path) -> Iterator[Open]:
    """``open_store(box)``: the store at ``url`` opened with ``box``, closed after the test."""
    opened: list[Any] = []

    def open_(box: SecretBox | None = None) -> Any:
        store = open_connection_store(url, tmp_path, box or SecretBox([KEY]))
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


def _connection(**changes: Any) -> Connection:
    return replace(
        Connection(
            name="rewards",
            source="shop",
            destination="perkville",
            settings=dict(SETTINGS),
            mappings={"award_points": {"email": {"@path": "$.properties.email"}}},
            subscriptions={"award_points": 'type = "track"'},
        ),
        **changes,
    )


def test_a_connection_round_trips_with_its_secrets_opened(open_store: Open) -> None:
    store = open_store()
    created = store.put(_connection(), None)
    assert created == _connection(version=1)
    assert store.get("rewards") == created
    store.put(_connection(name="another", enabled=False, readonly=True), None)
    assert [c.name for c in store.list()] == ["another", "rewards"]
    assert store.list()[0] == _connection(name="another", enabled=False, readonly=True, version=1)
    assert store.get("missing") is None


def test_another_process_sees_the_same_connections(open_store: Open) -> None:
    open_store().put(_connection(), None)
    assert open_store().get("rewards") == _connection(version=1)


def test_creating_a_connection_that_exists_is_a_conflict(open_store: Open) -> None:
    store = open_store()
    store.put(_connection(), None)
    with pytest.raises(VersionConflict, match="'rewards' exists already") as raised:
        store.put(_connection(enabled=False), None)
    assert raised.value.code == "VERSION_CONFLICT"
    assert store.get("rewards") == _connection(version=1)


def test_an_update_names_the_version_it_read(open_store: Open) -> None:
    store = open_store()
    store.put(_connection(), None)
    updated = store.put(_connection(enabled=False), 1)
    assert updated.version == 2
    with pytest.raises(VersionConflict, match=r"version 2, not 1"):
        store.put(_connection(settings={**SETTINGS, "business_id": "1"}), 1)
    with pytest.raises(VersionConflict, match="deleted meanwhile"):
        store.put(_connection(name="missing"), 1)
    assert store.get("rewards") == _connection(enabled=False, version=2)


def test_of_two_updates_from_one_version_exactly_one_wins(open_store: Open) -> None:
    open_store().put(_connection(), None)
    stores = [open_store(), open_store()]  # two processes, say
    start = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def update(i: int) -> None:
        wanted = _connection(settings={**SETTINGS, "business_id": f"b{i}"}, enabled=bool(i))
        start.wait()
        try:
            outcomes[i] = stores[i].put(wanted, 1)
        except VersionConflict as error:
            outcomes[i] = error

    threads = [threading.Thread(target=update, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [winner] = [o for o in outcomes if isinstance(o, Connection)]
    assert len([o for o in outcomes if isinstance(o, VersionConflict)]) == 1
    assert winner.version == 2
    assert open_store().get("rewards") == winner  # all of the winner, nothing of the other


def test_deleting_honours_the_version(open_store: Open) -> None:
    store = open_store()
    store.put(_connection(), None)
    store.put(_connection(), 1)
    with pytest.raises(VersionConflict):
        store.delete("rewards", 1)
    assert store.delete("rewards", 2) is True
    assert store.delete("rewards") is False
    assert store.get("rewards") is None
    assert store.put(_connection(), None).version == 1  # made again: from the start


def test_every_change_bumps_the_revision_and_nothing_else_does(open_store: Open) -> None:
    store = open_store()
    seen = [store.revision()]
    store.put(_connection(), None)
    seen.append(store.revision())
    store.put(_connection(enabled=False), 1)
    seen.append(store.revision())
    with pytest.raises(VersionConflict):
        store.put(_connection(), 1)
    store.get("rewards")
    store.list()
    assert not store.delete("missing")
    seen.append(store.revision())
    store.delete("rewards")
    seen.append(store.revision())
    assert seen == [0, 1, 2, 2, 3]
    assert open_store().revision() == 3


def _stored_bytes(url: str, tmp_path: Path) -> bytes:
    """Everything the store holds, as bytes: the SQLite file and its WAL, or every field
    and value of every Redis key (read as such: a DUMP may be compressed)."""
    if url.startswith("sqlite"):
        files = [tmp_path / "control.db", tmp_path / "control.db-wal"]
        return b"".join(path.read_bytes() for path in files if path.exists())
    held = b""
    with redis.Redis.from_url(url) as client:
        for key in client.keys("*"):
            if client.type(key) == b"hash":
                held += b"".join(k + v for k, v in client.hgetall(key).items())
            else:
                held += client.get(key) or b""
    return held


def test_no_secret_is_stored_in_clear(open_store: Open, url: str, tmp_path: Path) -> None:
    store = open_store()
    store.put(_connection(), None)
    store.put(_connection(name="other", settings={**SETTINGS, "api_key": "pk_ANOTHER"}), None)
    store.put(_connection(), 1)
    held = _stored_bytes(url, tmp_path)
    assert b"4242" in held  # the store's data was read: its plain settings are there
    assert API_KEY.encode() not in held
    assert b"pk_ANOTHER" not in held
    assert KEY not in held
    assert store.get("other").settings["api_key"] == "pk_ANOTHER"


def test_the_sqlite_file_is_only_for_its_owner(tmp_path: Path) -> None:
    store = SqliteConnectionStore(tmp_path / "control.db", SecretBox([KEY]))
    try:
        store.put(_connection(), None)
        for name in ("control.db", "control.db-wal"):
            assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600, name
    finally:
        store.close()


def test_another_key_is_a_clear_error_at_open(open_store: Open, url: str, tmp_path: Path) -> None:
    open_store().put(_connection(), None)
    with pytest.raises(WrongKeyError) as raised:
        open_store(SecretBox([OTHER]))
    message = str(raised.value)
    where = str(tmp_path / "control.db") if url.startswith("sqlite") else "redis 127.0.0.1:"
    assert message.startswith(f"WRONG_SECRET_KEY: the control store {where}")
    assert "was sealed with another secret key" in message
    assert KEY.decode() not in message
    assert OTHER.decode() not in message


def test_resealing_moves_every_secret_to_the_new_key(
    open_store: Open, url: str, tmp_path: Path
) -> None:
    store = open_store()
    store.put(_connection(), None)
    store.put(_connection(name="other", enabled=False), None)
    sealed_before = _stored_bytes(url, tmp_path)
    assert store.reseal(SecretBox([OTHER])) == 2
    assert store.revision() == 2  # nothing but the sealing changed
    assert store.get("rewards") == _connection(version=1)
    assert _stored_bytes(url, tmp_path) != sealed_before
    reopened = open_store(SecretBox([OTHER]))
    assert [c.name for c in reopened.list()] == ["other", "rewards"]
    assert reopened.get("rewards") == _connection(version=1)
    with pytest.raises(WrongKeyError):
        open_store(SecretBox([KEY]))


def test_the_url_chooses_the_store(tmp_path: Path) -> None:
    store = open_connection_store("sqlite:///data/c.db", tmp_path, SecretBox([KEY]))
    try:
        assert isinstance(store, SqliteConnectionStore)
        assert store.path == tmp_path / "data" / "c.db"
    finally:
        store.close()
    with pytest.raises(ConfigError, match="unsupported store 'postgres'"):
        open_connection_store("postgres://db/x", tmp_path, SecretBox([KEY]))


def test_a_file_that_is_not_a_store_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "control.db").write_bytes(b"not a database, " * 64)
    with pytest.raises(StoreUnavailable) as raised:
        SqliteConnectionStore(tmp_path / "control.db", SecretBox([KEY]))
    assert raised.value.code == "CONTROL_STORE_UNAVAILABLE"
    assert f"the control store {tmp_path / 'control.db'} cannot be used" in raised.value.message
