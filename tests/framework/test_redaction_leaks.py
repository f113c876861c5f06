"""No secret leaks through the paths issue 12 found: a key with a control character (refused
when settings are validated), a key echoed in an error body across the 300-character cut,
and a key quoted, escaped, by an HTTP library's exception text. Each is driven through the
Python API (``DestinationRunner.process`` and ``test_authentication``, ``RequestClient``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from framework import (
    AuthenticationTest,
    DestinationRunner,
    HttpRequest,
    IntegrationError,
    SettingsError,
    validate_settings,
)
from framework.authoring.settings import settings_problems
from framework.core.redaction import REDACTED, Redactor
from framework.engine.client import AiohttpTransport
from framework.engine.http import PreparedRequest, RequestClient, prepare
from framework.engine.loop import engine_loop
from framework.engine.responses import error_for_exception, error_for_response
from framework.engine.transport import HttpxTransport
from framework.testing import CapturingTransport, make_track_event
from tests.framework.support import SECRET, field, make_destination
from tests.local_server import local_server

CONTROL_CHARACTER = "contains a control character (a pasted line break?)"
# Keys that are valid settings but that escaping and encoding change (the Latin-1 reading of
# its UTF-8 bytes changes only the second).
KEYS = {
    "ASCII key": "sk_live_\"q'/<&>+ :@\\Q7zX9vB2",
    "non-ASCII key": "sk_live_é\"q'/<&>+ :@\\Q7zX9vB2",
}
TRACK = make_track_event("Order Completed", user_id="user-1")


def shows_part_of(secret: str, text: str, size: int = 6) -> bool:
    """Whether any ``size`` consecutive characters of ``secret`` appear in ``text``."""
    return any(secret[i : i + size] in text for i in range(len(secret) - size + 1))


def toy(**overrides: Any) -> Any:
    """The toy destination with an authentication test (``GET /me``)."""
    auth = AuthenticationTest(request=lambda _: HttpRequest("GET", "/me"))
    return make_destination(authentication=auth, **overrides)


def failure_of(secret: str, responder: Callable[[httpx.Request], httpx.Response]) -> str:
    """The error message of one event sent with ``secret`` as the key."""
    transport = CapturingTransport(responder)
    with DestinationRunner(toy(), {"api_key": secret}, transport=transport) as runner:
        [result] = runner.process(TRACK)
    assert result.status == "failed"
    assert result.error is not None
    return result.error.message


def auth_failure_of(secret: str, responder: Callable[[httpx.Request], httpx.Response]) -> str:
    """The message of the authentication test with ``secret`` as the key."""
    transport = CapturingTransport(responder)
    with DestinationRunner(toy(), {"api_key": secret}, transport=transport) as runner:
        outcome = runner.test_authentication()
    assert outcome.ok is False
    return outcome.message


# A key with a control character: refused by name, never sent, never shown ---------------


@pytest.mark.parametrize(
    "char",
    [
        pytest.param("\n", id="line feed"),
        pytest.param("\r\n", id="CRLF"),
        pytest.param("\t", id="tab"),
        pytest.param("\x00", id="NUL"),
        pytest.param("\x1b", id="escape"),
        pytest.param("\x7f", id="DEL"),
        pytest.param("\x85", id="C1 next line"),
        pytest.param("\u2028", id="line separator"),
    ],
)
@pytest.mark.parametrize("at", [len(SECRET), 8, 0], ids=["trailing", "inside", "leading"])
def test_a_secret_setting_with_a_control_character_is_refused_by_name(char: str, at: int) -> None:
    key = SECRET[:at] + char + SECRET[at:]
    with pytest.raises(SettingsError) as raised:
        validate_settings(toy(), {"api_key": key})
    assert raised.value.code == "INVALID_SETTINGS"
    assert (
        str(raised.value)
        == f"INVALID_SETTINGS: invalid settings for toy: api_key: {CONTROL_CHARACTER}"
    )
    assert settings_problems(toy(), {"api_key": key}) == [("api_key", CONTROL_CHARACTER)]


def test_a_runner_is_never_built_with_such_a_key_so_nothing_is_sent() -> None:
    transport = CapturingTransport()
    with pytest.raises(SettingsError) as raised:
        DestinationRunner(toy(), {"api_key": SECRET + "\n"}, transport=transport)
    assert not shows_part_of(SECRET, str(raised.value))
    assert transport.requests == []


def test_secret_settings_are_checked_at_every_depth_with_the_other_problems() -> None:
    destination = make_destination(
        settings={
            "api_key": field(type="secret", required=True),
            "tokens": field(type="secret", multiple=True),
            "account": field(type="object", properties={"password": field(type="secret")}),
            "keys": field(type="object", values="secret"),
            "region": field(choices=None, required=True),
        },
        extend_request=None,
    )
    raw = {
        "api_key": "fine",
        "tokens": ["fine", "bad\n"],
        "account": {"password": "bad\r"},
        "keys": {"eu": "fine", "us": "\tbad"},
    }
    assert settings_problems(destination, raw) == [  # in the order of the settings
        ("tokens.1", CONTROL_CHARACTER),
        ("account.password", CONTROL_CHARACTER),
        ("keys.us", CONTROL_CHARACTER),
        ("region", "is required"),
    ]


def test_control_characters_are_allowed_in_settings_that_are_not_secret() -> None:
    destination = make_destination(
        settings={"api_key": field(type="secret"), "note": field(type="text")}, extend_request=None
    )
    settings = validate_settings(destination, {"api_key": "fine", "note": "two\nlines"})
    assert settings["note"] == "two\nlines"


# A key echoed in an error body across the 300-character cut ------------------------------


def echo_across_the_cut(secret: str) -> Callable[[httpx.Request], httpx.Response]:
    """A server answering 400 with 1,000 characters, ``secret`` at characters 290 onwards."""
    body = "x" * 290 + secret + "y" * (710 - len(secret))
    return lambda _: httpx.Response(400, text=body)


def json_echo_across_the_cut(secret: str) -> Callable[[httpx.Request], httpx.Response]:
    body = {"message": "invalid key " + "x" * 278 + secret + "y" * 700}
    return lambda _: httpx.Response(400, json=body)


@pytest.mark.parametrize("server", [echo_across_the_cut, json_echo_across_the_cut])
def test_a_key_echoed_across_the_cut_is_not_shown_in_part_when_sending(
    server: Callable[[str], Callable[[httpx.Request], httpx.Response]],
) -> None:
    message = failure_of(SECRET, server(SECRET))
    assert message.startswith("HTTP 400 Bad Request: ")
    assert not shows_part_of(SECRET, message)


def test_a_key_echoed_across_the_cut_is_not_shown_in_part_by_the_authentication_test() -> None:
    message = auth_failure_of(SECRET, echo_across_the_cut(SECRET))
    assert not shows_part_of(SECRET, message)


def test_the_request_client_redacts_the_body_before_it_cuts_it() -> None:
    client = RequestClient(
        transport=httpx.MockTransport(echo_across_the_cut(SECRET)), redactor=Redactor([SECRET])
    )
    prepared = prepare(
        HttpRequest("GET", "/x"), base_url="https://api.toy.example", shared_headers={}
    )
    with pytest.raises(IntegrationError) as raised:
        engine_loop().run(client.send(prepared))
    assert raised.value.message == "HTTP 400 Bad Request: " + "x" * 290 + REDACTED


def test_a_body_nested_too_deeply_to_parse_is_shown_as_text() -> None:
    error = error_for_response(httpx.Response(400, text="[" * 100_000))
    assert error is not None
    assert error.message == "HTTP 400 Bad Request: " + "[" * 300


# A key escaped or encoded in an error body or an HTTP library's exception text ------------

ESCAPED_IN_BODIES: dict[str, Callable[[str], str]] = {
    "JSON-escaped": lambda key: json.dumps({"error": {"echo": key}}, ensure_ascii=False),
    "JSON-escaped, ASCII only": lambda key: json.dumps({"echo": key}, ensure_ascii=True),
    "percent-encoded": lambda key: "bad request for /me?api_key=" + quote(key, safe=""),
    "Python repr": lambda key: f"KeyError({key!r})",
    "header bytes read as Latin-1": lambda key: "got " + key.encode().decode("latin-1"),
}


@pytest.mark.parametrize(
    ("key", "body"),
    [
        pytest.param(key, write(key), id=f"{key_kind}, {form}")
        for key_kind, key in KEYS.items()
        for form, write in ESCAPED_IN_BODIES.items()
        if key not in write(key)  # only the forms that differ from the key
    ],
)
def test_an_escaped_key_in_an_error_body_is_redacted(key: str, body: str) -> None:
    message = failure_of(key, lambda _: httpx.Response(400, text=body))
    assert REDACTED in message
    assert not shows_part_of(key, message)
    assert not shows_part_of(body[body.index("sk_live") :], message), "nor its escaped form"


@pytest.mark.parametrize("key", list(KEYS.values()), ids=list(KEYS))
def test_a_body_that_is_a_json_string_is_read_before_it_is_redacted(key: str) -> None:
    body = json.dumps(f"{key!r} was refused")  # the key's repr, then JSON-escaped
    message = failure_of(key, lambda _: httpx.Response(400, text=body))
    assert message.endswith(f"'{REDACTED}' was refused")
    assert not shows_part_of(key, message)


def _h11_header_error(request: httpx.Request) -> httpx.Response:
    value = request.headers["authorization"]
    raise httpx.LocalProtocolError(f"Illegal header value {value.encode()!r}")


def _url_in_connect_error(request: httpx.Request) -> httpx.Response:
    key = request.headers["authorization"].removeprefix("Bearer ")
    raise httpx.ConnectError(f"cannot reach {httpx.URL(request.url, params={'k': key})}")


def _repr_in_read_error(request: httpx.Request) -> httpx.Response:
    key = request.headers["authorization"].removeprefix("Bearer ")
    raise httpx.ReadError(f"connection reset while reading {key!r}")


EXCEPTIONS = {
    "h11's bytes literal of a header": _h11_header_error,
    "a URL with the key as a parameter": _url_in_connect_error,
    "a repr of the key": _repr_in_read_error,
}


@pytest.mark.parametrize("key", list(KEYS.values()), ids=list(KEYS))
@pytest.mark.parametrize("raiser", list(EXCEPTIONS.values()), ids=list(EXCEPTIONS))
@pytest.mark.parametrize("path", [failure_of, auth_failure_of], ids=["send", "test-auth"])
def test_a_client_exception_quoting_the_key_is_redacted(
    key: str,
    raiser: Callable[[httpx.Request], httpx.Response],
    path: Callable[[str, Callable[[httpx.Request], httpx.Response]], str],
) -> None:
    message = path(key, raiser)
    assert REDACTED in message
    assert not shows_part_of(key, message)
    assert "\\" not in message.replace("\\\\", ""), "no escape of the key is left"


def test_a_header_with_a_line_break_never_reaches_httpx_whose_error_would_quote_it() -> None:
    with local_server() as server:
        prepared = prepare(
            HttpRequest("GET", "/me"),
            base_url=server.url,
            shared_headers={"Authorization": f"Bearer {SECRET}\n"},
        )
        client = RequestClient(transport=httpx.HTTPTransport())
        with pytest.raises(IntegrationError) as raised:
            engine_loop().run(client.send(prepared))
        engine_loop().run(client.close())
    assert (raised.value.code, raised.value.retryable) == ("INVALID_REQUEST", False)
    assert raised.value.message == (
        "'Authorization' contains a control character (a line break?): not sent"
    )
    assert server.received == []


@pytest.mark.parametrize("key", list(KEYS.values()), ids=list(KEYS))
def test_aiohttps_text_of_an_invalid_url_is_redacted(key: str) -> None:
    request = PreparedRequest("GET", f"http:///me?k={quote(key)}", {}, None)
    transport = AiohttpTransport()
    client = RequestClient(transport=transport, redactor=Redactor([key]))
    try:
        with pytest.raises(IntegrationError) as raised:
            engine_loop().run(client.send(request))
    finally:
        engine_loop().run(transport.close())
    assert (raised.value.code, raised.value.retryable) == ("INVALID_REQUEST", False)
    assert raised.value.message == (
        f"the request cannot be sent (InvalidUrlClientError: http:///me?k={REDACTED})"
    )


def test_the_test_kits_transport_refuses_a_header_with_a_control_character_as_aiohttp_does() -> (
    None
):
    transport = CapturingTransport()
    request = PreparedRequest("GET", "https://api.toy.example/me", {"X-Note": "a\x01b"}, None)
    with pytest.raises(IntegrationError) as raised:
        engine_loop().run(HttpxTransport(transport).send(request, 5))
    assert raised.value.code == "INVALID_REQUEST"
    assert transport.requests == []


def test_the_test_kits_transport_sends_a_non_ascii_header_as_utf8_as_aiohttp_does() -> None:
    transport = CapturingTransport()
    request = PreparedRequest("GET", "https://api.toy.example/me", {"X-Name": "José"}, None)
    engine_loop().run(HttpxTransport(transport).send(request, 5))
    [sent] = transport.requests
    assert (b"X-Name", "José".encode()) in sent.headers.raw


def test_an_encoding_error_does_not_quote_the_character_it_could_not_encode() -> None:
    try:
        "key é".encode("ascii")
    except UnicodeEncodeError as failure:
        error = error_for_exception(failure)
    assert (error.code, error.retryable) == ("INVALID_REQUEST", False)
    assert (
        error.message
        == "the request cannot be sent (UnicodeEncodeError: a character cannot be encoded)"
    )
