"""The ingress on a real server: Segment's calls answered as Segment does, events durably
queued before the 200 and delivered to the Perkville sandbox; /metrics; logs without
secrets; and Segment's own Python library pointed at it."""

from __future__ import annotations

import gzip
import json
import logging

import httpx
import pytest
from segment.analytics import Client as SegmentClient

from destinations.perkville import destination as perkville
from destinations.perkville.sandbox import PerkvilleSandbox
from framework.runtime.delivery.logs import JsonFormatter
from tests.delivery.conftest import MakeRuntime
from tests.delivery.support import (
    API_KEY,
    SETTINGS,
    WRITE_KEY,
    basic,
    batch_body,
    drained,
    order,
    serving,
    wait_for,
)

DESTINATIONS = {"perkville": perkville}


def test_calls_are_queued_then_delivered_once(
    sandbox: PerkvilleSandbox, make_runtime: MakeRuntime
) -> None:
    runtime = make_runtime(sandbox.url)
    events = [order(n, email=f"p{n % 3}@example.com", revenue=n) for n in range(1, 31)]
    with serving(runtime, DESTINATIONS) as url, httpx.Client(base_url=url) as http:
        auth = {"Authorization": basic()}
        answer = http.post("/v1/batch", content=batch_body(events[:20]), headers=auth)
        assert (answer.status_code, answer.json()) == (200, {"success": True})
        for event in events[20:]:
            assert http.post("/v1/track", json=event, headers=auth).status_code == 200
        again = http.post("/v1/batch", content=batch_body(events[:5]), headers=auth)  # a retry
        assert again.status_code == 200
        identify = http.post("/v1/identify", json={"userId": "u1", "traits": {}}, headers=auth)
        assert identify.status_code == 200  # accepted; no Perkville subscription takes it
        wait_for(lambda: sandbox.applied() == 30 and drained(runtime.queue), what="30 deliveries")
    expected = {f"p{k}@example.com": float(sum(range(1, 31)[k - 1 :: 3])) for k in (1, 2)}
    expected["p0@example.com"] = float(sum(range(3, 31, 3)))
    assert sandbox.balances() == expected
    assert sandbox.duplicates() == 0  # the re-sent batch was de-duplicated at the ingress
    assert runtime.metrics.received.value("shop") == 36
    assert runtime.metrics.delivered.value("perkville/award_points/default") == 30


def test_refusals_are_clear(sandbox: PerkvilleSandbox, make_runtime: MakeRuntime) -> None:
    runtime = make_runtime(sandbox.url, pool=False)
    with serving(runtime, DESTINATIONS) as url, httpx.Client(base_url=url) as http:
        auth = {"Authorization": basic()}
        no_key = http.post("/v1/track", json=order(1))
        assert no_key.status_code == 401
        assert no_key.headers["WWW-Authenticate"] == 'Basic realm="actions"'
        wrong = http.post("/v1/track", json=order(1), headers={"Authorization": basic("nope")})
        said = {"code": "UNAUTHORIZED", "message": "the write key is not configured"}
        assert wrong.json() == {**said, "error": said}  # top level: what Segment's libraries read
        malformed = http.post("/v1/track", content=b'{"event": ', headers=auth)
        assert malformed.status_code == 400
        assert malformed.json()["error"]["code"] == "MALFORMED_JSON"
        invalid = http.post("/v1/track", json={"event": "x"}, headers=auth)
        assert (invalid.status_code, invalid.json()["error"]["code"]) == (400, "INVALID_EVENT")
        big = {**order(2), "properties": {"blob": "x" * 40_000}}
        too_large = http.post("/v1/track", json=big, headers=auth)
        assert (too_large.status_code, too_large.json()["code"]) == (400, "TOO_LARGE")
        assert "Segment's limit is 32768 bytes" in too_large.json()["message"]
        assert http.get("/v1/track").status_code == 405
    assert sum(runtime.queue.depth().values()) == 0  # nothing refused was queued
    assert runtime.metrics.rejected.value("UNAUTHORIZED") == 2


def test_gzip_bodies_and_the_body_write_key(
    sandbox: PerkvilleSandbox, make_runtime: MakeRuntime
) -> None:
    runtime = make_runtime(sandbox.url)
    body = gzip.compress(json.dumps({"batch": [order(1)], "writeKey": WRITE_KEY}).encode())
    with serving(runtime, DESTINATIONS) as url:
        answer = httpx.post(
            f"{url}v1/batch",
            content=body,
            headers={"Content-Encoding": "gzip", "Content-Type": "text/plain"},
        )
        assert answer.status_code == 200
        wait_for(lambda: sandbox.applied() == 1, what="the delivery")
    [transaction] = sandbox.transactions()
    assert transaction["trans_source_id"] == "order-1"


def test_metrics_are_prometheus_text(sandbox: PerkvilleSandbox, make_runtime: MakeRuntime) -> None:
    runtime = make_runtime(sandbox.url)
    with serving(runtime, DESTINATIONS) as url, httpx.Client(base_url=url) as http:
        http.post(
            "/v1/batch",
            content=batch_body([order(1), order(2)]),
            headers={"Authorization": basic()},
        )
        wait_for(lambda: sandbox.applied() == 2 and drained(runtime.queue), what="2 deliveries")
        answer = http.get("/metrics")
    assert answer.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    lines = answer.text.splitlines()
    assert 'actions_events_received_total{source="shop"} 2' in lines
    assert 'actions_events_delivered_total{route="perkville/award_points/default"} 2' in lines
    assert "actions_delivery_latency_seconds_count 2" in lines
    assert 'actions_queue_depth{state="queued"} 0' in lines
    assert "# TYPE actions_retries_total counter" in lines


def test_logs_hold_no_secret(
    sandbox: PerkvilleSandbox, make_runtime: MakeRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    runtime = make_runtime(sandbox.url, max_attempts=2, backoff="10ms")
    with PerkvilleSandbox({**SETTINGS, "api_key": "another-key"}) as refusing:
        rejecting = make_runtime(refusing.url)  # Perkville refuses its key: dead letters
        with serving(runtime, DESTINATIONS) as url, serving(rejecting, DESTINATIONS) as bad:
            for base in (url, bad):
                auth = {"Authorization": basic()}
                httpx.post(f"{base}v1/batch", content=batch_body([order(1)]), headers=auth)
                httpx.post(f"{base}v1/track", json=order(2), headers={"Authorization": "x"})
            wait_for(
                lambda: drained(runtime.queue) and drained(rejecting.queue), what="both queues"
            )
    text = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert '"msg": "dead-lettered"' in text  # the failure was logged...
    assert "INVALID_AUTHENTICATION" in text
    assert API_KEY not in text
    assert WRITE_KEY not in text


def test_segment_python_library_delivers_through_the_ingress(
    sandbox: PerkvilleSandbox, make_runtime: MakeRuntime
) -> None:
    runtime = make_runtime(sandbox.url)
    errors: list[Exception] = []
    with serving(runtime, DESTINATIONS) as url:
        client = SegmentClient(
            WRITE_KEY, host=url.rstrip("/"), gzip=True, on_error=lambda e, _: errors.append(e)
        )
        for n in range(1, 11):
            client.track(
                user_id=f"user-{n}",
                event="Order Completed",
                properties={"order_id": f"o-{n}", "revenue": 2, "email": "seg@example.com"},
                message_id=f"segment-{n}",
            )
        client.identify(user_id="user-1", traits={"email": "seg@example.com"})
        client.flush()
        client.join()
        wait_for(lambda: sandbox.applied() == 10 and drained(runtime.queue), what="10 deliveries")
    assert errors == []
    assert sandbox.balances() == {"seg@example.com": 20.0}
    assert sorted(t["trans_source_id"] for t in sandbox.transactions()) == sorted(
        f"segment-{n}" for n in range(1, 11)
    )
    assert runtime.metrics.received.value("shop") == 11
