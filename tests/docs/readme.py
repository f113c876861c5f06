"""The README's worked example: the Python blocks of its "Defining a destination" section
(the destination, then its test), read by the tests that type-check and run them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
EXAMPLE_SECTION = "Defining a destination"
_PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def example_blocks() -> list[str]:
    """The Python blocks of the README's example section, in order."""
    readme = README.read_text(encoding="utf-8")
    heading = f"\n## {EXAMPLE_SECTION}\n"
    assert heading in readme, f"the README has a section {EXAMPLE_SECTION!r}"
    section = readme.split(heading, 1)[1].split("\n## ", 1)[0]
    return _PYTHON_BLOCK.findall(section)
