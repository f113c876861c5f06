"""Dynamic choices: a field whose choices the destination's own API lists, given the
current settings::

    business_id: str = Field(label="Business", description="...",
                             dynamic=DynamicChoices(request=businesses_page, parse=businesses))

The framework reads one page at a time (:mod:`framework.engine.choices`):
``request(settings, None)`` builds the request of the first page, ``parse(body)`` reads
the page's JSON body into a :class:`ChoicePage`, and while a page names a ``next`` cursor,
``request(settings, cursor)`` builds the request of the page after it. The request is sent
with the destination's authentication (``extend_request``, OAuth).

The settings may be incomplete (the user is still filling in the form): a setting that is
missing or invalid raises when ``request`` reads it, and the listing stops with an error
naming that setting.

The settings page offers the choices in a searchable dropdown that still takes free text.
Dynamic choices apply to string, number and integer fields (each value of a ``multiple``
one) and to text-maps of them, whose *values* they list; never with fixed ``choices``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic

from typing_extensions import TypeVar

from framework.authoring.field_types import KINDS, describe_kinds, kinds_taking
from framework.authoring.fields import Choice, FieldSpec
from framework.authoring.model import Settings

if TYPE_CHECKING:
    from framework.authoring.definition import HttpRequest

S = TypeVar("S", bound=Settings, default=Any)


@dataclass(frozen=True)
class ChoicePage:
    """One page of choices, and the cursor of the next page (``None``: the last page)."""

    choices: Sequence[Choice]
    next: str | None = None


@dataclass(frozen=True)
class DynamicChoices(Generic[S]):
    """How to list a field's choices from the destination's API (see the module):
    ``request(settings, cursor)`` builds the request of one page (``cursor`` is ``None``
    for the first, then the ``next`` of the page before), ``parse(body)`` reads a page's
    JSON body."""

    request: Callable[[S, str | None], HttpRequest]
    parse: Callable[[Any], ChoicePage]


def listed_kind(spec: FieldSpec) -> str:
    """The type of the values dynamic choices fill: a text-map's values', else the field's."""
    return spec.values or spec.type


def dynamic_problems(spec: FieldSpec) -> list[str]:
    """What is wrong with a field's ``dynamic`` declaration (the caller names the field)."""
    dynamic = spec.dynamic
    if dynamic is None:
        return []
    if not isinstance(dynamic, DynamicChoices):
        return [f"dynamic: expected framework.DynamicChoices, got {type(dynamic).__name__}"]
    problems = [
        f"dynamic.{name}: must be callable"
        for name in ("request", "parse")
        if not callable(getattr(dynamic, name))
    ]
    if "choices" not in KINDS[listed_kind(spec)].takes:
        listed = describe_kinds(kinds_taking("choices"))
        problems.append(f"dynamic choices apply to {listed} fields, and to maps of them, only")
    if spec.choices is not None:
        problems.append("dynamic: a field has fixed choices or dynamic ones, not both")
    return problems
