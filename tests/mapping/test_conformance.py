"""Conformance with upstream mapping-kit vectors (see ``shared/conformance/README.md``).

Every record of every file is asserted. Where we differ from upstream on purpose, the
record is listed in a known-differences table with the reason, and our behaviour is
asserted instead; the tables' sizes are asserted too, so they cannot grow unnoticed.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from framework import MISSING, MappingError
from framework.core.errors import MappingResolutionError
from framework.languages.mapping import compile_mapping, referenced_paths, validate_mapping
from framework.languages.mapping.flatten import flatten
from tests.shared_data import load_shared

NON_OBJECT_MAPPING = (
    "upstream copies a mapping that is not an object with an object spread (the number 123 "
    "becomes {}, 'neat' becomes {'0': 'n', ...}); we resolve it to itself, so that a field's "
    "mapping may be a plain string, number or array"
)
NESTED_MERGE_LOCATION = (
    "upstream reports an @merge item that is not an object at '/' (it validates the item "
    "again as a mapping of its own); we report it where it is"
)

KNOWN_DIFFERENCES = {
    "validations > valid #1": NON_OBJECT_MAPPING,
    "validations > valid #2": NON_OBJECT_MAPPING,
    "validations > valid #4": NON_OBJECT_MAPPING,
    "@merge > invalid nested type #1": NESTED_MERGE_LOCATION,
    "@merge > invalid nested type #2": NESTED_MERGE_LOCATION,
}
"""transform.json records where we differ from upstream, with the reason."""

OURS: dict[str, Any] = {
    "validations > valid #1": ["cool"],
    "validations > valid #2": 123,
    "validations > valid #4": "neat",
    "@merge > invalid nested type #1": {"/@merge/objects/1"},
    "@merge > invalid nested type #2": {"/@merge/objects/1"},
}
"""What we give for each known difference: an output, or the locations of the problems."""

KNOWN_LIQUID_DIFFERENCES: dict[str, str] = {}
"""liquid.json records where python-liquid and liquidjs disagree (none so far)."""


def _decode(value: Any) -> Any:
    """Decode the corpus encoding: ``{"$undefined": true}`` is MISSING."""
    if isinstance(value, dict):
        if value == {"$undefined": True}:
            return MISSING
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def _load(file: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = load_shared(f"conformance/mapping-kit/{file}")
    return records


def _params(file: str) -> list[Any]:
    return [pytest.param(record, id=record["name"]) for record in _load(file)]


def _canonical(value: Any) -> str:
    """Compare outputs regardless of key order, but telling 0/false and MISSING/null apart."""
    return json.dumps(value, sort_keys=True, default=lambda v: "<MISSING>" if v is MISSING else v)


def _upstream_locations(messages: list[str]) -> set[str]:
    """The JSON pointers that start upstream messages (upstream writes the root as "/")."""
    pointers = {message.split(" ", 1)[0] for message in messages if message.startswith("/")}
    return {"" if pointer == "/" else pointer for pointer in pointers}


def _failure(mapping: Any, event: Any) -> MappingError | MappingResolutionError:
    """The error compiling ``mapping`` raises, or else resolving ``event``."""
    try:
        resolve = compile_mapping(mapping)
    except MappingError as error:
        return error
    with pytest.raises(MappingResolutionError) as raised:
        resolve(event)
    return raised.value


def _check_record(
    record: dict[str, Any], known: dict[str, str]
) -> MappingError | MappingResolutionError | None:
    """Assert what the record says (or, for a known difference, what we do); give the error."""
    mapping = _decode(record["mapping"])
    event = _decode(record["input"])
    if event is MISSING:  # upstream's transform(mapping) uses {}
        event = {}
    before = copy.deepcopy(mapping)
    name = record["name"]
    error = None
    if "error" in record:
        error = _failure(mapping, event)
        upstream = record["error"]
        if upstream["type"] in {"ValidationError", "AggregateError"}:
            assert isinstance(error, MappingError)
            expected = _upstream_locations(upstream.get("errors", [upstream["message"]]))
            expected = OURS[name] if name in known else expected
            assert {problem.location for problem in error.problems} == expected
    else:
        expected = OURS[name] if name in known else _decode(record["output"])
        assert _canonical(compile_mapping(mapping)(event)) == _canonical(expected)
    assert mapping == before  # unlike upstream's @replace, nothing changes the mapping
    return error


@pytest.mark.parametrize("record", _params("transform.json"))
def test_transform(record: dict[str, Any]) -> None:
    _check_record(record, KNOWN_DIFFERENCES)


@pytest.mark.parametrize("record", _params("liquid.json"))
def test_liquid(record: dict[str, Any]) -> None:
    error = _check_record(record, KNOWN_LIQUID_DIFFERENCES)
    if error is not None:
        # Upstream fails while parsing or rendering; we refuse the mapping, at the template.
        assert isinstance(error, MappingError)
        assert [problem.location for problem in error.problems] == ["/field/@liquid"]
        reason = record["error"]["message"].split(", line:")[0]
        if record["error"]["type"] in {"ParseError", "RenderError"}:
            assert reason in error.problems[0].message


@pytest.mark.parametrize("record", _params("validate.json"))
def test_validate(record: dict[str, Any]) -> None:
    problems = validate_mapping(_decode(record["mapping"]))
    if record["valid"]:
        assert problems == []
    else:
        assert {problem.location for problem in problems} == _upstream_locations(record["errors"])


def _argument(record: dict[str, Any], key: str, default: Any) -> Any:
    value = _decode(record.get(key, MISSING))
    return default if value is MISSING else value


@pytest.mark.parametrize("record", _params("flatten.json"))
def test_flatten(record: dict[str, Any]) -> None:
    result = flatten(
        record["value"],
        prefix=_argument(record, "prefix", ""),
        separator=_argument(record, "separator", "."),
        omit_arrays=_argument(record, "omitArrays", False),
    )
    assert result == record["output"]


@pytest.mark.parametrize("record", _params("value-keys.json"))
def test_referenced_paths(record: dict[str, Any]) -> None:
    paths = referenced_paths(_decode(record["value"]))
    if record.get("unordered"):
        assert sorted(paths) == sorted(record["output"])
    else:
        assert paths == record["output"]


@pytest.mark.parametrize(
    "file", ["transform.json", "liquid.json", "validate.json", "flatten.json", "value-keys.json"]
)
def test_case_names_are_unique(file: str) -> None:
    names = [record["name"] for record in _load(file)]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(
    ("file", "known", "size"),
    [("transform.json", KNOWN_DIFFERENCES, 5), ("liquid.json", KNOWN_LIQUID_DIFFERENCES, 0)],
)
def test_known_differences_are_real_and_counted(
    file: str, known: dict[str, str], size: int
) -> None:
    assert len(known) == size  # a new difference must be decided, not slipped in
    records = {record["name"]: record for record in _load(file)}
    assert set(OURS) == set(KNOWN_DIFFERENCES) | set(KNOWN_LIQUID_DIFFERENCES)
    for name in known:
        record = records[name]
        if "error" in record:
            upstream = record["error"].get("errors", [record["error"]["message"]])
            assert _upstream_locations(upstream) != OURS[name]
        else:
            assert _canonical(_decode(record["output"])) != _canonical(OURS[name])
