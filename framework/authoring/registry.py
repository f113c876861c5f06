"""Finding destinations: every distribution's entry points in the
``destination_actions.destinations`` group, this project's own built-in destinations
included, so the framework never imports a destination package by name.

A plugin package declares, in its ``pyproject.toml``::

    [project.entry-points."destination_actions.destinations"]
    acme = "acme_actions:destination"

The entry point names a :class:`Destination` object (or a module with a module-level
``destination``). This project's entry points are its built-in destinations, registered
first; then every other plugin, by entry-point name. A plugin that fails to import, is not
a destination, breaks the definition rules or reuses a slug is reported in
``Registry.broken``; it never hides the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from framework.authoring.definition import Destination

ENTRY_POINT_GROUP = "destination_actions.destinations"
DISTRIBUTION = "destination-actions"  # this project: its entry points are the built-ins


@dataclass(frozen=True)
class Registry:
    """The destinations found, by slug; where each came from; the plugins that failed."""

    destinations: dict[str, Destination]
    origins: dict[str, str]
    broken: dict[str, str] = field(default_factory=dict)


def discover() -> Registry:
    """Every built-in destination, then every installed plugin."""
    registry = Registry({}, {})
    points = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: (not _builtin(p), p.name))
    for point in points:
        _add(registry, _describe(point), point.load)
    return registry


def _builtin(point: EntryPoint) -> bool:
    return point.dist is not None and point.dist.name == DISTRIBUTION


def _describe(point: EntryPoint) -> str:
    if _builtin(point):
        return f"built-in {point.module}"
    package = f"{point.dist.name} {point.dist.version}" if point.dist else "unknown package"
    return f"plugin {point.name} = {point.value} ({package})"


def _add(registry: Registry, origin: str, load: Callable[[], object]) -> None:
    # Imported with the first destination, not with this module: a command that finds none
    # (``actions --help``) loads none of the authoring layer (pydantic, the languages).
    from framework.authoring.definition import Destination  # noqa: PLC0415

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
