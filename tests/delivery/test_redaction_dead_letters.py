"""A key that Perkville echoes in a long error body is not stored or logged in part where the
message is cut: not in the dead letter, not in `actions dlq list`, not in the logs."""

from __future__ import annotations

import json
import logging

import pytest

from framework.runtime.delivery.logs import JsonFormatter
from framework.tooling.cli import main
from tests.delivery.conftest import MakeRuntime
from tests.delivery.support import API_KEY, drained, order, post_batch, wait_for
from tests.local_server import local_server

CUT_BODY = {"message": "x" * 290 + API_KEY + "y" * 700}


def shows_part_of_the_key(text: str) -> bool:
    return any(API_KEY[i : i + 6] in text for i in range(len(API_KEY) - 5))


def test_a_key_echoed_across_the_cut_is_in_no_dead_letter_and_no_log(
    make_runtime: MakeRuntime,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with local_server() as perkville:
        perkville.status = 400
        perkville.body = CUT_BODY
        runtime = make_runtime(perkville.url)
        post_batch(runtime, [order(1)])
        wait_for(lambda: drained(runtime.queue), what="the event to fail")
    queue = runtime.config.queue_url

    assert main(["dlq", "list", "--queue", queue, "--json"]) == 0
    [letter] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert letter["code"] == "BAD_REQUEST"
    assert letter["message"] == "HTTP 400 Bad Request: " + "x" * 290 + "[REDACTED]"
    assert main(["dlq", "list", "--queue", queue]) == 0
    assert not shows_part_of_the_key(capsys.readouterr().out)
    logged = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert '"msg": "dead-lettered"' in logged
    assert not shows_part_of_the_key(logged)
