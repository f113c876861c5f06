"""``/metrics`` alone (``actions worker --metrics-port``): the text its source renders,
a 404 for anything else, a 500 naming only the error's type when rendering fails, and a
clear OSError when the port is taken."""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Iterator

import httpx
import pytest

from framework.runtime.delivery.metrics import CONTENT_TYPE
from framework.runtime.delivery.metrics_server import MetricsServer
from tests.server.support import METRICS_TEXT

SECRET = "redis://:hunter2@queue:6379"


async def render() -> str:
    return METRICS_TEXT


async def broken() -> str:
    raise ConnectionError(f"cannot reach {SECRET}")


@pytest.fixture
def metrics() -> Iterator[MetricsServer]:
    server = MetricsServer("127.0.0.1", 0, render)
    server.start()
    yield server
    server.stop()


def test_the_metrics_are_served(metrics: MetricsServer) -> None:
    assert metrics.url.endswith("/metrics")
    response = httpx.get(metrics.url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CONTENT_TYPE
    assert response.text == METRICS_TEXT


def test_anything_else_is_not_found(metrics: MetricsServer) -> None:
    base = metrics.url.removesuffix("/metrics")
    assert httpx.get(f"{base}/").status_code == 404
    assert httpx.get(f"{base}/metrics/x").status_code == 404
    assert httpx.post(metrics.url).status_code == 404


def test_a_failure_to_render_names_its_type_only(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    server = MetricsServer("127.0.0.1", 0, broken)
    server.start()
    try:
        response = httpx.get(server.url)
    finally:
        server.stop()
    assert (response.status_code, response.text) == (500, "metrics unavailable (ConnectionError)\n")
    assert "GET /metrics failed: ConnectionError" in caplog.text
    assert SECRET not in caplog.text


def test_a_taken_port_is_an_os_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError, match="address already in use") as raised:
            MetricsServer("127.0.0.1", taken.getsockname()[1], render).start()
    assert raised.value.errno == errno.EADDRINUSE
