"""What the browser tests share besides fixtures."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Served:
    """A running ``actions serve``: its page's URL and the file its log goes to."""

    url: str
    log: Path
