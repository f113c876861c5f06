"""Skips in the runtime are never silent: a work item its action declines ends as
``skipped`` (logged with the reason, counted by route), and an event that no route takes
is counted in /metrics by source and type and logged with each destination's reason
(Perkville's for identify calls)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from destinations.perkville import destination as perkville
from destinations.perkville.sandbox import PerkvilleSandbox
from framework import Result
from framework.engine.loop import engine_loop
from framework.runtime.delivery.config import DeliveryOptions, load_config
from framework.runtime.delivery.policy import Skipped, outcome
from framework.runtime.delivery.queue import Delivered, WorkItem
from framework.runtime.delivery.runtime import Runtime
from tests.delivery.conftest import MakeRuntime
from tests.delivery.support import ENV, drained, order, post_batch, wait_for, write_config

DESTINATIONS = {"perkville": perkville}
ENGAGE_ROUTE = "perkville/award_perk_for_audience/default"
IDENTIFY = {
    "type": "identify",
    "userId": "user-7",
    "messageId": "identify-7",
    "traits": {"email": "ana@example.com", "vip_customers": True},
}


def fields(caplog: pytest.LogCaptureFixture, message: str) -> list[dict[str, Any]]:
    """The structured fields of the runtime's log records saying ``message``."""
    return [
        dict(record.fields)  # type: ignore[attr-defined]
        for record in caplog.records
        if record.name == "framework.runtime.delivery" and record.getMessage() == message
    ]


def engage_config(folder: Path, endpoint: str | None) -> Path:
    """One source feeding Perkville (at ``endpoint``, when given) with the Engage action
    enabled by a mapping; its ``audience_to_perk_map`` is left empty, so that action
    declines every call."""
    return write_config(folder, endpoint, enabled=("award_perk_for_audience",))


def test_a_declined_result_is_a_skip_with_its_reason_that_ends_the_item() -> None:
    item = WorkItem(1, "shop", ENGAGE_ROUTE, "m1", "{}", 1, 0.0)
    result = Result("m1", "award_perk_for_audience", "skipped", reason="nothing to award")
    done = outcome(item, result, DeliveryOptions(), 0.0)
    assert done == Skipped(item, "nothing to award")
    assert isinstance(done, Delivered)  # the queues end it as they end a delivery


def test_a_work_item_its_action_declines_is_logged_and_counted_as_skipped(
    sandbox: PerkvilleSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="framework.runtime.delivery")
    runtime = Runtime(load_config(engage_config(tmp_path, sandbox.url), ENV), DESTINATIONS)
    try:
        runtime.start()
        assert post_batch(runtime, [IDENTIFY]) == 1
        wait_for(lambda: drained(runtime.queue), what="the identify call to be handled")
    finally:
        runtime.close()
    assert sandbox.applied() == 0
    assert runtime.metrics.skipped.value(ENGAGE_ROUTE) == 1
    assert runtime.metrics.delivered.value(ENGAGE_ROUTE) == 0
    assert f'actions_events_skipped_total{{route="{ENGAGE_ROUTE}"}} 1' in runtime.metrics.render()
    [skipped] = fields(caplog, "skipped")
    assert skipped["message_id"] == "identify-7"
    assert skipped["route"] == ENGAGE_ROUTE
    assert skipped["reason"].startswith("audience_to_perk_map is empty")
    assert [line for line in fields(caplog, "delivered") if line["route"] == ENGAGE_ROUTE] == []


def test_an_identify_call_no_route_takes_is_counted_and_explained(
    sandbox: PerkvilleSandbox, make_runtime: MakeRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="framework.runtime.delivery")
    runtime = make_runtime(sandbox.url, pool=False)
    assert post_batch(runtime, [IDENTIFY, order(1)]) == 2
    assert runtime.queue.depth().get("queued") == 1  # the track event alone
    assert runtime.metrics.unrouted.value("shop", "identify") == 1
    assert runtime.metrics.unrouted.value("shop", "track") == 0
    text = engine_loop().run(runtime.metrics_text())
    assert 'actions_events_unrouted_total{source="shop",type="identify"} 1' in text
    [line] = fields(caplog, "event not routed")
    assert line == {
        "source": "shop",
        "message_id": "identify-7",
        "type": "identify",
        "reasons": {"perkville": perkville.unmatched["identify"]},
    }
    assert "ana@example.com" not in json.dumps(line)


def test_an_event_its_integrations_turn_off_says_so(
    sandbox: PerkvilleSandbox, make_runtime: MakeRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="framework.runtime.delivery")
    runtime = make_runtime(sandbox.url, pool=False)
    assert post_batch(runtime, [{**order(2), "integrations": {"Perkville": False}}]) == 1
    assert runtime.metrics.unrouted.value("shop", "track") == 1
    [line] = fields(caplog, "event not routed")
    assert line["reasons"] == {"perkville": "the event's integrations turn this destination off"}


def test_a_page_call_gets_the_framework_reason_when_none_is_declared(
    sandbox: PerkvilleSandbox, make_runtime: MakeRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="framework.runtime.delivery")
    runtime = make_runtime(sandbox.url, pool=False)
    screen = {"type": "screen", "name": "Home", "userId": "u", "messageId": "s-1"}
    assert post_batch(runtime, [screen]) == 1
    [line] = fields(caplog, "event not routed")
    assert line["type"] == "screen"
    assert line["reasons"] == {"perkville": perkville.unmatched["screen"]}
