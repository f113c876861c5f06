"""The runtime follows the control plane's store live: a changed, disabled or added
connection is applied to the ingress and the workers without a restart, and queued work
is neither lost nor delivered twice; the workers' outcomes reach the delivery statistics."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from destinations.perkville import destination as perkville
from destinations.perkville.sandbox import PerkvilleSandbox
from framework.engine.operator import OperatorConfig
from framework.runtime.control.opened import Control
from framework.runtime.delivery.config import load_config
from framework.runtime.delivery.queue import DeadLetterFilter
from framework.runtime.delivery.runtime import Runtime
from tests.delivery.support import (
    API_KEY,
    ENV,
    SETTINGS,
    drained,
    order,
    post_batch,
    wait_for,
    write_config,
)


@dataclass(frozen=True)
class StoredConnection:
    """What the runtime reads of a stored connection."""

    name: str
    source: str
    destination: str
    settings: dict[str, Any]
    mappings: dict[str, Any] = field(default_factory=dict)
    subscriptions: dict[str, str] = field(default_factory=dict)
    enabled: bool = True
    readonly: bool = False


class MemoryStore:
    """The part of a connection store the runtime uses: list and revision."""

    def __init__(self, *connections: StoredConnection) -> None:
        self._lock = threading.Lock()
        self._connections = {c.name: c for c in connections}
        self._revision = 1

    def put(self, connection: StoredConnection) -> None:
        with self._lock:
            self._connections[connection.name] = connection
            self._revision += 1

    def list(self) -> list[StoredConnection]:
        with self._lock:
            return list(self._connections.values())

    def revision(self) -> int:
        with self._lock:
            return self._revision

    def close(self) -> None:
        """Nothing to release."""


class RecordingStats:
    """Delivery statistics that keep what they are told."""

    def __init__(self) -> None:
        self.counted: list[tuple[str, str]] = []
        self.failures: list[dict[str, Any]] = []
        self.flushes = 0

    def record(self, connection: str, kind: str, at: float, count: int = 1) -> None:
        self.counted.append((connection, kind))

    def record_failure(self, connection: str, code: str, **sample: Any) -> None:
        self.failures.append({"connection": connection, "code": code, **sample})

    def flush(self) -> None:
        self.flushes += 1

    def close(self) -> None:
        """Nothing to release."""


def _connection(perks: dict[str, str], **changes: Any) -> StoredConnection:
    settings = {**SETTINGS, "event_to_perk_map": perks}
    return replace(StoredConnection("pk", "shop", "perkville", settings), **changes)


EVERY_PERK = {**SETTINGS, "event_to_perk_map": {"Order Completed": "555", "Alt": "777"}}


@pytest.fixture
def sandbox() -> Any:
    """The Perkville the connections send to (the operator's endpoint for Perkville)."""
    with PerkvilleSandbox(EVERY_PERK) as running:
        yield running


@pytest.fixture
def filed() -> Any:
    """The Perkville of the configuration file's own destination."""
    with PerkvilleSandbox(EVERY_PERK) as running:
        yield running


def _runtime(
    tmp_path: Path,
    filed: PerkvilleSandbox,
    sandbox: PerkvilleSandbox,
    store: MemoryStore,
    stats: RecordingStats | None = None,
) -> Runtime:
    path = write_config(tmp_path, filed.url, backoff="1ms")
    operator = OperatorConfig({"perkville": sandbox.url})
    destinations = {"perkville": perkville}
    control = Control(store, stats or RecordingStats())  # type: ignore[arg-type]
    runtime = Runtime(load_config(path, ENV), destinations, operator=operator, control=control)
    runtime.start()
    return runtime


def test_a_changed_perk_map_applies_to_the_next_events_without_a_restart(
    tmp_path: Path, filed: PerkvilleSandbox, sandbox: PerkvilleSandbox
) -> None:
    store = MemoryStore(_connection({"Order Completed": "555"}))
    runtime = _runtime(tmp_path, filed, sandbox, store)
    try:
        post_batch(runtime, [{**order(1), "messageId": "before"}])
        wait_for(lambda: sandbox.applied() == 1, what="the connection's first transaction")
        store.put(_connection({"Order Completed": "777"}))
        wait_for(lambda: runtime.control_revision == 2, what="the change applied")
        post_batch(runtime, [{**order(2), "messageId": "after"}])
        wait_for(lambda: sandbox.applied() == 2, what="the next event")
        wait_for(lambda: filed.applied() == 2, what="the file's destination")
    finally:
        runtime.close()
    assert [(t["trans_source_id"], t["perk"]) for t in sandbox.transactions()] == [
        ("before", "555"),
        ("after", "777"),  # the connection's new map
    ]
    assert [t["perk"] for t in filed.transactions()] == ["555", "555"]  # unchanged


def test_a_disabled_connection_takes_no_new_events_and_a_new_one_does(
    tmp_path: Path, filed: PerkvilleSandbox, sandbox: PerkvilleSandbox
) -> None:
    store = MemoryStore(_connection({"Order Completed": "777"}))
    runtime = _runtime(tmp_path, filed, sandbox, store)
    try:
        store.put(_connection({"Order Completed": "777"}, enabled=False))
        wait_for(lambda: runtime.control_revision == 2, what="the connection disabled")
        post_batch(runtime, [order(1)])
        wait_for(lambda: drained(runtime.queue) and filed.applied() == 1, what="the event")
        assert sandbox.applied() == 0  # the disabled connection got nothing
        store.put(_connection({"Order Completed": "555"}, name="pk-2"))
        wait_for(lambda: runtime.control_revision == 3, what="a new connection")
        post_batch(runtime, [order(2)])
        wait_for(lambda: sandbox.applied() == 1, what="the new connection's transaction")
    finally:
        runtime.close()
    assert [t["perk"] for t in sandbox.transactions()] == ["555"]


def test_queued_work_is_neither_lost_nor_doubled_across_changes(
    tmp_path: Path, filed: PerkvilleSandbox, sandbox: PerkvilleSandbox
) -> None:
    store = MemoryStore(_connection({"Order Completed": "777"}))
    runtime = _runtime(tmp_path, filed, sandbox, store)
    try:
        for batch in range(5):
            post_batch(runtime, [order(10 * batch + n) for n in range(10)])
            store.put(_connection({"Order Completed": "777"}, mappings={"award_points": {}}))
        wait_for(lambda: runtime.control_revision == 6, what="every change applied")
        wait_for(lambda: drained(runtime.queue), what="every event")
        dead = runtime.queue.dead_letters(DeadLetterFilter())
    finally:
        runtime.close()
    assert dead == []
    assert (sandbox.applied(), filed.applied()) == (50, 50)
    assert (sandbox.duplicates(), filed.duplicates()) == (0, 0)


def test_outcomes_and_failure_samples_reach_the_statistics(
    tmp_path: Path, filed: PerkvilleSandbox, sandbox: PerkvilleSandbox
) -> None:
    stats = RecordingStats()
    store = MemoryStore(
        _connection(
            {"Order Completed": "777"},
            settings={
                **SETTINGS,
                "api_key": "wrong-key-SECRET",
                "event_to_perk_map": {"Order Completed": "777"},
            },
        )
    )
    runtime = _runtime(tmp_path, filed, sandbox, store, stats=stats)
    try:
        post_batch(runtime, [order(1)])
        wait_for(lambda: drained(runtime.queue), what="the event")
        wait_for(lambda: stats.flushes > 0, what="a flush")
    finally:
        runtime.close()
    assert ("perkville", "delivered") in stats.counted
    assert ("pk", "dead_lettered") in stats.counted
    [failure] = stats.failures
    assert failure["code"] == "INVALID_AUTHENTICATION"
    assert failure["request"]["headers"]["Authorization"] == "Bearer [REDACTED]"
    assert "wrong-key-SECRET" not in str(failure)
    assert API_KEY not in str(failure)


def test_a_stored_connection_that_cannot_be_built_is_left_out_not_fatal(
    tmp_path: Path, filed: PerkvilleSandbox, sandbox: PerkvilleSandbox
) -> None:
    orphan = _connection({"Order Completed": "777"}, name="orphan", source="gone")
    store = MemoryStore(orphan, _connection({"Order Completed": "555"}))
    runtime = _runtime(tmp_path, filed, sandbox, store)
    try:
        post_batch(runtime, [order(1)])
        wait_for(lambda: sandbox.applied() == 1, what="the buildable connection's transaction")
    finally:
        runtime.close()
    assert [t["perk"] for t in sandbox.transactions()] == ["555"]
