"""The ingress on the settings server, in front of a stand-in runtime: each Tracking API
call reaches the runtime with its raw body, encoding and credentials; the runtime's
refusals become Segment's answers; /metrics is the runtime's text; without the page, only
the ingress answers."""

from __future__ import annotations

import gzip
import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from destinations.perkville import destination as perkville
from framework.runtime.delivery.intake import IntakeError
from framework.runtime.delivery.metrics import CONTENT_TYPE
from framework.runtime.delivery.queue import QueueUnavailable
from framework.runtime.server.ingress import Ingress
from tests.server.support import METRICS_TEXT, Call, FakeRuntime, error_of, running_server

LIMIT = 10_000
AUTHORIZATION = "Basic d2tfU0VDUkVUOg=="


@pytest.fixture
def runtime() -> FakeRuntime:
    return FakeRuntime()


@pytest.fixture
def client(runtime: FakeRuntime) -> Iterator[httpx.Client]:
    """A client of a settings server with ``runtime``'s ingress; bodies up to LIMIT."""
    with (
        running_server([perkville], ingress=Ingress(runtime), max_body=LIMIT) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        yield http


def test_a_call_reaches_the_runtime_as_sent(client: httpx.Client, runtime: FakeRuntime) -> None:
    body = b'{"userId": "u-1", "event": "Order Completed"}'
    headers = {"Authorization": AUTHORIZATION, "Content-Type": "text/plain"}
    response = client.post("/v1/track", content=body, headers=headers)
    assert (response.status_code, response.json()) == (200, {"success": True})
    assert runtime.calls == [Call("track", body, None, AUTHORIZATION)]


def test_a_gzip_body_reaches_the_runtime_still_compressed(
    client: httpx.Client, runtime: FakeRuntime
) -> None:
    body = gzip.compress(json.dumps({"batch": []}).encode())
    response = client.post("/v1/batch", content=body, headers={"Content-Encoding": "gzip"})
    assert response.status_code == 200
    assert runtime.calls == [Call("batch", body, "gzip", None)]


@pytest.mark.parametrize(
    ("refusal", "status", "headers"),
    [
        pytest.param(
            IntakeError(401, "UNAUTHORIZED", "the write key is not configured"),
            401,
            {"WWW-Authenticate": 'Basic realm="actions"'},
            id="unauthorized",
        ),
        pytest.param(
            IntakeError(400, "TOO_LARGE", "the track body is 40000 bytes; the limit is 32 KB"),
            400,
            {},
            id="too large",
        ),
        pytest.param(
            QueueUnavailable("the queue's Redis cannot be reached"),
            503,
            {"Retry-After": "1"},
            id="queue unavailable",
        ),
    ],
)
def test_a_refusal_is_answered_as_segment_does(
    client: httpx.Client,
    runtime: FakeRuntime,
    refusal: IntakeError | QueueUnavailable,
    status: int,
    headers: dict[str, str],
) -> None:
    runtime.refusal = refusal
    response = client.post("/v1/track", content=b"{}")
    assert response.status_code == status
    assert segment_error(response) == {"code": refusal.code, "message": refusal.message}
    for name in ("WWW-Authenticate", "Retry-After"):
        assert response.headers.get(name) == headers.get(name)


def test_the_metrics_are_the_runtimes_text(client: httpx.Client) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CONTENT_TYPE
    assert response.text == METRICS_TEXT


def segment_error(response: httpx.Response) -> dict[str, Any]:
    """The ``{"code", "message"}`` of a refusal in the ingress's Segment shape: the same pair
    at the top level (segment-analytics-python reads it) and under ``error``."""
    assert response.headers["Content-Type"] == "application/json"
    document = response.json()
    assert set(document) == {"code", "message", "error"}
    error: dict[str, Any] = document["error"]
    assert error == {"code": document["code"], "message": document["message"]}
    return error


def test_wrong_methods_and_paths(client: httpx.Client, runtime: FakeRuntime) -> None:
    wrong = client.get("/v1/track")
    assert (wrong.status_code, wrong.headers["Allow"]) == (405, "POST")
    assert segment_error(wrong)["code"] == "METHOD_NOT_ALLOWED"
    assert client.post("/metrics").headers["Allow"] == "GET"
    assert client.post("/v1/nothing", content=b"{}").status_code == 404
    assert runtime.calls == []


@pytest.mark.parametrize("call", ["/v1/batch", "/v1/track"])
def test_a_body_past_the_limit_is_400_too_large_naming_segments_limit(
    client: httpx.Client, runtime: FakeRuntime, call: str
) -> None:
    """Not 413: @segment/analytics-node retries a 413 forever."""
    too_large = client.post(call, content=b" " * (LIMIT + 1))
    assert too_large.status_code == 400
    error = segment_error(too_large)
    assert error["code"] == "TOO_LARGE"
    assert "Segment's limit is 512000 bytes (500 KB)" in error["message"]
    assert runtime.calls == []


def test_the_settings_api_keeps_its_413(client: httpx.Client) -> None:
    too_large = client.post(
        "/api/destinations/perkville/validate-mapping",
        content=b" " * (LIMIT + 1),
        headers={"Content-Type": "application/json"},
    )
    assert too_large.status_code == 413
    assert too_large.json() == {"error": error_of(too_large)}
    assert error_of(too_large)["code"] == "BODY_TOO_LARGE"


def test_a_chunked_call_is_refused_with_411(client: httpx.Client, runtime: FakeRuntime) -> None:
    address = urlsplit(str(client.base_url))
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
    connection.request("POST", "/v1/track", body=iter([b"{}"]), encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 411
    document = json.loads(response.read())
    assert document["code"] == document["error"]["code"] == "LENGTH_REQUIRED"
    assert document["message"] == document["error"]["message"]
    connection.close()
    assert runtime.calls == []


def test_a_runtime_bug_answers_500_and_logs_no_message(
    server_log: pytest.LogCaptureFixture, client: httpx.Client, runtime: FakeRuntime
) -> None:
    runtime.refusal = RuntimeError(f"cannot use {AUTHORIZATION}")
    response = client.post("/v1/track", content=b"{}")
    assert response.status_code == 500
    assert segment_error(response) == {
        "code": "INTERNAL_ERROR",
        "message": "internal error (RuntimeError)",
    }
    assert "POST /v1/track failed: RuntimeError" in server_log.text
    assert AUTHORIZATION not in server_log.text


def test_without_the_page_only_the_ingress_answers(runtime: FakeRuntime) -> None:
    with (
        running_server([perkville], ingress=Ingress(runtime), ui=False) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        assert http.get("/").status_code == 404
        assert http.get("/api/destinations").status_code == 404
        assert http.get("/static/app.js").status_code == 404
        assert http.post("/v1/identify", content=b"{}").status_code == 200
        assert http.get("/metrics").status_code == 200
    assert [call.call for call in runtime.calls] == ["identify"]
