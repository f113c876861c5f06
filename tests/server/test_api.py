"""The settings server's JSON API on a real server (127.0.0.1, a free port): the committed
schemas, the framework's own checks, the authentication test against a mock Perkville, and
dry runs. No answer ever contains the API key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from destinations.perkville import destination as perkville
from destinations.webhook import destination as webhook
from framework.engine.operator import OperatorConfig
from framework.runtime.server import SettingsApi
from tests.local_server import LocalServer
from tests.perkville.support import API_KEY, SETTINGS
from tests.server.support import running_server, schemas_of

ROOT = Path(__file__).resolve().parents[2]
SPEND = {
    "type": "track",
    "event": "Order Completed",
    "userId": "user-1",
    "messageId": "m-1",
    "properties": {"order_id": "A-1", "revenue": 9.99, "email": "ana@example.com"},
}

IDENTIFY = {
    "type": "identify",
    "userId": "u-1",
    "traits": {"email": "a@example.com", "vip_customers": True},
}
ENGAGE_OFF = {
    "name": "Award Perk for Audience",
    "action": "award_perk_for_audience",
    "subscription": 'type = "identify"',
    "matched": False,
    "enabled": False,
}


def post(client: httpx.Client, operation: str, body: dict[str, Any]) -> httpx.Response:
    """POST a JSON body to an operation of the Perkville destination; never leaks the key."""
    response = client.post(f"/api/destinations/perkville/{operation}", json=body)
    assert API_KEY not in response.text
    return response


def dry_run(client: httpx.Client, event: dict[str, Any], **extra: Any) -> dict[str, Any]:
    response = post(client, "dry-run", {"settings": SETTINGS, "event": event, **extra})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_lists_every_registered_destination(client: httpx.Client) -> None:
    listed = client.get("/api/destinations").json()["destinations"]
    assert [(d["slug"], d["name"], d["actions"]) for d in listed] == [
        (
            "perkville",
            "Perkville",
            {"award_points": "Award Points", "award_perk_for_audience": "Award Perk for Audience"},
        )
    ]


def test_describes_a_destination_with_its_committed_schemas(client: httpx.Client) -> None:
    described = client.get("/api/destinations/perkville").json()
    committed = ROOT / "schemas/destinations/perkville"
    assert described["settings_schema"] == json.loads(
        (committed / "settings.schema.json").read_text()
    )
    [action, engage] = described["actions"]
    assert action["schema"] == json.loads(
        (committed / "actions/award_points.schema.json").read_text()
    )
    assert action["subscriptions"] == ['type = "track"']
    assert action["on_by_default"] is True
    assert action["mapping"]["event_name"] == {"@path": "$.event"}
    assert action["mapping"]["trans_source_id"] == {"@path": "$.messageId"}
    assert engage["slug"] == "award_perk_for_audience"
    assert engage["schema"] == json.loads(
        (committed / "actions/award_perk_for_audience.schema.json").read_text()
    )
    assert engage["subscriptions"] == ['type = "identify"']
    assert engage["on_by_default"] is False
    assert described["authentication"] is True


def test_a_destination_without_committed_schemas_says_how_to_fix_it(tmp_path: Path) -> None:
    with running_server([perkville], schemas_dir=tmp_path) as server:
        response = httpx.get(f"{server.url}api/destinations/perkville")
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "SCHEMA_MISSING"
    assert "run `actions schemas`" in error["message"]


def test_an_unknown_destination_is_not_found(client: httpx.Client) -> None:
    response = client.get("/api/destinations/nope")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "NOT_FOUND", "message": "unknown destination 'nope'"}
    }


def test_settings_problems_are_named_one_by_one(client: httpx.Client) -> None:
    settings = {"business_id": "4242", "location_id": " ", "send_email": "yes"}
    answer = post(client, "validate-settings", {"settings": settings}).json()
    assert answer == {
        "ok": False,
        "problems": [
            {"location": "api_key", "message": "is required"},
            {"location": "location_id", "message": "must not be empty"},
            {"location": "send_email", "message": "expected a boolean, got string"},
        ],
    }


def test_an_empty_perk_id_is_a_settings_problem(client: httpx.Client) -> None:
    settings = {**SETTINGS, "audience_to_perk_map": {"vip_customers": " "}}
    answer = post(client, "validate-settings", {"settings": settings}).json()
    assert answer == {
        "ok": False,
        "problems": [
            {
                "location": "",
                "message": "invalid settings for perkville: audience_to_perk_map: the perk id "
                "of entry 1 is empty",
            }
        ],
    }


def test_valid_settings_have_no_problems(client: httpx.Client) -> None:
    answer = post(client, "validate-settings", {"settings": SETTINGS}).json()
    assert answer == {"ok": True, "problems": []}


def test_a_secret_of_the_wrong_type_is_not_echoed(client: httpx.Client) -> None:
    answer = post(client, "validate-settings", {"settings": {**SETTINGS, "api_key": 987654321}})
    assert answer.json()["problems"] == [
        {"location": "api_key", "message": "expected a string, got integer"}
    ]
    assert "987654321" not in answer.text


@pytest.mark.parametrize(
    ("mapping", "problems"),
    [
        pytest.param({"email": {"@path": "$.traits.email"}}, [], id="valid"),
        pytest.param(
            {"emial": "x"},
            [{"location": "/emial", "message": "action 'award_points' has no field 'emial'"}],
            id="unknown field",
        ),
        pytest.param(
            ["email"],
            [{"location": "", "message": "a mapping must be a JSON object: field -> mapping"}],
            id="not an object",
        ),
    ],
)
def test_mappings_are_checked(
    client: httpx.Client, mapping: object, problems: list[dict[str, str]]
) -> None:
    answer = post(client, "validate-mapping", {"action": "award_points", "mapping": mapping})
    assert answer.json() == {"ok": not problems, "problems": problems}


def test_a_mapping_problem_is_located_inside_the_mapping(client: httpx.Client) -> None:
    mapping = {"email": {"@path": 42}}
    answer = post(client, "validate-mapping", {"action": "award_points", "mapping": mapping})
    [problem] = answer.json()["problems"]
    assert problem["location"] == "/email/@path"


def test_a_mapping_of_an_unknown_action_is_not_found(client: httpx.Client) -> None:
    answer = post(client, "validate-mapping", {"action": "nope", "mapping": {}})
    assert answer.status_code == 404


def test_connection_test_reaches_the_mock_with_the_key(
    client: httpx.Client, mock: LocalServer
) -> None:
    answer = post(client, "test-connection", {"settings": SETTINGS}).json()
    assert answer == {
        "ok": True,
        "message": "authentication succeeded",
        "code": None,
        "status": 200,
    }
    [received] = mock.received
    assert (received.method, received.path) == ("GET", "/businesses/4242/")
    assert received.headers["Authorization"] == f"Bearer {API_KEY}"


def test_a_refused_key_is_reported_in_perkvilles_words(
    client: httpx.Client, mock: LocalServer
) -> None:
    mock.status = 401
    mock.body = {"detail": f"token {API_KEY} is not valid"}
    answer = post(client, "test-connection", {"settings": SETTINGS}).json()
    assert answer == {
        "ok": False,
        "message": "invalid API key",
        "code": "INVALID_AUTHENTICATION",
        "status": 401,
    }


def test_a_connection_test_with_invalid_settings_sends_nothing(
    client: httpx.Client, mock: LocalServer
) -> None:
    response = post(client, "test-connection", {"settings": {"business_id": "4242"}})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "INVALID_SETTINGS"
    assert {"location": "api_key", "message": "is required"} in error["problems"]
    assert mock.received == []


def test_a_dry_run_shows_the_payload_and_the_request_without_sending_it(
    client: httpx.Client, mock: LocalServer
) -> None:
    answer = dry_run(client, SPEND)
    assert answer["event_problems"] == []
    assert answer["skipped"] is None
    result, engage = answer["results"]
    assert engage == ENGAGE_OFF
    assert result["matched"] is True
    assert result["subscription"] == 'type = "track"'
    assert result["status"] == "dry_run"
    assert result["payload"]["amount"] == 9.99
    assert result["payload"]["email"] == "ana@example.com"
    request = result["request"]
    assert (request["method"], request["url"]) == ("POST", f"{mock.url}/transactions/")
    assert request["headers"]["Authorization"] == "Bearer [REDACTED]"
    assert request["json"] == {
        "business": "4242",
        "location": "17",
        "perk": "555",
        "email": "ana@example.com",
        "quantity": 9.99,
        "send_email": False,
        "trans_source_id": "m-1",
    }
    assert result["error"] is None
    assert mock.received == []


def test_a_dry_run_reports_the_coded_error(client: httpx.Client) -> None:
    result, _ = dry_run(client, {**SPEND, "event": "Product Viewed"})["results"]
    assert result["status"] == "failed"
    assert result["request"] is None
    assert result["error"]["code"] == "EVENT_NOT_ALLOWLISTED"


def test_an_identify_call_runs_nothing_while_the_engage_preset_is_off(
    client: httpx.Client,
) -> None:
    answer = dry_run(client, IDENTIFY)
    assert answer["event_problems"] == []
    assert answer["results"] == [
        {
            "name": "Award Points",
            "action": "award_points",
            "subscription": 'type = "track"',
            "matched": False,
            "enabled": True,
        },
        ENGAGE_OFF,
    ]
    assert answer["skipped"] == perkville.unmatched["identify"]


def test_a_mapping_for_the_engage_action_enables_its_preset(client: httpx.Client) -> None:
    settings = {**SETTINGS, "audience_to_perk_map": {"vip_customers": "654321"}}
    body = {"settings": settings, "event": IDENTIFY, "mappings": {"award_perk_for_audience": {}}}
    response = post(client, "dry-run", body)
    assert response.status_code == 200, response.text
    answer = response.json()
    _, engage = answer["results"]
    assert (engage["name"], engage["matched"], engage["enabled"]) == (
        "Award Perk for Audience",
        True,
        True,
    )
    assert engage["status"] == "dry_run"
    assert engage["request"]["json"]["perk"] == "654321"
    assert answer["skipped"] is None


def test_an_enabled_engage_preset_declining_the_call_gives_its_reason(
    client: httpx.Client,
) -> None:
    mappings = {"award_perk_for_audience": {}}
    answer = dry_run(client, IDENTIFY, mappings=mappings)
    _, engage = answer["results"]
    assert (engage["matched"], engage["status"], engage["request"]) == (True, "skipped", None)
    assert "audience_to_perk_map is empty" in engage["reason"]


def test_an_edited_mapping_is_used(client: httpx.Client) -> None:
    mappings = {"award_points": {"email": {"@path": "$.traits.contact"}}}
    event = {**SPEND, "traits": {"contact": "ben@example.com"}}
    result, engage = dry_run(client, event, mappings=mappings)["results"]
    assert result["request"]["json"]["email"] == "ben@example.com"
    assert engage == ENGAGE_OFF


def test_invalid_mappings_are_refused_with_every_problem(client: httpx.Client) -> None:
    mappings = {"award_points": {"email": {"@path": 1}, "nope": "x"}, "other": {}}
    body = {"settings": SETTINGS, "event": SPEND, "mappings": mappings}
    response = post(client, "dry-run", body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "INVALID_MAPPING"
    located = [(p["action"], p["location"]) for p in error["problems"]]
    assert located == [
        ("award_points", "/nope"),
        ("award_points", "/email/@path"),
        ("other", ""),
    ]


def test_an_event_off_segments_spec_is_run_and_its_problems_shown(client: httpx.Client) -> None:
    event = {k: v for k, v in SPEND.items() if k != "userId"}
    answer = dry_run(client, event)
    assert answer["event_problems"] == [{"location": "", "message": "needs userId or anonymousId"}]
    assert answer["results"][0]["status"] == "dry_run"


def test_an_event_that_is_not_an_object_is_refused(client: httpx.Client) -> None:
    response = post(client, "dry-run", {"settings": SETTINGS, "event": ["track"]})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "INVALID_EVENT"


@pytest.mark.parametrize("allowed", [False, True])
def test_the_settings_api_applies_the_operators_private_targets(
    allowed: bool, tmp_path: Path
) -> None:
    """The page's dry run and test connection run under the operator's configuration: a
    tenant URL on a private address is refused unless the operator allows private targets."""
    api = SettingsApi(
        {"webhook": webhook},
        schemas_of([webhook], tmp_path),
        OperatorConfig(allow_private_targets=allowed),
    )
    body = {"settings": {"url": "http://127.0.0.1:9/hook"}, "event": {"type": "track"}}
    [outcome] = api.dry_run("webhook", body)["results"]
    error = outcome.get("error") or {}
    assert (error.get("code") == "UNSAFE_URL") is not allowed, outcome
