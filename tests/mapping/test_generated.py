"""Mappings compile to generated Python functions: nothing from a mapping is ever read as
code (keys, path steps, literals and template text that look like Python, quotes,
backslashes, newlines, non-identifiers, unicode), and no mapping, however large or deep,
reaches the limits of Python's compiler."""

from __future__ import annotations

from typing import Any

import pytest

from framework import MISSING
from framework.core.errors import MappingResolutionError
from framework.languages.mapping import codegen, compile_mapping
from framework.languages.mapping.compiler import Compiler
from framework.languages.mapping.directives import DIRECTIVES
from framework.languages.mapping.directives.template import MAX_PLACEHOLDERS
from framework.languages.mapping.validate import MAX_DEPTH

NASTY = [
    "'",
    '"',
    "\\",
    "\\'",
    "\n",
    "\r\n\t",
    '"""',
    "'''",
    "__import__('os').system('false')",
    "1/0",
    "_M",
    "_e",
    "_f",
    "_k9",
    "_v1",
    "return",
    "None",
    "# comment",
    "a b",
    "1abc",
    "",
    " ",
    "é ü 中文 🎉",
    "\x00",
    "\u2028",
    "{",
    "}",
    ")]}",
    "x@path",
]


def quoted(key: str) -> str:
    """A path reading the key ``key`` of the event, whatever its characters."""
    return '$["' + key.replace("\\", "\\\\").replace('"', '\\"') + '"]'


@pytest.mark.parametrize("text", NASTY)
def test_keys_paths_and_literals_are_data(text: str) -> None:
    mapping = {
        text: {"@path": quoted(text)},
        "nested": {text: {"@path": f"$.inner{quoted(text)[1:]}"}},
        "literal": {"@literal": text},
        "listed": [text, {"@path": quoted(text)}],
        "upper": {"@case": {"operator": "upper", "value": {"@literal": text}}},
        "chosen": {"@if": {"exists": {"@path": quoted(text)}, "then": text, "else": 0}},
        "first": {"@first": [{"@path": "$.absent"}, {"@literal": text + "!"}]},
    }
    event = {text: [text], "inner": {text: text}}
    assert compile_mapping(mapping)(event) == {
        text: [text],
        "nested": {text: text},
        "literal": text,
        "listed": [text, [text]],
        "upper": text.upper(),
        "chosen": text,
        "first": text + "!",
    }


@pytest.mark.parametrize("text", [text for text in NASTY if "{" not in text and "}" not in text])
def test_template_text_is_data(text: str) -> None:
    template = f"{text}{{{{a}}}}{text}{{{{ b }}}}{text}"
    resolved = compile_mapping({"t": {"@template": template}})({"a": text, "b": 1.0})
    assert resolved == {"t": f"{text}{text}{text}1{text}"}


def test_numbers_and_other_literals_are_bound_values() -> None:
    mapping = {"big": 10**4000, "float": -0.0, "true": True, "null": None, "list": [1.5, "x"]}
    resolved = compile_mapping(mapping)({})
    assert resolved == mapping
    assert str(resolved["float"]) == "-0.0"


@pytest.mark.parametrize(
    "text",
    [
        "_v1 = 'a'",
        '_v1 = "a"',
        "_v1 = _k1 # x",
        "_v1 = 1",
        "_v1 = open",
        "_v1 = _e.__class__",
        "_v1 = _v2\n_v3 = _v4",
        "_v1 = _v2; _v3 = _v4",
        "_v1 = _kx",
        "_v1 = é",
    ],
)
def test_the_writer_refuses_any_statement_but_names_and_operators(text: str) -> None:
    code = codegen.Function(Compiler())
    with pytest.raises(RuntimeError, match="refused generated statement"):
        code.line(text)


def test_the_functions_have_no_builtins_but_their_own() -> None:
    resolve = compile_mapping({"a": {"@path": "$.a"}})
    globals_ = resolve.__globals__  # type: ignore[attr-defined]
    assert globals_["__builtins__"] == {}
    assert {"open", "eval", "exec", "__import__"}.isdisjoint(globals_)


def test_a_huge_object_resolves_in_order() -> None:
    size = codegen.MAX_ITEMS**2 + 3  # parts of parts
    mapping = {f"k{index}": {"@path": f"$.k{index}"} for index in range(size)}
    event = {f"k{index}": index for index in range(0, size, 3)}
    resolved = compile_mapping(mapping)(event)
    assert resolved == event
    assert list(resolved) == list(event)


def test_a_huge_array_keeps_its_order_without_missing_items() -> None:
    size = codegen.MAX_ITEMS**2 + 3
    mapping = [{"@path": f"$.k{index}"} if index % 2 else index for index in range(size)]
    event = {f"k{index}": -index for index in range(0, size, 3)}
    expected = [
        index if index % 2 == 0 else -index
        for index in range(size)
        if index % 2 == 0 or index % 3 == 0
    ]
    assert compile_mapping(mapping)(event) == expected


def test_many_options_are_taken_in_order_and_failures_keep_their_pointer() -> None:
    size = codegen.MAX_ITEMS**2 + 3
    options: list[Any] = [{"@path": f"$.k{index}"} for index in range(size)]
    options[size - 10] = {"@transform": {"apply": {"@path": "$.bad"}, "mapping": {}}}
    resolve = compile_mapping({"x": {"@first": options}})
    assert resolve({"k4000": "a", "k4001": "b", "bad": "text"}) == {"x": "a"}
    assert resolve({f"k{size - 1}": "b"}) == {"x": {}}, "the transform's {} comes first"
    with pytest.raises(MappingResolutionError) as raised:
        resolve({"bad": "text"})
    assert raised.value.message == (
        f"/x/@first/{size - 10}/@transform/apply: resolved to a string, not to an object"
    )


@pytest.mark.parametrize("count", [MAX_PLACEHOLDERS, MAX_PLACEHOLDERS + 1, 2_000])
def test_templates_of_many_placeholders(count: int) -> None:
    template = "-".join(f"{{{{k{index}}}}}" for index in range(count))
    event = {f"k{index}": index for index in range(0, count, 2)}
    expected = "-".join(str(index) if index % 2 == 0 else "" for index in range(count))
    assert compile_mapping({"@template": template})(event) == expected


def test_a_path_of_many_steps() -> None:
    event: dict[str, Any] = {"a": "deepest"}
    for _ in range(3_000):
        event = {"a": event}
    path = "$" + ".a" * 3_001
    assert compile_mapping({"x": {"@path": path}, "y": {"@path": path[:-2]}})(event) == {
        "x": "deepest",
        "y": {"a": "deepest"},
    }


def nested(depth: int) -> Any:
    """Directives and objects nested ``depth`` deep (the limit counts each of them)."""
    mapping: Any = {"@path": "$.a"}
    kinds = ["if", "first", "case", "object", "list"]
    used = 1
    index = 0
    while used + 2 <= depth:
        kind = kinds[index % len(kinds)]
        if kind == "if":
            mapping = {"@if": {"exists": {"@path": "$.a"}, "then": mapping, "else": 1}}
        elif kind == "first":
            mapping = {"@first": [{"@path": "$.none"}, mapping]}
        elif kind == "case":
            mapping = {"@case": {"operator": "upper", "value": mapping}}
        elif kind == "object":
            mapping = {"k": {"k": mapping}}
        else:
            mapping = [[mapping]]
        used += 2
        index += 1
    return mapping


def test_mappings_as_deep_as_allowed_compile_and_resolve() -> None:
    mapping = nested(MAX_DEPTH)
    resolved = compile_mapping(mapping)({"a": "x"})
    while resolved != "X":  # every level kept the value, upper-cased
        resolved = resolved["k"]["k"] if isinstance(resolved, dict) else resolved[0][0]
    assert compile_mapping(mapping)({}) is not None


def test_missing_and_null_conditions_of_many_nested_ifs() -> None:
    mapping: Any = "end"
    for index in range(MAX_DEPTH // 2 - 1):
        mapping = {"@if": {"blank": {"@path": f"$.k{index}"}, "then": index, "else": mapping}}
    resolve = compile_mapping(mapping)
    assert resolve({}) == "end"
    assert resolve({"k3": "", "k5": "x"}) == 5
    assert resolve({"k0": None}) == "end"
    assert compile_mapping({"x": {"@if": {"exists": {"@path": "$.a"}}}})({"a": 1}) == {}
    assert compile_mapping({"@if": {"exists": {"@path": "$.a"}}})({"a": 1}) is MISSING


def test_each_directive_is_generated_or_compiled() -> None:
    for directive in DIRECTIVES.values():
        assert (directive.generate is None) != (directive.compile is None), directive.name
    generated = {name for name, directive in DIRECTIVES.items() if directive.generate}
    assert generated == {"@path", "@literal", "@if", "@case", "@template", "@first"}
