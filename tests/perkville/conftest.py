"""Shared settings and helpers for the Perkville destination's tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.perkville.support import SETTINGS


@pytest.fixture
def settings() -> dict[str, Any]:
    """A fresh copy of valid Perkville settings (tests may change it)."""
    return {**SETTINGS, "event_to_perk_map": dict(SETTINGS["event_to_perk_map"])}
