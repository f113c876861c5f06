"""The token store: each OAuth connection's grant, in a SQLite file of the operator's.

A connection is known by a random id (the settings hold ``oauth:<id>``) and belongs to one
destination (its slug): a reference used with another destination is refused. Each save
bumps the grant's ``version``, so a process that holds a grant can tell another process
refreshed or reconnected it. A grant the provider refused for good is kept, marked
``revoked`` with the reason, until a reconnection replaces it.

The file is created with mode 0600, only when first written or read. The tokens in it are
sealed with Fernet: with the operator's key (``ACTIONS_TOKEN_KEY``), or else with the key in
a file beside the store (``<store>.key``, mode 0600, created with it). They never appear in
a repr or an error, nor the key.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from framework.core.errors import ActionsError
from framework.core.keys import load_key
from framework.engine.operator import TOKEN_KEY

_SCHEMA = """
CREATE TABLE IF NOT EXISTS grants (
    connection TEXT PRIMARY KEY,
    slug TEXT NOT NULL,
    access_token TEXT NOT NULL,
    refresh_token TEXT,
    expires_at REAL,
    version INTEGER NOT NULL,
    revoked TEXT
)
"""


class TokenStoreError(ActionsError):
    """The token store cannot be used (a file that is not a store, a folder missing)."""

    code = "TOKEN_STORE_UNAVAILABLE"


@dataclass(frozen=True)
class Tokens:
    """What a token endpoint granted: the access token, the refresh token (if any) and
    when the access token expires (seconds since the epoch; ``None``: not said)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float | None


@dataclass(frozen=True)
class StoredGrant:
    """A connection's grant as stored."""

    connection: str
    slug: str
    tokens: Tokens
    version: int
    revoked: str | None = None


def new_connection_id() -> str:
    """A fresh, unguessable connection id."""
    return secrets.token_urlsafe(18)


class TokenStore:
    """The grants of every connection, in the SQLite file ``path``, their tokens sealed
    with ``key`` (the operator's Fernet key; ``None``: the key file beside the store)."""

    def __init__(self, path: Path, key: str | None = None) -> None:
        self.path = path
        self._key = key
        self._fernet: MultiFernet | None = None

    def get(self, connection: str) -> StoredGrant | None:
        """The stored grant of ``connection``, or ``None``."""
        with self._database() as database:
            row = database.execute(
                "SELECT slug, access_token, refresh_token, expires_at, version, revoked "
                "FROM grants WHERE connection = ?",
                (connection,),
            ).fetchone()
        if row is None:
            return None
        slug, access, refresh, expires_at, version, revoked = row
        opened_refresh = self._open(refresh) if refresh is not None else None
        tokens = Tokens(self._open(access), opened_refresh, expires_at)
        return StoredGrant(connection, slug, tokens, version, revoked)

    def save(self, connection: str, slug: str, tokens: Tokens) -> StoredGrant:
        """Store ``tokens`` as the grant of ``connection`` (new, refreshed or reconnected):
        a new version, not revoked."""
        with self._database() as database:
            database.execute(
                "INSERT INTO grants VALUES (?, ?, ?, ?, ?, 1, NULL) "
                "ON CONFLICT (connection) DO UPDATE SET slug = excluded.slug, "
                "access_token = excluded.access_token, refresh_token = excluded.refresh_token, "
                "expires_at = excluded.expires_at, version = version + 1, revoked = NULL",
                (
                    connection,
                    slug,
                    self._seal(tokens.access_token),
                    self._seal(tokens.refresh_token),
                    tokens.expires_at,
                ),
            )
            (version,) = database.execute(
                "SELECT version FROM grants WHERE connection = ?", (connection,)
            ).fetchone()
        return StoredGrant(connection, slug, tokens, version)

    def revoke(self, connection: str, version: int, reason: str) -> None:
        """Mark the grant refused for good, unless it changed since ``version`` (another
        process refreshed or reconnected it meanwhile)."""
        with self._database() as database:
            database.execute(
                "UPDATE grants SET revoked = ? WHERE connection = ? AND version = ?",
                (reason, connection, version),
            )

    def _sealer(self) -> MultiFernet:
        """The Fernet keys, read (or the key file created) on first use."""
        if self._fernet is None:
            key_file = self.path.with_name(f"{self.path.name}.key")
            keys, _ = load_key(self._key, key_file, where=TOKEN_KEY)
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        return self._fernet

    def _seal(self, token: str | None) -> str | None:
        return None if token is None else self._sealer().encrypt(token.encode()).decode()

    def _open(self, sealed: str) -> str:
        try:
            return self._sealer().decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise TokenStoreError(
                f"the token store {self.path} was sealed with another key: set {TOKEN_KEY} "
                "to its key, or restore its key file"
            ) from None

    @contextmanager
    def _database(self) -> Iterator[sqlite3.Connection]:
        try:
            if not self.path.exists():
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            with closing(sqlite3.connect(self.path, timeout=10)) as database, database:
                database.execute(_SCHEMA)
                yield database
        except (OSError, sqlite3.Error) as error:
            raise TokenStoreError(
                f"the token store {self.path} cannot be used: {type(error).__name__}: {error}"
            ) from None
