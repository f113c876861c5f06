"""The control plane's HTTP routes: connections round trips, validation errors with their
locations, read-only and version conflicts, the delivery view and replay, the mapping
editor's field resolution, and no response that holds a secret."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from destinations.perkville import destination as perkville
from framework.engine.operator import OperatorConfig
from framework.runtime.control.secrets import SecretBox
from framework.runtime.control.service import ControlPlane, seed_from_config
from framework.runtime.control.store import SqliteConnectionStore, StoreUnavailable
from framework.runtime.delivery.config import load_config
from framework.runtime.delivery.queue import QueueUnavailable
from framework.runtime.server import SettingsApi, SettingsServer
from framework.runtime.server.control_api import ControlApi
from framework.runtime.server.errors import ApiError
from tests.control.support import connection_document
from tests.delivery.support import API_KEY, ENV, SETTINGS, write_config
from tests.server.support import COMMITTED, error_of, running_server

NEW_KEY = "pk_live_NEWER_SECRET_77aa"
DELIVERY = {"series": [], "rate_per_minute": 0.0, "failures": [], "dead_letters": []}


class Answers:
    """An HTTP client that keeps every response body, to search them all for secrets."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.bodies: list[str] = []

    def __call__(self, method: str, path: str, **options: Any) -> httpx.Response:
        response = self.http.request(method, path, **options)
        self.bodies.append(response.text)
        return response


@pytest.fixture
def replays() -> list[tuple[str, str | None]]:
    return []


@pytest.fixture
def call(tmp_path: Path, replays: list[tuple[str, str | None]]) -> Iterator[Answers]:
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9"), ENV)
    store = SqliteConnectionStore(tmp_path / "control.db", SecretBox([Fernet.generate_key()]))
    seed_from_config(store, config)
    plane = ControlPlane(store, {"perkville": perkville}, config, OperatorConfig())

    def replay(name: str, code: str | None) -> int:
        if code == "QUEUE_DOWN":
            raise QueueUnavailable("the SQLite queue at queue.db failed: OperationalError")
        replays.append((name, code))
        return 3

    control = ControlApi(plane, delivery=lambda name: {"name": name, **DELIVERY}, replay=replay)
    api = SettingsApi({"perkville": perkville}, COMMITTED, OperatorConfig(), control)
    server = SettingsServer("127.0.0.1", 0, api)
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            answers = Answers(http)
            yield answers
            assert not [body for body in answers.bodies if API_KEY in body or NEW_KEY in body]
    finally:
        server.stop()
        store.close()


def test_connections_round_trip(call: Answers) -> None:
    created = call("POST", "/api/connections", json=connection_document())
    assert created.status_code == 201
    body = created.json()
    assert (body["version"], body["settings"]["api_key"]) == (1, {"secret": True})
    listed = call("GET", "/api/connections").json()["connections"]
    assert [(c["name"], c["readonly"]) for c in listed] == [
        ("perkville", True),
        ("rewards", False),
    ]
    assert call("GET", "/api/connections/rewards").json() == body
    body["settings"]["api_key"] = NEW_KEY
    updated = call("PUT", "/api/connections/rewards", json={**body, "enabled": False})
    assert (updated.status_code, updated.json()["version"]) == (200, 2)
    assert updated.json()["enabled"] is False
    deleted = call("DELETE", "/api/connections/rewards?version=2")
    assert (deleted.status_code, deleted.json()) == (200, {"deleted": "rewards"})
    missing = call("GET", "/api/connections/rewards")
    assert (missing.status_code, error_of(missing)["code"]) == (404, "NOT_FOUND")


def test_an_invalid_connection_is_a_422_listing_each_problem_where_it_is(call: Answers) -> None:
    document = connection_document(
        settings={**SETTINGS, "location_id": 17},
        mappings={"award_points": {"email": {"@path": 5}}},
    )
    response = call("POST", "/api/connections", json=document)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "INVALID_CONNECTION"
    assert [(p["section"], p["location"], p.get("action")) for p in error["problems"]] == [
        ("settings", "location_id", None),
        ("mappings", "/email/@path", "award_points"),
    ]


def test_a_read_only_connection_and_a_stale_version_are_conflicts(call: Answers) -> None:
    seeded = call("GET", "/api/connections/perkville").json()
    readonly = call("PUT", "/api/connections/perkville", json=seeded)
    assert (readonly.status_code, error_of(readonly)["code"]) == (409, "READONLY")
    assert error_of(call("DELETE", "/api/connections/perkville"))["code"] == "READONLY"
    created = call("POST", "/api/connections", json=connection_document()).json()
    assert call("PUT", "/api/connections/rewards", json=created).status_code == 200
    stale = call("PUT", "/api/connections/rewards", json=created)
    assert (stale.status_code, error_of(stale)["code"]) == (409, "VERSION_CONFLICT")
    stale_delete = call("DELETE", "/api/connections/rewards?version=1")
    assert error_of(stale_delete)["code"] == "VERSION_CONFLICT"


@pytest.mark.parametrize(
    ("request_", "status", "message"),
    [
        (("PUT", "/api/connections/rewards", {"name": "other", "version": 1}), 400, "renamed"),
        (("PUT", "/api/connections/rewards", {"source": "shop"}), 400, "version: "),
        (("DELETE", "/api/connections/rewards?version=x", None), 400, "version: "),
        (("PATCH", "/api/connections/rewards", {}), 405, "GET, PUT, DELETE only"),
        (("POST", "/api/connections", {"name": 1}), 400, "name: expected a string"),
    ],
)
def test_malformed_requests_are_refused(
    call: Answers, request_: tuple[str, str, dict[str, Any] | None], status: int, message: str
) -> None:
    call("POST", "/api/connections", json=connection_document())
    method, path, body = request_
    response = call(method, path, json=body) if body is not None else call(method, path)
    assert response.status_code == status
    assert message in error_of(response)["message"]


def test_delivery_and_replay_are_the_runtimes(
    call: Answers, replays: list[tuple[str, str | None]]
) -> None:
    assert call("GET", "/api/connections/perkville/delivery").json() == {
        "name": "perkville",
        **DELIVERY,
    }
    replayed = call("POST", "/api/connections/perkville/replay", json={"code": "TIMEOUT"})
    assert replayed.json() == {"replayed": 3}
    assert call("POST", "/api/connections/perkville/replay", json={}).json() == {"replayed": 3}
    assert replays == [("perkville", "TIMEOUT"), ("perkville", None)]
    unknown = call("GET", "/api/connections/nobody/delivery")
    assert unknown.status_code == 404


def test_a_queue_that_cannot_be_reached_is_a_503_naming_it(call: Answers) -> None:
    down = call("POST", "/api/connections/perkville/replay", json={"code": "QUEUE_DOWN"})
    assert down.status_code == 503
    assert error_of(down) == {
        "code": "QUEUE_UNAVAILABLE",
        "message": "the SQLite queue at queue.db failed: OperationalError",
    }


def test_the_mapping_editor_resolves_each_field(call: Answers) -> None:
    event = {
        "type": "track",
        "event": "Order Completed",
        "messageId": "m-1",
        "properties": {"user_email": f"{API_KEY}@example.com", "order_id": 7},
    }
    body = {
        "action": "award_points",
        "mapping": {"email": {"@path": "$.properties.user_email"}, "amount": "lots"},
        "event": event,
        "settings": dict(SETTINGS),
    }
    fields = call("POST", "/api/destinations/perkville/resolve", json=body).json()["fields"]
    assert fields["email"] == {"value": "[REDACTED]@example.com", "problem": None}
    assert fields["event_name"] == {"value": "Order Completed", "problem": None}
    assert fields["order_id"] == {"value": 7, "problem": None}
    assert fields["amount"]["value"] == "lots"
    assert fields["amount"]["problem"].startswith("amount: ")
    refused = call(
        "POST", "/api/destinations/perkville/resolve", json={**body, "mapping": {"mail": "x"}}
    )
    assert (refused.status_code, error_of(refused)["code"]) == (422, "INVALID_MAPPING")


def test_without_a_runtime_connections_say_what_they_need() -> None:
    with (
        running_server([perkville]) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        response = http.get("/api/connections")
    assert response.status_code == 404
    assert "actions serve --config" in error_of(response)["message"]


def test_no_stored_secret_is_in_any_answer(call: Answers) -> None:
    call("POST", "/api/connections", json=connection_document(name="a"))
    call(
        "POST",
        "/api/connections",
        json=connection_document(name="b", settings={**SETTINGS, "x": 1}),
    )
    call("GET", "/api/connections")
    assert len(call.bodies) == 3
    assert json.loads(call.bodies[1])["error"]["code"] == "INVALID_CONNECTION"


def test_a_store_that_cannot_be_reached_is_a_503_naming_it(tmp_path: Path) -> None:
    class Unreachable:
        def list(self) -> list[Any]:
            raise StoreUnavailable(
                "the control store redis 127.0.0.1:6390/0 failed: ConnectionError"
            )

    config = load_config(write_config(tmp_path, "http://127.0.0.1:9"), ENV)
    plane = ControlPlane(Unreachable(), {"perkville": perkville}, config, OperatorConfig())  # type: ignore[arg-type]
    with pytest.raises(ApiError) as raised:
        ControlApi(plane).dispatch("GET", ["api", "connections"], {}, {})
    assert (raised.value.status, raised.value.code) == (503, "CONTROL_STORE_UNAVAILABLE")
    assert "127.0.0.1:6390" in raised.value.message
