"""Fixtures of the fuzz tests, each made once for the session: a delivery runtime without
workers (its queue is read by the tests), the settings server with that runtime's ingress,
a Perkville stand-in on loopback that each test scripts, and (per module) the log; and
the count of odd inputs tried, in the terminal summary."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from destinations.perkville import destination as perkville
from framework.runtime.delivery.config import load_config
from framework.runtime.delivery.runtime import Runtime
from framework.runtime.server.ingress import Ingress
from tests.delivery.support import ENV, write_config
from tests.fuzz.support import TALLY, LogRecorder, StandIn
from tests.local_server import local_server
from tests.server.support import running_server

UNREACHABLE = "http://127.0.0.1:9"  # never contacted: the fuzz runtime has no workers


@pytest.fixture(scope="session")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the files the tests write and rewrite."""
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="session")
def runtime(fuzz_dir: Path) -> Iterator[Runtime]:
    """A runtime whose one source feeds Perkville, on a SQLite queue of its own; nothing
    claims its items but the tests."""
    config = load_config(write_config(fuzz_dir, UNREACHABLE), ENV)
    made = Runtime(config, {"perkville": perkville}, workers=False)
    made.start()
    yield made
    made.close()


@pytest.fixture(scope="session")
def hostile_api() -> Iterator[StandIn]:
    """Stands in for Perkville's API; each test scripts what it answers."""
    with local_server() as server:
        yield StandIn(server)


@pytest.fixture(scope="session")
def server(runtime: Runtime, hostile_api: StandIn) -> Iterator[httpx.Client]:
    """A client of the settings server (Perkville's requests go to ``hostile_api``), which
    also serves ``runtime``'s ingress."""
    endpoints = {"perkville": hostile_api.url}
    with (
        running_server([perkville], endpoints=endpoints, ingress=Ingress(runtime)) as running,
        httpx.Client(base_url=running.url, timeout=30) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def logs() -> Iterator[LogRecorder]:
    """Everything the framework logs, at INFO and above."""
    recorder = LogRecorder()
    framework = logging.getLogger("framework")
    level = framework.level
    framework.setLevel(logging.INFO)
    logging.getLogger().addHandler(recorder)
    yield recorder
    logging.getLogger().removeHandler(recorder)
    framework.setLevel(level)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many odd inputs the fuzz tests tried, per entry point."""
    if not TALLY:
        return
    entries = sorted({key.rsplit(" ", 1)[0] for key in TALLY})
    parts = [
        f"{name}: {TALLY[f'{name} examples']:,} runs, {TALLY[f'{name} inputs']:,} inputs"
        for name in entries
    ]
    total = sum(TALLY[f"{name} inputs"] for name in entries)
    terminalreporter.write_line(f"fuzz: {total:,} odd inputs tried ({'; '.join(parts)})")
