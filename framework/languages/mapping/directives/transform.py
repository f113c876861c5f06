"""``@transform``: ``{"apply": <mapping>, "mapping": <mapping>}``: ``mapping`` resolved
against the result of ``apply`` (which reads the event).

As upstream, a MISSING result counts as ``{}``; any other result that is not an object
cannot be mapped, and raises :class:`~framework.core.errors.MappingResolutionError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from framework.core.errors import MappingResolutionError

from ..base import Context, Directive, Resolver
from ..missing import MISSING
from ..values import child, kind_of


def compile_transform(argument: Any, location: str, context: Context) -> Resolver:
    """Compile both mappings."""
    apply = context.compile(argument["apply"], child(location, "apply"))
    mapping = context.compile(argument["mapping"], child(location, "mapping"))
    return transformed(apply, mapping, location)


def transformed(apply: Resolver, mapping: Resolver, location: str) -> Resolver:
    """Resolve ``mapping`` against what ``apply`` gives for the event."""

    def resolve_transform(event: Mapping[str, Any]) -> Any:
        payload = apply(event)
        if payload is MISSING:
            payload = {}
        elif not isinstance(payload, Mapping):
            raise MappingResolutionError(
                f"{location}/apply: resolved to {kind_of(payload)}, not to an object"
            )
        return mapping(payload)

    return resolve_transform


TRANSFORM = Directive("@transform", compile_transform)
