"""The default control store: one SQLite file (mode 0600) in WAL mode, beside the
configuration file. Several processes may share it: each write is one ``BEGIN IMMEDIATE``
transaction (the version check and the write together), ``busy_timeout`` waits for
another's. Tables: ``connections`` (name, document, version) and ``meta`` (the revision,
the key's canary)."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from framework.runtime.control.connections import Connection
from framework.runtime.control.secrets import SecretBox
from framework.runtime.control.stored import (
    StoreUnavailable,
    conflict,
    open_document,
    seal_document,
    wrong_key,
)
from framework.runtime.delivery.sqlite_queue import immediate_transaction

BUSY_TIMEOUT = 30.0  # seconds a write waits for another process's transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS connections (
    name TEXT PRIMARY KEY, document TEXT NOT NULL, version INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""


class SqliteConnectionStore:
    """:class:`ConnectionStore` in one SQLite file (created with mode 0600 when missing)."""

    def __init__(self, path: Path, box: SecretBox, *, busy_timeout: float = BUSY_TIMEOUT) -> None:
        self.path = path
        self._box = box
        self._lock = threading.Lock()  # one connection, used by one thread at a time
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # before SQLite makes it
            self._db = sqlite3.connect(
                path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.DatabaseError) as error:
            raise self._unavailable(error) from None
        try:
            self._open()
        except BaseException:
            self._db.close()
            raise

    def _open(self) -> None:
        """The schema made, the revision and the canary set when new; the key checked."""
        with self._reading() as db:
            db.execute("PRAGMA journal_mode = WAL")
            db.executescript(_SCHEMA)
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO meta VALUES ('revision', '0')")
            db.execute("INSERT OR IGNORE INTO meta VALUES ('canary', ?)", (self._box.canary(),))
            (canary,) = db.execute("SELECT value FROM meta WHERE key = 'canary'").fetchone()
        if not self._box.opens(canary):
            raise wrong_key(str(self.path))

    def list(self) -> list[Connection]:
        """See :meth:`ConnectionStore.list`."""
        with self._reading() as db:
            rows = db.execute("SELECT document, version FROM connections ORDER BY name").fetchall()
        return [self._connection(text, version) for text, version in rows]

    def get(self, name: str) -> Connection | None:
        """See :meth:`ConnectionStore.get`."""
        with self._reading() as db:
            row = db.execute(
                "SELECT document, version FROM connections WHERE name = ?", (name,)
            ).fetchone()
        return None if row is None else self._connection(*row)

    def put(self, connection: Connection, expected_version: int | None) -> Connection:
        """See :meth:`ConnectionStore.put`."""
        text = seal_document(connection, self._box)
        with self._transaction() as db:
            stored = self._version(db, connection.name)
            if stored != expected_version:
                raise conflict(connection.name, stored, expected_version)
            version = (stored or 0) + 1
            db.execute(
                "INSERT OR REPLACE INTO connections VALUES (?, ?, ?)",
                (connection.name, text, version),
            )
            _bump(db)
        return replace(connection, version=version)

    def delete(self, name: str, expected_version: int | None = None) -> bool:
        """See :meth:`ConnectionStore.delete`."""
        with self._transaction() as db:
            stored = self._version(db, name)
            if stored is None:
                return False
            if expected_version is not None and stored != expected_version:
                raise conflict(name, stored, expected_version)
            db.execute("DELETE FROM connections WHERE name = ?", (name,))
            _bump(db)
        return True

    def revision(self) -> int:
        """See :meth:`ConnectionStore.revision`."""
        with self._reading() as db:
            (value,) = db.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
        return int(value)

    def reseal(self, box: SecretBox) -> int:
        """See :meth:`SealedStore.reseal`: one transaction; versions and the revision stay
        (nothing but the sealing changed)."""
        with self._transaction() as db:
            rows = db.execute("SELECT name, document, version FROM connections").fetchall()
            for name, text, version in rows:
                resealed = seal_document(self._connection(text, version), box)
                db.execute("UPDATE connections SET document = ? WHERE name = ?", (resealed, name))
            db.execute("UPDATE meta SET value = ? WHERE key = 'canary'", (box.canary(),))
            self._box = box
        return len(rows)

    def close(self) -> None:
        """See :meth:`ConnectionStore.close`."""
        with self._lock:
            self._db.close()

    def _connection(self, text: str, version: int) -> Connection:
        return open_document(text, version, self._box, str(self.path))

    @staticmethod
    def _version(db: sqlite3.Connection, name: str) -> int | None:
        row = db.execute("SELECT version FROM connections WHERE name = ?", (name,)).fetchone()
        return None if row is None else int(row[0])

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._db
            except sqlite3.DatabaseError as error:
                raise self._unavailable(error) from None

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` when the body or the commit
        failed), holding the lock."""
        with self._reading() as db, immediate_transaction(db):
            yield db

    def _unavailable(self, error: BaseException) -> StoreUnavailable:
        return StoreUnavailable(
            f"the control store {self.path} cannot be used: {type(error).__name__}: {error}"
        )


def _bump(db: sqlite3.Connection) -> None:
    db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'")
