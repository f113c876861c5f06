"""What the project writes as JSON never holds NaN or Infinity: runtime log lines, sandbox
replies and schema files; and a derived messageId is an id for any event, whatever it holds."""

from __future__ import annotations

import io
import logging
from typing import Any

import httpx
import pytest

from framework import Reply, Sandbox, SandboxRequest
from framework.core.events import derived_message_id
from framework.core.json_text import parse_json
from framework.runtime.delivery.logs import JsonFormatter, log
from framework.tooling.schema_files import render


def logged(**fields: Any) -> dict[str, Any]:
    """The line the runtime's formatter writes for one record with ``fields``, parsed as
    strict JSON (NaN, Infinity or a lone surrogate fail the parse)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("framework.runtime.delivery")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        log(logging.INFO, "retry scheduled", **fields)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    document: dict[str, Any] = parse_json(stream.getvalue())
    return document


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        pytest.param({"route": "r", "delay": float("inf")}, "at /delay", id="Infinity"),
        pytest.param({"latency": {"p": float("nan")}}, "at /latency/p", id="NaN"),
        pytest.param({"message_id": "m\udce9"}, "lone UTF-16 surrogate at /message_id", id="lone"),
    ],
)
def test_a_log_line_never_holds_what_json_cannot(fields: dict[str, Any], reason: str) -> None:
    line = logged(**fields)
    assert line["msg"] == "retry scheduled"
    assert line["log_error"].startswith("fields left out: ")
    assert line["log_error"].endswith(reason)
    assert not set(fields) & set(line)


def test_a_log_line_keeps_its_fields_when_they_are_json() -> None:
    line = logged(route="perkville/Award Points", delay=0.5, attempts=2)
    assert (line["route"], line["delay"], line["attempts"]) == ("perkville/Award Points", 0.5, 2)
    assert "log_error" not in line


class _Infinite(Sandbox):
    def handle(self, request: SandboxRequest) -> Reply:
        return Reply(201, {"transaction": {"quantity": float("inf")}})


def test_a_sandbox_reply_json_cannot_hold_is_a_coded_500() -> None:
    with _Infinite() as sandbox:
        answer = httpx.post(f"{sandbox.url}/transactions/", json={})
    assert answer.status_code == 500
    error = parse_json(answer.content)["error"]
    assert error["code"] == "E500"
    assert error["message"] == (
        "The sandbox cannot write its reply as JSON: a number is not a finite double "
        "(NaN, Infinity or out of range) at /transaction/quantity"
    )


def test_a_schema_file_is_never_written_with_infinity() -> None:
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        render({"default": float("inf")})


def test_an_event_with_a_lone_surrogate_still_gets_a_derived_id() -> None:
    event = {"type": "track", "event": "Checked In\udce9", "userId": "u"}
    derived = derived_message_id(event)
    assert derived.startswith("derived-")
    assert derived == derived_message_id(dict(event))
    assert derived != derived_message_id({**event, "event": "Checked In"})
