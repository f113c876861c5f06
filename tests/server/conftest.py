"""A settings server for Perkville whose endpoint is a recording mock on loopback, an HTTP
client for it, and the server's log."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from destinations.perkville import destination as perkville
from tests.local_server import LocalServer
from tests.server.support import running_server


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
    caplog.set_level(logging.INFO, logger="framework.runtime.server")
    return caplog
