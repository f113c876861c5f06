"""Compile a mapping once: validate it, then generate functions that do no parsing per event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from framework.core.errors import MappingError, MappingResolutionError

from .base import Code, Resolver
from .codegen import SUBJECT, Function, generated
from .directives import DIRECTIVES
from .directives.transform import transformed
from .validate import checked
from .values import child, kind_of

INTERNAL_DIRECTIVE = "__segment_internal_directive"
"""A root key whose ``@transform`` is applied to the event before the other root fields."""

_BUDGETED = "@liquid"
"""The directive whose renderings share one work budget per resolution."""


class Compiler:
    """Generates the functions of a valid mapping (plain dicts and lists, see
    :func:`plain_json`); the :class:`~.base.Context` that directives compile with."""

    def __init__(self) -> None:
        self.budgeted = False
        """Whether the mapping renders Liquid (then a resolution runs in a work budget)."""

    def compile(self, value: object, location: str) -> Resolver:
        """A function of its own for the valid mapping ``value`` at JSON pointer ``location``."""
        return generated(self, lambda code: code.value(value, location))

    def directive(self, name: str, argument: Any, location: str, code: Code) -> str:
        """Write directive ``name``: its own statements, or a call of the resolver it builds."""
        directive = DIRECTIVES[name]
        if directive.generate is not None:
            return directive.generate(argument, location, code)
        assert directive.compile is not None  # a directive has one or the other
        self.budgeted = self.budgeted or name == _BUDGETED
        return code.call(directive.compile(argument, location, self))

    def compile_root(self, document: object) -> Resolver:
        """The function of a whole mapping: it refuses an event that is not an object, and
        applies upstream's root-level ``__segment_internal_directive``."""

        def write(code: Function) -> str:
            mapping = code.bind(Mapping)
            refuse = code.bind(_refuse)
            code.line(f"if type({SUBJECT}) is not dict and not isinstance({SUBJECT}, {mapping}):")
            with code.block():
                code.line(f"{refuse}({SUBJECT})")
            if not isinstance(document, dict) or INTERNAL_DIRECTIVE not in document:
                return code.value(document, "")
            location = child(child("", INTERNAL_DIRECTIVE), "@transform")
            apply = document[INTERNAL_DIRECTIVE]["@transform"]["apply"]
            fields = {key: item for key, item in document.items() if key != INTERNAL_DIRECTIVE}
            both = transformed(
                self.compile(apply, child(location, "apply")), self.compile(fields, ""), location
            )
            return code.call(both)

        return generated(self, write)


def _refuse(event: object) -> NoReturn:
    raise MappingResolutionError(f"the event must be an object, but it is {kind_of(event)}")


def compile_mapping(mapping: object) -> Resolver:
    """Validate and compile ``mapping``; raise :class:`MappingError` listing every problem.

    The returned resolver takes one event (an object) and returns the mapped value, or
    ``MISSING``. It does no parsing and no validation of the mapping.
    """
    document, problems = checked(mapping)
    if problems:
        raise MappingError(problems)
    compiler = Compiler()
    root = compiler.compile_root(document)
    if not compiler.budgeted:
        return root
    from .liquid_engine import liquid_budget  # noqa: PLC0415 (only Liquid needs it)

    def resolve(event: Mapping[str, Any]) -> Any:
        with liquid_budget():  # one for the whole resolution
            return root(event)

    return resolve
