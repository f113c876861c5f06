"""``@liquid`` beyond the conformance vectors: restrictions, limits, rendering."""

from __future__ import annotations

from typing import Any

import pytest

from framework.core.errors import MappingResolutionError
from framework.languages.mapping import compile_mapping, referenced_paths, validate_mapping
from framework.languages.mapping.liquid_engine import (
    DISABLED_FILTERS,
    DISABLED_TAGS,
    MAX_SIZE,
    parse_liquid,
)


def _problems(template: str) -> list[str]:
    return [str(problem) for problem in validate_mapping({"x": {"@liquid": template}})]


@pytest.mark.parametrize("tag", sorted(DISABLED_TAGS))
def test_disabled_tags_are_refused_when_compiling(tag: str) -> None:
    assert _problems(f"a {{% {tag} x %}}") == [
        f'/x/@liquid: invalid Liquid template: tag "{tag}" is disabled (line 1, column 6)'
    ]


def test_disabled_tags_are_refused_inside_the_liquid_tag() -> None:
    assert _problems("{% liquid\n  for x in y\n  echo x\n  endfor %}") == [
        '/x/@liquid: invalid Liquid template: tag "for" is disabled (line 2, column 3)'
    ]


@pytest.mark.parametrize("name", sorted(DISABLED_FILTERS))
def test_disabled_filters_are_refused_when_compiling(name: str) -> None:
    assert _problems(f"{{{{ a }}}}\n{{{{ a | upcase | {name} }}}}") == [
        f'/x/@liquid: invalid Liquid template: filter "{name}" is disabled (line 2, column 17)'
    ]


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("{{ a | no_such_filter }}", "unknown filter 'no_such_filter' (line 1, column 8)"),
        ("{{ a ", "expected '}}', found end of file (line 1, column 1)"),
        ("{% if a %}", "expected tag endif"),
        ("{% nope %}", "unexpected tag 'nope'"),
    ],
)
def test_syntax_errors_are_refused_when_compiling(template: str, reason: str) -> None:
    problems = _problems(template)
    assert len(problems) == 1
    assert problems[0].startswith(f"/x/@liquid: invalid Liquid template: {reason}")


def test_templates_are_limited_to_1000_characters() -> None:
    assert _problems("a" * 1000) == []
    assert _problems("a" * 1001) == [
        "/x/@liquid: should have at most 1000 characters, but it has 1001"
    ]


@pytest.mark.parametrize(
    ("template", "event", "expected"),
    [
        ("{{ a }}|{{ b }}|{{ c }}|{{ d }}", {"a": None, "b": True, "c": 3, "d": "é"}, "|true|3|é"),
        ("{{ missing.deep }}", {}, ""),
        ("{% assign n = a | plus: 1 %}{{ n }}", {"a": 1}, "2"),
        ("{% capture c %}{{ a }}!{% endcapture %}{{ c | upcase }}", {"a": "hi"}, "HI!"),
        ("{% unless a %}none{% endunless %}", {}, "none"),
        (
            "{{ list | join: ',' }} {{ list | first }} {{ list | size }}",
            {"list": [1, 2]},
            "1,2 1 2",
        ),
        ("{{ 'x' | append: a['odd key'] }}", {"a": {"odd key": "y"}}, "xy"),
        ("{{ a }}", {"a": "{{ b }}", "b": "no"}, "{{ b }}"),  # values are not templates
    ],
)
def test_rendering(template: str, event: dict[str, Any], expected: str) -> None:
    assert compile_mapping({"@liquid": template})(event) == expected


def test_items_of_an_array_path_are_the_variables() -> None:
    mapping = {"@arrayPath": ["$.items", {"label": {"@liquid": "#{{ id }}"}}]}
    assert compile_mapping(mapping)({"items": [{"id": 1}, 2]}) == [{"label": "#1"}, {"label": "#"}]


@pytest.mark.parametrize(
    ("template", "event", "words"),
    [
        ("{{ a }}", {"a": "x" * (MAX_SIZE + 1)}, "output stream limit"),
        ("{{ a | append: a }}", {"a": "x" * (MAX_SIZE // 2 + 1)}, "append: the result is longer"),
        ("{{ a | split: '' | join: a }}", {"a": "x" * 1001}, "join: the result would be longer"),
        ("{{ a | replace: 'x', a }}", {"a": "x" * 1001}, "replace: the result would be longer"),
        (
            '{% assign a = "xxxxxxxxxx" %}' + "{% assign a = a | append: a | append: a %}" * 12,
            {},
            "the result is longer",
        ),
        ("{{ a | divided_by: 0 }}", {"a": 1}, "divided_by: division by zero (line 1, column 8)"),
        ("{% break %}", {}, "unexpected 'break'"),
    ],
)
def test_rendering_failures_are_resolution_errors(
    template: str, event: dict[str, Any], words: str
) -> None:
    resolve = compile_mapping({"x": {"@liquid": template}})
    with pytest.raises(MappingResolutionError, match=r"^MAPPING_FAILED: /x/@liquid: ") as raised:
        resolve(event)
    assert words in raised.value.message


def test_large_but_bounded_results_render() -> None:
    resolve = compile_mapping({"@liquid": "{{ a | split: '' | join: '-' }}"})
    assert resolve({"a": "x" * 1000}) == "-".join("x" * 1000)


def test_templates_are_parsed_once() -> None:
    assert parse_liquid("{{ a }}") is parse_liquid("{{ a }}")


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{% if a.b == 1 %}{{ c }}{% endif %}{{ a.b }}", ["a.b", "c"]),
        ("{% assign x = y %}{{ x.z }}", ["y"]),
        ("{{ p[0].q }} {{ r['s t'] }}", ["p[0].q", "r['s t']"]),
        ("{{ a | nope }}", []),  # invalid: nothing is read
    ],
)
def test_referenced_paths(template: str, expected: list[str]) -> None:
    assert referenced_paths({"@liquid": template}) == expected
