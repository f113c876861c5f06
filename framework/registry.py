"""Finding destinations: the built-in ``destinations`` package, and plugins installed from
other distributions through the ``destination_actions.destinations`` entry-point group.

A plugin package declares, in its ``pyproject.toml``::

    [project.entry-points."destination_actions.destinations"]
    acme = "acme_actions:destination"

The entry point names a :class:`Destination` object (or a module with a module-level
``destination``). A plugin that fails to import, is not a destination, breaks the
definition rules or reuses a slug is reported in ``Registry.broken``; it never hides the
others.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType

import destinations as builtin
from framework.definition import Destination

ENTRY_POINT_GROUP = "destination_actions.destinations"


@dataclass(frozen=True)
class Registry:
    """The destinations found, by slug; where each came from; the plugins that failed."""

    destinations: dict[str, Destination]
    origins: dict[str, str]
    broken: dict[str, str] = field(default_factory=dict)


def discover() -> Registry:
    """Every built-in destination, then every installed plugin."""
    registry = Registry({}, {})
    for module in pkgutil.iter_modules(builtin.__path__):
        name = f"{builtin.__name__}.{module.name}"
        _add(registry, f"built-in {name}", partial(importlib.import_module, name))
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        _add(registry, _describe(point), point.load)
    return registry


def _describe(point: EntryPoint) -> str:
    package = f"{point.dist.name} {point.dist.version}" if point.dist else "unknown package"
    return f"plugin {point.name} = {point.value} ({package})"


def _add(registry: Registry, origin: str, load: Callable[[], object]) -> None:
    try:
        loaded = load()
    except Exception as error:  # a plugin's import error must not hide the others
        registry.broken[origin] = f"{type(error).__name__}: {error}"
        return
    candidate = getattr(loaded, "destination", None) if isinstance(loaded, ModuleType) else loaded
    if not isinstance(candidate, Destination):
        registry.broken[origin] = "is not a framework.Destination (nor a module defining one)"
    elif candidate.slug in registry.destinations:
        first = registry.origins[candidate.slug]
        registry.broken[origin] = f"slug {candidate.slug!r} is already used by {first}"
    else:
        registry.destinations[candidate.slug] = candidate
        registry.origins[candidate.slug] = origin
