"""Finding destinations: every package under the built-in ``destinations`` package that
exposes a module-level ``destination``."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field

import destinations as builtin
from framework.definition import Destination


@dataclass(frozen=True)
class Registry:
    """The destinations found, by slug, and the plugins that could not be loaded."""

    destinations: dict[str, Destination]
    origins: dict[str, str]
    broken: dict[str, str] = field(default_factory=dict)


def discover() -> Registry:
    """Import every built-in destination package. A broken one is reported, not fatal."""
    found: dict[str, Destination] = {}
    origins: dict[str, str] = {}
    broken: dict[str, str] = {}
    for module in pkgutil.iter_modules(builtin.__path__):
        name = f"{builtin.__name__}.{module.name}"
        try:
            candidate = getattr(importlib.import_module(name), "destination", None)
        except Exception as error:  # a plugin's import error must not hide the others
            broken[name] = f"{type(error).__name__}: {error}"
            continue
        if not isinstance(candidate, Destination):
            broken[name] = "has no module-level 'destination' (a framework.Destination)"
        elif candidate.slug in found:
            broken[name] = f"slug {candidate.slug!r} is already used by {origins[candidate.slug]}"
        else:
            found[candidate.slug] = candidate
            origins[candidate.slug] = name
    return Registry(found, origins, broken)
