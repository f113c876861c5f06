"""Where connections are kept, chosen by :func:`open_connection_store` from the
``[control] store`` URL: a SQLite file (the default, beside the configuration file:
:mod:`~framework.runtime.control.sqlite_store`) or the Redis of a Redis queue, for every
machine to see the same connections (:mod:`~framework.runtime.control.redis_store`). What
they share (the interface, versions, the revision, sealed documents) is in
:mod:`~framework.runtime.control.stored`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from framework.core.keys import load_key
from framework.runtime.control.secrets import KEY_FILE, SecretBox
from framework.runtime.control.sqlite_store import SqliteConnectionStore
from framework.runtime.control.stored import (
    ConnectionStore,
    SealedStore,
    StoreUnavailable,
    VersionConflict,
)
from framework.runtime.delivery.config import ConfigError, redis_package_needed

if TYPE_CHECKING:
    from collections.abc import Mapping

    from framework.authoring.definition import Destination
    from framework.runtime.delivery.config import RuntimeConfig

__all__ = [
    "ConnectionStore",
    "SealedStore",
    "SqliteConnectionStore",
    "StoreUnavailable",
    "VersionConflict",
    "key_file_for",
    "load_secret_box",
    "open_connection_store",
    "rotate_key",
    "sqlite_path",
]

_SQLITE = "sqlite:///"
_REDIS = ("redis://", "rediss://")
SUPPORTED = "sqlite:///PATH, redis://[:PASSWORD@]HOST:PORT/DB, rediss://..."


def open_connection_store(control_url: str, base: Path, box: SecretBox) -> SealedStore:
    """The store at ``control_url`` (``sqlite:///PATH``, a relative path in ``base``, or
    ``redis://...``) opened with ``box``: :class:`WrongKeyError` when it was sealed with
    another key, :class:`ConfigError` for another scheme."""
    path = sqlite_path(control_url, base)
    if path is not None:
        return SqliteConnectionStore(path, box)
    if not control_url.startswith(_REDIS):
        scheme = control_url.partition(":")[0] or control_url
        raise ConfigError(f"control.store: unsupported store {scheme!r} (supported: {SUPPORTED})")
    try:
        from framework.runtime.control.redis_store import (  # noqa: PLC0415 (optional extra)
            RedisConnectionStore,
        )
    except ModuleNotFoundError as error:
        if error.name != "redis":
            raise
        raise redis_package_needed("control.store", "store") from None
    return RedisConnectionStore(control_url, box)


def sqlite_path(url: str, base: Path) -> Path | None:
    """The file of a ``sqlite:///PATH`` URL (a relative ``PATH`` in ``base``); ``None``
    for another URL."""
    if not url.startswith(_SQLITE) or len(url) == len(_SQLITE):
        return None
    return base / url[len(_SQLITE) :]  # an absolute path stays as it is


def rotate_key(control_url: str, base: Path, old: SecretBox, new: SecretBox) -> int:
    """Re-seal the store at ``control_url`` from the ``old`` key(s) to the ``new``: every
    connection and the canary, in one transaction; the number of connections."""
    store = open_connection_store(control_url, base, old)
    try:
        return store.reseal(new)
    finally:
        store.close()


def key_file_for(store_url: str, base: Path) -> Path:
    """Where the key file of the store at ``store_url`` is: ``<store file>.key`` beside a
    SQLite store (``base``: the folder a relative path is in), else
    :data:`~framework.runtime.control.secrets.KEY_FILE` in ``base``."""
    path = sqlite_path(store_url, base)
    return base / KEY_FILE if path is None else path.with_name(path.name + ".key")


def load_secret_box(
    config: RuntimeConfig, base: Path, destinations: Mapping[str, Destination] | None = None
) -> tuple[SecretBox, Path | None]:
    """The box of ``config``'s control plane (``base``: the configuration file's folder;
    ``destinations``: see :class:`SecretBox`) and the key file it uses, if it uses one
    (``None``: the configured key)."""
    control = config.control
    key_file = key_file_for(control.store_url, base)
    keys, _ = load_key(control.secret_key, key_file)
    return SecretBox(keys, destinations), None if control.secret_key else key_file
