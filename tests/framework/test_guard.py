"""The address guard (framework.core.guard): which addresses are public, how tenant URLs are
checked before sending (and before a dry run), how the operator allows private targets,
and, over a real loopback server, that a guarded connection goes to the checked address
and that redirects are not followed."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from typing import Any

import pytest

from framework import (
    AuthenticationTest,
    DestinationRunner,
    HttpRequest,
    IntegrationError,
    Payload,
    Result,
    Settings,
)
from framework.authoring.model import values_of
from framework.core.guard import (
    AddressGuard,
    UnsafeUrlError,
    absolute_url_scheme,
    not_public_because,
    private_targets_allowed,
    static_resolver,
    system_resolver,
)
from framework.engine.client import AiohttpTransport
from framework.engine.http import prepare
from framework.engine.loop import engine_loop
from framework.testing import CapturingTransport, make_track_event
from tests.framework.support import SETTINGS, make_action, make_destination
from tests.local_server import LocalServer, local_server

PUBLIC_V4, PUBLIC_V6 = "93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"
RESOLVER = static_resolver(
    {
        "public.example": [PUBLIC_V4, PUBLIC_V6],
        "private.example": ["10.9.8.7"],
        "mixed.example": [PUBLIC_V4, "fd00::5"],
        "empty.example": [],
    }
)


# Which addresses are public ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        pytest.param("93.184.216.34", None, id="public v4"),
        pytest.param("8.8.8.8", None, id="public resolver"),
        pytest.param("2606:4700:4700::1111", None, id="public v6"),
        pytest.param("127.0.0.1", "a loopback address", id="127.0.0.1"),
        pytest.param("127.255.255.254", "a loopback address", id="127/8"),
        pytest.param("::1", "a loopback address", id="::1"),
        pytest.param("10.0.0.1", "a private address", id="10/8"),
        pytest.param("172.16.0.1", "a private address", id="172.16/12 low"),
        pytest.param("172.31.255.255", "a private address", id="172.16/12 high"),
        pytest.param("172.32.0.1", None, id="just outside 172.16/12"),
        pytest.param("192.168.0.1", "a private address", id="192.168/16"),
        pytest.param("fc00::1", "a private address", id="fc00::/7"),
        pytest.param("fdff:ffff::1", "a private address", id="fd00::/8"),
        pytest.param("169.254.0.1", "a link-local address", id="169.254/16"),
        pytest.param("fe80::1", "a link-local address", id="fe80::/10"),
        pytest.param("fe80::1%eth0", "a link-local address", id="fe80 with a zone"),
        pytest.param("0.0.0.0", "an unspecified address", id="0.0.0.0"),
        pytest.param("::", "an unspecified address", id="::"),
        pytest.param("224.0.0.251", "a multicast address", id="multicast v4"),
        pytest.param("ff02::1", "a multicast address", id="multicast v6"),
        pytest.param("240.0.0.1", "a private address", id="240/4 (private to ipaddress)"),
        pytest.param("100.64.0.1", "not a public address", id="shared 100.64/10"),
        pytest.param("169.254.169.254", "a cloud metadata address", id="metadata v4"),
        pytest.param("fd00:ec2::254", "a cloud metadata address", id="metadata aws v6"),
        pytest.param("100.100.100.200", "a cloud metadata address", id="metadata alibaba"),
        pytest.param("::ffff:127.0.0.1", "a loopback address", id="v4-mapped loopback"),
        pytest.param("::ffff:169.254.169.254", "a cloud metadata address", id="v4-mapped metadata"),
        pytest.param("::ffff:93.184.216.34", None, id="v4-mapped public"),
        pytest.param("64:ff9b::a00:1", "a private address", id="NAT64 of 10.0.0.1"),
        pytest.param("64:ff9b::5db8:d822", None, id="NAT64 of a public address"),
        pytest.param("2002:7f00:1::", "a loopback address", id="6to4 of 127.0.0.1"),
        pytest.param("2001:db8::1", "a private address", id="documentation v6"),
    ],
)
def test_not_public_because(address: str, reason: str | None) -> None:
    assert not_public_because(ip_address(address)) == reason


# AddressGuard.check_url ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("https://public.example/hook", id="name"),
        pytest.param("http://public.example:8080/hook?x=1", id="port and query"),
        pytest.param("HTTPS://PUBLIC.EXAMPLE/", id="upper case"),
        pytest.param(f"https://{PUBLIC_V4}/", id="v4 literal"),
        pytest.param(f"https://[{PUBLIC_V6}]:8443/", id="v6 literal"),
    ],
)
def test_public_urls_pass(url: str) -> None:
    AddressGuard(resolver=RESOLVER).check_url(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param(
            "http://127.0.0.1:9/x?secret=1",
            "refusing to send to '127.0.0.1': it is a loopback address",
            id="loopback literal",
        ),
        pytest.param(
            "http://LocalHost./x",
            "refusing to send to 'localhost.': it is a loopback name",
            id="localhost, any case, trailing dot",
        ),
        pytest.param(
            "https://private.example/x",
            "refusing to send to 'private.example': it resolves to a private address",
            id="name",
        ),
        pytest.param(
            "https://mixed.example/x",
            "refusing to send to 'mixed.example': it resolves to a private address",
            id="one bad address among good ones",
        ),
        pytest.param(
            "http://user:pw@10.0.0.1/",
            "refusing to send to '10.0.0.1': it is a private address",
            id="userinfo is not the host",
        ),
        pytest.param(
            "http://public.example\\@127.0.0.1/",
            "refusing to send to '127.0.0.1': it is a loopback address",
            id="backslash trick: judged by the client's own URL parser",
        ),
        pytest.param(
            "ftp://public.example/",
            "URL scheme 'ftp' is not allowed: only http and https",
            id="ftp",
        ),
        pytest.param("http:///x", "the request URL has no host", id="no host"),
    ],
)
def test_unsafe_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(UnsafeUrlError) as raised:
        AddressGuard(resolver=RESOLVER).check_url(url)
    assert (raised.value.code, raised.value.retryable) == ("UNSAFE_URL", False)
    assert raised.value.message.startswith(message)
    assert "secret" not in raised.value.message
    if message.startswith("refusing"):
        assert raised.value.message.endswith(
            "only public addresses are allowed unless the operator allows private targets "
            "(ACTIONS_ALLOW_PRIVATE_TARGETS=1)"
        )


@pytest.mark.parametrize(
    ("host", "message"),
    [
        pytest.param("unknown.example", "could not resolve host 'unknown.example': ", id="unknown"),
        pytest.param("empty.example", "host 'empty.example' resolves to no address", id="empty"),
    ],
)
def test_names_that_do_not_resolve_are_retryable(host: str, message: str) -> None:
    with pytest.raises(IntegrationError) as raised:
        AddressGuard(resolver=RESOLVER).check_url(f"https://{host}/")
    assert (raised.value.code, raised.value.retryable) == ("DNS_ERROR", True)
    assert raised.value.message.startswith(message)


def test_allowing_private_targets_skips_resolution_but_not_the_scheme_rule() -> None:
    def no_dns(host: str) -> list[str]:
        raise AssertionError("no resolution when private targets are allowed")

    guard = AddressGuard(allow_private=True, resolver=no_dns)
    for url in ("http://127.0.0.1/", "http://localhost/", "https://anything.internal/"):
        guard.check_url(url)
    with pytest.raises(UnsafeUrlError, match="scheme 'gopher'"):
        guard.check_url("gopher://127.0.0.1/")


def test_addresses_when_private_targets_are_allowed() -> None:
    guard = AddressGuard(allow_private=True, resolver=RESOLVER)
    assert guard.addresses("private.example") == [ip_address("10.9.8.7")]
    assert guard.addresses("localhost") == [ip_address("127.0.0.1"), ip_address("::1")]
    assert guard.addresses("::1") == [ip_address("::1")]


def test_ip_literals_and_localhost_need_no_resolver() -> None:
    def no_dns(host: str) -> list[str]:
        raise AssertionError(f"{host} was looked up")

    guard = AddressGuard(resolver=no_dns)
    guard.check_url(f"https://{PUBLIC_V4}/")
    for url in ("http://127.0.0.1/", "http://[::1]/", "http://localhost/", "http://a.localhost/"):
        with pytest.raises(UnsafeUrlError):
            guard.check_url(url)


def test_the_system_resolver_judges_unusual_ipv4_spellings_by_what_they_mean() -> None:
    """``getaddrinfo`` reads these numerically (no network): they are 127.0.0.1."""
    guard = AddressGuard(resolver=system_resolver)
    for spelling in ("2130706433", "127.1"):
        assert system_resolver(spelling) == ["127.0.0.1"]
        with pytest.raises(UnsafeUrlError, match="it resolves to a loopback address"):
            guard.check_url(f"http://{spelling}/")


def test_static_resolver_fails_like_an_unknown_host() -> None:
    with pytest.raises(socket.gaierror):
        RESOLVER("nope.example")
    assert RESOLVER("public.example") == [PUBLIC_V4, PUBLIC_V6]


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        pytest.param("https://h.example/x", "https", id="https"),
        pytest.param("HTTP://h.example/", "http", id="upper case"),
        pytest.param("ftp://h.example/", "ftp", id="ftp"),
        pytest.param("/events", None, id="path"),
        pytest.param("events", None, id="relative"),
        pytest.param("users/a:merge", None, id="colon in a path"),
        pytest.param("/x?next=http://127.0.0.1/", None, id="URL in the query"),
        pytest.param("//evil.example/x", None, id="scheme-relative stays on the base URL"),
    ],
)
def test_absolute_url_scheme(url: str, scheme: str | None) -> None:
    assert absolute_url_scheme(url) == scheme


@pytest.mark.parametrize(
    ("environ", "allowed"),
    [
        pytest.param({"ACTIONS_ALLOW_PRIVATE_TARGETS": "1"}, True, id="1"),
        pytest.param({"ACTIONS_ALLOW_PRIVATE_TARGETS": " TRUE "}, True, id="true"),
        pytest.param({"ACTIONS_ALLOW_PRIVATE_TARGETS": "yes"}, True, id="yes"),
        pytest.param({"ACTIONS_ALLOW_PRIVATE_TARGETS": "0"}, False, id="0"),
        pytest.param({"ACTIONS_ALLOW_PRIVATE_TARGETS": "no"}, False, id="no"),
        pytest.param({}, False, id="unset"),
    ],
)
def test_private_targets_allowed(environ: dict[str, str], allowed: bool) -> None:
    assert private_targets_allowed(environ) is allowed


# prepare marks absolute URLs -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "guarded", "expected"),
    [
        pytest.param("/events", False, "https://api.example/v1/events", id="path: operator"),
        pytest.param("https://t.example/h", True, "https://t.example/h", id="absolute: tenant"),
        pytest.param("HTTP://t.example/h", True, "HTTP://t.example/h", id="upper-case scheme"),
        pytest.param("//t.example/h", False, "https://api.example/v1/t.example/h", id="//host"),
    ],
)
def test_prepare_marks_absolute_urls_as_guarded(url: str, guarded: bool, expected: str) -> None:
    prepared = prepare(
        HttpRequest("GET", url), base_url="https://api.example/v1", shared_headers={}
    )
    assert (prepared.url, prepared.guarded) == (expected, guarded)


def test_prepare_refuses_other_schemes_even_with_a_base_url() -> None:
    with pytest.raises(UnsafeUrlError, match="scheme 'file' is not allowed"):
        prepare(HttpRequest("GET", "file://etc/passwd"), base_url="https://h", shared_headers={})


# The runner ---------------------------------------------------------------------------------------


def sending_to(url: str) -> Callable[[Settings, Payload], HttpRequest]:
    def perform(settings: Settings, payload: Payload) -> HttpRequest:
        return HttpRequest("POST", url, json=values_of(payload))

    return perform


def tenant_runner(url: str, **options: Any) -> DestinationRunner:
    """A runner whose ``send`` posts to ``url``, refusing private targets (the runner's
    default) unless ``options`` hold ``allow_private_targets=True``."""
    destination = make_destination(actions={"send": make_action(perform=sending_to(url))})
    return DestinationRunner(destination, SETTINGS, **{"resolver": RESOLVER, **options})


TRACK = make_track_event(userId="u-1")


@pytest.mark.parametrize("dry_run", [False, True], ids=["send", "dry run"])
def test_the_runner_refuses_a_private_tenant_url_by_default(dry_run: bool) -> None:
    transport = CapturingTransport()
    with tenant_runner("http://10.0.0.8/hook", transport=transport, dry_run=dry_run) as run:
        [result] = run.process(TRACK)
    assert transport.requests == []
    assert result.status == "failed"
    assert result.error is not None
    assert result.error.code == "UNSAFE_URL"
    assert result.request is not None, "the refused request is shown, redacted"
    assert result.request["headers"]["Authorization"] == "Bearer [REDACTED]"


def test_the_operator_base_url_is_never_guarded() -> None:
    transport = CapturingTransport()
    destination = make_destination(base_url=None)
    with DestinationRunner(
        destination,
        SETTINGS,
        transport=transport,
        base_url="http://127.0.0.1:9/sandbox",
        resolver=RESOLVER,
    ) as run:
        [result] = run.process(TRACK)
    assert result.status == "delivered"
    assert str(transport.requests[0].url) == "http://127.0.0.1:9/sandbox/events"


def test_the_authentication_test_is_guarded_too_by_default() -> None:
    auth = AuthenticationTest(request=lambda settings: HttpRequest("GET", "http://[::1]/me"))
    transport = CapturingTransport()
    destination = make_destination(authentication=auth)
    with DestinationRunner(destination, SETTINGS, transport=transport) as run:
        outcome = run.test_authentication()
    assert (outcome.ok, outcome.code) == (False, "UNSAFE_URL")
    assert outcome.message.startswith("refusing to send to '::1': it is a loopback address")
    assert transport.requests == []


# Over a real loopback server --------------------------------------------------------------------


def port_of(server: LocalServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def deliver(url: str, **options: Any) -> Result:
    with tenant_runner(url, timeout=5, **options) as run:
        [result] = run.process(TRACK)
    return result


def test_a_guarded_connection_goes_to_the_address_the_guard_resolved() -> None:
    """``hooks.test`` exists only in the injected resolver: the request can only have
    reached the server through the address the guard resolved and approved."""
    resolver = static_resolver({"hooks.test": ["127.0.0.1"]})
    with local_server() as server:
        url = f"http://hooks.test:{port_of(server)}/hook"
        result = deliver(url, allow_private_targets=True, resolver=resolver)
    assert result.status == "delivered", result.error
    [received] = server.received
    assert (received.method, received.path) == ("POST", "/hook")
    assert received.headers["Host"] == f"hooks.test:{port_of(server)}"
    assert received.json() == {"user_id": "u-1", "event_name": "Test Event"}


def test_dns_rebinding_after_the_check_is_refused_at_connect_time() -> None:
    """The name is public when checked, then loopback when connecting: the connection is
    refused, because only an address checked at connect time is ever connected to."""
    answers = iter([[PUBLIC_V4], ["127.0.0.1"]])
    looked_up: list[str] = []

    def rebinding(host: str) -> list[str]:
        looked_up.append(host)
        return next(answers)

    with local_server() as server:
        url = f"http://rebind.test:{port_of(server)}/hook"
        result = deliver(url, resolver=rebinding)
    assert looked_up == ["rebind.test", "rebind.test"], "checked, then resolved to connect"
    assert result.status == "failed"
    assert result.error is not None
    assert (result.error.code, result.error.retryable) == ("UNSAFE_URL", False)
    assert "it resolves to a loopback address" in result.error.message
    assert server.received == []


def test_tenant_requests_ignore_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:1")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:1")
    with local_server() as server:
        result = deliver(f"{server.url}/hook", allow_private_targets=True)
    assert result.status == "delivered", result.error
    assert len(server.received) == 1


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_refused_guarded_connection_is_a_retryable_connection_error() -> None:
    result = deliver(f"http://127.0.0.1:{closed_port()}/hook", allow_private_targets=True)
    assert result.error is not None
    assert (result.error.code, result.error.retryable) == ("CONNECTION_ERROR", True)
    assert result.error.message.startswith("connection failed (ClientConnectorError")


@pytest.fixture
def redirecting_server() -> Iterator[tuple[str, list[str]]]:
    """A loopback server whose ``/hook`` redirects to ``/admin`` on 127.0.0.1."""
    paths: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            paths.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(302)
            self.send_header("Location", f"http://{self.headers['Host']}/admin")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST

        def log_message(self, *_: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", paths
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_redirect_to_loopback_is_not_followed(redirecting_server: tuple[str, list[str]]) -> None:
    url, paths = redirecting_server
    result = deliver(f"{url}/hook", allow_private_targets=True)
    assert result.status == "failed"
    assert result.error is not None
    assert (result.error.code, result.error.retryable) == ("UNEXPECTED_REDIRECT", False)
    assert paths == ["/hook"], "/admin was never requested"


def test_the_engines_transport_on_its_own_refuses_unchecked_addresses() -> None:
    """Without the runner's check first: the transport resolves names through the guard
    when it connects, and checks IP literals before sending."""
    transport = AiohttpTransport(guard=AddressGuard(resolver=RESOLVER))

    def send(url: str) -> None:
        request = prepare(HttpRequest("GET", url), base_url=None, shared_headers={})
        engine_loop().run(transport.send(request, 5.0))

    try:
        with pytest.raises(
            UnsafeUrlError, match=re.escape("'private.example': it resolves to a private")
        ):
            send("http://private.example/")
        with pytest.raises(
            UnsafeUrlError, match=re.escape("'127.0.0.1': it is a loopback address")
        ):
            send("http://127.0.0.1:9/")
    finally:
        engine_loop().run(transport.close())
