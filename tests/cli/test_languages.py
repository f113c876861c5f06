"""`actions map` and `actions match`: one JSON line per event, exit 2 for a bad language."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from framework.tooling.cli import main

EVENTS = [
    {"type": "track", "event": "Order Completed", "messageId": "m1", "properties": {"total": 3}},
    {"type": "track", "event": "Order Refunded", "messageId": "m2", "properties": {}},
    {"type": "identify", "messageId": "m3", "traits": {"name": "Ada"}},
]


@pytest.fixture
def events(tmp_path: Path) -> str:
    path = tmp_path / "events.ndjson"
    lines = [json.dumps(event) for event in EVENTS]
    path.write_text("\n".join([*lines, "{broken"]) + "\n")
    return str(path)


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_map_prints_each_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, events: str
) -> None:
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "name": {"@path": "$.event"},
                "total": {"@path": "$.properties.total"},
                "greeting": {"@template": "Hi {{traits.name}}"},
            }
        )
    )
    assert main(["map", str(mapping), events]) == 1, "the broken line fails"
    assert lines(capsys) == [
        {"message_id": "m1", "output": {"name": "Order Completed", "total": 3, "greeting": "Hi "}},
        {"message_id": "m2", "output": {"name": "Order Refunded", "greeting": "Hi "}},
        {"message_id": "m3", "output": {"greeting": "Hi Ada"}},
        {
            "message_id": None,
            "error": {
                "code": "INVALID_EVENT",
                "message": "line 4: not valid JSON at column 2: "
                "Expecting property name enclosed in double quotes",
            },
        },
    ]


def test_map_lists_every_problem_of_an_invalid_mapping(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, events: str
) -> None:
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"a": {"@nope": 1}, "b": [{"@path": 5}]}))
    assert main(["map", str(mapping), events]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "/a" in captured.err
    assert "/b/0/@path" in captured.err


def test_match_prints_each_verdict(capsys: pytest.CaptureFixture[str], events: str) -> None:
    fql = 'type = "track" and (event = "Order Completed" or contains(event, "Refund"))'
    assert main(["match", fql, events]) == 1
    assert [line.get("match") for line in lines(capsys)] == [True, True, False, None]


def test_match_syntax_error_exits_2_with_the_position(
    capsys: pytest.CaptureFixture[str], events: str
) -> None:
    assert main(["match", 'type = "track" and', events]) == 2
    err = capsys.readouterr().err
    assert "INVALID_SUBSCRIPTION" in err
    assert "position 18" in err
