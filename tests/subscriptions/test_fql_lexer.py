"""The FQL tokenizer: kinds, positions, decoded literals and lexical errors."""

from __future__ import annotations

import pytest

from framework import SubscriptionSyntaxError
from framework.languages.fql.lexer import TokenKind, tokenize


def _kinds(source: str) -> list[TokenKind]:
    return [token.kind for token in tokenize(source)]


def test_tokens_carry_kind_text_and_position() -> None:
    tokens = tokenize('type = "track" and !contains(event, "x")')
    assert [(t.kind, t.text, t.position) for t in tokens] == [
        (TokenKind.PATH, "type", 0),
        (TokenKind.OPERATOR, "=", 5),
        (TokenKind.STRING, '"track"', 7),
        (TokenKind.AND, "and", 15),
        (TokenKind.BANG, "!", 19),
        (TokenKind.PATH, "contains", 20),
        (TokenKind.LPAREN, "(", 28),
        (TokenKind.PATH, "event", 29),
        (TokenKind.COMMA, ",", 34),
        (TokenKind.STRING, '"x"', 36),
        (TokenKind.RPAREN, ")", 39),
        (TokenKind.EOF, "", 40),
    ]


@pytest.mark.parametrize("operator", ["=", "!=", "<", "<=", ">", ">="])
def test_each_operator_is_one_token(operator: str) -> None:
    tokens = tokenize(f"a{operator}1")
    assert tokens[1].kind is TokenKind.OPERATOR
    assert tokens[1].literal == operator
    assert tokens[2].position == 1 + len(operator)


def test_bang_before_paren_is_negation_not_operator() -> None:
    assert _kinds("!(a = 1)")[:2] == [TokenKind.BANG, TokenKind.LPAREN]


def test_keywords_are_lowercase_only() -> None:
    assert _kinds("and or not true false null")[:-1] == [
        TokenKind.AND,
        TokenKind.OR,
        TokenKind.NOT,
        TokenKind.TRUE,
        TokenKind.FALSE,
        TokenKind.NULL,
    ]
    assert _kinds("AND True NULL")[:-1] == [TokenKind.PATH] * 3


def test_keywords_inside_a_path_are_names() -> None:
    (token, _eof) = tokenize("properties.and.null")
    assert token.kind is TokenKind.PATH
    assert token.segments == ("properties", "and", "null")


def test_path_segments_allow_digits_dollar_underscore_and_dash() -> None:
    (token, _eof) = tokenize("context.$a_b.0.x-y")
    assert token.segments == ("context", "$a_b", "0", "x-y")


def test_backslash_escapes_a_character_in_a_path() -> None:
    (token, _eof) = tokenize(r"properties.property\ 1.a\.b")
    assert token.segments == ("properties", "property 1", "a.b")
    assert token.text == r"properties.property\ 1.a\.b"


def test_escaped_keyword_is_a_field() -> None:
    (token, _eof) = tokenize(r"\not")
    assert token.kind is TokenKind.PATH
    assert token.segments == ("not",)


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("0", 0),
        ("42", 42),
        ("-7", -7),
        ("1.5", 1.5),
        ("-0.25", -0.25),
        ("1e3", 1000.0),
        ("2.5E-1", 0.25),
    ],
)
def test_numbers(source: str, value: float) -> None:
    token = tokenize(source)[0]
    assert token.kind is TokenKind.NUMBER
    assert token.literal == value
    assert type(token.literal) is type(value)


@pytest.mark.parametrize(
    ("source", "value"),
    [
        (r'"plain"', "plain"),
        (r'""', ""),
        (r'"say \"hi\""', 'say "hi"'),
        (r'"back\\slash"', "back\\slash"),
        (r'"a\nb\tc"', "a\nb\tc"),
        (r'"\u00e9t\u00e9"', "été"),
        (r'"\ud83d\ude00"', "\U0001f600"),
        (r'"\*"', "*"),
        ('"caf\u00e9 \U0001f600"', "café \U0001f600"),
    ],
)
def test_strings_decode_escapes(source: str, value: str) -> None:
    token = tokenize(source)[0]
    assert token.kind is TokenKind.STRING
    assert token.literal == value
    assert token.text == source


@pytest.mark.parametrize(
    ("source", "position", "fragment"),
    [
        ('a = "open', 4, "unterminated string"),
        ('a = "ends with backslash\\', 4, "unterminated string"),
        ('a = "\\u12"', 5, "4 hex digits"),
        ("a * 1", 2, "unexpected character '*'"),
        ("a = 'x'", 4, "unexpected character"),
        ("a = 10abc", 4, "invalid number at position 4"),
        ("a = 1.", 4, "invalid number"),
        ("a. = 1", 2, "field name after '.'"),
        ("a = -", 4, "unexpected character '-'"),
        ("a\\", 1, "character after '\\'"),
    ],
)
def test_lexical_errors_have_positions(source: str, position: int, fragment: str) -> None:
    with pytest.raises(SubscriptionSyntaxError) as caught:
        tokenize(source)
    assert caught.value.position == position
    assert caught.value.source == source
    assert fragment in caught.value.message
