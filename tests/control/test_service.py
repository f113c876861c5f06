"""The control plane's operations: connections created, read, changed and deleted through
the same checks as the command line, read-only copies of the configuration file's
destinations, optimistic concurrency, and secrets never answered."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from destinations.perkville import destination as perkville
from destinations.webhook import destination as webhook
from framework.engine.operator import OperatorConfig
from framework.runtime.control.connections import SECRET_SET
from framework.runtime.control.secrets import SecretBox
from framework.runtime.control.service import ControlPlane, seed_from_config
from framework.runtime.control.store import SqliteConnectionStore
from framework.runtime.delivery.config import ConfigError, RuntimeConfig, load_config
from framework.runtime.server.errors import ApiError
from tests.control.support import connection_document
from tests.delivery.support import API_KEY, ENV, SETTINGS, write_config

OTHER_KEY = "pk_live_OTHER_SECRET_0a1b"


@pytest.fixture
def config(tmp_path: Path) -> RuntimeConfig:
    return load_config(write_config(tmp_path, "http://127.0.0.1:9"), ENV)


@pytest.fixture
def store(tmp_path: Path) -> Any:
    opened = SqliteConnectionStore(tmp_path / "control.db", SecretBox([Fernet.generate_key()]))
    yield opened
    opened.close()


@pytest.fixture
def plane(store: Any, config: RuntimeConfig) -> ControlPlane:
    return ControlPlane(store, {"perkville": perkville}, config, OperatorConfig())


def _document(**changes: Any) -> dict[str, Any]:
    mappings = {"award_points": {"email": {"@path": "$.properties.user_email"}}}
    return connection_document(**{"mappings": mappings, **changes})


def _refused(call: Any, *args: Any) -> ApiError:
    with pytest.raises(ApiError) as raised:
        call(*args)
    return raised.value


def test_a_connection_is_created_read_listed_changed_and_deleted(plane: ControlPlane) -> None:
    created = plane.create(_document())
    assert created == {
        "name": "rewards",
        "source": "shop",
        "destination": "perkville",
        "settings": {**SETTINGS, "api_key": SECRET_SET},
        "mappings": {"award_points": {"email": {"@path": "$.properties.user_email"}}},
        "subscriptions": {},
        "enabled": True,
        "readonly": False,
        "version": 1,
    }
    assert plane.get("rewards") == created
    assert [c["name"] for c in plane.list()["connections"]] == ["rewards"]
    changed = plane.update("rewards", {**created, "enabled": False})
    assert (changed["enabled"], changed["version"]) == (False, 2)
    assert plane.delete("rewards", 2) == {"deleted": "rewards"}
    assert _refused(plane.get, "rewards").status == 404


def test_a_secret_sent_back_masked_keeps_its_stored_value(plane: ControlPlane, store: Any) -> None:
    created = plane.create(_document())
    plane.update("rewards", {**created, "settings": {**created["settings"], "business_id": "9"}})
    assert store.get("rewards").settings["api_key"] == API_KEY
    again = plane.get("rewards")
    plane.update("rewards", {**again, "settings": {**again["settings"], "api_key": OTHER_KEY}})
    assert store.get("rewards").settings["api_key"] == OTHER_KEY
    assert OTHER_KEY not in json.dumps(plane.list())


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"source": "nowhere", "destination": "acme"},
            [
                {"section": "source", "location": "", "message": "no such source (known: shop)"},
                {
                    "section": "destination",
                    "location": "",
                    "message": "unknown destination (known: perkville)",
                },
            ],
        ),
        (
            {"settings": {**SETTINGS, "business_id": 5}},
            [
                {
                    "section": "settings",
                    "location": "business_id",
                    "message": "expected a string, got integer",
                }
            ],
        ),
        (
            {"mappings": {"award_points": {"e-mail": "x"}, "refund": {}}},
            [
                {
                    "section": "mappings",
                    "location": "/e-mail",
                    "message": "action 'award_points' has no field 'e-mail'",
                    "action": "award_points",
                },
                {
                    "section": "mappings",
                    "location": "",
                    "message": "no such action",
                    "action": "refund",
                },
            ],
        ),
        (
            {"name": "Bad Name"},
            [
                {
                    "section": "name",
                    "location": "",
                    "message": "expected 1 to 63 of a-z, 0-9 and -",
                }
            ],
        ),
        (
            {"name": "perkville"},
            [
                {
                    "section": "name",
                    "location": "",
                    "message": "taken by a destination of the configuration file",
                }
            ],
        ),
    ],
)
def test_invalid_connections_are_refused_listing_every_problem(
    plane: ControlPlane, changes: dict[str, Any], expected: list[dict[str, str]]
) -> None:
    error = _refused(plane.create, _document(**changes))
    assert (error.status, error.code, error.problems) == (422, "INVALID_CONNECTION", expected)
    assert plane.list() == {"connections": []}


def test_a_subscription_is_checked_as_fql(plane: ControlPlane) -> None:
    error = _refused(plane.create, _document(subscriptions={"award_points": 'type = "track'}))
    [problem] = error.problems or []
    assert (problem["section"], problem["action"]) == ("subscriptions", "award_points")
    assert "unterminated string" in problem["message"]


def test_a_rule_across_settings_is_the_runners(plane: ControlPlane) -> None:
    settings = {**SETTINGS, "event_to_perk_map": {"Order Completed": " "}}
    error = _refused(plane.create, _document(settings=settings))
    assert error.problems == [
        {
            "section": "settings",
            "location": "",
            "message": "invalid settings for perkville: event_to_perk_map: "
            "the perk id of entry 1 is empty",
        }
    ]


def test_no_error_holds_a_secret(plane: ControlPlane) -> None:
    settings = {**SETTINGS, "api_key": API_KEY, "business_id": API_KEY, "send_email": API_KEY}
    error = _refused(plane.create, _document(settings=settings))
    assert API_KEY not in json.dumps(error.to_json())


def test_a_name_is_created_once(plane: ControlPlane) -> None:
    plane.create(_document())
    error = _refused(plane.create, _document())
    assert (error.status, error.code) == (409, "ALREADY_EXISTS")


def test_of_two_updates_from_one_version_exactly_one_is_applied(plane: ControlPlane) -> None:
    created = plane.create(_document())
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def update(business: str) -> None:
        start.wait()
        try:
            settings = {**created["settings"], "business_id": business}
            outcomes.append(plane.update("rewards", {**created, "settings": settings}))
        except ApiError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=update, args=(b,)) for b in ("100", "200")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [applied] = [o for o in outcomes if isinstance(o, dict)]
    [refused] = [o for o in outcomes if isinstance(o, ApiError)]
    assert (refused.status, refused.code) == (409, "VERSION_CONFLICT")
    assert plane.get("rewards") == applied
    assert applied["version"] == 2


def test_a_stale_version_is_refused_for_updates_and_deletes(plane: ControlPlane) -> None:
    created = plane.create(_document())
    plane.update("rewards", created)
    assert _refused(plane.update, "rewards", created).code == "VERSION_CONFLICT"
    assert _refused(plane.delete, "rewards", 1).code == "VERSION_CONFLICT"
    assert plane.get("rewards")["version"] == 2


def test_the_files_destinations_are_seeded_read_only(
    plane: ControlPlane, store: Any, config: RuntimeConfig
) -> None:
    assert seed_from_config(store, config) == ["perkville"]
    seeded = plane.get("perkville")
    assert (seeded["readonly"], seeded["source"], seeded["settings"]["api_key"]) == (
        True,
        "shop",
        SECRET_SET,
    )
    assert store.get("perkville").settings["api_key"] == API_KEY
    assert _refused(plane.update, "perkville", seeded).code == "READONLY"
    assert _refused(plane.delete, "perkville", None).status == 409
    seed_from_config(store, config)  # unchanged: not written again
    assert plane.get("perkville")["version"] == seeded["version"]


def test_seeding_names_repeated_ids_by_source_and_drops_what_the_file_left(
    tmp_path: Path, store: Any
) -> None:
    path = tmp_path / "two.toml"
    entry = '[[sources.destinations]]\nslug = "perkville"\nsettings_file = "perkville.json"\n'
    write_config(tmp_path, None)  # the settings file
    path.write_text(
        f'[[sources]]\nname = "web"\nwrite_key = "a"\n{entry}'
        f'[[sources]]\nname = "app"\nwrite_key = "b"\n{entry}'
    )
    assert seed_from_config(store, load_config(path, {})) == ["web-perkville", "app-perkville"]
    one = tmp_path / "one.toml"
    one.write_text(f'[[sources]]\nname = "web"\nwrite_key = "a"\n{entry}')
    assert seed_from_config(store, load_config(one, {})) == ["perkville"]
    assert [c.name for c in store.list()] == ["perkville"]


def test_seeding_never_overwrites_a_connection_made_on_the_page(
    store: Any, config: RuntimeConfig, tmp_path: Path
) -> None:
    other = load_config(write_config(tmp_path, None), ENV)
    plane = ControlPlane(store, {"perkville": perkville}, _without_files(other), OperatorConfig())
    plane.create(_document(name="perkville"))
    with pytest.raises(ConfigError) as raised:
        seed_from_config(store, config)
    assert "connection 'perkville'" in raised.value.message
    assert store.get("perkville").readonly is False


def _without_files(config: RuntimeConfig) -> RuntimeConfig:
    return replace(config, sources=tuple(replace(s, destinations=()) for s in config.sources))


def test_the_page_tests_a_saved_connection_with_its_stored_secrets(plane: ControlPlane) -> None:
    plane.create(_document())
    sent = {**SETTINGS, "api_key": {"secret": True}}
    filled = plane.with_stored_secrets("rewards", perkville, sent)
    assert filled["api_key"] == SETTINGS["api_key"]
    assert _refused(plane.with_stored_secrets, "nope", perkville, sent).status == 404
    assert _refused(plane.with_stored_secrets, "rewards", webhook, sent).status == 400
