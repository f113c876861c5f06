"""The schema's custom string formats, checked by parsing: what JSON Schema cannot express.

* ``mapping-path``: a ``@path`` path (see :mod:`.paths`);
* ``mapping-template``: a ``@template`` text whose placeholders are valid paths;
* ``liquid-template``: a ``@liquid`` template that parses, without disabled tags or filters.

Each check raises a ``ValueError`` whose message is the problem, shown to the user.
"""

from __future__ import annotations

from collections.abc import Callable

from .directives.template import parse_template
from .liquid_engine import parse_liquid
from .paths import parse_path


def _checker(parse: Callable[[str], object]) -> Callable[[object], bool]:
    def check(instance: object) -> bool:
        if isinstance(instance, str):
            parse(instance)
        return True

    return check


FORMATS: dict[str, Callable[[object], bool]] = {
    "mapping-path": _checker(parse_path),
    "mapping-template": _checker(parse_template),
    "liquid-template": _checker(parse_liquid),
}
"""Format name -> check (true, or a ``ValueError`` naming the problem); other types pass."""
