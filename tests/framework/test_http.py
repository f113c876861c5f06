"""The request client: retry delays, Retry-After, error messages, request preparation, and a
real exchange with a local HTTP server."""

from __future__ import annotations

import json
import math
import random
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from framework import HttpRequest, IntegrationError, RetryableError, RetryPolicy
from framework.core.version import USER_AGENT
from framework.engine.http import PreparedRequest, RequestClient, prepare
from framework.engine.loop import engine_loop
from framework.engine.responses import error_for_response, response_message, retry_after
from framework.testing import CapturingTransport, recording_sleep, replies, reply

# RetryPolicy.delay --------------------------------------------------------------------------


def transient(retry_after: float | None = None) -> RetryableError:
    return RetryableError("busy", code="SERVER_ERROR", status=503, retry_after=retry_after)


@pytest.mark.parametrize(
    ("attempt", "bound"),
    [
        pytest.param(1, 0.5, id="first retry"),
        pytest.param(2, 1.0, id="doubles"),
        pytest.param(3, 2.0, id="doubles again"),
        pytest.param(4, 3.0, id="capped by max_delay"),
        pytest.param(9, 3.0, id="stays capped"),
    ],
)
def test_delay_is_full_jitter_up_to_an_exponential_bound(
    attempt: int, bound: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = RetryPolicy(max_attempts=10, base_delay=0.5, max_delay=3.0)
    asked: list[tuple[float, float]] = []

    def uniform(low: float, high: float) -> float:
        asked.append((low, high))
        return high

    monkeypatch.setattr(random, "uniform", uniform)
    assert policy.delay(attempt, transient()) == bound
    assert asked == [(0, bound)]


def test_jittered_delays_vary_and_stay_within_the_bound() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay=0.5, max_delay=3.0)
    random.seed(1234)
    delays = [policy.delay(3, transient()) for _ in range(200)]
    assert all(d is not None and 0 <= d <= 2.0 for d in delays)
    assert len(set(delays)) > 100, "jittered, not a fixed delay"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(0.0, 0.0, id="zero"),
        pytest.param(2.5, 2.5, id="within max_delay"),
        pytest.param(30.0, 30.0, id="exactly max_delay"),
        pytest.param(30.5, None, id="beyond max_delay: left to the caller"),
        pytest.param(3600.0, None, id="an hour"),
    ],
)
def test_retry_after_is_used_when_within_max_delay(header: float, expected: float | None) -> None:
    policy = RetryPolicy(max_attempts=3, max_delay=30.0)
    assert policy.delay(1, transient(retry_after=header)) == expected


@pytest.mark.parametrize(
    ("max_attempts", "attempt"),
    [
        pytest.param(1, 1, id="the default tries once"),
        pytest.param(3, 3, id="last attempt"),
        pytest.param(3, 4, id="beyond"),
    ],
)
def test_no_delay_when_attempts_are_exhausted(max_attempts: int, attempt: int) -> None:
    policy = RetryPolicy(max_attempts=max_attempts)
    assert policy.delay(attempt, transient()) is None
    assert policy.delay(attempt, transient(retry_after=1.0)) is None


def test_the_client_retries_with_the_policys_delays() -> None:
    waits: list[float] = []
    transport = CapturingTransport(
        replies(reply(503, headers={"Retry-After": "1"}), reply(429), reply(200, {"ok": True}))
    )
    client = RequestClient(
        transport=transport,
        retry=RetryPolicy(max_attempts=3, base_delay=0.01),
        sleep=recording_sleep(waits),
    )
    request = prepare(
        HttpRequest("POST", "https://h.example/x", json={"a": 1}), base_url=None, shared_headers={}
    )
    response = engine_loop().run(client.send(request))
    assert response.json() == {"ok": True}
    assert len(transport.requests) == 3
    assert waits[0] == 1.0
    assert 0 <= waits[1] <= 0.02
    assert len({r.content for r in transport.requests}) == 1, "the same body every time"


def test_the_client_gives_up_with_the_last_error() -> None:
    transport = CapturingTransport(reply(502))
    client = RequestClient(
        transport=transport, retry=RetryPolicy(max_attempts=2), sleep=recording_sleep([])
    )
    with pytest.raises(RetryableError) as raised:
        engine_loop().run(
            client.send(
                prepare(HttpRequest("GET", "https://h.example/"), base_url=None, shared_headers={})
            )
        )
    assert (raised.value.code, raised.value.status) == ("SERVER_ERROR", 502)
    assert len(transport.requests) == 2


# Retry-After --------------------------------------------------------------------------------


def http_date(delta: timedelta) -> str:
    return format_datetime(datetime.now(UTC) + delta, usegmt=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("120", 120.0, id="seconds"),
        pytest.param("0", 0.0, id="zero"),
        pytest.param("1.5", 1.5, id="fractional seconds"),
        pytest.param(" 7 ", 7.0, id="padded"),
        pytest.param("-5", 0.0, id="negative is now"),
        pytest.param("Wed, 21 Oct 2015 07:28:00 GMT", 0.0, id="date in the past"),
        pytest.param("soon", None, id="garbage"),
        pytest.param("", None, id="empty"),
        pytest.param("Mon, 99 Foo 2015 99:99:99 GMT", None, id="malformed date"),
    ],
)
def test_retry_after_header(value: str, expected: float | None) -> None:
    response = httpx.Response(503, headers={"Retry-After": value})
    assert retry_after(response) == expected


def test_retry_after_as_a_future_http_date() -> None:
    response = httpx.Response(503, headers={"Retry-After": http_date(timedelta(seconds=90))})
    seconds = retry_after(response)
    assert seconds is not None
    assert 85 <= seconds <= 90


def test_no_retry_after_header() -> None:
    assert retry_after(httpx.Response(503)) is None


# Error messages from responses ---------------------------------------------------------------

LONG = "x" * 1000


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            {
                "status": "failure",
                "error_codes": [{"message": "Perk 34 does not exist", "code": "E003"}],
                "errors": ["Perk 34 does not exist"],
            },
            "Perk 34 does not exist",
            id="perkville v1, repeated message given once",
        ),
        pytest.param({"message": "Invalid email"}, "Invalid email", id="message"),
        pytest.param({"detail": "Not found."}, "Not found.", id="detail"),
        pytest.param({"error": {"message": "token expired"}}, "token expired", id="error.message"),
        pytest.param(
            {"error": "invalid_grant", "error_description": "expired"},
            "invalid_grant; expired",
            id="oauth",
        ),
        pytest.param({"errors": ["a", " b ", ""]}, "a; b", id="list of messages"),
        pytest.param({"id": 7}, '{"id":7}', id="unknown shape: the body"),
        pytest.param(["oops"], '["oops"]', id="array: the body"),
        pytest.param(b"Service Unavailable\n", "Service Unavailable", id="plain text"),
        pytest.param(b"", "", id="empty"),
        pytest.param(LONG.encode(), "x" * 300, id="long text truncated"),
        pytest.param({"message": LONG}, "x" * 300, id="long message truncated"),
    ],
)
def test_response_message(content: Any, expected: str) -> None:
    if isinstance(content, bytes):
        response = httpx.Response(400, content=content)
    else:
        response = httpx.Response(400, content=json.dumps(content, separators=(",", ":")))
    assert response_message(response) == expected


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        pytest.param(302, "UNEXPECTED_REDIRECT", False, id="redirect"),
        pytest.param(410, "HTTP_ERROR", False, id="other 4xx"),
        pytest.param(418, "HTTP_ERROR", False, id="teapot"),
        pytest.param(599, "SERVER_ERROR", True, id="other 5xx"),
    ],
)
def test_other_statuses_are_classified(status: int, code: str, retryable: bool) -> None:
    error = error_for_response(httpx.Response(status, text="nope"))
    assert error is not None
    assert (error.code, error.retryable, error.status) == (code, retryable, status)
    assert error.message.endswith(": nope")


# prepare --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "url", "expected"),
    [
        pytest.param("https://api.example.com/v1", "/events", "https://api.example.com/v1/events"),
        pytest.param("https://api.example.com/v1/", "/events", "https://api.example.com/v1/events"),
        pytest.param("https://api.example.com/v1/", "events", "https://api.example.com/v1/events"),
        pytest.param("https://api.example.com/v1", "events", "https://api.example.com/v1/events"),
        pytest.param("https://api.example.com", "/a/b/?q=1", "https://api.example.com/a/b/?q=1"),
        pytest.param(
            "https://api.example.com/v1", "https://other.example/x", "https://other.example/x"
        ),
        pytest.param(None, "http://127.0.0.1:8080/x", "http://127.0.0.1:8080/x", id="no base"),
    ],
)
def test_prepare_joins_the_base_url(base_url: str | None, url: str, expected: str) -> None:
    assert prepare(HttpRequest("GET", url), base_url=base_url, shared_headers={}).url == expected


def test_a_relative_url_needs_a_base_url() -> None:
    with pytest.raises(IntegrationError) as raised:
        prepare(HttpRequest("GET", "/events"), base_url=None, shared_headers={})
    assert raised.value.code == "INVALID_REQUEST"
    assert raised.value.retryable is False


def test_prepare_uppercases_the_method() -> None:
    prepared = prepare(HttpRequest("post", "/x", json={}), base_url="https://h", shared_headers={})
    assert prepared.method == "POST"


@pytest.mark.parametrize(
    ("shared", "own", "expected"),
    [
        pytest.param(
            {},
            {},
            {"User-Agent": USER_AGENT, "Accept": "application/json"},
            id="defaults",
        ),
        pytest.param(
            {"Accept": "text/plain", "X-Shared": "s"},
            {},
            {"User-Agent": USER_AGENT, "Accept": "text/plain", "X-Shared": "s"},
            id="shared over defaults",
        ),
        pytest.param(
            {"X-Shared": "s", "Authorization": "Bearer shared"},
            {"Authorization": "Bearer own", "User-Agent": "custom/1"},
            {
                "User-Agent": "custom/1",
                "Accept": "application/json",
                "X-Shared": "s",
                "Authorization": "Bearer own",
            },
            id="request over shared and defaults",
        ),
        pytest.param(
            {"accept": "text/csv"},
            {"user-agent": "lower/1", "X-SHARED": "own"},
            {"user-agent": "lower/1", "accept": "text/csv", "X-SHARED": "own"},
            id="header names are case-insensitive",
        ),
    ],
)
def test_header_precedence(
    shared: dict[str, str], own: dict[str, str], expected: dict[str, str]
) -> None:
    request = HttpRequest("GET", "/x", headers=own)
    prepared = prepare(request, base_url="https://h", shared_headers=shared)
    assert prepared.headers == expected


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(None, None, id="no body"),
        pytest.param({"a": 1}, "application/json", id="object"),
        pytest.param([], "application/json", id="empty array"),
        pytest.param(0, "application/json", id="falsy number"),
        pytest.param(False, "application/json", id="false"),
    ],
)
def test_content_type_only_with_a_json_body(body: Any, content_type: str | None) -> None:
    prepared = prepare(
        HttpRequest("POST", "/x", json=body), base_url="https://h", shared_headers={}
    )
    assert prepared.headers.get("Content-Type") == content_type


def test_a_requests_own_content_type_wins() -> None:
    request = HttpRequest("POST", "/x", json={}, headers={"content-type": "application/vnd+json"})
    prepared = prepare(request, base_url="https://h", shared_headers={})
    content_types = [v for k, v in prepared.headers.items() if k.lower() == "content-type"]
    assert content_types == ["application/vnd+json"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(None, None, id="none"),
        pytest.param({"a": 1, "b": [1, 2.5, None]}, b'{"a":1,"b":[1,2.5,null]}', id="compact"),
        pytest.param({"name": "Zoë"}, b'{"name":"Zo\\u00eb"}', id="ascii escapes"),
        pytest.param(False, b"false", id="scalar"),
    ],
)
def test_the_body_is_compact_json(body: Any, expected: bytes | None) -> None:
    assert PreparedRequest("POST", "https://h", {}, body).body() == expected


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"x": math.nan}, id="nan"),
        pytest.param({"x": [math.inf]}, id="infinity"),
        pytest.param({"x": {1, 2}}, id="set"),
    ],
)
def test_a_body_that_is_not_json_is_refused(body: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        PreparedRequest("POST", "https://h", {}, body).body()
    with pytest.raises(IntegrationError) as raised:
        prepare(HttpRequest("POST", "/x", json=body), base_url="https://h", shared_headers={})
    assert raised.value.code == "INVALID_REQUEST"


# A real exchange --------------------------------------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class LocalServer:
    url: str
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    """A real HTTP server on 127.0.0.1 that records every request and answers 200 JSON."""
    server_state = LocalServer(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            server_state.received.append(
                Received(
                    self.command, self.path, list(self.headers.items()), self.rfile.read(length)
                )
            )
            answer = b'{"status":"success"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = do_PUT = _record

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    server_state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield server_state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_the_exact_headers_and_body_reach_a_real_server(local_server: LocalServer) -> None:
    request = HttpRequest(
        "post",
        "/hooks/events",
        json={"email": "ann@example.com", "amount": 9.99, "tags": ["a", "b"]},
        headers={"Idempotency-Key": "m-1", "accept": "application/vnd.toy+json"},
    )
    prepared = prepare(
        request,
        base_url=f"{local_server.url}/api/",
        shared_headers={"Authorization": "Bearer token-1"},
    )
    client = RequestClient(timeout=5)
    try:
        response = engine_loop().run(client.send(prepared))
    finally:
        engine_loop().run(client.close())
    assert response.status_code == 200
    assert response.json() == {"status": "success"}
    [received] = local_server.received
    assert (received.method, received.path) == ("POST", "/api/hooks/events")
    assert received.body == b'{"email":"ann@example.com","amount":9.99,"tags":["a","b"]}'
    headers = {name.lower(): value for name, value in received.headers}
    assert len(headers) == len(received.headers), "no header is sent twice"
    assert headers["user-agent"] == USER_AGENT
    assert headers["accept"] == "application/vnd.toy+json", "the request's own, once"
    assert headers["content-type"] == "application/json"
    assert headers["authorization"] == "Bearer token-1"
    assert headers["idempotency-key"] == "m-1"
    assert headers["content-length"] == str(len(received.body))
    extra = set(headers) - {
        "user-agent",
        "accept",
        "content-type",
        "authorization",
        "idempotency-key",
        "content-length",
        "host",
        "accept-encoding",
        "connection",
    }
    assert extra == set()


def test_a_header_with_a_line_break_is_refused_not_retried(local_server: LocalServer) -> None:
    prepared = prepare(
        HttpRequest("GET", "/ping"),
        base_url=local_server.url,
        shared_headers={"Authorization": "Bearer key-1\nX-Injected: yes"},
    )
    client = RequestClient(timeout=5, retry=RetryPolicy(max_attempts=3))
    try:
        with pytest.raises(IntegrationError) as raised:
            engine_loop().run(client.send(prepared))
    finally:
        engine_loop().run(client.close())
    assert (raised.value.code, raised.value.retryable) == ("INVALID_REQUEST", False)
    assert "key-1" not in raised.value.message
    assert local_server.received == [], "nothing was sent"


def test_a_get_without_a_body_sends_no_content_type(local_server: LocalServer) -> None:
    client = RequestClient(timeout=5)
    try:
        engine_loop().run(
            client.send(
                prepare(HttpRequest("GET", "/ping"), base_url=local_server.url, shared_headers={})
            )
        )
    finally:
        engine_loop().run(client.close())
    [received] = local_server.received
    assert (received.method, received.path, received.body) == ("GET", "/ping", b"")
    names = {name.lower() for name, _ in received.headers}
    assert "content-type" not in names


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_refused_connection_is_a_retryable_connection_error() -> None:
    prepared = prepare(
        HttpRequest("POST", f"http://127.0.0.1:{closed_port()}/events", json={"a": 1}),
        base_url=None,
        shared_headers={},
    )
    client = RequestClient(timeout=5)
    try:
        with pytest.raises(RetryableError) as raised:
            engine_loop().run(client.send(prepared))
    finally:
        engine_loop().run(client.close())
    assert raised.value.code == "CONNECTION_ERROR"
    assert raised.value.retryable is True
    assert raised.value.status is None
    assert raised.value.message.startswith("connection failed (ClientConnectorError")
