"""Fixtures shared by the server and browser tests: a stand-in for Perkville's API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.local_server import LocalServer, local_server


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
