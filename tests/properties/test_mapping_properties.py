"""Property tests: a valid mapping, resolved against any JSON event, gives a JSON value or a
MappingResolutionError, never anything else; an arbitrary document validates to a list of
problems, never an exception."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from framework import MISSING, MappingError
from framework.core.errors import MappingResolutionError
from framework.languages.mapping import compile_mapping, validate_mapping
from tests.properties.strategies import json_events, json_values

PATHS = st.sampled_from(
    [
        "$.event",
        "$.properties.total",
        "properties.email",
        "$.context.traits",
        "$.properties",
        "$.properties.items[0].price",
        '$.properties["plan.name"]',
        "$",
        "userId",
        "$.missing.x",
    ]
)


def leaf() -> st.SearchStrategy[Any]:
    return st.one_of(
        PATHS.map(lambda p: {"@path": p}),
        json_values().map(lambda v: {"@literal": v}),
        st.sampled_from(["Hi {{properties.name}}", "{{event}}/{{userId}}", "plain"]).map(
            lambda t: {"@template": t}
        ),
        st.text(max_size=5),
        st.integers(),
    )


def mappings() -> st.SearchStrategy[Any]:
    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, min_size=1, max_size=3),
            st.lists(inner, max_size=3),
            st.tuples(st.sampled_from(["exists", "blank"]), inner, inner, inner).map(
                lambda t: {"@if": {t[0]: t[1], "then": t[2], "else": t[3]}}
            ),
            st.lists(inner, min_size=1, max_size=3).map(lambda items: {"@first": items}),
            st.tuples(st.sampled_from(["lower", "upper"]), inner).map(
                lambda t: {"@case": {"operator": t[0], "value": t[1]}}
            ),
            st.tuples(inner, inner).map(
                lambda t: {"@merge": {"objects": [t[0], t[1]], "direction": "right"}}
            ),
            inner.map(lambda m: {"@json": {"value": m, "mode": "encode"}}),
            inner.map(lambda m: {"@excludeWhenNull": m}),
            st.tuples(PATHS, inner).map(lambda t: {"@arrayPath": [t[0], {"x": t[1]}]}),
            st.tuples(inner, st.sampled_from(["a", "e", " "]), st.text(max_size=2)).map(
                lambda t: {"@replace": {"value": t[0], "pattern": t[1], "replacement": t[2]}}
            ),
        )

    return st.recursive(leaf(), extend, max_leaves=10)


def outcome(mapping: Any, event: dict[str, Any]) -> tuple[str, Any]:
    """("invalid", problems), ("failed", message) or ("output", value)."""
    try:
        resolve = compile_mapping(mapping)
    except MappingError as error:
        return "invalid", error.problems
    try:
        return "output", resolve(event)
    except MappingResolutionError as error:
        return "failed", error.message


@settings(max_examples=300)
@given(mappings(), json_events())
def test_valid_mappings_resolve_to_json_or_a_resolution_error(
    mapping: Any, event: dict[str, Any]
) -> None:
    kind, detail = outcome(mapping, event)
    if kind == "output":
        if detail is not MISSING:
            json.dumps(detail)  # plain JSON data, nothing else
    else:
        assert detail, f"{kind} without a reason"


@settings(max_examples=300)
@given(json_values())
def test_any_json_document_validates_to_a_list_of_problems(document: Any) -> None:
    problems = validate_mapping(document)
    assert all(problem.location == "" or problem.location.startswith("/") for problem in problems)
