"""Fixtures shared by the server and browser tests: a stand-in for Perkville's API; and the
hypothesis profile every property test runs under."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.local_server import LocalServer, local_server

# No property test has a wall-clock deadline or fails for generating its data slowly: on a
# busy machine an example may take any time, and only what it asserts decides the outcome.
# Loaded here, before any test module is imported, so every @given (and every @settings
# that does not set these) inherits it.
settings.register_profile(
    "no-deadlines", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("no-deadlines")


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
