"""Property tests: any text either compiles or raises SubscriptionSyntaxError, and a compiled
subscription answers True or False for any JSON value, never raising."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from framework import SubscriptionSyntaxError
from framework.languages.fql import Subscription, compile_subscription
from tests.properties.strategies import json_events, json_values

FIELDS = st.sampled_from(
    [
        "type",
        "event",
        "name",
        "userId",
        "properties.total",
        "properties.a.b",
        "traits.email",
        "context.ip",
        "integrations.All",
        "properties.items.0",
    ]
)
LITERALS = st.one_of(
    st.text(max_size=8).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.integers(-1000, 1000).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.sampled_from(["true", "false", "null"]),
)
OPERATORS = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])


@st.composite
def conditions(draw: st.DrawFn) -> str:
    field = draw(FIELDS)
    if draw(st.booleans()):
        return f"{field} {draw(OPERATORS)} {draw(LITERALS)}"
    function = draw(st.sampled_from(["contains", "match", "!contains", "!match"]))
    return f"{function}({field}, {draw(LITERALS)})"


def expressions() -> st.SearchStrategy[str]:
    return st.recursive(
        conditions(),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(" ".join),
            inner.map(lambda e: f"({e})"),
            inner.map(lambda e: f"not {e}"),
            inner.map(lambda e: f"!({e})"),
        ),
        max_leaves=8,
    )


def compile_or_error(text: str) -> Subscription | SubscriptionSyntaxError:
    try:
        return compile_subscription(text)
    except SubscriptionSyntaxError as error:
        return error


@settings(max_examples=300)
@given(expressions(), json_events())
def test_generated_subscriptions_answer_a_boolean(text: str, event: dict[str, Any]) -> None:
    compiled = compile_or_error(text)
    if isinstance(compiled, SubscriptionSyntaxError):
        assert 0 <= compiled.position <= len(text)
    else:
        assert compiled.matches(event) in (True, False)


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list('ab.=!<>()"\\ 01andortuecs*,')), max_size=40))
def test_arbitrary_text_compiles_or_is_a_syntax_error(text: str) -> None:
    compiled = compile_or_error(text)
    if isinstance(compiled, SubscriptionSyntaxError):
        assert 0 <= compiled.position <= len(text)
    else:
        assert compiled.source == text


@settings(max_examples=200)
@given(json_values())
def test_any_json_value_is_an_acceptable_event(value: Any) -> None:
    subscription = compile_subscription(
        'type = "track" or properties.total > 3 or match(event, "a*")'
    )
    assert subscription.matches(value) in (True, False)
