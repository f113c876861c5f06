"""What the control plane's tests share: a connection document as the API takes it."""

from __future__ import annotations

from typing import Any

from tests.delivery.support import SETTINGS


def connection_document(**changes: Any) -> dict[str, Any]:
    """A Perkville connection of the test configuration's source, with ``changes``."""
    return {
        "name": "rewards",
        "source": "shop",
        "destination": "perkville",
        "settings": dict(SETTINGS),
        "mappings": {},
        **changes,
    }
