"""Segment's six event types: valid draft 2020-12 schemas, committed under schemas/events/,
that accept events following Segment's spec (the page's sample events among them) and name
what is missing or wrong in one that does not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from framework.authoring.event_schemas import EVENT_TYPES, event_problems, event_schema
from framework.core.errors import Problem
from framework.tooling.schema_files import render

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "framework/runtime/server/static/sample-events.json"


@pytest.mark.parametrize("kind", EVENT_TYPES)
def test_each_event_type_has_a_committed_valid_schema(kind: str) -> None:
    schema = event_schema(kind)
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["type"] == {"const": kind, "description": "The event type."}
    committed = ROOT / f"schemas/events/{kind}.schema.json"
    assert committed.read_text(encoding="utf-8") == render(schema)


def test_the_sample_events_follow_the_spec_and_cover_every_type() -> None:
    samples = json.loads(SAMPLES.read_text())["samples"]
    for sample in samples:
        assert event_problems(sample["event"]) == [], sample["name"]
    assert {sample["event"]["type"] for sample in samples} == set(EVENT_TYPES)


@pytest.mark.parametrize(
    ("event", "problems"),
    [
        pytest.param(
            {"type": "track", "anonymousId": "a"},
            [Problem("", "'event' is a required property")],
            id="track without a name",
        ),
        pytest.param(
            {"type": "track", "event": "Signed Up"},
            [Problem("", "needs userId or anonymousId")],
            id="track without a user",
        ),
        pytest.param(
            {"type": "identify", "userId": "", "traits": []},
            [
                Problem("/traits", "must be an object"),
                Problem("/userId", "must not be empty"),
            ],
            id="identify with a blank id and list traits",
        ),
        pytest.param(
            {"type": "group", "userId": "u"},
            [Problem("", "'groupId' is a required property")],
            id="group without a group",
        ),
        pytest.param(
            {"type": "alias", "userId": "u"},
            [Problem("", "'previousId' is a required property")],
            id="alias without the previous id",
        ),
        pytest.param(
            {"type": "page", "anonymousId": "a", "timestamp": 1767225600},
            [Problem("/timestamp", "must be a string")],
            id="page with a numeric timestamp",
        ),
        pytest.param(
            {"type": "Track", "event": "x"},
            [Problem("/type", "must be one of track, identify, page, screen, group, alias")],
            id="unknown type",
        ),
        pytest.param([], [Problem("", "an event must be a JSON object")], id="not an object"),
    ],
)
def test_problems_name_what_departs_from_the_spec(event: Any, problems: list[Problem]) -> None:
    assert event_problems(event) == problems


def test_other_keys_are_allowed_as_in_segment() -> None:
    event = {"type": "screen", "userId": "u", "name": "Home", "custom": {"any": "thing"}}
    assert event_problems(event) == []


@pytest.mark.parametrize("kind", EVENT_TYPES)
def test_no_problem_quotes_the_value_sent(kind: str) -> None:
    sent = "SENT-VALUE-7f3a"
    for name, spec in event_schema(kind)["properties"].items():
        wrong = 918273645 if spec.get("type") == "string" else sent
        for value in (wrong, [sent], {"k": sent}, ""):
            event = {"type": kind, "userId": "u", "previousId": "p", "event": "e", name: value}
            for problem in event_problems(event):
                assert sent not in problem.message, (name, problem)
                assert "918273645" not in problem.message, (name, problem)
