"""Derived message ids: deterministic, content-based, blind to transport metadata."""

from __future__ import annotations

import re
from typing import Any

import pytest

from framework.core.events import derived_message_id, with_message_id
from framework.testing import make_track_event

EVENT = make_track_event(
    "Order Completed",
    messageId=None,
    properties={"order_id": "o1", "total": 9.99, "items": [{"sku": "a"}, {"sku": "b"}]},
)


def test_the_id_is_deterministic_and_well_formed() -> None:
    first = derived_message_id(EVENT)
    assert first == derived_message_id(dict(EVENT))
    assert re.fullmatch(r"derived-[0-9a-f]{32}", first)


@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param({"receivedAt": "2030-01-01T00:00:00Z"}, id="receivedAt"),
        pytest.param({"sentAt": "2030-01-01T00:00:01Z"}, id="sentAt"),
        pytest.param({"messageId": "anything"}, id="messageId"),
        pytest.param({"receivedAt": 1, "sentAt": None, "messageId": ""}, id="all three"),
    ],
)
def test_transport_metadata_is_ignored(metadata: dict[str, Any]) -> None:
    assert derived_message_id({**EVENT, **metadata}) == derived_message_id(EVENT)


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param({"event": "Order Refunded"}, id="event name"),
        pytest.param({"timestamp": "2026-01-01T00:00:00.001Z"}, id="timestamp"),
        pytest.param({"properties": {**EVENT["properties"], "total": 10}}, id="nested value"),
        pytest.param(
            {"properties": {**EVENT["properties"], "items": [{"sku": "b"}, {"sku": "a"}]}},
            id="list order",
        ),
        pytest.param({"userId": None}, id="a value becomes null"),
        pytest.param({"extra": "x"}, id="a key added"),
    ],
)
def test_a_content_change_changes_the_id(changed: dict[str, Any]) -> None:
    assert derived_message_id({**EVENT, **changed}) != derived_message_id(EVENT)


def test_a_removed_key_changes_the_id() -> None:
    without = {key: value for key, value in EVENT.items() if key != "anonymousId"}
    assert derived_message_id(without) != derived_message_id(EVENT)


def test_key_order_does_not_matter() -> None:
    reordered = dict(reversed(EVENT.items()))
    reordered["properties"] = dict(reversed(EVENT["properties"].items()))
    assert list(reordered) != list(EVENT)
    assert derived_message_id(reordered) == derived_message_id(EVENT)


def test_an_event_with_a_message_id_is_returned_unchanged() -> None:
    event = make_track_event(messageId="m-42")
    assert with_message_id(event) is event


@pytest.mark.parametrize(
    "message_id",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param(42, id="not a string"),
    ],
)
def test_an_event_without_a_usable_message_id_gets_a_copy_with_a_derived_one(
    message_id: Any,
) -> None:
    event = dict(EVENT) if message_id is None else {**EVENT, "messageId": message_id}
    before = dict(event)
    got = with_message_id(event)
    assert got is not event
    assert got["messageId"] == derived_message_id(EVENT)
    assert {k: v for k, v in got.items() if k != "messageId"} == {
        k: v for k, v in event.items() if k != "messageId"
    }
    assert event == before, "the input is not changed"
