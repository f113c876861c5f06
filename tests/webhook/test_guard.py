"""The webhook URL is the tenant's: the address guard refuses every target that is not a
public http(s) address, unless the operator allows private targets; redirects are never
followed."""

from __future__ import annotations

import pytest

from framework.testing import CapturingTransport, reply
from tests.webhook.support import SETTINGS, runner, track

TOKEN = "tok_hush_81f3"  # in every URL's query: a refusal must not repeat it

PUBLIC = [
    pytest.param("https://hooks.example.com/segment", id="https, public name"),
    pytest.param("http://hooks.example.com:8080/segment", id="http, public name, port"),
    pytest.param("https://plain.example.com/", id="name with public v4 and v6"),
    pytest.param("https://93.184.216.34/", id="public IPv4 literal"),
    pytest.param("https://[2606:4700:4700::1111]/", id="public IPv6 literal"),
]

PRIVATE = [
    # (url, host named in the message, reason)
    pytest.param("http://127.0.0.1/", "127.0.0.1", "it is a loopback address", id="loopback"),
    pytest.param("http://127.8.9.10:9000/", "127.8.9.10", "it is a loopback", id="loopback /8"),
    pytest.param("http://localhost:8080/", "localhost", "a loopback name", id="localhost"),
    pytest.param("http://api.localhost/", "api.localhost", "a loopback name", id="*.localhost"),
    pytest.param("http://10.1.2.3/", "10.1.2.3", "it is a private address", id="10/8"),
    pytest.param("http://172.16.0.1/", "172.16.0.1", "it is a private address", id="172.16/12"),
    pytest.param("http://172.31.255.254/", "172.31.255.254", "a private address", id="172.31"),
    pytest.param("http://192.168.1.1/", "192.168.1.1", "it is a private address", id="192.168"),
    pytest.param(
        "http://169.254.169.254/latest/meta-data/",
        "169.254.169.254",
        "it is a cloud metadata address",
        id="metadata v4",
    ),
    pytest.param(
        "http://[fd00:ec2::254]/", "fd00:ec2::254", "a cloud metadata address", id="metadata v6"
    ),
    pytest.param(
        "http://100.100.100.200/", "100.100.100.200", "a cloud metadata address", id="metadata"
    ),
    pytest.param("http://169.254.1.1/", "169.254.1.1", "a link-local address", id="link-local"),
    pytest.param("http://[::1]/", "::1", "it is a loopback address", id="[::1]"),
    pytest.param("http://[fe80::1]/", "fe80::1", "a link-local address", id="fe80::/10"),
    pytest.param("http://[fd12:3456::1]/", "fd12:3456::1", "a private address", id="fc00::/7"),
    pytest.param("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1", "loopback", id="v4-mapped"),
    pytest.param("http://[64:ff9b::a9fe:a9fe]/", "64:ff9b::a9fe:a9fe", "metadata", id="NAT64"),
    pytest.param("http://0.0.0.0/", "0.0.0.0", "an unspecified address", id="unspecified"),
    pytest.param("http://224.0.0.1/", "224.0.0.1", "a multicast address", id="multicast"),
    pytest.param("http://100.64.0.1/", "100.64.0.1", "not a public address", id="CGNAT"),
    pytest.param(
        "https://internal.example.com/",
        "internal.example.com",
        "it resolves to a private address",
        id="name resolving to a private address",
    ),
    pytest.param(
        "https://metadata.example.com/",
        "metadata.example.com",
        "it resolves to a cloud metadata address",
        id="name resolving to the metadata address",
    ),
    pytest.param(
        "https://mixed.example.com/",
        "mixed.example.com",
        "it resolves to a private address",
        id="one private address among public ones",
    ),
    pytest.param(
        "https://sixes.example.com/", "sixes.example.com", "resolves to a loopback", id="AAAA ::1"
    ),
]


def with_token(url: str) -> str:
    return f"{url}hook?token={TOKEN}"


@pytest.mark.parametrize("url", PUBLIC)
def test_public_targets_are_sent(url: str) -> None:
    transport = CapturingTransport()
    with runner({**SETTINGS, "url": with_token(url)}, transport) as run:
        [result] = run.process(track(1))
    assert result.status == "delivered", result.error
    assert str(transport.requests[0].url) == with_token(url)


@pytest.mark.parametrize(("url", "host", "reason"), PRIVATE)
@pytest.mark.parametrize("dry_run", [False, True], ids=["send", "dry run"])
def test_private_targets_are_refused(url: str, host: str, reason: str, dry_run: bool) -> None:
    transport = CapturingTransport()
    with runner({**SETTINGS, "url": with_token(url)}, transport, dry_run=dry_run) as run:
        [result] = run.process(track(1))
        batch = run.process_batch([track(2), track(3)])
    assert transport.requests == [], "nothing reaches the network"
    for refused in [result, *batch]:
        assert refused.status == "failed", "not even reported as a dry run"
        assert refused.error is not None
        assert (refused.error.code, refused.error.retryable) == ("UNSAFE_URL", False)
        assert refused.error.message.startswith(f"refusing to send to {host!r}: ")
        assert reason in refused.error.message
        assert TOKEN not in refused.error.message
        assert "/hook" not in refused.error.message


@pytest.mark.parametrize(("url", "host", "reason"), PRIVATE)
def test_the_operator_can_allow_private_targets(url: str, host: str, reason: str) -> None:
    transport = CapturingTransport()
    with runner({**SETTINGS, "url": url}, transport, allow_private_targets=True) as run:
        [result] = run.process(track(1))
    assert result.status == "delivered", result.error
    assert len(transport.requests) == 1


def test_the_runner_never_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the operator configuration, built at the command's edge, reads the variable."""
    monkeypatch.setenv("ACTIONS_ALLOW_PRIVATE_TARGETS", "1")
    with runner({**SETTINGS, "url": "http://10.0.0.1/"}, allow_private_targets=False) as run:
        [result] = run.process(track(1))
    assert result.error is not None
    assert result.error.code == "UNSAFE_URL"


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("ftp://hooks.example.com/segment", id="ftp"),
        pytest.param("ws://hooks.example.com/", id="ws"),
        pytest.param("gopher://hooks.example.com/", id="gopher"),
    ],
)
@pytest.mark.parametrize("allow_private", [False, True], ids=["default", "private allowed"])
def test_only_http_and_https_are_allowed(url: str, allow_private: bool) -> None:
    transport = CapturingTransport()
    with runner({**SETTINGS, "url": url}, transport, allow_private_targets=allow_private) as run:
        [result] = run.process(track(1))
    assert result.error is not None
    assert (result.error.code, result.error.retryable) == ("UNSAFE_URL", False)
    assert "only http and https" in result.error.message
    assert transport.requests == []


def test_a_name_that_does_not_resolve_is_a_retryable_dns_error() -> None:
    transport = CapturingTransport()
    with runner({**SETTINGS, "url": "https://nowhere.example.com/x"}, transport) as run:
        [result] = run.process(track(1))
    assert result.error is not None
    assert (result.error.code, result.error.retryable) == ("DNS_ERROR", True)
    assert result.error.message.startswith("could not resolve host 'nowhere.example.com'")
    assert transport.requests == []


def test_a_redirect_to_loopback_is_not_followed() -> None:
    transport = CapturingTransport(reply(302, headers={"Location": "http://127.0.0.1/admin"}))
    with runner(SETTINGS, transport) as run:
        [result] = run.process(track(1))
        batch = run.process_batch([track(2)])
    for failed in [result, *batch]:
        assert failed.status == "failed"
        assert failed.error is not None
        assert (failed.error.code, failed.error.retryable) == ("UNEXPECTED_REDIRECT", False)
        assert failed.error.message.startswith("HTTP 302 Found")
    assert [str(r.url) for r in transport.requests] == [SETTINGS["url"]] * 2, "never 127.0.0.1"
