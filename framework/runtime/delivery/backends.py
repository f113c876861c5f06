"""Choosing the queue implementation from its URL (configuration: ``queue``), for either
face: :func:`open_async_queue` for coroutines (the ingress, the workers),
:func:`open_queue` for synchronous code (``actions dlq``, tests)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from framework.engine.loop import engine_loop
from framework.runtime.delivery.blocking_queue import BlockingQueue
from framework.runtime.delivery.config import ConfigError, redis_package_needed
from framework.runtime.delivery.queue import AsyncQueue, Queue
from framework.runtime.delivery.sqlite_queue import SqliteQueue
from framework.runtime.delivery.threaded_queue import ThreadedSqliteQueue

if TYPE_CHECKING:
    from framework.runtime.delivery.redis_queue import RedisQueue

_SQLITE = "sqlite:///"
_REDIS = ("redis://", "rediss://")
SUPPORTED = "sqlite:///PATH, redis://[:PASSWORD@]HOST:PORT/DB, rediss://..."


def open_queue(url: str) -> Queue:
    """The queue at ``url``: ``sqlite:///PATH`` (embedded, one machine) or
    ``redis://host:port/db`` (shared by several machines; run on the engine's event loop,
    so not to be called from that loop's thread). Other schemes are refused with the list
    of supported ones."""
    path = _sqlite_path(url)
    if path is not None:
        return SqliteQueue(path)
    redis_queue = _redis_queue(url)
    loop = engine_loop()
    return BlockingQueue(loop.run(redis_queue.open(url)), loop)


async def open_async_queue(url: str) -> AsyncQueue:
    """:func:`open_queue` for coroutines: the queue is bound to the running event loop.
    :class:`ConfigError` for a bad URL, :class:`QueueUnavailable` for a store that cannot
    be opened or reached."""
    path = _sqlite_path(url)
    if path is not None:
        return await ThreadedSqliteQueue.open(path)
    return await _redis_queue(url).open(url)


def _sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///PATH`` URL; None for any other URL."""
    if url.startswith(_SQLITE) and len(url) > len(_SQLITE):
        return Path(url[len(_SQLITE) :])
    return None


def _redis_queue(url: str) -> type[RedisQueue]:
    """The Redis queue's class for a ``redis://`` or ``rediss://`` URL; :class:`ConfigError`
    for another scheme, or when the redis package is not installed."""
    if not url.startswith(_REDIS):
        scheme = url.partition(":")[0] or url
        raise ConfigError(f"queue: unsupported queue {scheme!r} (supported: {SUPPORTED})")
    try:
        from framework.runtime.delivery.redis_queue import RedisQueue  # noqa: PLC0415 (optional extra)
    except ModuleNotFoundError as error:
        if error.name != "redis":
            raise
        raise redis_package_needed("queue", "queue") from None
    return RedisQueue
