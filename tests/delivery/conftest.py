"""Fixtures of the delivery tests: the Perkville sandbox, and a runtime factory that
closes what it opened."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from destinations.perkville import destination as perkville
from destinations.perkville.sandbox import PerkvilleSandbox
from framework.delivery.config import load_config
from framework.delivery.runtime import Runtime
from tests.delivery.support import ENV, SETTINGS, write_config

MakeRuntime = Callable[..., Runtime]


@pytest.fixture
def sandbox() -> Iterator[PerkvilleSandbox]:
    """The Perkville sandbox on loopback, no faults."""
    with PerkvilleSandbox(SETTINGS) as running:
        yield running


@pytest.fixture
def make_runtime(tmp_path: Path) -> Iterator[MakeRuntime]:
    """``make_runtime(endpoint, pool=True, **delivery)``: a started runtime (with a worker
    pool unless ``pool`` is false) of a fresh configuration (and queue) of its own, with
    ``delivery`` options; every runtime made is closed after the test."""
    made: list[Runtime] = []

    def make(endpoint: str, *, pool: bool = True, **delivery: object) -> Runtime:
        folder = tmp_path / f"runtime-{len(made)}"  # each its own queue
        folder.mkdir()
        config = load_config(write_config(folder, endpoint, **delivery), ENV)
        runtime = Runtime(config, {"perkville": perkville}, workers=pool)
        made.append(runtime)
        runtime.start()
        return runtime

    yield make
    for runtime in made:
        runtime.close()
