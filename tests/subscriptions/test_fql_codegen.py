"""The Python that subscriptions compile to: it holds no text from the subscription, runs
without builtins, stays within Python's limits for any size, and selects only mappings."""

from __future__ import annotations

import io
import keyword
import re
import sys
import tokenize
from collections.abc import Iterator
from typing import Any

import pytest

from framework import SubscriptionSyntaxError
from framework.languages.fql import compile_subscription
from framework.languages.fql.compiler import Program, generate
from framework.languages.fql.parser import MAX_DEPTH, parse

NASTY = [
    '"',
    "'",
    "\\",
    "\n",
    "\r\n",
    '"""',
    "'''",
    "__import__('os').system('true')",
    '"); __import__("os"); ("',
    "\\n\\x00",
    "\x00",
    "é 🙂 \u2028 \ud7ff",
    "{0} %s {e}",
    "_c0",
    "e",
    "_matches",
    "__builtins__",
    "1e999",
    "None",
    "#",
]

HELPERS = {"_type", "_dict", "_isinstance", "_Mapping", "_str", "_bool", "_numbers"}
HELPERS |= {"_step", "_walk", "_matches", "e", "_v", "get"}
GENERATED_NAME = re.compile(r"_[ctf]\d+")
OPERATORS = {"(", ")", ",", ".", ":", ":=", "==", "!=", "<", "<=", ">", ">="}


def fql_field(name: str) -> str:
    """``name`` as one FQL field name: every character escaped."""
    return "".join("\\" + char for char in name)


def fql_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tokens(program: Program) -> Iterator[tokenize.TokenInfo]:
    for source in program.functions:
        yield from tokenize.generate_tokens(io.StringIO(source).readline)


def assert_only_generated_names(program: Program) -> None:
    for token in tokens(program):
        if token.type == tokenize.NAME:
            assert (
                keyword.iskeyword(token.string)
                or token.string in HELPERS
                or GENERATED_NAME.fullmatch(token.string)
            ), token
        elif token.type == tokenize.OP:
            assert token.string in OPERATORS, token
        else:
            assert token.type in {
                tokenize.NEWLINE,
                tokenize.INDENT,
                tokenize.DEDENT,
                tokenize.ENDMARKER,
            }, token


@pytest.mark.parametrize("text", NASTY)
def test_field_names_and_values_never_reach_the_source(text: str) -> None:
    field = "properties." + fql_field(text)
    source = (
        f"{field} = {fql_string(text)} and contains({field}, {fql_string(text[:2])})"
        f" and match({field}, {fql_string('*' + text)}) and {fql_field(text)} != null"
    )
    program = generate(parse(source))
    assert_only_generated_names(program)
    assert text in program.namespace.values()

    subscription = compile_subscription(source)
    assert subscription.matches({"properties": {text: text}, text: 0}) is True
    assert subscription.matches({"properties": {text: text + "x"}, text: 0}) is False
    assert subscription.matches({"properties": {text: text}}) is False


def test_numbers_of_any_size_are_bound_not_written() -> None:
    """An integer past Python's 4300-digit ``str()`` limit could not even be written."""
    digits = "9" * 4300
    source = f"a = {digits} and b < {digits}0 and c.{digits}.d = null and x.1.2 >= -0.5e-3"
    program = generate(parse(source))
    assert_only_generated_names(program)
    subscription = compile_subscription(source)
    assert subscription.matches({"a": int(digits), "b": 10**5000, "x": [0, [0, 0, 1]]})
    assert not subscription.matches({"a": int(digits) - 1, "b": 0, "x": [0, [0, 0, 1]]})


def test_generated_code_has_no_builtins() -> None:
    subscription = compile_subscription('type = "track"')
    assert subscription.matches.__globals__["__builtins__"] == {}  # type: ignore[attr-defined]


def paren_depth(source: str) -> int:
    depth = deepest = 0
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.string == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif token.string == ")":
            depth -= 1
    return deepest


def nested(path: list[str], leaf: Any) -> Any:
    """The event in which ``path`` leads to ``leaf`` (a name of digits is a list index)."""
    for name in reversed(path):
        leaf = [*[None] * int(name), leaf] if name.isdigit() else {name: leaf}
    return leaf


def deep_source(levels: int) -> str:
    """``levels`` parentheses, alternating ``or`` and ``and``, around ``a.b.c.d = 1``: an
    event with no ``x`` or ``y`` is selected when that condition holds."""
    source = "a.b.c.d = 1"
    for level in range(levels):
        source = f"(x = {level} or {source})" if level % 2 else f"(!y = {level} and {source})"
    return source


@pytest.mark.parametrize(
    ("source", "selected", "rejected"),
    [
        (deep_source(MAX_DEPTH - 1), nested(["a", "b", "c", "d"], 1), nested(["a", "b", "c"], 1)),
        ("!" * MAX_DEPTH + "a = 1", {"a": 1}, {"a": 2}),
        (" or ".join(f"f{i} = {i}" for i in range(3000)), {"f2999": 2999}, {"f2999": 0}),
        (" and ".join(f"f.g != {i}" for i in range(3000)), {"f": {"g": -1}}, {"f": {"g": 7}}),
        (".".join(["a"] * 5000) + " = 1", nested(["a"] * 5000, 1), nested(["a"] * 4999, 1)),
    ],
    ids=["deep", "negations", "wide-or", "wide-and", "long-path"],
)
def test_any_size_compiles_within_python_limits(
    source: str, selected: dict[str, Any], rejected: dict[str, Any]
) -> None:
    program = generate(parse(source))
    assert max(paren_depth(function) for function in program.functions) < 40
    assert max(len(function) for function in program.functions) < 20_000
    subscription = compile_subscription(source)
    assert subscription.matches(selected) is True
    assert subscription.matches(rejected) is False


def test_a_long_path_is_read_to_the_end() -> None:
    path = [("x", "1", "y")[i % 3] for i in range(1000)]
    subscription = compile_subscription(".".join(path) + ' = "end"')
    assert subscription.matches(nested(path, "end")) is True
    assert subscription.matches(nested(path, "other")) is False
    assert subscription.matches(nested(path[:-1], "end")) is False


def test_running_out_of_stack_is_a_coded_error() -> None:
    """A caller already deep in its stack gets a SubscriptionSyntaxError, not RecursionError."""
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back  # type: ignore[assignment]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 60)
    try:
        with pytest.raises(SubscriptionSyntaxError) as raised:
            compile_subscription("(" * MAX_DEPTH + "a = 1" + ")" * MAX_DEPTH)
    finally:
        sys.setrecursionlimit(limit)
    assert raised.value.code == "INVALID_SUBSCRIPTION"
    assert raised.value.position == 0


class HasGet:
    """Not a mapping, though it has a ``get``."""

    def get(self, _key: str, default: Any = None) -> Any:
        return "track"


@pytest.mark.parametrize("source", ['type = "track"', "type != null", 'contains(type, "t")'])
def test_objects_that_are_not_mappings_are_never_selected(source: str) -> None:
    subscription = compile_subscription(source)
    assert subscription.matches({"type": "track"}) is True
    assert subscription.matches(HasGet()) is False
    assert subscription(HasGet()) is False
