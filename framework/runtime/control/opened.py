"""A runtime configuration's control plane, opened: the connection store (its secrets
sealed with the configured key, or a key file beside it), optionally seeded with the
file's own destinations, and the delivery statistics in the store of the same kind."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from framework.authoring.definition import Destination
from framework.runtime.control.redis_stats import RedisDeliveryStats
from framework.runtime.control.service import seed_from_config
from framework.runtime.control.sqlite_stats import SqliteDeliveryStats
from framework.runtime.control.stats import DeliveryStats
from framework.runtime.control.store import (
    ConnectionStore,
    load_secret_box,
    open_connection_store,
)
from framework.runtime.delivery.config import ConfigError, RuntimeConfig, redis_package_needed


@dataclass(frozen=True)
class Control:
    """The store, the statistics and the key file the secrets are sealed with (``None``:
    a configured key)."""

    store: ConnectionStore
    stats: DeliveryStats
    key_file: Path | None = None

    def close(self) -> None:
        """Close the store and the statistics (after writing them out)."""
        try:
            self.stats.flush()
        finally:
            self.stats.close()
            self.store.close()


def open_control(
    config: RuntimeConfig,
    base: Path,
    destinations: Mapping[str, Destination],
    *,
    seed: bool,
) -> Control:
    """The control plane of ``config`` (``base``: its file's folder); with ``seed``, the
    file's destinations are stored as read-only connections (the process that serves the
    page seeds; workers only read)."""
    box, key_file = load_secret_box(config, base, destinations)
    store = open_connection_store(config.control.store_url, base, box)
    try:
        if seed:
            seed_from_config(store, config)
        stats = open_delivery_stats(config.control.store_url, base)
    except BaseException:
        store.close()
        raise
    return Control(store, stats, key_file)


def open_delivery_stats(control_url: str, base: Path) -> DeliveryStats:
    """The statistics beside the control store at ``control_url``: for ``sqlite:///PATH``
    the file ``PATH`` with the suffix ``.stats.db`` (a relative ``PATH`` is under ``base``),
    for ``redis://`` or ``rediss://`` that Redis. :class:`ConfigError` for another scheme,
    or a Redis store without the redis package."""
    scheme, sep, rest = control_url.partition(":///")
    if scheme == "sqlite" and sep and rest:
        return SqliteDeliveryStats((base / rest).with_suffix(".stats.db"))
    if control_url.startswith(("redis://", "rediss://")):
        try:
            return RedisDeliveryStats(control_url)
        except ModuleNotFoundError as error:
            if error.name != "redis":
                raise
            raise redis_package_needed("control.store", "store") from None
    scheme = control_url.partition(":")[0] or control_url
    raise ConfigError(f"control.store: unsupported store {scheme!r} for delivery statistics")
