"""HttpRequest.sign: a hook that sees the exact body bytes and adds headers (signatures),
and the encoded body kept on the prepared request so that what was signed is what is sent."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from framework import DestinationRunner, HttpRequest, Payload, RetryPolicy, Settings
from framework.authoring.model import values_of
from framework.engine.http import RequestClient, prepare
from framework.engine.loop import engine_loop
from framework.testing import CapturingTransport, make_track_event, recording_sleep, replies, reply
from tests.framework.support import SECRET, SETTINGS, make_action, make_destination

KEY = b"signing-key"


def hmac_hex(body: bytes) -> str:
    return hmac.new(KEY, body, hashlib.sha256).hexdigest()


def signer(seen: list[bytes]) -> Any:
    def sign(body: bytes) -> dict[str, str]:
        seen.append(body)
        return {"X-Sig": hmac_hex(body)}

    return sign


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            {"b": 1, "a": [1.5, None, "Zoë"]}, b'{"b":1,"a":[1.5,null,"Zo\\u00eb"]}', id="object"
        ),
        pytest.param([{"n": 1}, {"n": 2}], b'[{"n":1},{"n":2}]', id="array"),
        pytest.param(None, b"", id="no body"),
    ],
)
def test_the_hook_sees_the_exact_bytes_that_are_sent(body: Any, expected: bytes) -> None:
    seen: list[bytes] = []
    request = HttpRequest("POST", "/x", json=body, sign=signer(seen))
    prepared = prepare(request, base_url="https://h.example", shared_headers={})
    assert seen == [expected], "called once"
    assert (prepared.body() or b"") == expected
    assert prepared.content == (expected or None)
    assert prepared.headers["X-Sig"] == hmac_hex(expected)


def test_signed_headers_win_over_every_other_header() -> None:
    request = HttpRequest(
        "POST",
        "/x",
        json={},
        headers={"x-sig": "forged", "X-Other": "kept"},
        sign=lambda body: {"X-Sig": "real"},
    )
    prepared = prepare(request, base_url="https://h.example", shared_headers={"X-SIG": "shared"})
    assert [(k, v) for k, v in prepared.headers.items() if k.lower() == "x-sig"] == [
        ("X-Sig", "real")
    ]
    assert prepared.headers["X-Other"] == "kept"


def signed_post(settings: Settings, payload: Payload) -> HttpRequest:
    return HttpRequest(
        "POST", "/events", json=values_of(payload), sign=lambda body: {"X-Sig": hmac_hex(body)}
    )


def test_the_runner_sends_the_signed_bytes_and_shows_the_signature() -> None:
    transport = CapturingTransport(replies(reply(503), reply(200)))
    destination = make_destination(actions={"send": make_action(perform=signed_post)})
    with DestinationRunner(
        destination,
        SETTINGS,
        transport=transport,
        retry=RetryPolicy(max_attempts=2),
        sleep=recording_sleep([]),
    ) as run:
        [result] = run.process(make_track_event(userId="u-1"))
    assert result.status == "delivered"
    first, again = transport.requests
    assert first.content == again.content, "a retry sends the same bytes"
    assert first.headers["x-sig"] == again.headers["x-sig"] == hmac_hex(first.content)
    assert result.request is not None
    assert result.request["headers"]["X-Sig"] == hmac_hex(first.content)
    assert json.loads(first.content) == result.request["json"]
    assert SECRET not in json.dumps(result.to_json())


def test_the_client_sends_the_prepared_content() -> None:
    transport = CapturingTransport()
    client = RequestClient(transport=transport)
    request = HttpRequest("PUT", "https://h.example/x", json={"a": 1}, sign=lambda body: {})
    try:
        engine_loop().run(client.send(prepare(request, base_url=None, shared_headers={})))
    finally:
        engine_loop().run(client.close())
    assert transport.requests[0].content == b'{"a":1}'
    assert transport.requests[0].method == "PUT"
