"""Recursive-descent parser: FQL text to a syntax tree (see ``nodes``).

Grammar (``not`` binds tighter than ``and``, which binds tighter than ``or``)::

    query      := or EOF
    or         := and ("or" and)*
    and        := unary ("and" unary)*
    unary      := ("not" | "!") unary | primary
    primary    := "(" or ")" | call | comparison
    call       := ("contains" | "match") "(" field "," STRING ")"
    comparison := field ("=" | "!=") (STRING | NUMBER | "true" | "false" | "null")
                | field ("<" | "<=" | ">" | ">=") (NUMBER | numeric STRING)
"""

from __future__ import annotations

from typing import NoReturn

from framework.core.errors import SubscriptionSyntaxError
from framework.languages.fql.lexer import Token, TokenKind, number_value, tokenize
from framework.languages.fql.nodes import (
    And,
    Comparison,
    ComparisonOperator,
    Field,
    FunctionCall,
    FunctionName,
    Node,
    Not,
    Or,
    Value,
)

__all__ = ["MAX_DEPTH", "parse"]

#: Deepest nesting of parentheses and negations accepted (keeps recursion bounded).
MAX_DEPTH = 100

_FUNCTIONS: dict[str, FunctionName] = {"contains": "contains", "match": "match"}
_OPERATORS: dict[str, ComparisonOperator] = {
    "=": "=",
    "!=": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}
_ORDERING = frozenset({"<", "<=", ">", ">="})
_EQUALITY_VALUES = {
    TokenKind.TRUE: True,
    TokenKind.FALSE: False,
    TokenKind.NULL: None,
}


def parse(source: str) -> Node:
    """Parse one FQL subscription. Raises ``SubscriptionSyntaxError`` if it is not valid."""
    return _Parser(source, tokenize(source)).query()


class _Parser:
    def __init__(self, source: str, tokens: list[Token]) -> None:
        self.source = source
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    # -- helpers ---------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not TokenKind.EOF:
            self.index += 1
        return token

    def fail(self, expected: str, token: Token) -> NoReturn:
        raise SubscriptionSyntaxError(
            f"expected {expected}, found {token.describe()}",
            position=token.position,
            source=self.source,
        )

    def expect(self, kind: TokenKind, expected: str) -> Token:
        token = self.peek()
        if token.kind is not kind:
            self.fail(expected, token)
        return self.advance()

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise SubscriptionSyntaxError(
                f"nesting deeper than {MAX_DEPTH} levels",
                position=token.position,
                source=self.source,
            )

    # -- grammar ---------------------------------------------------------------------------

    def query(self) -> Node:
        if self.peek().kind is TokenKind.EOF:
            self.fail("a condition", self.peek())
        node = self.disjunction()
        if self.peek().kind is not TokenKind.EOF:
            self.fail("'and', 'or' or end of input", self.peek())
        return node

    def disjunction(self) -> Node:
        operands = [self.conjunction()]
        while self.peek().kind is TokenKind.OR:
            self.advance()
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def conjunction(self) -> Node:
        operands = [self.unary()]
        while self.peek().kind is TokenKind.AND:
            self.advance()
            operands.append(self.unary())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def unary(self) -> Node:
        token = self.peek()
        if token.kind not in (TokenKind.NOT, TokenKind.BANG):
            return self.primary()
        self.advance()
        self.enter(token)
        operand = self.unary()
        self.depth -= 1
        return Not(operand)

    def primary(self) -> Node:
        token = self.peek()
        if token.kind is TokenKind.LPAREN:
            self.advance()
            self.enter(token)
            node = self.disjunction()
            self.depth -= 1
            self.expect(TokenKind.RPAREN, f"')' to close '(' at position {token.position}")
            return node
        if token.kind is TokenKind.PATH:
            if self.peek(1).kind is TokenKind.LPAREN:
                return self.call()
            return self.comparison()
        self.fail("a condition (a field, contains(...), match(...), 'not' or '(')", token)

    def call(self) -> FunctionCall:
        name_token = self.advance()
        name = name_token.text
        function = _FUNCTIONS.get(name)
        if function is None or name_token.segments != (name,):
            raise SubscriptionSyntaxError(
                f"unknown function {name!r}: expected one of {', '.join(_FUNCTIONS)}",
                position=name_token.position,
                source=self.source,
            )
        self.advance()  # "("
        field_token = self.expect(TokenKind.PATH, f"a field as the first argument of {name}()")
        self.expect(TokenKind.COMMA, f"',' after the field in {name}()")
        argument = self.expect(TokenKind.STRING, f"a string as the second argument of {name}()")
        self.expect(TokenKind.RPAREN, f"')' to close {name}(")
        assert isinstance(argument.literal, str)
        return FunctionCall(function, Field(field_token.segments), argument.literal)

    def comparison(self) -> Comparison:
        field_token = self.advance()
        field = Field(field_token.segments)
        operator_token = self.expect(
            TokenKind.OPERATOR,
            f"a comparison operator (=, !=, <, <=, >, >=) after field {field_token.text!r}",
        )
        operator = _OPERATORS[operator_token.text]
        value_token = self.peek()
        if operator in _ORDERING:
            value = self.ordering_value(operator, value_token)
        elif value_token.kind in (TokenKind.STRING, TokenKind.NUMBER):
            value = value_token.literal
        elif value_token.kind in _EQUALITY_VALUES:
            value = _EQUALITY_VALUES[value_token.kind]
        else:
            self.fail(
                f"a value (string, number, true, false or null) after {operator!r}", value_token
            )
        self.advance()
        return Comparison(field, operator, value)

    def ordering_value(self, operator: str, token: Token) -> Value:
        """The number an ordering operator compares with: a number or numeric string."""
        if token.kind is TokenKind.NUMBER:
            return token.literal
        if token.kind is TokenKind.STRING:
            assert isinstance(token.literal, str)
            number = number_value(token.literal)
            if number is not None:
                return number
        self.fail(f"a number after {operator!r}", token)
