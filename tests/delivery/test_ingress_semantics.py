"""Segment's Tracking API semantics at the ingress: a batch's events judged one by one (the
valid ones stored, each invalid one dropped, counted by reason and logged by messageId
only), ``integrations`` honoured per destination, sizes measured on what the client sent
and refused with 400, the four timestamps, and refusals in the shape Segment's Python
library reads."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import httpx
import pytest
from segment.analytics.request import APIError
from segment.analytics.request import post as segment_post

from destinations.perkville import destination as perkville
from framework.engine.loop import engine_loop
from framework.runtime.delivery.intake import (
    MAX_EVENT_BYTES,
    Accepted,
    IntakeError,
    events_of,
    read_body,
)
from framework.runtime.delivery.logs import JsonFormatter
from framework.runtime.delivery.runtime import Runtime
from tests.delivery.conftest import MakeRuntime
from tests.delivery.support import WRITE_KEY, basic, batch_body, order, serving
from tests.nesting import in_objects

NOWHERE = "http://127.0.0.1:9"  # no worker runs: nothing is sent there
NOW = 1_795_000_000.0  # 2026-11-18T11:06:40Z
CONTENT = "CONTENT-4b1d"  # in the events' properties: never in a log line
ROUTE = "perkville/award_points/default"


def accept(runtime: Runtime, body: bytes, call: str = "batch") -> int:
    return engine_loop().run(runtime.accept(call, body, encoding=None, authorization=basic()))


def stored(runtime: Runtime) -> dict[str, dict[str, Any]]:
    """The queued events by messageId (claimed: the test runs no worker)."""
    items = runtime.queue.claim(1000, 60.0, time.time())
    return {item.message_id: json.loads(item.event) for item in items}


def intake(document: dict[str, Any], call: str = "batch", now: float = NOW) -> Accepted:
    return events_of(call, read_body(json.dumps(document).encode(), None, call), now)


def sized(number: int, size: int) -> dict[str, Any]:
    """``order(number)`` whose compact JSON text is ``size`` bytes."""
    event = order(number)
    event["properties"]["blob"] = ""
    padding = size - len(json.dumps(event, separators=(",", ":")).encode())
    event["properties"]["blob"] = "x" * padding
    return event


# --- a batch's events, one by one -----------------------------------------------------------

INVALID = [
    ({**order(2), "userId": None, "messageId": "no-user"}, "MISSING_USER_ID"),
    ({**order(3), "event": "", "messageId": "no-name"}, "INVALID_EVENT"),
    ({**order(4), "userId": 918273645, "messageId": "numeric-id"}, "INVALID_EVENT"),
    ({**order(5), "type": "nap", "messageId": "no-type"}, "INVALID_EVENT"),
    (7, "NOT_AN_OBJECT"),
    ({**sized(6, MAX_EVENT_BYTES + 1), "messageId": "too-big"}, "TOO_LARGE"),
]


def batch_text(valid: list[dict[str, Any]]) -> bytes:
    """A batch of ``valid`` events around every kind of invalid one, one of them (a lone
    surrogate, which json.dumps cannot write) spliced in as text."""
    items = [json.dumps(event) for event in valid[:1]]
    for item, _ in INVALID:
        noted = item if not isinstance(item, dict) else {**item, "note": CONTENT}
        items.append(json.dumps(noted))
    surrogate = {**order(8), "messageId": "surrogate"}
    items.append(json.dumps(surrogate).replace('"o-8"', '"o-\\udce9"'))
    items += [json.dumps(event) for event in valid[1:]]
    return ('{"batch": [' + ", ".join(items) + "]}").encode()


def test_a_batch_keeps_its_valid_events_and_drops_each_invalid_one(
    make_runtime: MakeRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    runtime = make_runtime(NOWHERE, pool=False)
    assert accept(runtime, batch_text([order(1), order(9)])) == 2
    assert set(stored(runtime)) == {"order-1", "order-9"}
    reasons = {reason for _, reason in INVALID} | {"INVALID_JSON"}
    counted = {reason: runtime.metrics.dropped.value("shop", reason) for reason in reasons}
    assert counted == {
        "MISSING_USER_ID": 1,
        "INVALID_EVENT": 3,
        "NOT_AN_OBJECT": 1,
        "TOO_LARGE": 1,
        "INVALID_JSON": 1,
    }
    assert runtime.metrics.received.value("shop") == 2
    assert "actions_events_rejected_total{" not in runtime.metrics.render()  # none refused
    lines = [
        json.loads(JsonFormatter().format(r)) for r in caplog.records if r.msg == "event dropped"
    ]
    assert [(line["index"], line["message_id"], line["reason"]) for line in lines] == [
        (1, "no-user", "MISSING_USER_ID"),
        (2, "no-name", "INVALID_EVENT"),
        (3, "numeric-id", "INVALID_EVENT"),
        (4, "no-type", "INVALID_EVENT"),
        (5, None, "NOT_AN_OBJECT"),
        (6, "too-big", "TOO_LARGE"),
        (7, "surrogate", "INVALID_JSON"),
    ]
    assert lines[0]["error"] == (
        "the event does not follow Segment's spec: /: needs userId or anonymousId"
    )
    # what is wrong, not where: the pointer would hold the sender's keys
    assert (
        lines[6]["error"] == "the event is not valid JSON: a string holds a lone UTF-16 surrogate"
    )
    text = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert CONTENT not in text
    assert "918273645" not in text
    assert "ana@example.com" not in text


def test_a_batch_of_invalid_events_only_is_answered_200_and_counted(
    make_runtime: MakeRuntime,
) -> None:
    runtime = make_runtime(NOWHERE, pool=False)
    nobody = {**order(1), "userId": None}
    with serving(runtime, {"perkville": perkville}) as url, httpx.Client(base_url=url) as http:
        answer = http.post(
            "/v1/batch", content=batch_body([nobody, nobody]), headers={"Authorization": basic()}
        )
        assert (answer.status_code, answer.json()) == (200, {"success": True})
        metrics = http.get("/metrics").text.splitlines()
    assert 'actions_events_dropped_total{source="shop",reason="MISSING_USER_ID"} 2' in metrics
    assert stored(runtime) == {}


def test_a_dropped_event_is_logged_without_an_unwritable_or_long_message_id(
    make_runtime: MakeRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    runtime = make_runtime(NOWHERE, pool=False)
    long_id = {**order(1), "userId": None, "messageId": "m" * 5000}
    lone = json.dumps({**order(2), "messageId": "MID"}).replace('"MID"', '"\\udce9"')
    body = ('{"batch": [' + json.dumps(long_id) + ", " + lone + "]}").encode()
    assert accept(runtime, body) == 0
    lines = [JsonFormatter().format(r) for r in caplog.records if r.msg == "event dropped"]
    assert [json.loads(line)["message_id"] for line in lines] == ["m" * 100, None]


def test_what_is_wrong_outside_the_events_of_a_batch_refuses_it() -> None:
    body = b'{"batch": [{"type": "track"}], "context": {"ip": "\\udce9"}}'
    with pytest.raises(IntakeError) as raised:
        read_body(body, None, "batch")
    assert (raised.value.status, raised.value.code) == (400, "MALFORMED_JSON")
    assert raised.value.message == (
        "the request body is not valid JSON: a string holds a lone UTF-16 surrogate at /context/ip"
    )


@pytest.mark.parametrize(
    ("call", "body", "pointer"),
    [
        ("track", {**order(1), "type": "track", "properties": in_objects(70, 1)}, "/properties"),
        ("batch", {"batch": [order(1)], "context": in_objects(70, 1)}, "/context"),
    ],
)
def test_nesting_too_deep_outside_a_batchs_events_refuses_the_call(
    call: str, body: dict[str, Any], pointer: str
) -> None:
    with pytest.raises(IntakeError) as raised:
        read_body(json.dumps(body).encode(), None, call)
    assert (raised.value.status, raised.value.code) == (400, "MALFORMED_JSON")
    assert raised.value.message.startswith(
        f"the request body is not valid JSON: it is nested more than 64 deep at {pointer}/k"
    )


# --- integrations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("integrations", "routes"),
    [
        pytest.param(None, [ROUTE], id="none"),
        pytest.param({"All": True}, [ROUTE], id="All true"),
        pytest.param({"All": False}, [], id="All false"),
        pytest.param({"Perkville": False}, [], id="display name false"),
        pytest.param({"perkville": False}, [], id="slug false"),
        pytest.param({"All": False, "Perkville": True}, [ROUTE], id="All false, name true"),
        pytest.param({"All": False, "perkville": True}, [ROUTE], id="All false, slug true"),
        pytest.param({"All": False, "Perkville": {"x": 1}}, [ROUTE], id="All false, options"),
        pytest.param({"Perkville": False, "perkville": True}, [], id="false wins"),
        pytest.param({"PERKVILLE": False}, [ROUTE], id="names are case-sensitive"),
        pytest.param({"Mixpanel": False}, [ROUTE], id="another destination false"),
        pytest.param({"All": False, "Perkville": "yes"}, [], id="other values name nothing"),
    ],
)
def test_integrations_choose_the_destination(
    make_runtime: MakeRuntime, integrations: dict[str, Any] | None, routes: list[str]
) -> None:
    source = make_runtime(NOWHERE, pool=False).routing.source(WRITE_KEY)
    assert source is not None
    event = {**order(1), "integrations": integrations} if integrations else order(1)
    assert list(source.routes_for(event)) == routes


def test_integrations_name_a_destination_by_its_configured_id(make_runtime: MakeRuntime) -> None:
    runtime = make_runtime(NOWHERE, pool=False, destination={"id": "rewards"})
    source = runtime.routing.source(WRITE_KEY)
    assert source is not None
    assert source.routes_for(order(1)) == ("rewards/award_points/default",)
    assert source.routes_for({**order(1), "integrations": {"rewards": False}}) == ()


def test_a_batchs_integrations_are_merged_under_each_events_own(
    make_runtime: MakeRuntime,
) -> None:
    runtime = make_runtime(NOWHERE, pool=False)
    events = [order(1), {**order(2), "integrations": {"Perkville": True}}]
    body = json.dumps({"batch": events, "integrations": {"All": False}}).encode()
    assert accept(runtime, body) == 2  # both accepted; only the second goes anywhere
    queued = stored(runtime)
    assert list(queued) == ["order-2"]
    assert queued["order-2"]["integrations"] == {"All": False, "Perkville": True}


# --- sizes ----------------------------------------------------------------------------------


def test_an_event_is_measured_as_the_client_sent_it_not_as_stored() -> None:
    at_limit = sized(1, MAX_EVENT_BYTES)  # the ingress's stamps make it larger
    accepted = intake({"batch": [at_limit, sized(2, MAX_EVENT_BYTES + 1)]})
    [(event, text)] = accepted.events
    assert event["messageId"] == "order-1"
    assert len(text.encode()) > MAX_EVENT_BYTES
    [dropped] = accepted.dropped
    assert (dropped.index, dropped.reason) == (1, "TOO_LARGE")
    assert dropped.problem == (
        f"is {MAX_EVENT_BYTES + 1} bytes; Segment's limit is 32768 bytes (32 KB)"
    )


def test_a_single_call_at_the_limit_is_accepted(make_runtime: MakeRuntime) -> None:
    runtime = make_runtime(NOWHERE, pool=False)
    body = json.dumps(sized(1, MAX_EVENT_BYTES), separators=(",", ":")).encode()
    assert len(body) == MAX_EVENT_BYTES
    assert accept(runtime, body, "track") == 1


def test_size_refusals_are_400_in_the_shape_segments_python_library_reads(
    make_runtime: MakeRuntime,
) -> None:
    runtime = make_runtime(NOWHERE, pool=False)
    events = [sized(n, 20_000) for n in range(30)]  # 600 KB
    with serving(runtime, {"perkville": perkville}) as url:
        with pytest.raises(APIError) as raised:
            segment_post(WRITE_KEY, host=url.rstrip("/"), batch=events)
        answer = httpx.post(f"{url}v1/track", json=sized(1, 40_000), auth=(WRITE_KEY, ""))
    assert (raised.value.status, raised.value.code) == (400, "TOO_LARGE")
    assert str(raised.value.message).endswith("Segment's limit is 512000 bytes (500 KB)")
    assert answer.status_code == 400
    assert answer.json()["code"] == answer.json()["error"]["code"] == "TOO_LARGE"
    assert stored(runtime) == {}


# --- timestamps -----------------------------------------------------------------------------


def stamped(event: dict[str, Any], **batch: Any) -> dict[str, Any]:
    [(found, _)] = intake({"batch": [event], **batch}).events
    return found


def test_received_at_is_always_the_ingress_s() -> None:
    event = stamped({**order(1), "receivedAt": "2020-01-01T00:00:00Z"})
    assert event["receivedAt"] == "2026-11-18T11:06:40.000Z"


def test_the_timestamp_is_corrected_for_the_client_s_clock_skew() -> None:
    sent = {**order(1), "timestamp": "2026-11-18T11:00:00Z", "sentAt": "2026-11-18T11:05:00Z"}
    event = stamped(sent)  # the client's clock is 1 min 40 s behind
    assert event["originalTimestamp"] == "2026-11-18T11:00:00Z"
    assert event["timestamp"] == "2026-11-18T11:01:40.000Z"
    assert event["sentAt"] == "2026-11-18T11:05:00Z"
    shared = stamped({**order(1), "timestamp": "2026-11-18T12:00:00+01:00"}, sentAt=sent["sentAt"])
    assert shared["timestamp"] == "2026-11-18T11:01:40.000Z"  # the batch's sentAt, an offset


@pytest.mark.parametrize(
    ("sent", "original", "timestamp"),
    [
        pytest.param({}, None, "2026-11-18T11:06:40.000Z", id="no time: receivedAt"),
        pytest.param(
            {"timestamp": "2012-12-02T00:30:08.276Z"},
            "2012-12-02T00:30:08.276Z",
            "2012-12-02T00:30:08.276Z",
            id="no sentAt: as sent",
        ),
        pytest.param(
            {
                "originalTimestamp": "2026-11-18T10:00:00Z",
                "timestamp": "2026-11-18T10:30:00Z",
                "sentAt": "2026-11-18T11:06:40Z",
            },
            "2026-11-18T10:00:00Z",
            "2026-11-18T10:00:00.000Z",
            id="originalTimestamp first",
        ),
        pytest.param(
            {"timestamp": "yesterday", "sentAt": "2026-11-18T11:06:40Z"},
            "yesterday",
            "2026-11-18T11:06:40.000Z",
            id="unreadable: receivedAt",
        ),
        pytest.param(
            {"timestamp": "2026-11-18T11:00:00", "sentAt": "soon"},
            "2026-11-18T11:00:00",
            "2026-11-18T11:00:00",
            id="unreadable sentAt: as sent",
        ),
        pytest.param(
            {"timestamp": "0001-01-01T00:00:00Z", "sentAt": "9999-12-31T00:00:00Z"},
            "0001-01-01T00:00:00Z",
            "0001-01-01T00:00:00Z",
            id="out of range: as sent",
        ),
    ],
)
def test_the_time_the_client_gave(
    sent: dict[str, str], original: str | None, timestamp: str
) -> None:
    event = stamped({**order(1), **sent})
    assert (event.get("originalTimestamp"), event["timestamp"]) == (original, timestamp)


def test_a_resent_event_keeps_its_derived_message_id() -> None:
    event = {**order(1), "messageId": None, "timestamp": "2026-11-18T11:00:00Z"}
    first = intake({"batch": [event], "sentAt": "2026-11-18T11:00:01Z"}).events[0][0]
    later = intake({"batch": [event], "sentAt": "2026-11-18T11:30:01Z"}, now=NOW + 3600)
    assert later.events[0][0]["messageId"] == first["messageId"]
    assert later.events[0][0]["timestamp"] != first["timestamp"]  # another clock skew
