"""Redactor: known secrets replaced everywhere; credential headers never shown."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from framework.core.redaction import REDACTED, Redactor
from tests.framework.support import SECRET

REDACTOR = Redactor([SECRET])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(SECRET, REDACTED, id="whole"),
        pytest.param(f"key={SECRET}&x=1", f"key={REDACTED}&x=1", id="inside"),
        pytest.param(f"{SECRET} and {SECRET}", f"{REDACTED} and {REDACTED}", id="every occurrence"),
        pytest.param("nothing secret", "nothing secret", id="untouched"),
        pytest.param(SECRET.upper(), SECRET.upper(), id="case-sensitive"),
    ],
)
def test_text(text: str, expected: str) -> None:
    assert REDACTOR.text(text) == expected


def test_nested_values_and_keys_are_redacted_without_changing_the_original() -> None:
    value: dict[str, Any] = {
        "token": SECRET,
        SECRET: "as a key",
        "nested": {"list": [1, f"Bearer {SECRET}", None, True, 2.5], "tuple": (SECRET,)},
    }
    assert REDACTOR.value(value) == {
        "token": REDACTED,
        REDACTED: "as a key",
        "nested": {"list": [1, f"Bearer {REDACTED}", None, True, 2.5], "tuple": [REDACTED]},
    }
    assert value["token"] == SECRET, "the original is not changed"


@pytest.mark.parametrize("value", [None, 7, 2.5, False])
def test_non_strings_are_kept(value: Any) -> None:
    assert REDACTOR.value(value) is value


def test_the_longest_secret_is_replaced_first() -> None:
    redactor = Redactor(["abc", "abcdef", "ab"])
    assert redactor.text("x abcdef y abc z ab") == f"x {REDACTED} y {REDACTED} z {REDACTED}"
    assert redactor.text("abcdefg") == f"{REDACTED}g", "no 'def' left over"


@pytest.mark.parametrize(
    "secrets",
    [pytest.param([""], id="only empty"), pytest.param(["", "zz"], id="empty among others")],
)
def test_empty_secrets_are_ignored(secrets: list[str]) -> None:
    assert Redactor(secrets).text("plain text") == "plain text"
    assert Redactor(secrets).value({"k": "v"}) == {"k": "v"}


BASIC = "Basic " + base64.b64encode(f"user:{SECRET}".encode()).decode()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param(
            {"Authorization": f"Bearer {SECRET}"},
            {"Authorization": f"Bearer {REDACTED}"},
            id="known bearer token",
        ),
        pytest.param(
            {"Authorization": BASIC},
            {"Authorization": f"Basic {REDACTED}"},
            id="basic credentials the redactor does not know",
        ),
        pytest.param(
            {"authorization": "Token unknown-credential"},
            {"authorization": f"Token {REDACTED}"},
            id="lower-case name",
        ),
        pytest.param(
            {"Proxy-Authorization": "Digest username=x, response=y"},
            {"Proxy-Authorization": f"Digest {REDACTED}"},
            id="proxy authorization",
        ),
        pytest.param({"Authorization": "bare-token"}, {"Authorization": REDACTED}, id="no scheme"),
        pytest.param({"X-Api-Key": "unknown key"}, {"X-Api-Key": REDACTED}, id="api key"),
        pytest.param(
            {"Cookie": "session=abc123; theme=dark"}, {"Cookie": REDACTED}, id="every cookie"
        ),
        pytest.param(
            {"Cookie": f"theme=dark; session={SECRET}"}, {"Cookie": REDACTED}, id="known cookie"
        ),
        pytest.param(
            {"X-Signature": f"v1={SECRET}"},
            {"X-Signature": f"v1={REDACTED}"},
            id="known secret in another header",
        ),
        pytest.param(
            {"Accept": "application/json", "User-Agent": "x/1"},
            {"Accept": "application/json", "User-Agent": "x/1"},
            id="ordinary headers",
        ),
    ],
)
def test_headers(headers: dict[str, str], expected: dict[str, str]) -> None:
    assert REDACTOR.headers(headers) == expected


def test_credential_headers_are_hidden_even_without_known_secrets() -> None:
    shown = Redactor([]).headers({"Authorization": BASIC, "Cookie": "a=b; c=d", "X-Api-Key": "k"})
    assert shown == {
        "Authorization": f"Basic {REDACTED}",
        "Cookie": REDACTED,
        "X-Api-Key": REDACTED,
    }
