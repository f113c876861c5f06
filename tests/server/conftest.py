"""A settings server for Perkville whose endpoint is a recording mock on loopback, an HTTP
client for it, and the server's log."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from destinations.perkville import destination as perkville
from tests.local_server import LocalServer, local_server
from tests.server.support import running_server


@pytest.fixture(scope="session")
def perkville_api() -> Iterator[LocalServer]:
    """Stands in for Perkville's API for the whole run."""
    with local_server() as server:
        yield server


@pytest.fixture
def mock(perkville_api: LocalServer) -> LocalServer:
    """The Perkville mock, emptied: records requests, answers 200 unless told otherwise."""
    perkville_api.received.clear()
    perkville_api.status = 200
    perkville_api.body = {"status": "success"}
    return perkville_api


@pytest.fixture
def client(mock: LocalServer) -> Iterator[httpx.Client]:
    """A client of a settings server for Perkville, sending Perkville's requests to ``mock``."""
    with (
        running_server([perkville], endpoints={"perkville": mock.url}) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        yield http


@pytest.fixture
def server_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Everything the settings server logs (request lines, errors)."""
    caplog.set_level(logging.INFO, logger="framework.server")
    return caplog
