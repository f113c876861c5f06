"""Redactor: a secret is hidden however it is written (escaped, encoded, inside base64), every
character of overlapping occurrences is hidden, and text is redacted before it is cut."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from urllib.parse import quote, quote_plus

import httpx
import pytest
from yarl import URL

import framework.core.redaction
from framework.core.redaction import REDACTED, Redactor

# Each holds a line break (every escaping changes it) and a non-ASCII letter (so that its
# Latin-1 reading differs); the quotes decide which quote style Python's repr picks.
SECRETS = [
    pytest.param("sk_é\"q'/<&>+ :@\\\n\x01end~!*()$,;=?#%[]{}|^`", id="both quotes, symbols"),
    pytest.param("sk_é'only\n", id="single quote"),
    pytest.param('sk_é"only\n', id="double quote"),
]


def _go_json(text: str) -> str:
    body = json.dumps(text, ensure_ascii=False)
    return body.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _latin1(text: str) -> str:
    return text.encode().decode("latin-1")


WRITERS: dict[str, Callable[[str], str]] = {
    "repr": repr,
    "ascii": ascii,
    "bytes literal (h11, http.client)": lambda text: f"Illegal header value {text.encode()!r}",
    "JSON": json.dumps,
    "JSON, non-ASCII kept": lambda text: json.dumps(text, ensure_ascii=False),
    "JSON, slashes escaped (PHP)": lambda text: json.dumps(text).replace("/", "\\/"),
    "JSON, HTML-safe (Go)": _go_json,
    "quote": lambda text: quote(text, safe=""),
    "quote, path": quote,
    "quote_plus": quote_plus,
    "lower-case percent-encoding": lambda text: quote(text, safe="").lower(),
    "yarl query": lambda text: str(URL("http://host/p").with_query({"k": text})),
    "yarl path": lambda text: str(URL("http://host/") / text),
    "httpx parameters": lambda text: str(httpx.URL("http://host/p", params={"k": text})),
    "header bytes read as Latin-1": _latin1,
    "Latin-1 reading, JSON-escaped": lambda text: json.dumps(_latin1(text)),
    "Latin-1 reading, percent-encoded": lambda text: quote(_latin1(text), safe=""),
}


@pytest.mark.parametrize("secret", SECRETS)
@pytest.mark.parametrize("writer", list(WRITERS.values()), ids=list(WRITERS))
def test_every_written_form_of_a_secret_is_replaced(
    secret: str, writer: Callable[[str], str]
) -> None:
    written = writer(f"before{secret}after")
    form = written[written.index("before") + len("before") : written.rindex("after")]
    assert secret not in written, "the secret is written in another form"
    assert Redactor([secret]).text(written) == written.replace(form, REDACTED)


@pytest.mark.parametrize("user", ["u", "us", "usr", "a-longer-user"])
def test_a_secret_inside_basic_credentials_is_hidden_but_for_its_edges(user: str) -> None:
    secret = "sk_live_Q7zX9vB2nM4kP8wR"
    credentials = base64.b64encode(f"{user}:{secret}".encode()).decode()
    shown = Redactor([secret]).text(f"echoed: Basic {credentials}")
    before, marker, after = shown.removeprefix("echoed: Basic ").partition(REDACTED)
    assert marker == REDACTED
    # Each base64 character holds 6 bits: those of user + ":" and at most one mixed character
    # stay before; at most two characters (one of them mixed) and the padding stay after.
    assert len(before) <= -(-8 * (len(user) + 1) // 6)
    assert len(after.rstrip("=")) <= 2


@pytest.mark.parametrize(
    "alphabet",
    [
        pytest.param(base64.b64encode, id="standard"),
        pytest.param(base64.urlsafe_b64encode, id="URL-safe"),
    ],
)
def test_base64_of_the_secret_alone_is_replaced(alphabet: Callable[[bytes], bytes]) -> None:
    secret = "k>?~key~?>k"  # bytes that encode to + and / in the standard alphabet
    encoded = alphabet(secret.encode()).decode()
    assert Redactor([secret]).text(f"token {encoded} end") in (
        f"token {REDACTED} end",
        f"token {REDACTED}{encoded[-1]} end",
        f"token {REDACTED}{encoded[-2:]} end",
    )


def test_overlapping_secrets_are_hidden_whole() -> None:
    redactor = Redactor(["abcd1234", "1234wxyz"])
    assert redactor.text("<abcd1234wxyz>") == f"<{REDACTED}>", "no part of either is left"
    assert redactor.text("abcd1234 1234wxyz") == f"{REDACTED} {REDACTED}"


def test_overlapping_occurrences_of_one_secret_are_hidden_whole() -> None:
    assert Redactor(["abab"]).text("xababab") == f"x{REDACTED}"


@pytest.mark.parametrize(
    ("secrets", "plain"),
    [
        (["k y", "k y z"], "k y z"),  # one secret starts another
        (["ab/cd", "cd/ef"], "ab/cd/ef"),  # two secrets overlap
        (["a/a"], "a/a/a"),  # a secret overlaps itself
    ],
)
def test_overlapping_percent_encoded_secrets_are_hidden_whole(
    secrets: list[str], plain: str
) -> None:
    assert Redactor(secrets).text(f"?k={quote(plain, safe='')}&") == f"?k={REDACTED}&"


def test_replacements_are_not_searched_again() -> None:
    assert Redactor(["RED", "ACT"]).text("RED") == REDACTED, "no secret found inside [REDACTED]"


def test_text_is_redacted_before_it_is_shortened() -> None:
    secret = "sk_live_Q7zX9vB2nM4kP8wR"
    body = "x" * 290 + secret + "y" * 700
    shortened = Redactor([secret]).shortened(body, 300)
    assert shortened == "x" * 290 + REDACTED
    assert secret[:4] not in shortened


def test_the_forms_are_computed_once_per_redactor(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    forms = framework.core.redaction.secret_forms

    def counting(secret: str) -> set[str]:
        calls.append(secret)
        return forms(secret)

    monkeypatch.setattr(framework.core.redaction, "secret_forms", counting)
    redactor = Redactor(["s3cr3t-one", "s3cr3t-two"])
    for _ in range(3):
        redactor.text("s3cr3t-one and s3cr3t%2Dtwo")
    assert calls == ["s3cr3t-one", "s3cr3t-two"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("100% of 3+4", id="percent and plus signs"),
        pytest.param("Bearer c2VjcmV0", id="other base64"),
        pytest.param('{"key": "value\\n"}', id="other escapes"),
    ],
)
def test_text_without_any_form_of_a_secret_is_returned_as_it_is(text: str) -> None:
    assert Redactor(["sk/é+ x\n"]).text(text) is text
