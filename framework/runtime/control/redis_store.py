"""The control store in Redis (the Redis of a Redis queue, so that every machine sees the
same connections): keys under ``actions:control:`` in the URL's database.

- ``actions:control:connections``: a hash, name -> the connection's document (secrets
  sealed);
- ``actions:control:versions``: a hash, name -> its version;
- ``actions:control:revision``: bumped by every change;
- ``actions:control:canary``: the key's canary.

A write or a deletion is one Lua script (version check, document, version, revision: all
or nothing); a read takes the document and its version in one transaction; a re-sealing
is one ``WATCH``/``MULTI`` transaction, tried again if a write came in between.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar
from urllib.parse import urlsplit

import redis
from redis.client import Pipeline

from framework.runtime.control.connections import Connection
from framework.runtime.control.secrets import SecretBox
from framework.runtime.control.stored import (
    StoreUnavailable,
    conflict,
    open_document,
    seal_document,
    wrong_key,
)
from framework.runtime.delivery.config import ConfigError

PREFIX = "actions:control:"
T = TypeVar("T")

# KEYS: connections, versions, revision. ARGV: name, document, expected version ('' none).
# Answers {1, new version} or {0, stored version or ''}.
_PUT = """
local stored = redis.call('HGET', KEYS[2], ARGV[1])
if (ARGV[3] == '' and stored) or (ARGV[3] ~= '' and stored ~= ARGV[3]) then
  return {0, stored or ''}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local version = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('INCR', KEYS[3])
return {1, version}
"""

# KEYS: connections, versions, revision. ARGV: name, expected version ('' any).
# Answers {1, ''} (deleted), {0, ''} (none) or {-1, stored version}.
_DELETE = """
local stored = redis.call('HGET', KEYS[2], ARGV[1])
if not stored then return {0, ''} end
if ARGV[2] ~= '' and stored ~= ARGV[2] then return {-1, stored} end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('INCR', KEYS[3])
return {1, ''}
"""


class RedisConnectionStore:
    """:class:`~framework.runtime.control.store.ConnectionStore` in Redis at ``url``."""

    def __init__(self, url: str, box: SecretBox) -> None:
        self.where = f"redis {_address(url)}"
        self._box = box
        self._redis = redis.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=2.0, socket_timeout=10.0
        )
        self._connections = f"{PREFIX}connections"
        self._versions = f"{PREFIX}versions"
        self._revision = f"{PREFIX}revision"
        self._canary = f"{PREFIX}canary"
        self._put = self._redis.register_script(_PUT)
        self._delete = self._redis.register_script(_DELETE)
        try:
            self._call(lambda: self._redis.set(self._canary, box.canary(), nx=True))
            canary = self._call(lambda: self._redis.get(self._canary))
            if not self._box.opens(str(canary)):
                raise wrong_key(self.where)
        except BaseException:
            self._redis.close()
            raise

    def list(self) -> list[Connection]:
        """See :meth:`ConnectionStore.list`."""
        documents, versions = self._read(
            lambda pipe: (pipe.hgetall(self._connections), pipe.hgetall(self._versions))
        )
        return [self._connection(documents[name], versions[name]) for name in sorted(documents)]

    def get(self, name: str) -> Connection | None:
        """See :meth:`ConnectionStore.get`."""
        text, version = self._read(
            lambda pipe: (pipe.hget(self._connections, name), pipe.hget(self._versions, name))
        )
        return None if text is None else self._connection(text, version)

    def put(self, connection: Connection, expected_version: int | None) -> Connection:
        """See :meth:`ConnectionStore.put`."""
        text = seal_document(connection, self._box)
        expected = "" if expected_version is None else str(expected_version)
        keys = [self._connections, self._versions, self._revision]
        done, version = self._call(
            lambda: self._put(keys=keys, args=[connection.name, text, expected])
        )
        if not done:
            raise conflict(connection.name, int(version) if version else None, expected_version)
        return replace(connection, version=int(version))

    def delete(self, name: str, expected_version: int | None = None) -> bool:
        """See :meth:`ConnectionStore.delete`."""
        expected = "" if expected_version is None else str(expected_version)
        keys = [self._connections, self._versions, self._revision]
        done, stored = self._call(lambda: self._delete(keys=keys, args=[name, expected]))
        if done == -1:
            raise conflict(name, int(stored), expected_version)
        return bool(done)

    def revision(self) -> int:
        """See :meth:`ConnectionStore.revision`."""
        return int(self._call(lambda: self._redis.get(self._revision)) or 0)

    def reseal(self, box: SecretBox) -> int:
        """See :meth:`~framework.runtime.control.store.SealedStore.reseal`: one
        transaction, watched (run again when a write came in between); versions and the
        revision stay."""
        count = 0

        def reseal(pipe: Pipeline) -> None:
            nonlocal count
            documents = pipe.hgetall(self._connections)
            versions = pipe.hgetall(self._versions)
            resealed = {
                name: seal_document(self._connection(str(text), str(versions[name])), box)
                for name, text in documents.items()
            }
            pipe.multi()
            for name, text in resealed.items():
                pipe.hset(self._connections, name, text)
            pipe.set(self._canary, box.canary())
            count = len(resealed)

        watched = (self._connections, self._versions, self._canary)
        self._call(lambda: self._redis.transaction(reseal, *watched))
        self._box = box
        return count

    def close(self) -> None:
        """See :meth:`ConnectionStore.close`."""
        self._redis.close()

    def _connection(self, text: str, version: str) -> Connection:
        return open_document(text, int(version), self._box, self.where)

    def _read(self, queue: Callable[[Pipeline], object]) -> tuple[Any, ...]:
        """The answers of the commands ``queue`` adds to a transaction."""

        def run() -> tuple[Any, ...]:
            with self._redis.pipeline(transaction=True) as pipe:
                queue(pipe)
                return tuple(pipe.execute())

        return self._call(run)

    def _call(self, operation: Callable[[], T]) -> T:
        try:
            return operation()
        except redis.RedisError as error:
            raise StoreUnavailable(
                f"the control store {self.where} failed: {type(error).__name__}"
            ) from None


def _address(url: str) -> str:
    """``host:port/db`` of ``url``, never its password."""
    parts = urlsplit(url)
    try:
        port = parts.port or 6379
    except ValueError:
        raise ConfigError("control.store: the Redis URL's port must be a number") from None
    return f"{parts.hostname or 'localhost'}:{port}/{parts.path.removeprefix('/') or '0'}"
