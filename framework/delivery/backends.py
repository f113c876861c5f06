"""Choosing the queue implementation from its URL (configuration: ``[queue] url``)."""

from __future__ import annotations

from pathlib import Path

from framework.delivery.config import ConfigError
from framework.delivery.queue import Queue
from framework.delivery.sqlite_queue import SqliteQueue

_SQLITE = "sqlite:///"


def open_queue(url: str) -> Queue:
    """The queue at ``url``: ``sqlite:///PATH`` (embedded). Other schemes are refused with
    the list of supported ones."""
    if url.startswith(_SQLITE) and len(url) > len(_SQLITE):
        return SqliteQueue(Path(url[len(_SQLITE) :]))
    scheme = url.partition(":")[0] or url
    raise ConfigError(f"queue.url: unsupported queue {scheme!r} (supported: sqlite:///PATH)")
