"""A runtime configuration's control plane, opened: the connection store (its secrets
sealed with the configured key, or a key file beside it), optionally seeded with the
file's own destinations, and the delivery statistics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from framework.authoring.definition import Destination
from framework.runtime.control.service import seed_from_config
from framework.runtime.control.stats import DeliveryStats, open_delivery_stats
from framework.runtime.control.store import (
    ConnectionStore,
    load_secret_box,
    open_connection_store,
)
from framework.runtime.delivery.config import RuntimeConfig


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
