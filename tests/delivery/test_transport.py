"""The workers' keep-alive transport: requests and answers as httpx's, connections kept
and reopened, and the address guard at connection time for hosts not the operator's."""

from __future__ import annotations

import httpx
import pytest

from framework.delivery.transport import KeepAliveTransport
from framework.guard import AddressGuard, UnsafeUrlError
from tests.local_server import local_server


def test_requests_go_out_and_answers_come_back_over_one_connection() -> None:
    transport = KeepAliveTransport(timeout=5, guard=None)
    with local_server() as server, httpx.Client(transport=transport) as client:
        server.status, server.body = 201, {"ok": True}
        first = client.post(f"{server.url}/a?b=1", json={"n": 1}, headers={"X-Test": "yes"})
        second = client.post(f"{server.url}/c", json={"n": 2})
    assert (first.status_code, first.json()) == (201, {"ok": True})
    assert second.status_code == 201
    assert [(r.method, r.path, r.json()) for r in server.received] == [
        ("POST", "/a?b=1", {"n": 1}),
        ("POST", "/c", {"n": 2}),
    ]
    assert server.received[0].headers["X-Test"] == "yes"


def test_a_refused_connection_is_a_connect_error() -> None:
    with local_server() as server:
        url = server.url
    transport = KeepAliveTransport(timeout=5, guard=None)
    with httpx.Client(transport=transport) as client, pytest.raises(httpx.ConnectError):
        client.get(url)


def test_the_guard_decides_for_hosts_other_than_the_operators() -> None:
    guard = AddressGuard(allow_private=False)
    with local_server() as server:
        trusted = KeepAliveTransport(timeout=5, guard=guard, trusted=["127.0.0.1"])
        with httpx.Client(transport=trusted) as client:
            assert client.get(server.url).status_code == 201
        guarded = KeepAliveTransport(timeout=5, guard=guard)
        with httpx.Client(transport=guarded) as client, pytest.raises(UnsafeUrlError):
            client.get(server.url)
    assert len(server.received) == 1
