"""`actions schemas`: the committed schemas match the code, and staleness is named."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from destinations.perkville import destination
from framework.authoring.registry import discover
from framework.tooling.cli import main
from framework.tooling.schema_files import stale_schemas, write_schemas

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schemas_are_up_to_date() -> None:
    assert stale_schemas(ROOT / "schemas", discover().destinations.values()) == []


def test_committed_schemas_are_valid_json_schema() -> None:
    for path in (ROOT / "schemas").glob("**/*.schema.json"):
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_check_names_each_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas", "--dir", str(tmp_path)]) == 0
    settings = tmp_path / "destinations/perkville/settings.schema.json"
    payload = tmp_path / "destinations/perkville/actions/award_points.schema.json"
    assert {settings, payload} <= set(tmp_path.glob("**/*.json"))
    assert main(["schemas", "--dir", str(tmp_path), "--check"]) == 0

    settings.write_text(settings.read_text().replace("API Key", "API key"))
    payload.unlink()
    extra = tmp_path / "destinations/perkville/actions/gone.schema.json"
    extra.write_text("{}")
    capsys.readouterr()
    assert main(["schemas", "--dir", str(tmp_path), "--check"]) == 1
    err = capsys.readouterr().err
    assert f"{settings}: differs from the code" in err
    assert f"{payload}: missing" in err
    assert f"{extra}: no longer generated" in err


def test_writing_is_deterministic_and_removes_stale_files(tmp_path: Path) -> None:
    first = {p: p.read_text() for p in write_schemas(tmp_path, [destination])}
    extra = tmp_path / "destinations/old/settings.schema.json"
    extra.parent.mkdir(parents=True)
    extra.write_text("{}")
    second = {p: p.read_text() for p in write_schemas(tmp_path, [destination])}
    assert first == second
    assert not extra.exists()
