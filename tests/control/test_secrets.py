"""Connections as JSON (shape errors naming the member, secrets masked at any depth, a
masked update keeping the stored secrets) and the secret box (sealing only the secrets,
keys for rotation, key files made 0600 and refused when others may read them)."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.fernet import Fernet

from destinations.perkville import destination as perkville
from framework.authoring.fields import FieldSpec
from framework.core.keys import SecretKeyError, load_key
from framework.runtime.control.connections import (
    SECRET_SET,
    Connection,
    InvalidConnection,
    mask_settings,
    merge_settings,
)
from framework.runtime.control.secrets import KEY_FILE, SecretBox, WrongKeyError
from framework.runtime.control.store import key_file_for, load_secret_box
from framework.runtime.delivery.config import load_config
from tests.delivery.support import API_KEY, ENV, SETTINGS, write_config

KEY, OTHER = Fernet.generate_key(), Fernet.generate_key()


def _spec(kind: Any = "string", **more: Any) -> FieldSpec:
    return FieldSpec(label="x", description="x", type=kind, **more)


# Secrets at every depth a schema can put them.
FIELDS = {
    "token": _spec("secret"),
    "region": _spec(),
    "auth": _spec("object", properties={"password": _spec("secret"), "user": _spec()}),
    "accounts": _spec("object", multiple=True, properties={"key": _spec("secret"), "id": _spec()}),
    "headers": _spec("object", values="secret"),
    "labels": _spec("object", values="string"),
}
NESTED = {
    "token": "tok-SECRET-1",
    "region": "eu",
    "auth": {"password": "pw-SECRET-2", "user": "ann"},
    "accounts": [{"key": "ak-SECRET-3", "id": "a1"}, {"key": "ak-SECRET-4", "id": "a2"}],
    "headers": {"X-Api-Key": "hk-SECRET-5"},
    "labels": {"team": "growth"},
}
MASKED = {
    "token": SECRET_SET,
    "region": "eu",
    "auth": {"password": SECRET_SET, "user": "ann"},
    "accounts": [{"key": SECRET_SET, "id": "a1"}, {"key": SECRET_SET, "id": "a2"}],
    "headers": {"X-Api-Key": SECRET_SET},
    "labels": {"team": "growth"},
}
SECRETS = ("tok-SECRET-1", "pw-SECRET-2", "ak-SECRET-3", "ak-SECRET-4", "hk-SECRET-5")


def _connection(**changes: Any) -> Connection:
    document = {
        "name": "rewards-1",
        "source": "shop",
        "destination": "perkville",
        "settings": dict(SETTINGS),
        "mappings": {"award_points": {"email": {"@path": "$.properties.email"}}},
        **changes,
    }
    return Connection.from_json(document)


def test_a_connection_round_trips_through_json() -> None:
    connection = _connection(subscriptions={"award_points": 'type = "track"'}, version=3)
    document = connection.to_json(masked=False)
    assert document == {
        "name": "rewards-1",
        "source": "shop",
        "destination": "perkville",
        "settings": SETTINGS,
        "mappings": {"award_points": {"email": {"@path": "$.properties.email"}}},
        "subscriptions": {"award_points": 'type = "track"'},
        "enabled": True,
        "readonly": False,
        "version": 3,
    }
    assert Connection.from_json(json.loads(json.dumps(document))) == connection


@pytest.mark.parametrize(
    ("changes", "member"),
    [
        pytest.param({"name": "Rewards"}, "name", id="upper case name"),
        pytest.param({"name": "-rewards"}, "name", id="name starting with -"),
        pytest.param({"name": "r" * 64}, "name", id="name too long"),
        pytest.param({"name": 7}, "name", id="name not a string"),
        pytest.param({"source": ""}, "source", id="empty source"),
        pytest.param({"destination": None}, "destination", id="null destination"),
        pytest.param({"settings": []}, "settings", id="settings not an object"),
        pytest.param({"mappings": "x"}, "mappings", id="mappings not an object"),
        pytest.param({"subscriptions": 1}, "subscriptions", id="subscriptions not an object"),
        pytest.param({"enabled": "yes"}, "enabled", id="enabled not a boolean"),
        pytest.param({"readonly": 0}, "readonly", id="readonly not a boolean"),
        pytest.param({"version": True}, "version", id="version a boolean"),
        pytest.param({"version": -1}, "version", id="negative version"),
        pytest.param({"colour": "red"}, "colour", id="unknown member"),
    ],
)
def test_a_bad_document_is_refused_naming_the_member(changes: dict[str, Any], member: str) -> None:
    with pytest.raises(InvalidConnection) as raised:
        _connection(**changes)
    assert (raised.value.code, raised.value.field) == ("INVALID_CONNECTION", member)
    assert str(raised.value).startswith(f"INVALID_CONNECTION: {member}: ")


def test_a_document_must_be_an_object_with_a_name() -> None:
    with pytest.raises(InvalidConnection, match="connection: expected a JSON object"):
        Connection.from_json([])
    with pytest.raises(InvalidConnection, match="name: expected a string"):
        Connection.from_json({"source": "shop", "destination": "perkville"})


def test_masking_shows_whether_each_secret_is_set_at_any_depth_never_its_value() -> None:
    assert mask_settings(FIELDS, NESTED) == MASKED
    assert mask_settings(FIELDS, {"token": None, "region": "eu"}) == {
        "token": None,
        "region": "eu",
    }
    answer = _connection().to_json(masked=True, fields=perkville.setting_fields)
    assert answer["settings"] == {**SETTINGS, "api_key": SECRET_SET}
    assert API_KEY not in json.dumps(answer)


def test_without_a_schema_every_setting_is_masked() -> None:
    answer = _connection(destination="gone").to_json(masked=True)
    assert answer["settings"] == dict.fromkeys(SETTINGS, SECRET_SET)


def test_a_masked_update_keeps_the_stored_secrets_and_takes_new_ones() -> None:
    update = {**MASKED, "token": "tok-NEW", "region": "us"}
    assert merge_settings(FIELDS, update, NESTED) == {**NESTED, "token": "tok-NEW", "region": "us"}


def test_a_marker_where_no_secret_is_stored_is_left_out() -> None:
    update = {
        "token": SECRET_SET,
        "accounts": [{"key": SECRET_SET, "id": "a1"}, {"key": SECRET_SET, "id": "a3"}],
    }
    stored = {"accounts": [{"key": "ak-SECRET-3", "id": "a1"}]}
    assert merge_settings(FIELDS, update, stored) == {
        "accounts": [{"key": "ak-SECRET-3", "id": "a1"}, {"id": "a3"}]
    }


def test_reprs_hold_no_secret_nor_key() -> None:
    assert API_KEY not in repr(_connection())
    box = SecretBox([KEY, OTHER])
    assert KEY.decode() not in repr(box)
    assert OTHER.decode() not in repr(box)


def _box(*keys: bytes) -> SecretBox:
    return SecretBox(list(keys), {"nested": SimpleNamespace(setting_fields=FIELDS)})


def test_sealing_replaces_only_the_secrets_and_opening_restores_them() -> None:
    box = _box(KEY)
    sealed = box.seal("nested", NESTED)
    text = json.dumps(sealed)
    assert not [secret for secret in SECRETS if secret in text]
    assert mask_settings(FIELDS, sealed) == MASKED  # the same places, nothing else
    assert sealed["region"] == "eu"
    assert sealed["auth"]["user"] == "ann"
    assert set(sealed["token"]) == {"sealed"}
    assert box.open(sealed) == NESTED


def test_an_unknown_destination_has_every_setting_sealed() -> None:
    box = _box(KEY)
    sealed = box.seal("unknown", SETTINGS)
    assert all(set(value) == {"sealed"} for value in sealed.values())
    assert box.open(sealed) == SETTINGS


def test_another_key_cannot_open_a_sealed_setting() -> None:
    sealed = _box(KEY).seal("nested", NESTED)
    with pytest.raises(WrongKeyError) as raised:
        _box(OTHER).open(sealed)
    assert raised.value.code == "WRONG_SECRET_KEY"
    assert not _box(OTHER).opens(_box(KEY).canary())
    assert _box(KEY).opens(_box(KEY).canary())


def test_the_first_key_seals_and_every_key_opens() -> None:
    old_sealed = _box(OTHER).seal("nested", NESTED)
    both = _box(KEY, OTHER)
    assert both.open(old_sealed) == NESTED
    assert _box(KEY).open(both.seal("nested", NESTED)) == NESTED


def test_a_configured_key_is_used_and_no_file_is_made(tmp_path: Path) -> None:
    key_file = tmp_path / "control.db.key"
    assert load_key(KEY.decode(), key_file) == ([KEY], False)
    assert load_key(f"{KEY.decode()}, {OTHER.decode()}", key_file) == ([KEY, OTHER], False)
    assert not key_file.exists()


def test_a_configured_value_that_is_not_a_key_is_refused_without_showing_it(
    tmp_path: Path,
) -> None:
    with pytest.raises(SecretKeyError) as raised:
        load_key(f"{KEY.decode()},not-a-key-SECRET", tmp_path / "k")
    assert raised.value.code == "INVALID_SECRET_KEY"
    assert "control.secret_key is not a Fernet key" in raised.value.message
    assert "SECRET" not in raised.value.message
    assert KEY.decode() not in raised.value.message


def test_a_key_file_is_created_with_mode_0600_then_reused(tmp_path: Path) -> None:
    key_file = tmp_path / "folder" / "control.db.key"
    keys, created = load_key(None, key_file)
    assert created
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_bytes().strip() == keys[0]
    Fernet(keys[0])  # a usable key
    assert load_key(None, key_file) == (keys, False)
    assert sorted(p.name for p in key_file.parent.iterdir()) == ["control.db.key"]


def test_a_key_file_others_may_read_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "control.db.key"
    key_file.write_bytes(KEY)
    key_file.chmod(0o644)
    with pytest.raises(SecretKeyError, match=r"may be read by others \(mode 0644\)"):
        load_key(None, key_file)


def test_a_key_file_without_a_key_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "control.db.key"
    key_file.write_bytes(b"hello")
    key_file.chmod(0o600)
    with pytest.raises(SecretKeyError, match=r"the key file .* is not a Fernet key"):
        load_key(None, key_file)


def test_the_key_file_is_beside_a_sqlite_store_else_in_the_base_folder(tmp_path: Path) -> None:
    assert key_file_for("sqlite:///data/c.db", tmp_path) == tmp_path / "data" / "c.db.key"
    assert key_file_for("sqlite:////srv/c.db", tmp_path) == Path("/srv/c.db.key")
    assert key_file_for("redis://127.0.0.1:6379/0", tmp_path) == tmp_path / KEY_FILE


def test_the_configuration_gives_the_box_and_says_which_key_file(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9"), ENV)
    box, key_file = load_secret_box(config, tmp_path)
    assert key_file == tmp_path / "actions-control.db.key"
    assert key_file.exists()
    assert box.opens(SecretBox(load_key(None, key_file)[0]).canary())
