"""Tokenizer for FQL: turns subscription text into tokens that remember their position."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from framework.core.errors import SubscriptionSyntaxError
from framework.core.json_text import MAX_INTEGER_DIGITS

__all__ = ["KEYWORDS", "Token", "TokenKind", "number_value", "tokenize"]


class TokenKind(Enum):
    """What a token is."""

    PATH = "field"
    STRING = "string"
    NUMBER = "number"
    TRUE = "true"
    FALSE = "false"
    NULL = "null"
    AND = "and"
    OR = "or"
    NOT = "not"
    BANG = "!"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    OPERATOR = "operator"
    EOF = "end of input"


KEYWORDS: dict[str, TokenKind] = {
    "and": TokenKind.AND,
    "or": TokenKind.OR,
    "not": TokenKind.NOT,
    "true": TokenKind.TRUE,
    "false": TokenKind.FALSE,
    "null": TokenKind.NULL,
}

_PUNCTUATION = {"(": TokenKind.LPAREN, ")": TokenKind.RPAREN, ",": TokenKind.COMMA}
_DIGITS = frozenset("0123456789")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?", re.ASCII)
_SIMPLE_ESCAPES = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its exact source ``text`` and 0-based ``position``.

    ``segments`` holds the unescaped names of a field path; ``literal`` the decoded value
    of a string or number (or the operator's spelling for ``OPERATOR``).
    """

    kind: TokenKind
    text: str
    position: int
    segments: tuple[str, ...] = ()
    literal: str | int | float | None = None

    def describe(self) -> str:
        """Describe the token for an error message ("found ...")."""
        if self.kind is TokenKind.EOF:
            return "end of input"
        if self.kind is TokenKind.PATH:
            return f"field {self.text!r}"
        if self.kind in (TokenKind.STRING, TokenKind.NUMBER):
            return f"a {self.kind.value}"  # a value: never repeated
        if self.kind is TokenKind.OPERATOR:
            return f"operator {self.text!r}"
        return f"{self.text!r}"


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens, ending with one ``EOF`` token.

    Raises ``SubscriptionSyntaxError`` for an unexpected character, an unterminated
    string or a malformed number.
    """
    return _Lexer(source).run()


def number_value(text: str) -> int | float | None:
    """The number that ``text`` spells in FQL (``-12``, ``0.5``, ``1e3``), else ``None``.
    An integer of more than 4300 digits is read as a double (infinite), as JavaScript does."""
    found = _NUMBER.fullmatch(text)
    if found is None:
        return None
    if found.group(1) or found.group(2) or len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        return float(text)
    return int(text)


def _is_name_char(char: str) -> bool:
    return char.isalnum() or char in "_$-"


class _Lexer:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens: list[Token] = []

    def error(self, message: str, position: int) -> SubscriptionSyntaxError:
        return SubscriptionSyntaxError(message, position=position, source=self.source)

    def run(self) -> list[Token]:
        source = self.source
        length = len(source)
        i = 0
        while i < length:
            char = source[i]
            if char.isspace():
                i += 1
            elif char in _PUNCTUATION:
                self.tokens.append(Token(_PUNCTUATION[char], char, i))
                i += 1
            elif char in "=!<>":
                i = self.operator(i)
            elif char == '"':
                i = self.string(i)
            elif char in _DIGITS or (char == "-" and source[i + 1 : i + 2] in _DIGITS):
                i = self.number(i)
            elif char.isalpha() or char in "_$\\":
                i = self.path(i)
            else:
                raise self.error(f"unexpected character {char!r}", i)
        self.tokens.append(Token(TokenKind.EOF, "", length))
        return self.tokens

    def operator(self, start: int) -> int:
        char = self.source[start]
        two = self.source[start : start + 2]
        if two in ("!=", "<=", ">="):
            self.tokens.append(Token(TokenKind.OPERATOR, two, start, literal=two))
            return start + 2
        if char == "!":
            self.tokens.append(Token(TokenKind.BANG, char, start))
        else:
            self.tokens.append(Token(TokenKind.OPERATOR, char, start, literal=char))
        return start + 1

    def string(self, start: int) -> int:
        source = self.source
        chars: list[str] = []
        i = start + 1
        while i < len(source):
            char = source[i]
            if char == '"':
                text = source[start : i + 1]
                self.tokens.append(Token(TokenKind.STRING, text, start, literal="".join(chars)))
                return i + 1
            if char != "\\":
                chars.append(char)
                i += 1
                continue
            if i + 1 >= len(source):
                break
            escaped = source[i + 1]
            if escaped == "u":
                code = self.hex4(i)
                i += 6
                # A UTF-16 surrogate pair written as two escapes is one character.
                if 0xD800 <= code <= 0xDBFF and source[i : i + 2] == "\\u":
                    low = self.hex4(i)
                    if 0xDC00 <= low <= 0xDFFF:
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                chars.append(chr(code))
            else:
                # Unknown escapes stand for the escaped character itself.
                chars.append(_SIMPLE_ESCAPES.get(escaped, escaped))
                i += 2
        raise self.error("unterminated string: expected a closing '\"'", start)

    def hex4(self, start: int) -> int:
        """Read the four hex digits of the ``\\uXXXX`` escape that begins at ``start``."""
        digits = self.source[start + 2 : start + 6]
        if len(digits) != 4 or not set(digits) <= _HEX_DIGITS:
            raise self.error("expected 4 hex digits after '\\u' in string", start)
        return int(digits, 16)

    def number(self, start: int) -> int:
        found = _NUMBER.match(self.source, start)
        assert found is not None  # run() only calls this in front of a digit
        end = found.end()
        if end < len(self.source) and (
            _is_name_char(self.source[end]) or self.source[end] in ".\\"
        ):
            raise self.error("invalid number", start)
        text = found.group()
        self.tokens.append(Token(TokenKind.NUMBER, text, start, literal=number_value(text)))
        return end

    def path(self, start: int) -> int:
        """Read ``name(.name)*``; ``\\`` makes the next character part of a name."""
        source = self.source
        segments: list[str] = []
        escaped = False
        i = start
        while True:
            chars: list[str] = []
            while i < len(source):
                char = source[i]
                if char == "\\":
                    if i + 1 >= len(source):
                        raise self.error("expected a character after '\\' in field name", i)
                    chars.append(source[i + 1])
                    escaped = True
                    i += 2
                elif _is_name_char(char):
                    chars.append(char)
                    i += 1
                else:
                    break
            if not chars:
                raise self.error("expected a field name after '.'", i)
            segments.append("".join(chars))
            if i < len(source) and source[i] == ".":
                i += 1
                continue
            break
        text = source[start:i]
        keyword = KEYWORDS.get(text) if len(segments) == 1 and not escaped else None
        if keyword is not None:
            self.tokens.append(Token(keyword, text, start))
        else:
            self.tokens.append(Token(TokenKind.PATH, text, start, segments=tuple(segments)))
        return i
