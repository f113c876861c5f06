"""Reading ``../shared`` (conformance vectors, fixtures) from tests; skipped, naming the
missing path, when the folder is absent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def load_shared(relative: str) -> Any:
    """The JSON document at ``../shared/<relative>``, or skip the whole module."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"shared data not found: {path} (../shared is absent)", allow_module_level=True)
    return json.loads(path.read_text(encoding="utf-8"))
