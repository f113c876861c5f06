"""Strict JSON in and out (framework.core.json_text): what every entry point refuses, named by
a JSON pointer and never by the value, and what no writer ever writes."""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

import pytest

from framework.core.json_text import (
    MAX_DEPTH,
    MAX_INTEGER_DIGITS,
    JsonTextError,
    dump_json,
    json_problem,
    parse_document,
    parse_json,
)

NOT_FINITE = "a number is not a finite double (NaN, Infinity or out of range)"
LONG_INTEGER = f"an integer has more than {MAX_INTEGER_DIGITS} digits"
SURROGATE = "a string holds a lone UTF-16 surrogate"


@pytest.mark.parametrize(
    ("text", "reason", "pointer"),
    [
        pytest.param(b'{"a": "\\udce9"}', SURROGATE, "/a", id="lone low surrogate"),
        pytest.param(b'{"a": ["x", "\\ud800"]}', SURROGATE, "/a/1", id="lone high surrogate"),
        pytest.param(
            b'{"a": {"\\udce9": 1}}',
            "a key holds a lone UTF-16 surrogate",
            "/a",
            id="surrogate in a key, named by its object",
        ),
        pytest.param(
            b'{"n": ' + b"7" * (MAX_INTEGER_DIGITS + 1) + b"}", LONG_INTEGER, "/n", id="4301 digits"
        ),
        pytest.param(
            b'{"n": -' + b"7" * (MAX_INTEGER_DIGITS + 1) + b"}",
            LONG_INTEGER,
            "/n",
            id="4301 digits, negative",
        ),
        pytest.param(b'{"x": 1e400}', NOT_FINITE, "/x", id="beyond a double"),
        pytest.param(b'{"x": -1e400}', NOT_FINITE, "/x", id="beyond a double, negative"),
        pytest.param(b'{"x": NaN}', NOT_FINITE, "/x", id="NaN"),
        pytest.param(b'{"x": [Infinity]}', NOT_FINITE, "/x/0", id="Infinity"),
        pytest.param(b'{"x": -Infinity}', NOT_FINITE, "/x", id="-Infinity"),
        pytest.param(
            b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
            f"it is nested more than {MAX_DEPTH} deep",
            "/0" * MAX_DEPTH,
            id="too deep",
        ),
        pytest.param(b'{"a/b": {"c~d": NaN}}', NOT_FINITE, "/a~1b/c~0d", id="escaped keys"),
    ],
)
def test_what_strict_json_refuses_is_named_at_its_pointer(
    text: bytes, reason: str, pointer: str
) -> None:
    with pytest.raises(JsonTextError) as raised:
        parse_json(text)
    assert (raised.value.reason, raised.value.pointer) == (reason, pointer)
    assert str(raised.value).startswith(f"not valid JSON: {reason}")


def test_a_string_holding_a_lone_surrogate_is_refused_too() -> None:
    with pytest.raises(JsonTextError, match="lone UTF-16 surrogate at /a"):
        parse_json('{"a": "\udce9"}')


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"a": "\xc3"}', "not UTF-8"),
        (b'{"a": ', "not valid JSON: Expecting value at line 1 column 7"),
        (b"[" * 100_000, "nested too deeply"),
    ],
)
def test_unreadable_text_is_refused_as_a_whole(text: bytes, message: str) -> None:
    with pytest.raises(JsonTextError) as raised:
        parse_document(text)
    assert str(raised.value) == message


def test_messages_never_hold_the_value() -> None:
    for text in (b'{"k": "s3cr3t\\udce9"}', b'{"k": 31337' + b"0" * 5000 + b"}"):
        with pytest.raises(JsonTextError) as raised:
            parse_json(text)
        assert "s3cr3t" not in str(raised.value)
        assert "31337" not in str(raised.value)


def test_a_long_pointer_is_shortened_in_the_message_only() -> None:
    key = "k" * 300
    with pytest.raises(JsonTextError) as raised:
        parse_json(f'{{"{key}": NaN}}')
    assert raised.value.pointer == f"/{key}"
    assert str(raised.value).endswith("…")
    assert len(str(raised.value)) < 250


def test_what_strict_json_accepts() -> None:
    text = '{"n": ' + "9" * MAX_INTEGER_DIGITS + ', "x": 1.5e308, "s": "\\ud83d\\ude00", "t": "é"}'
    value = parse_json(text.encode())
    assert value["n"] == int("9" * MAX_INTEGER_DIGITS)
    assert value["x"] == 1.5e308
    assert value["s"] == "😀"
    nested: Any = 1
    for _ in range(MAX_DEPTH):
        nested = [nested]
    assert parse_json(dump_json(nested)) == nested


def test_a_document_names_the_problem_of_each_item_alone() -> None:
    document = parse_document(b'{"batch": [{"a": 1}, {"b": "\\udce9"}, {"c": 1e999}]}')
    items = document.value["batch"]
    assert document.suspect
    assert document.problem(items[0], "/batch/0") is None
    surrogate = document.problem(items[1], "/batch/1")
    assert surrogate is not None
    assert surrogate.pointer == "/batch/1/b"
    infinite = document.problem(items[2], "/batch/2")
    assert infinite is not None
    assert infinite.pointer == "/batch/2/c"
    assert not parse_document(b'{"plain": [1, 2.5, "x"]}').suspect


@pytest.mark.parametrize(
    ("value", "reason", "pointer"),
    [
        pytest.param({"a": math.inf}, NOT_FINITE, "/a", id="Infinity"),
        pytest.param({"a": [1, -math.inf]}, NOT_FINITE, "/a/1", id="-Infinity"),
        pytest.param({"a": math.nan}, NOT_FINITE, "/a", id="NaN"),
        pytest.param({"a": "\udce9"}, SURROGATE, "/a", id="lone surrogate"),
        pytest.param(
            {"a": {"\ud800": 1}}, "a key holds a lone UTF-16 surrogate", "/a", id="surrogate key"
        ),
        pytest.param({"n": 10**MAX_INTEGER_DIGITS}, LONG_INTEGER, "/n", id="4301 digits"),
    ],
)
def test_no_json_written_holds_nan_infinity_or_a_lone_surrogate(
    value: Any, reason: str, pointer: str
) -> None:
    with pytest.raises(JsonTextError) as raised:
        dump_json(value)
    assert (raised.value.reason, raised.value.pointer) == (reason, pointer)


def test_a_cycle_is_refused_as_too_deep() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(JsonTextError, match=f"nested more than {MAX_DEPTH} deep"):
        dump_json(cycle)


def test_writing_keeps_non_ascii_and_takes_the_layout_asked_for() -> None:
    value = {"é": [1, 2.5, None, True], "n": 10**MAX_INTEGER_DIGITS - 1}
    assert dump_json({"é": [1, 2]}) == '{"é": [1, 2]}'
    assert dump_json({"é": [1, 2]}, compact=True) == '{"é":[1,2]}'
    assert dump_json({"a": 1}, indent=2) == '{\n  "a": 1\n}'
    assert parse_json(dump_json(value)) == value


def test_python_data_is_checked_as_json_with_a_depth_of_ones_choosing() -> None:
    deep: Any = "x"
    for _ in range(10_000):  # far past the recursion limit: the walk does not recurse
        deep = (deep,)
    problem = json_problem(OrderedDict(a=deep), "/root", max_depth=3)
    assert problem is not None
    assert (problem.reason, problem.pointer) == ("it is nested more than 3 deep", "/root/a/0/0")
    assert json_problem({"a": [1, {"b": "c"}]}, max_depth=3) is None
    assert json_problem({"t": (1.0, math.inf)}) is not None
