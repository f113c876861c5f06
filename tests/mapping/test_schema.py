"""The mapping JSON Schema: a valid, canonical draft 2020-12 file that agrees with the code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from framework.languages.mapping import mapping_json_schema, validate_mapping
from framework.languages.mapping import messages as messages_module
from framework.languages.mapping.directives import DIRECTIVES
from framework.languages.mapping.formats import FORMATS
from tests.shared_data import load_shared

SCHEMA_PATH = (
    Path(__file__).resolve().parents[2]
    / "framework"
    / "languages"
    / "mapping"
    / "mapping.schema.json"
)
NOT_ASSERTIONS = {
    "$schema",
    "$ref",
    "$defs",
    "title",
    "description",
    "properties",
    "items",
    "prefixItems",
    "if",
    "then",
    "else",
    "propertyNames",
}


def _subschemas(schema: dict[str, Any]) -> Iterator[tuple[dict[str, Any], bool]]:
    """Every subschema reachable from the root (following ``$ref``), and whether its failures
    are reported (not only ever inside ``if`` or ``not``)."""
    seen: set[tuple[int, bool]] = set()

    def visit(node: Any, reporting: bool) -> Iterator[tuple[dict[str, Any], bool]]:
        if not isinstance(node, dict) or (id(node), reporting) in seen:
            return
        seen.add((id(node), reporting))
        yield node, reporting
        for key, value in node.items():
            inner = reporting and key not in {"if", "not"}
            if key == "$ref":
                yield from visit(schema["$defs"][value.removeprefix("#/$defs/")], inner)
            elif key == "properties":
                for child in value.values():
                    yield from visit(child, inner)
            elif key != "$defs":
                for child in value if isinstance(value, list) else [value]:
                    yield from visit(child, inner)

    yield from visit(schema, True)


def test_the_file_is_canonical_json() -> None:
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    canonical = json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False)
    assert text == canonical + "\n"


def test_the_schema_is_valid_draft_2020_12() -> None:
    schema = mapping_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_the_loader_hands_out_copies() -> None:
    schema = mapping_json_schema()
    schema["$defs"].clear()
    assert mapping_json_schema()["$defs"]
    assert validate_mapping({"@path": 1})


def test_directive_names_agree_with_the_code() -> None:
    directive = mapping_json_schema()["$defs"]["directive"]
    assert directive["propertyNames"]["then"]["enum"] == sorted(DIRECTIVES)
    assert set(directive["properties"]) == {"_metadata", *DIRECTIVES}


def test_every_format_is_checked() -> None:
    used = {node["format"] for node, _ in _subschemas(mapping_json_schema()) if "format" in node}
    assert used == set(FORMATS)


def test_every_assertion_keyword_has_a_message() -> None:
    schema = mapping_json_schema()
    used = {key for node, reporting in _subschemas(schema) if reporting for key in node}
    translated = set(messages_module._MESSAGES) | set(messages_module._KEY_MESSAGES)
    assert used - NOT_ASSERTIONS <= translated


def test_expectations_are_titled() -> None:
    for node, reporting in _subschemas(mapping_json_schema()):
        if reporting and ({"type", "not"} & set(node)):
            assert "title" in node, node


def _records(file: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = load_shared(f"conformance/mapping-kit/{file}")
    return records


@pytest.mark.parametrize("record", _records("validate.json"), ids=lambda record: record["name"])
def test_the_schema_alone_checks_the_structure(record: dict[str, Any]) -> None:
    """Without our format checks, the file is usable by any draft 2020-12 validator."""
    validator = Draft202012Validator(mapping_json_schema())
    assert validator.is_valid(record["mapping"]) == record["valid"]


def test_formats_need_our_checks() -> None:
    mapping = {"@path": "$..a", "_metadata": {"@liquid": "{% for %}"}}
    assert Draft202012Validator(mapping_json_schema()).is_valid(mapping)
    assert [problem.location for problem in validate_mapping(mapping)] == ["/@path"]
