"""Fixtures of the delivery tests: the Perkville sandbox, a runtime factory that closes
what it opened, and a Redis server of the tests' own on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from destinations.perkville import destination as perkville
from destinations.perkville.sandbox import PerkvilleSandbox
from framework.runtime.delivery.config import load_config
from framework.runtime.delivery.local_redis import LocalRedis
from framework.runtime.delivery.runtime import Runtime
from tests.delivery.support import ENV, SETTINGS, write_config

MakeRuntime = Callable[..., Runtime]


@pytest.fixture
def sandbox() -> Iterator[PerkvilleSandbox]:
    """The Perkville sandbox on loopback, no faults."""
    with PerkvilleSandbox(SETTINGS) as running:
        yield running


@pytest.fixture
def make_runtime(tmp_path: Path) -> Iterator[MakeRuntime]:
    """``make_runtime(endpoint, pool=True, queue=None, destination=None, **delivery)``: a
    started runtime (with a worker pool unless ``pool`` is false) of a fresh configuration
    of its own, with ``delivery`` options and ``destination`` keys (flow limits), on the
    queue at URL ``queue`` (by default a SQLite file of its own); every runtime made is
    closed after the test."""
    made: list[Runtime] = []

    def make(
        endpoint: str,
        *,
        pool: bool = True,
        queue: str | None = None,
        destination: dict[str, object] | None = None,
        **delivery: object,
    ) -> Runtime:
        folder = tmp_path / f"runtime-{len(made)}"
        folder.mkdir()
        where = {"queue": queue} if queue else {}
        path = write_config(folder, endpoint, destination=destination, **where, **delivery)
        config = load_config(path, ENV)
        runtime = Runtime(config, {"perkville": perkville}, workers=pool)
        made.append(runtime)
        runtime.start()
        return runtime

    yield make
    for runtime in made:
        runtime.close()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRedis]:
    """``redis-server`` on a free loopback port with a data directory of its own (AOF,
    ``appendfsync always``), for the whole session; stopped at the end."""
    with LocalRedis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_url(redis_server: LocalRedis) -> str:
    """The URL of database 0 of the session's Redis, emptied for this test."""
    url = redis_server.url(0)
    with redis.Redis.from_url(url) as client:
        client.flushdb()
    return url
