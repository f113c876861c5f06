"""Conformance with upstream mapping-kit vectors (see ``shared/conformance/README.md``).

Records whose mapping uses a directive not implemented yet are left out at collection,
and counted in ``test_left_out_records_are_counted`` so the gap stays visible.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from framework.errors import MappingError, MappingResolutionError
from framework.mapping import MISSING, compile_mapping, referenced_paths, validate_mapping
from framework.mapping.directives import NOT_YET_SUPPORTED

CONFORMANCE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"
KIT = CONFORMANCE / "mapping-kit"

UNIMPLEMENTED = frozenset(
    {
        "@case",
        "@replace",
        "@arrayPath",
        "@json",
        "@flatten",
        "@merge",
        "@transform",
        "@excludeWhenNull",
        "@liquid",
    }
)

# How many records of each file use a directive not implemented yet (update when adding one).
EXPECTED_LEFT_OUT = {"transform.json": 70, "validate.json": 12, "value-keys.json": 6}

KNOWN_DIFFERENCES = {
    "validations > valid #1": (
        "upstream copies a non-object mapping with an object spread (['cool'] -> {'0': 'cool'}); "
        "we resolve an array mapping to an array"
    ),
    "validations > valid #2": (
        "upstream turns the number mapping 123 into {} (object spread); "
        "we resolve a literal to itself"
    ),
    "validations > valid #4": (
        "upstream turns the string mapping 'neat' into {'0': 'n', ...} (object spread); "
        "we resolve a literal to itself"
    ),
    "@literal > nested directives": (
        "upstream resolves directives inside @literal; ours is truly literal (its value is "
        "returned as is, so objects with @-keys such as JSON-LD '@type' can be produced)"
    ),
}

# What we give instead, for each KNOWN_DIFFERENCES case.
OUR_OUTPUTS: dict[str, Any] = {
    "validations > valid #1": ["cool"],
    "validations > valid #2": 123,
    "validations > valid #4": "neat",
    "@literal > nested directives": {"nested": {"a": {"@path": "$.a"}, "b": {"@path": "$.b"}}},
}


def _decode(value: Any) -> Any:
    """Decode the corpus encoding: ``{"$undefined": true}`` is MISSING."""
    if isinstance(value, dict):
        if value == {"$undefined": True}:
            return MISSING
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def _directive_names(value: Any) -> set[str]:
    """Every @-prefixed key anywhere in ``value``."""
    if isinstance(value, dict):
        names = {key for key in value if key.startswith("@")}
        for item in value.values():
            names |= _directive_names(item)
        return names
    if isinstance(value, list):
        return set().union(*(_directive_names(item) for item in value))
    return set()


def _mapping_of(file: str, record: dict[str, Any]) -> Any:
    return record["value"] if file == "value-keys.json" else record["mapping"]


def _uses_unimplemented(file: str, record: dict[str, Any]) -> bool:
    return bool(_directive_names(_mapping_of(file, record)) & UNIMPLEMENTED)


def _load(file: str) -> list[dict[str, Any]] | None:
    path = KIT / file
    if not path.is_file():
        return None
    records: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return records


def _params(file: str) -> list[Any]:
    records = _load(file)
    if records is None:
        reason = f"conformance data not found: {KIT / file}"
        return [pytest.param(None, id=f"{file} missing", marks=pytest.mark.skip(reason=reason))]
    return [
        pytest.param(record, id=record["name"])
        for record in records
        if not _uses_unimplemented(file, record)
    ]


def _require(file: str) -> list[dict[str, Any]]:
    records = _load(file)
    if records is None:
        pytest.skip(f"conformance data not found: {KIT / file}")
    return records


def _canonical(value: Any) -> str:
    """Compare outputs regardless of key order, but telling 0/false and MISSING/null apart."""
    return json.dumps(value, sort_keys=True, default=lambda v: "<MISSING>" if v is MISSING else v)


def _upstream_locations(messages: list[str]) -> set[str]:
    """The JSON pointers that start upstream messages (upstream writes the root as "/")."""
    pointers = {message.split(" ", 1)[0] for message in messages if message.startswith("/")}
    return {"" if pointer == "/" else pointer for pointer in pointers}


@pytest.mark.parametrize("record", _params("transform.json"))
def test_transform(record: dict[str, Any]) -> None:
    mapping = _decode(record["mapping"])
    event = _decode(record["input"])
    if event is MISSING:  # upstream's transform(mapping) uses {}
        event = {}
    if "error" in record:
        error = record["error"]
        if error["type"] in {"ValidationError", "AggregateError"}:
            with pytest.raises(MappingError) as raised:
                compile_mapping(mapping)
            expected = _upstream_locations(error.get("errors", [error["message"]]))
            assert expected <= {problem.location for problem in raised.value.problems}
        else:
            with pytest.raises((MappingError, MappingResolutionError)):
                compile_mapping(mapping)(event)
        return
    name = record["name"]
    expected = OUR_OUTPUTS[name] if name in KNOWN_DIFFERENCES else _decode(record["output"])
    assert _canonical(compile_mapping(mapping)(event)) == _canonical(expected)


@pytest.mark.parametrize("record", _params("validate.json"))
def test_validate(record: dict[str, Any]) -> None:
    problems = validate_mapping(_decode(record["mapping"]))
    if record["valid"]:
        assert problems == []
    else:
        assert problems
        expected = _upstream_locations(record["errors"])
        assert expected
        assert expected <= {problem.location for problem in problems}


@pytest.mark.parametrize("record", _params("value-keys.json"))
def test_referenced_paths(record: dict[str, Any]) -> None:
    paths = referenced_paths(_decode(record["value"]))
    if record.get("unordered"):
        assert sorted(paths) == sorted(record["output"])
    else:
        assert paths == record["output"]


@pytest.mark.parametrize("file", sorted(EXPECTED_LEFT_OUT))
def test_left_out_records_are_counted(file: str) -> None:
    records = _require(file)
    names = [record["name"] for record in records]
    assert len(set(names)) == len(names)
    kept = {param.id for param in _params(file)}
    left_out = [record for record in records if record["name"] not in kept]
    mentioning = [record for record in records if _uses_unimplemented(file, record)]
    assert left_out == mentioning
    assert len(left_out) == EXPECTED_LEFT_OUT[file]
    assert len(kept) + len(left_out) == len(records)


def test_unimplemented_list_matches_the_package() -> None:
    assert UNIMPLEMENTED == NOT_YET_SUPPORTED


def test_known_differences_are_real_and_current() -> None:
    records = {record["name"]: record for record in _require("transform.json")}
    assert set(OUR_OUTPUTS) == set(KNOWN_DIFFERENCES)
    for name in KNOWN_DIFFERENCES:
        record = records[name]
        assert not _uses_unimplemented("transform.json", record)
        assert _canonical(_decode(record["output"])) != _canonical(OUR_OUTPUTS[name])
