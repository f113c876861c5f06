"""The Perkville sandbox's rules: authentication, the business, location and perk checks,
body validation, de-duplication, balances, the business lookup and the inspection
endpoints (no faults here)."""

from __future__ import annotations

import http.client
import json
import logging
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from destinations.perkville.sandbox import PerkvilleSandbox
from framework import SettingsError
from tests.sandbox.support import AUTH, SETTINGS, transaction
from tests.waiting import HANG_GUARD


def post(client: httpx.Client, body: Any, headers: dict[str, str] = AUTH) -> httpx.Response:
    return client.post("/transactions/", json=body, headers=headers)


def failure(message: str, code: str) -> dict[str, Any]:
    return {"status": "failure", "error_codes": [{"message": message, "code": code}],
            "errors": [message]}  # fmt: skip


def test_a_transaction_is_applied_to_the_emails_balance(
    client: httpx.Client, sandbox: PerkvilleSandbox
) -> None:
    response = post(client, transaction())
    assert response.status_code == 201
    assert response.json() == {
        "status": "success",
        "duplicate": False,
        "transaction": {"id": 1, **transaction()},
    }
    assert sandbox.balances() == {"ana@example.com": 9.99}
    assert (sandbox.applied(), sandbox.duplicates()) == (1, 0)


def test_balances_are_the_sums_of_applied_quantities(
    client: httpx.Client, sandbox: PerkvilleSandbox
) -> None:
    quantities = [("a", "ana@example.com", 0.1), ("b", "ana@example.com", 0.2)]
    quantities += [("c", "ben@example.com", 3), ("d", "ana@example.com", -0.05)]
    for source, email, quantity in quantities:
        body = transaction(trans_source_id=source, email=email, quantity=quantity)
        assert post(client, body).status_code == 201
    assert sandbox.balances() == {"ana@example.com": 0.25, "ben@example.com": 3.0}
    assert sandbox.applied() == 4


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": SETTINGS["api_key"]}],
    ids=["missing", "wrong-token", "not-bearer"],
)
def test_a_wrong_token_is_a_401(
    client: httpx.Client, sandbox: PerkvilleSandbox, headers: dict[str, str]
) -> None:
    response = post(client, transaction(), headers)
    assert response.status_code == 401
    assert response.json() == failure("Invalid or missing bearer token", "E001")
    assert sandbox.applied() == 0


INVALID = [
    ({"business": "99"}, 404, "Business 99 does not exist", "E002"),
    ({"location": "18"}, 400, "Location 18 does not exist", "E004"),
    ({"perk": "34"}, 400, "Perk 34 does not exist", "E003"),
    ({"email": "not-an-email"}, 400, "email: Enter a valid email address.", "E005"),
    ({"email": " ana@example.com"}, 400, "email: Enter a valid email address.", "E005"),
    ({"quantity": 0}, 400, "quantity: Enter a non-zero number.", "E005"),
    ({"quantity": 0.0}, 400, "quantity: Enter a non-zero number.", "E005"),
    ({"quantity": "9.99"}, 400, "quantity: Enter a non-zero number.", "E005"),
    ({"quantity": True}, 400, "quantity: Enter a non-zero number.", "E005"),
    ({"send_email": "no"}, 400, "send_email: Must be true or false.", "E005"),
    (
        {"limit_to_once_per_calendar_day": 1},
        400,
        "limit_to_once_per_calendar_day: Must be true or false.",
        "E005",
    ),
    ({"trans_source_id": ""}, 400, "trans_source_id: Enter a non-empty string.", "E005"),
    ({"trans_source_id": 7}, 400, "trans_source_id: Enter a non-empty string.", "E005"),
    ({"perk": ["555"]}, 400, "perk: Enter an id (a string or an integer).", "E005"),
]


@pytest.mark.parametrize("case", INVALID, ids=[str(case[0]) for case in INVALID])
def test_an_invalid_transaction_is_refused_and_not_applied(
    client: httpx.Client, sandbox: PerkvilleSandbox, case: tuple[dict[str, Any], int, str, str]
) -> None:
    changes, status, message, code = case
    response = post(client, transaction(**changes))
    assert (response.status_code, response.json()) == (status, failure(message, code))
    assert (sandbox.applied(), sandbox.balances()) == (0, {})


@pytest.mark.parametrize("name", ["business", "location", "perk", "email", "quantity"])
def test_each_field_is_required(client: httpx.Client, sandbox: PerkvilleSandbox, name: str) -> None:
    body = {key: value for key, value in transaction().items() if key != name}
    response = post(client, body)
    assert response.status_code == 400
    assert response.json()["errors"] == [f"{name}: This field is required."]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "The request body is not valid JSON"),
        (b'{"quantity": NaN}', "The request body is not valid JSON"),
        (b'{"email": "\xff"}', "The request body is not valid JSON"),  # not UTF-8
        (b"[1, 2]", "The request body must be a JSON object"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400(
    client: httpx.Client, content: bytes, message: str
) -> None:
    response = client.post("/transactions/", content=content, headers=AUTH)
    assert (response.status_code, response.json()) == (400, failure(message, "E005"))


def test_integer_ids_name_the_same_business_location_and_perk(client: httpx.Client) -> None:
    response = post(client, transaction(business=4242, location=17, perk=555))
    assert response.status_code == 201
    assert response.json()["transaction"]["perk"] == "555"


def test_a_repeated_trans_source_id_is_answered_with_the_original_and_not_applied(
    client: httpx.Client, sandbox: PerkvilleSandbox
) -> None:
    first = post(client, transaction())
    again = post(client, transaction(quantity=50))
    assert again.status_code == 200
    assert again.json() == {**first.json(), "duplicate": True}
    assert sandbox.balances() == {"ana@example.com": 9.99}
    assert (sandbox.applied(), sandbox.duplicates()) == (1, 1)
    assert sandbox.transactions() == [first.json()["transaction"]]


def test_the_business_lookup(client: httpx.Client) -> None:
    found = client.get("/businesses/4242/", headers=AUTH)
    assert (found.status_code, found.json()) == (
        200,
        {"status": "success", "business": {"id": "4242"}},
    )
    missing = client.get("/businesses/99/", headers=AUTH)
    assert (missing.status_code, missing.json()) == (
        404,
        failure("Business 99 does not exist", "E002"),
    )
    assert client.get("/businesses/4242/", headers={"Authorization": "Bearer x"}).status_code == 401


def test_the_balances_endpoint_needs_no_token(
    client: httpx.Client, sandbox: PerkvilleSandbox
) -> None:
    post(client, transaction())
    post(client, transaction())
    post(client, transaction(trans_source_id="t-2", email="ben@example.com", quantity=2))
    response = client.get("/sandbox/balances")
    assert response.status_code == 200
    assert response.json() == {
        "balances": {"ana@example.com": 9.99, "ben@example.com": 2.0},
        "applied": 2,
        "duplicates": 1,
        "faults": {},
    }
    listed = client.get("/sandbox/transactions").json()["transactions"]
    assert [t["trans_source_id"] for t in listed] == ["t-1", "t-2"]
    assert listed == sandbox.transactions()


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("GET", "/transactions/", 405, "POST"),
        ("POST", "/businesses/4242/", 405, "GET"),
        ("DELETE", "/sandbox/balances", 405, "GET"),
        ("GET", "/v1/transactions/", 404, None),
    ],
)
def test_unknown_paths_and_methods(
    client: httpx.Client, method: str, path: str, status: int, allow: str | None
) -> None:
    response = client.request(method, path, headers=AUTH)
    assert response.status_code == status
    assert response.headers.get("Allow") == allow
    assert response.json()["status"] == "failure"


def announce_body(sandbox: PerkvilleSandbox, length: str) -> tuple[int, str | None, bytes]:
    """Status, Connection header and body of the answer to a POST whose headers say
    ``Content-Length: length``, its body never sent: the header alone is refused."""
    connection = http.client.HTTPConnection(urlsplit(sandbox.url).netloc, timeout=HANG_GUARD)
    connection.putrequest("POST", "/transactions/")
    connection.putheader("Content-Length", length)
    connection.endheaders()
    response = connection.getresponse()
    answer = response.status, response.getheader("Connection"), response.read()
    connection.close()
    return answer


def test_a_body_over_the_limit_is_a_413_before_it_is_sent(sandbox: PerkvilleSandbox) -> None:
    status, connection, body = announce_body(sandbox, "1000001")
    assert (status, connection) == (413, "close")
    assert json.loads(body)["error_codes"][0]["code"] == "E413"
    assert sandbox.applied() == 0


def test_a_chunked_body_over_the_limit_is_a_413(client: httpx.Client) -> None:
    chunks = (b"x" * 100_000 for _ in range(11))  # no length: sent chunked
    response = client.post("/transactions/", content=chunks, headers=AUTH)
    assert response.status_code == 413
    assert response.json()["error_codes"][0]["code"] == "E413"


def test_a_client_gone_before_its_body_is_complete_is_no_error(
    sandbox: PerkvilleSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    address = urlsplit(sandbox.url)
    with socket.create_connection(
        (address.hostname, address.port), timeout=HANG_GUARD
    ) as connection:
        head = b"POST /transactions/ HTTP/1.1\r\nHost: sandbox\r\nContent-Length: 100\r\n\r\n"
        connection.sendall(head + b"{")
    sandbox.stop()  # once the request under way has ended
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert sandbox.applied() == 0


def test_a_length_that_is_not_a_number_is_a_400_from_the_http_layer(
    sandbox: PerkvilleSandbox,
) -> None:
    status, _, body = announce_body(sandbox, "many")  # aiohttp's parser refuses it
    assert status == 400
    assert b"Invalid character in Content-Length" in body


def test_invalid_settings_are_refused_naming_the_setting() -> None:
    with pytest.raises(SettingsError, match="api_key"):
        PerkvilleSandbox({**SETTINGS, "api_key": ""})
