"""`actions dlq list | show | replay` on dead letters a refusing Perkville produced, and
the replayed events delivered once Perkville accepts them; with either queue."""

from __future__ import annotations

import json

import pytest

from destinations.perkville.sandbox import PerkvilleSandbox
from framework.tooling.cli import main
from tests.delivery.conftest import MakeRuntime
from tests.delivery.support import API_KEY, SETTINGS, drained, order, post_batch, wait_for


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_dead_letters_are_listed_shown_and_replayed(
    make_runtime: MakeRuntime,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
    backend: str,
) -> None:
    redis_url = request.getfixturevalue("redis_url") if backend == "redis" else None
    refusing = PerkvilleSandbox({**SETTINGS, "api_key": "rotated-key"})
    with refusing:
        runtime = make_runtime(refusing.url, queue=redis_url)
        post_batch(runtime, [order(1), order(2)])
        wait_for(lambda: drained(runtime.queue), what="both events to fail")
        port = int(refusing.url.rsplit(":", 1)[1])
    queue = runtime.config.queue_url
    assert queue.startswith(f"{backend}://")

    assert main(["dlq", "list", "--queue", queue, "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    listed = sorted((json.loads(line) for line in lines), key=lambda d: d["message_id"])
    assert [(d["message_id"], d["code"], d["reason"], d["attempts"]) for d in listed] == [
        ("order-1", "INVALID_AUTHENTICATION", "terminal", 1),
        ("order-2", "INVALID_AUTHENTICATION", "terminal", 1),
    ]
    assert listed[0]["route"] == "perkville/award_points/default"
    assert "HTTP 401" in listed[0]["message"]

    assert main(["dlq", "show", "--queue", queue, str(listed[0]["id"])]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["event"]["properties"]["order_id"] == "o-1"
    assert shown["failed_at"].endswith("Z")
    assert main(["dlq", "show", "--queue", queue, "999"]) == 1
    assert capsys.readouterr().err == "no dead letter 999\n"

    assert main(["dlq", "list", "--queue", queue]) == 0
    table = capsys.readouterr().out
    assert "INVALID_AUTHENTICATION (terminal, 1 attempts)" in table
    assert table.endswith("2 dead letters\n")
    assert API_KEY not in table

    assert main(["dlq", "replay", "--queue", queue, "--code", "SERVER_ERROR"]) == 0
    assert capsys.readouterr().out == "replayed 0 dead letters\n"
    assert main(["dlq", "replay", "--queue", queue, "--until", "1970-01-02"]) == 0
    assert capsys.readouterr().out == "replayed 0 dead letters\n"
    accepting = PerkvilleSandbox(SETTINGS)  # the key is right again, at the same address
    accepting.start(port=port)
    try:
        assert main(["dlq", "replay", "--queue", queue, "--since", "1h"]) == 0
        assert capsys.readouterr().out == "replayed 2 dead letters\n"
        wait_for(lambda: accepting.applied() == 2, what="the replayed events")
    finally:
        accepting.stop()
    assert accepting.balances() == {"ana@example.com": 2.0}
    assert main(["dlq", "list", "--queue", queue]) == 0
    assert capsys.readouterr().out == "0 dead letters\n"
