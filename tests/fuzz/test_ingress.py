"""Fuzzing Segment's Tracking API at the ingress: random bodies, encodings and write keys,
random events alone and in batches, awaited as the server awaits them, and a few random
requests through the real server. Never a 5xx; every answer is strict JSON, a refusal has
the documented error shape and never echoes a value; no valid event of a batch is lost to
the invalid ones beside it, and none that ``integrations`` keeps from Perkville is stored."""

from __future__ import annotations

import gzip
import itertools
import random
import time
from dataclasses import dataclass
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from framework.engine.loop import engine_loop
from framework.runtime.delivery.queue import Delivered
from framework.runtime.delivery.runtime import Runtime
from framework.runtime.server.ingress import CALL_PATHS, Ingress
from tests.delivery.support import WRITE_KEY, basic
from tests.fuzz.strategies import (
    CALL_TYPES,
    ECHO_MARK,
    KEPT_FROM_PERKVILLE,
    TIMES,
    encoded,
    invalid_events,
    json_text,
    odd_json,
    random_bytes,
    unclassified_events,
    valid_tracks,
)
from tests.fuzz.support import LogRecorder, count, error_shape, fuzz, no_echo, strict_json

PATHS = sorted(CALL_PATHS)
_ids = itertools.count()


@dataclass(frozen=True)
class Request:
    """A Tracking API request: path, body and headers."""

    path: str
    body: bytes
    headers: dict[str, str]


def _request(
    path: str, body: bytes, encoding: str | None, compress: bool, authorization: str | None
) -> Request:
    headers = {"Content-Encoding": encoding} if encoding is not None else {}
    if authorization is not None:
        headers["Authorization"] = authorization
    return Request(path, gzip.compress(body) if compress else body, headers)


AUTHORIZATIONS = st.just(basic()) | st.sampled_from(  # mostly the write key, so bodies are read
    [basic(), None, "", "Basic", "Basic !!!", "Basic " + "A" * 500, "Bearer x", basic("nope")]
)
ENCODINGS = st.sampled_from([None, "gzip", "identity", "GZIP ", "br", "gzip, gzip", "\x00"])
# batches whose events and batch-wide members (context, integrations, sentAt) are anything
BATCH_BODIES = st.builds(
    lambda items, shared: encoded(json_text({"batch": items, **shared})),
    st.lists(valid_tracks() | invalid_events() | unclassified_events(), max_size=4),
    st.dictionaries(
        st.sampled_from(["context", "integrations", "sentAt", "writeKey", "batch", "type"]),
        odd_json(long=False),
        max_size=3,
    ),
)
REQUESTS = st.one_of(
    st.builds(
        _request, st.sampled_from(PATHS), random_bytes(), ENCODINGS, st.booleans(), AUTHORIZATIONS
    ),
    st.builds(
        lambda body, gzipped, authorization: _request(
            "/v1/batch", body, "gzip" if gzipped else None, gzipped, authorization
        ),
        BATCH_BODIES,
        st.booleans(),
        AUTHORIZATIONS,
    ),
)
# a single event and what the ingress must do with it
LABELLED_EVENTS = st.one_of(
    st.tuples(st.just("valid"), valid_tracks()),
    st.tuples(st.just("kept off"), valid_tracks(KEPT_FROM_PERKVILLE)),
    st.tuples(st.just("invalid"), invalid_events()),
    st.tuples(st.just("unclassified"), unclassified_events()),
)


@dataclass(frozen=True)
class Batch:
    """A batch's events by what the ingress must do with each, and its ``sentAt``."""

    valid: list[dict[str, Any]]
    kept_off: list[dict[str, Any]]
    invalid: list[Any]
    unclassified: list[Any]
    sent_at: str | None
    write_key_in_body: bool
    shuffle: random.Random


BATCHES = st.builds(
    Batch,
    st.lists(valid_tracks(), min_size=1, max_size=4),
    st.lists(valid_tracks(KEPT_FROM_PERKVILLE), max_size=2),
    st.lists(invalid_events(), max_size=3),
    st.lists(unclassified_events(batch=True), max_size=2),
    st.none() | TIMES,
    st.booleans(),
    st.randoms(use_true_random=False),
)


def fresh_id(kind: str) -> str:
    """A messageId never sent before (a replayed example must not be de-duplicated)."""
    return f"fuzz-{kind}-{next(_ids)}"


def answer(runtime: Runtime, request: Request) -> int:
    """The ingress's status for a request, after checking its answer."""
    call = Ingress(runtime).dispatch(request.path, request.headers, request.body)
    response = engine_loop().run(call)
    where = f"the answer to POST {request.path}"
    assert response.status < 500, f"{where} is a {response.status}: {response.body[:300]!r}"
    assert WRITE_KEY.encode() not in response.body, f"{where} shows the write key"
    document = strict_json(response.body, where)
    if response.status == 200:
        assert document == {"success": True}, where
    else:
        assert 400 <= response.status < 500, where
        error_shape(document, where)
        message = document["error"]["message"]
        assert ECHO_MARK not in message, f"{where} echoes a value: {message[:300]!r}"
    return response.status


def stored(runtime: Runtime) -> set[str]:
    """The messageIds of the items queued since the last call, taken off the queue; each
    stored event must be strict JSON, without the write key."""
    now = time.time()
    items = runtime.queue.claim(10_000, 600, now)
    runtime.queue.complete([Delivered(item) for item in items], now)
    for item in items:
        strict_json(item.event, f"the stored event {item.message_id!r}")
        assert WRITE_KEY not in item.event, f"the stored event {item.message_id!r} has the key"
    return {item.message_id for item in items}


def quiet(logs: LogRecorder) -> None:
    """The log since the last call names no write key and no event content."""
    text = logs.take()
    assert WRITE_KEY not in text, "the log shows the write key"
    no_echo(ECHO_MARK, text, "the log")


def with_ids(events: list[Any], kind: str) -> list[str]:
    """Give each event object of ``events`` a fresh messageId; the ids."""
    ids = []
    for event in events:
        if isinstance(event, dict):
            event["messageId"] = fresh_id(kind)
            ids.append(event["messageId"])
    return ids


@fuzz(300)
@given(request=REQUESTS)
def test_any_body_with_any_encoding_and_key(
    runtime: Runtime, logs: LogRecorder, request: Request
) -> None:
    count("ingress")
    answer(runtime, request)
    stored(runtime)
    quiet(logs)


@fuzz(300)
@given(labelled=LABELLED_EVENTS)
def test_one_event_per_call(runtime: Runtime, logs: LogRecorder, labelled: tuple[str, Any]) -> None:
    count("ingress")
    kind, event = labelled
    message_id = fresh_id(kind)
    if isinstance(event, dict):
        event["messageId"] = message_id
    call = event.get("type") if isinstance(event, dict) else None
    path = f"/v1/{call}" if call in CALL_TYPES else "/v1/track"
    status = answer(runtime, Request(path, encoded(json_text(event)), {"Authorization": basic()}))
    queued = stored(runtime)
    quiet(logs)
    if kind == "valid":
        assert status == 200, "a valid track call is refused"
        assert message_id in queued, "a valid track call was not stored"
    elif kind in ("kept off", "invalid"):
        assert message_id not in queued, f"an event that is {kind} was stored"


@fuzz(200)
@given(batch=BATCHES)
def test_a_batch_keeps_its_valid_events(runtime: Runtime, logs: LogRecorder, batch: Batch) -> None:
    items = [*batch.valid, *batch.kept_off, *batch.invalid, *batch.unclassified]
    count("ingress", len(items))
    valid = with_ids(batch.valid, "valid")
    kept_off = with_ids(batch.kept_off, "kept-off")
    invalid = with_ids(batch.invalid, "invalid")
    batch.shuffle.shuffle(items)
    document: dict[str, Any] = {"batch": items}
    if batch.sent_at is not None:
        document["sentAt"] = batch.sent_at
    headers = {"Authorization": basic()}
    if batch.write_key_in_body:  # as Segment also accepts: the key in the body, and events
        document["writeKey"] = WRITE_KEY
        for event in batch.valid:
            event["writeKey"] = WRITE_KEY
        headers = {}
    request = Request("/v1/batch", encoded(json_text(document)), headers)
    assert answer(runtime, request) == 200, "a batch holding valid events is refused"
    queued = stored(runtime)
    quiet(logs)
    lost = [message_id for message_id in valid if message_id not in queued]
    assert not lost, f"valid events lost from the batch: {lost}"
    kept = [message_id for message_id in kept_off if message_id in queued]
    assert not kept, f"events whose integrations turn Perkville off were stored: {kept}"
    taken = [message_id for message_id in invalid if message_id in queued]
    assert not taken, f"invalid events were stored: {taken}"


@fuzz(50)
@given(
    request=st.builds(
        _request,
        st.sampled_from([*PATHS, "/metrics", "/v1/", "/v1/TRACK", "/v1/batch/", "/%ff", "/v1"]),
        random_bytes(),
        ENCODINGS.filter(lambda e: e is None or (e.isprintable() and e == e.strip())),
        st.booleans(),
        AUTHORIZATIONS,
    ),
    content_type=st.sampled_from(["application/json", "text/plain", "", 'x/y; q="\\"']),
)
def test_random_requests_through_the_server(
    server: httpx.Client, request: Request, content_type: str
) -> None:
    count("ingress over HTTP")
    headers = {**request.headers, "Content-Type": content_type}
    response = server.post(request.path, content=request.body, headers=headers)
    where = f"the server's answer to POST {request.path}"
    status = response.status_code
    assert status < 500, f"{where} is a {status}: {response.text[:300]!r}"
    if response.headers.get("Content-Type") == "application/json":
        document = strict_json(response.content, where)
        if status >= 400:
            error_shape(document, where)
