"""Route ids are stable: ``<destination id>/<action slug>/<preset key>``, whatever a preset
is called, and work queued under the former ids (``<destination id>/<preset name>``) is
still delivered after an upgrade. The operator's configuration reaches every route: its
endpoints (below the configuration file's own) and whether tenant URLs may reach private
addresses. ``actions worker`` reads it from the environment, and names a refused endpoint
variable without echoing its value."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from destinations.perkville import destination as perkville
from destinations.perkville.sandbox import PerkvilleSandbox
from destinations.webhook import destination as webhook
from framework import Destination, Preset
from framework.engine.loop import engine_loop
from framework.engine.operator import OperatorConfig
from framework.runtime.delivery.config import load_config
from framework.runtime.delivery.queue import DeadLetterFilter, Message
from framework.runtime.delivery.routes import Routing
from framework.tooling.cli import main
from tests.delivery.conftest import MakeRuntime
from tests.delivery.support import ENV, drained, order, write_config
from tests.waiting import wait_for

POINTS = "perkville/award_points/default"
ENGAGE = "perkville/award_perk_for_audience/default"
CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens there


@contextmanager
def routing(
    folder: Path,
    destinations: Mapping[str, Destination] | None = None,
    *,
    endpoint: str | None = None,
    operator: OperatorConfig | None = None,
) -> Iterator[Routing]:
    """The routes of the test configuration (Perkville with both actions on, at
    ``endpoint`` when given), closed afterwards."""
    path = write_config(folder, endpoint, enabled=("award_perk_for_audience",))
    built = Routing(
        load_config(path, ENV), destinations or {"perkville": perkville}, operator=operator
    )
    try:
        yield built
    finally:
        engine_loop().run(built.aclose())


def route_ids(built: Routing) -> list[str]:
    source = built.source(ENV["TEST_WRITE_KEY"])
    assert source is not None
    return [route.id for route in source.routes]


def test_a_route_id_is_the_destination_id_the_action_slug_and_the_preset_key(
    tmp_path: Path,
) -> None:
    with routing(tmp_path) as built:
        assert route_ids(built) == [POINTS, ENGAGE]


def test_renaming_a_preset_keeps_its_route_id_and_its_key_tells_presets_apart(
    tmp_path: Path,
) -> None:
    renamed = [dataclasses.replace(p, name=f"{p.name} (renamed)") for p in perkville.presets]
    vip = Preset(
        name="Award Points to VIPs",
        subscription='type = "track" and properties.vip = true',
        action="award_points",
        key="vip",
    )
    changed = dataclasses.replace(perkville, presets=[*renamed, vip])
    with routing(tmp_path, {"perkville": changed}) as built:
        assert route_ids(built) == [POINTS, ENGAGE, "perkville/award_points/vip"]


def test_a_legacy_route_id_resolves_to_the_route_it_named(tmp_path: Path) -> None:
    with routing(tmp_path) as built:
        points = built.route("shop", POINTS)
        assert points is not None
        assert built.route("shop", "perkville/Award Points") is points
        assert built.route("shop", "perkville/Award Perk for Audience") is built.route(
            "shop", ENGAGE
        )
        assert built.route("shop", "perkville/Award Points#2") is None
        assert built.route("shop", "perkville/award points") is None  # names are exact
        assert built.route("another source", "perkville/Award Points") is None


def test_work_queued_under_a_legacy_route_id_is_delivered_after_an_upgrade(
    sandbox: PerkvilleSandbox, make_runtime: MakeRuntime
) -> None:
    runtime = make_runtime(sandbox.url)
    event = json.dumps({**order(5), "receivedAt": "2024-01-01T00:00:00.000Z"})
    legacy = Message("shop", "order-5", event, time.time(), ("perkville/Award Points",))
    assert runtime.queue.enqueue([legacy]) == 1
    wait_for(lambda: drained(runtime.queue), what="the legacy work item to be delivered")
    assert sandbox.applied() == 1
    assert runtime.queue.dead_letters(DeadLetterFilter()) == []


def test_the_operators_endpoint_is_used(sandbox: PerkvilleSandbox, tmp_path: Path) -> None:
    operator = OperatorConfig({"perkville": sandbox.url})
    with routing(tmp_path, operator=operator) as built:
        route = built.route("shop", POINTS)
        assert route is not None
        [result] = route.runner.process(order(3))
    assert result.status == "delivered"
    assert sandbox.applied() == 1


def test_the_configurations_endpoint_wins_over_the_operators(
    sandbox: PerkvilleSandbox, tmp_path: Path
) -> None:
    operator = OperatorConfig({"perkville": CLOSED})
    with routing(tmp_path, endpoint=sandbox.url, operator=operator) as built:
        route = built.route("shop", POINTS)
        assert route is not None
        [result] = route.runner.process(order(4))
    assert result.status == "delivered"
    assert sandbox.applied() == 1


@pytest.mark.parametrize("allowed", [False, True], ids=["by default", "allowed"])
def test_private_targets_are_what_the_operator_says(allowed: bool, tmp_path: Path) -> None:
    path = tmp_path / "actions.toml"
    path.write_text(
        '[[sources]]\nname = "shop"\nwrite_key = "w"\n'
        '[[sources.destinations]]\nslug = "webhook"\n'
        'settings = { url = "http://10.0.0.1/hook" }\n'
    )
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    built = Routing(
        load_config(path, {}),
        {"webhook": webhook},
        operator=OperatorConfig(allow_private_targets=allowed),
        transport=httpx.MockTransport(answer),
    )
    route = built.route("shop", "webhook/send/default")
    assert route is not None
    [result] = route.runner.process(order(6))
    if allowed:
        assert (result.status, len(sent)) == ("delivered", 1)
    else:
        assert result.error is not None
        assert (result.error.code, sent) == ("UNSAFE_URL", [])


@pytest.mark.parametrize(
    "value",
    ["file:///etc/passwd", "localhost:8080", "http://user:pk_SECRET@host:99999/"],
)
def test_an_endpoint_variable_that_is_no_http_url_stops_the_worker_naming_it(
    value: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, secret in ENV.items():
        monkeypatch.setenv(name, secret)
    monkeypatch.setenv("ACTIONS_ENDPOINT_PERKVILLE", value)
    path = write_config(tmp_path, None)
    assert main(["worker", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("actions: ACTIONS_ENDPOINT_PERKVILLE: the endpoint ")
    assert value not in err
