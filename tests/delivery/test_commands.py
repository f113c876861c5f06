"""The runtime's commands: usage and configuration errors (exit 2, saying what is wrong),
and a worker pool that, stopped, queues the items it had not started again."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from destinations.perkville.sandbox import Faults, PerkvilleSandbox
from framework.engine.loop import engine_loop
from framework.runtime.delivery.local_redis import LocalRedis
from framework.tooling.cli import main
from tests.delivery.conftest import MakeRuntime
from tests.delivery.support import SETTINGS, order, post_batch, wait_for, write_config


def test_a_missing_secret_stops_the_worker_before_it_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_PERKVILLE_KEY", raising=False)
    monkeypatch.setenv("TEST_WRITE_KEY", "w")
    config = write_config(tmp_path, "http://127.0.0.1:9")
    assert main(["worker", "--config", str(config)]) == 2
    assert capsys.readouterr().err == (
        "actions: INVALID_CONFIG: sources[0].destinations[0].settings.api_key: environment "
        "variable TEST_PERKVILLE_KEY is not set\n"
    )
    assert main(["serve", "--port", "0", "--config", str(config)]) == 2


def test_invalid_settings_name_the_destination(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_WRITE_KEY", "w")
    monkeypatch.setenv("TEST_PERKVILLE_KEY", "k")
    config = write_config(tmp_path, "http://127.0.0.1:9")
    config.write_text(config.read_text().replace('slug = "perkville"', 'slug = "perkvile"'))
    assert main(["worker", "--config", str(config), "--concurrency", "2"]) == 2
    assert "sources[0].destinations[0] (perkvile): unknown destination" in capsys.readouterr().err


def test_ingress_only_flags_need_a_configuration(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "0", "--no-ui"]) == 2
    assert capsys.readouterr().err == "actions: --no-workers and --no-ui need --config\n"


def test_an_unreachable_redis_stops_the_worker_saying_where_never_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_WRITE_KEY", "w")
    monkeypatch.setenv("TEST_PERKVILLE_KEY", "k")
    monkeypatch.setenv("REDIS_PASSWORD", "hunter2-SECRET")
    port = LocalRedis(tmp_path).port  # nothing listens there
    queue = f"redis://:env:REDIS_PASSWORD@127.0.0.1:{port}/0"
    config = write_config(tmp_path, "http://127.0.0.1:9", queue=queue)
    assert main(["worker", "--config", str(config)]) == 2
    assert capsys.readouterr().err == (
        f"actions: CONTROL_STORE_UNAVAILABLE: the control store redis 127.0.0.1:{port}/0 "
        "failed: ConnectionError\n"  # the connections beside the queue, opened first
    )


def test_dlq_needs_a_queue_and_valid_times(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["dlq", "list"])
    assert "one of the arguments --config --queue is required" in capsys.readouterr().err
    assert main(["dlq", "list", "--queue", "sqlite:///:memory:", "--since", "soon"]) == 2
    assert "'soon' is not a time" in capsys.readouterr().err


def test_stopping_the_workers_finishes_the_delivery_under_way(make_runtime: MakeRuntime) -> None:
    slow = Faults(rate=1.0, kinds=("applied_slow",), slow_seconds=0.3)  # 0.3 s per delivery
    with PerkvilleSandbox(SETTINGS, faults=slow) as sandbox:
        runtime = make_runtime(sandbox.url, concurrency=1, timeout="120s")
        events = [order(n) for n in range(10)]
        post_batch(runtime, events)
        # applied, not just drawn a fault: the sandbox counts the fault first
        wait_for(lambda: sandbox.applied() > 0, what="the first delivery to be applied")
        assert runtime.pool is not None
        before = sandbox.applied()
        engine_loop().run(runtime.pool.stop())  # one delivery under way (concurrency 1)
        after = sandbox.applied()
        depth = runtime.queue.depth()
    assert after == before  # the delivery under way had been applied: it was finished...
    assert depth["in_flight"] == 0  # ...and recorded; none waits for its lease to run out
    assert after + depth["queued"] == 10


def test_a_delivery_past_the_grace_is_released_at_once(make_runtime: MakeRuntime) -> None:
    slow = Faults(rate=1.0, kinds=("applied_slow",), slow_seconds=30)  # never answers in time
    with PerkvilleSandbox(SETTINGS, faults=slow) as sandbox:
        runtime = make_runtime(sandbox.url, concurrency=1, timeout="60s", shutdown_grace="0s")
        post_batch(runtime, [order(1)])
        wait_for(lambda: sandbox.injected() != {}, what="the delivery to start")
        assert runtime.pool is not None
        engine_loop().run(runtime.pool.stop())
        depth = runtime.queue.depth()
        [item] = runtime.queue.claim(10, 60.0, time.time())  # due again now, not at lease end
    assert (depth["in_flight"], depth["queued"]) == (0, 1)
    assert item.attempts == 1, "the attempt cut short was not counted"
