"""Path parsing (once, at compile time) and reading values from events."""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any

import pytest

from framework import MISSING
from framework.core.errors import MappingResolutionError
from framework.languages.mapping import compile_mapping, validate_mapping
from framework.languages.mapping.paths import Path, PathSyntaxError, get_path, parse_path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ()),
        ("$", ()),
        ("$.", ()),
        ("email", ("email",)),
        ("$.properties.email", ("properties", "email")),
        ("properties.email", ("properties", "email")),
        ("$.products[0].price", ("products", 0, "price")),
        ("$.products.0.price", ("products", 0, "price")),
        ("$.products[12]", ("products", 12)),
        ("$.a[0][1]", ("a", 0, 1)),
        ("$[0]", (0,)),
        ("[0].a", (0, "a")),
        ('$.properties["plan.name"]', ("properties", "plan.name")),
        ("$.properties['plan.name'].x", ("properties", "plan.name", "x")),
        ('$["odd key"]', ("odd key",)),
        ('$["0"]', ("0",)),
        ('$[""]', ("",)),
        ('$["say \\"hi\\""]', ('say "hi"',)),
        ('$["back\\\\slash"]', ("back\\slash",)),
        ('$["a]b[c"]', ("a]b[c",)),
        (
            "$.integrations.Actions Amplitude.session_id",
            ("integrations", "Actions Amplitude", "session_id"),
        ),
        ("$.01", ("01",)),
        ("$.log-test-1.NAME", ("log-test-1", "NAME")),
        ("$foo", ("$foo",)),
        ("$.$", ("$",)),
    ],
)
def test_parse(text: str, expected: Path) -> None:
    assert parse_path(text) == expected


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ("$.a..b", 4, "expected a key but found '.'"),
        ("a.", 2, "expected a key but the path ends"),
        (".a", 0, "expected a key but found '.'"),
        ("$..", 2, "expected a key but found '.'"),
        ("$.[0]", 2, "expected a key but found '['"),
        ("$.a[", 4, "expected an index or a quoted key after '['"),
        ("$.a[x]", 4, "expected an index or a quoted key after '['"),
        ("$.a[-1]", 4, "expected an index or a quoted key after '['"),
        ("$.a[0", 5, "expected ']'"),
        ("$.a[0]b", 6, "unexpected 'b'"),
        ("$.a]b", 3, "unexpected ']'"),
        ("]", 0, "expected a key but found ']'"),
        ('$.a["b', 4, "unterminated quoted key"),
        ('$.a["b"', 7, "expected ']'"),
        ("$.a[ 0]", 4, "expected an index or a quoted key after '['"),
    ],
)
def test_parse_errors(text: str, position: int, reason: str) -> None:
    with pytest.raises(PathSyntaxError) as raised:
        parse_path(text)
    assert raised.value.position == position
    assert raised.value.reason == reason
    assert repr(text) in str(raised.value)


def test_invalid_path_is_a_problem_at_its_location() -> None:
    problems = validate_mapping({"user": {"email": {"@path": "$.a..b"}}})
    assert [problem.location for problem in problems] == ["/user/email/@path"]
    assert "'$.a..b'" in problems[0].message
    assert "position 4" in problems[0].message


EVENT: dict[str, Any] = {
    "email": "a@b.c",
    "nothing": None,
    "properties": {"plan.name": "gold", "products": [{"sku": "A"}, {"sku": "B"}], "0": "zero"},
    "odd key": 1,
    "tuple": ("x", "y"),
    "text": "hello",
    "proxy": MappingProxyType({"inner": 7}),
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$.email", "a@b.c"),
        ("email", "a@b.c"),
        ("$.nothing", None),
        ("$.missing", MISSING),
        ("$.nothing.deeper", MISSING),
        ("$.email.deeper", MISSING),
        ('$.properties["plan.name"]', "gold"),
        ("$.properties.plan.name", MISSING),
        ("$.properties.products[1].sku", "B"),
        ("$.properties.products.1.sku", "B"),
        ("$.properties.products[2].sku", MISSING),
        ('$.properties.products["1"]', MISSING),
        ("$.properties.0", "zero"),
        ("$.properties[0]", "zero"),
        ('$["odd key"]', 1),
        ("$.tuple[1]", "y"),
        ("$.text[0]", MISSING),
        ("$.proxy.inner", 7),
    ],
)
def test_get(text: str, expected: Any) -> None:
    assert get_path(EVENT, parse_path(text)) == expected
    assert compile_mapping({"@path": text})(EVENT) == expected


def test_root_path_is_the_event_itself() -> None:
    for text in ("$", "", "$."):
        assert compile_mapping({"@path": text})(EVENT) is EVENT


def test_values_from_the_event_are_not_copied() -> None:
    resolved = compile_mapping({"products": {"@path": "$.properties.products"}})(EVENT)
    assert resolved["products"] is EVENT["properties"]["products"]


def test_path_argument_may_be_a_directive() -> None:
    resolve = compile_mapping({"@path": {"@template": "$.properties.{{which}}"}})
    assert resolve({"which": "plan", "properties": {"plan": "gold"}}) == "gold"
    with pytest.raises(MappingResolutionError, match=re.escape("does not parse (position 13)")):
        resolve({"properties": {"plan": "gold"}})  # "$.properties." is not a path


def test_dynamic_path_problems_are_resolution_errors() -> None:
    resolve = compile_mapping({"x": {"@path": {"@path": "$.where"}}})
    assert resolve({"where": "a", "a": 1}) == {"x": 1}
    assert resolve({}) == {}
    assert resolve({"where": None}) == {}
    with pytest.raises(MappingResolutionError, match="/x/@path"):
        resolve({"where": 5})
    with pytest.raises(MappingResolutionError) as raised:
        resolve({"where": "a..b"})
    assert raised.value.message == (
        "/x/@path: the @path text read from the event does not parse (position 2)"
    ), "the event's text is not repeated"
