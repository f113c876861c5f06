"""Choosing the queue implementation from its URL (configuration: ``queue``)."""

from __future__ import annotations

from pathlib import Path

from framework.delivery.config import ConfigError
from framework.delivery.queue import Queue
from framework.delivery.sqlite_queue import SqliteQueue

_SQLITE = "sqlite:///"
_REDIS = ("redis://", "rediss://")
SUPPORTED = "sqlite:///PATH, redis://[:PASSWORD@]HOST:PORT/DB, rediss://..."


def open_queue(url: str) -> Queue:
    """The queue at ``url``: ``sqlite:///PATH`` (embedded, one machine) or
    ``redis://host:port/db`` (shared by several machines). Other schemes are refused with
    the list of supported ones."""
    if url.startswith(_SQLITE) and len(url) > len(_SQLITE):
        return SqliteQueue(Path(url[len(_SQLITE) :]))
    if url.startswith(_REDIS):
        try:
            from framework.delivery.redis_queue import RedisQueue  # noqa: PLC0415 (optional extra)
        except ModuleNotFoundError as error:
            if error.name != "redis":
                raise
            raise ConfigError(
                "queue: a Redis queue needs the redis package: "
                "pip install 'destination-actions[redis]'"
            ) from None
        return RedisQueue(url)
    scheme = url.partition(":")[0] or url
    raise ConfigError(f"queue: unsupported queue {scheme!r} (supported: {SUPPORTED})")
