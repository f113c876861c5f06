"""The settings API's input discipline: what strict JSON refuses is a 400 naming where on
every operation, never a 500; mappings are limited in depth; a dry run's answer is always
JSON (no NaN, no Infinity); and what cannot be shown is a coded error, not a 500."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from framework.core.json_text import parse_json
from framework.testing import make_test_destination
from tests.nesting import in_objects
from tests.perkville.support import SETTINGS
from tests.server.support import error_of, running_server

OPERATIONS = ["validate-settings", "validate-mapping", "test-connection", "dry-run"]
SPEND: dict[str, Any] = {
    "type": "track",
    "event": "Order Completed",
    "userId": "user-1",
    "messageId": "m-1",
    "properties": {"order_id": "A-1", "revenue": 9.99, "email": "ana@example.com"},
}
NOT_FINITE = "a number is not a finite double (NaN, Infinity or out of range)"


def post_raw(client: httpx.Client, operation: str, body: bytes) -> httpx.Response:
    return client.post(
        f"/api/destinations/perkville/{operation}",
        content=body,
        headers={"Content-Type": "application/json"},
    )


def award_points(answer: dict[str, Any]) -> dict[str, Any]:
    """The dry run's result for the award_points action."""
    results: list[dict[str, Any]] = answer["results"]
    [result] = [r for r in results if r["action"] == "award_points"]
    return result


def dry_run(client: httpx.Client, event: dict[str, Any], mappings: Any) -> httpx.Response:
    body = {"settings": SETTINGS, "event": event, "mappings": mappings}
    return client.post("/api/destinations/perkville/dry-run", json=body)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            b'{"settings": {"api_key": "s3cr3t\\udce9"}}',
            "not valid JSON: a string holds a lone UTF-16 surrogate at /settings/api_key",
            id="lone surrogate",
        ),
        pytest.param(
            b'{"settings": {"business_id": ' + b"7" * 4301 + b"}}",
            "not valid JSON: an integer has more than 4300 digits at /settings/business_id",
            id="4301 digits",
        ),
        pytest.param(
            b'{"event": {"properties": {"revenue": 1e400}}}',
            f"not valid JSON: {NOT_FINITE} at /event/properties/revenue",
            id="beyond a double",
        ),
        pytest.param(b'{"settings": "caf\xe9"}', "not UTF-8", id="not UTF-8"),
        pytest.param(
            b'{"mapping": ' + b"[" * 70 + b"]" * 70 + b"}",
            "not valid JSON: it is nested more than 64 deep at "
            + ("/mapping" + "/0" * 63)[:119]
            + "…",
            id="too deep",
        ),
    ],
)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operation_refuses_what_strict_json_refuses_with_400(
    client: httpx.Client, operation: str, body: bytes, message: str
) -> None:
    response = post_raw(client, operation, body)
    assert response.status_code == 400
    assert error_of(response) == {
        "code": "MALFORMED_JSON",
        "message": f"the request body is {message}",
    }


def test_a_dry_run_never_answers_infinity(client: httpx.Client) -> None:
    mappings = {
        "award_points": {
            "amount": {"@json": {"mode": "decode", "value": {"@path": "$.properties.raw"}}}
        }
    }
    event = {**SPEND, "properties": {**SPEND["properties"], "raw": "1e400"}}
    response = dry_run(client, event, mappings)
    assert response.status_code == 200
    result = award_points(parse_json(response.content))  # strict: no Infinity, no NaN
    assert result["payload"]["amount"] == "1e400", "not JSON that strict JSON reads"
    assert result["error"]["code"] == "PAYLOAD_VALIDATION_FAILED"
    assert result["error"]["message"].startswith("amount: expected a finite number")


def test_a_liquid_time_bomb_is_a_coded_failure(client: httpx.Client) -> None:
    squares = "{% assign a = 99999999999999999999 %}" + "{% assign a = a | times: a %}" * 12
    mappings = {"award_points": {"order_id": {"@liquid": squares + "{{ a | modulo: 7 }}"}}}
    response = dry_run(client, SPEND, mappings)
    assert response.status_code == 200
    error = award_points(response.json())["error"]
    assert error["code"] == "MAPPING_FAILED"
    assert "times: numbers must be within ±1.8e+308" in error["message"]


def test_a_liquid_failure_never_quotes_the_event(client: httpx.Client) -> None:
    mappings = {
        "award_points": {
            "order_id": {"@liquid": "{{ properties.code | compact: properties.code }}"}
        }
    }
    event = {**SPEND, "properties": {**SPEND["properties"], "code": "s3cr3t"}}
    response = dry_run(client, event, mappings)
    assert response.status_code == 200
    error = award_points(response.json())["error"]
    assert error["code"] == "MAPPING_FAILED"
    assert "compact: an argument cannot be used" in error["message"]
    assert "s3cr3t" not in response.text


@pytest.mark.parametrize(
    ("depth", "problems"),
    [
        (30, []),
        (31, [{"location": "/amount" + "/k" * 31, "message": "it is nested more than 32 deep"}]),
        (40, [{"location": "/amount" + "/k" * 31, "message": "it is nested more than 32 deep"}]),
    ],
)
def test_a_deep_mapping_is_a_problem_at_its_pointer(
    client: httpx.Client, depth: int, problems: list[dict[str, str]]
) -> None:
    body = {
        "action": "award_points",
        "mapping": {"amount": in_objects(depth, {"@path": "$.properties.revenue"})},
    }
    response = client.post("/api/destinations/perkville/validate-mapping", json=body)
    assert response.status_code == 200
    assert response.json() == {"ok": not problems, "problems": problems}


def test_a_dry_run_with_a_deep_mapping_is_refused_as_invalid_mapping(
    client: httpx.Client,
) -> None:
    response = dry_run(
        client,
        SPEND,
        {"award_points": {"amount": in_objects(40, {"@path": "$.properties.revenue"})}},
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "INVALID_MAPPING"
    assert error["problems"] == [
        {
            "action": "award_points",
            "location": "/amount" + "/k" * 31,
            "message": "it is nested more than 32 deep",
        }
    ]


def test_an_answer_that_cannot_be_written_as_json_is_a_coded_error() -> None:
    odd = make_test_destination(name="Te\udcf0st")  # a plugin bug: not text
    with running_server([odd]) as server:
        response = httpx.get(f"{server.url}api/destinations")
    assert response.status_code == 422
    assert json.loads(response.content) == {
        "error": {
            "code": "RESULT_NOT_JSON",
            "message": "the result cannot be shown: a string holds a lone UTF-16 surrogate "
            "at /destinations/0/name",
        }
    }
