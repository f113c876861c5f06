"""Given no schemas folder (an installed package, run from anywhere), the settings API serves
the schemas generated from the destinations' definitions: the very documents that
``actions schemas`` commits under schemas/."""

from __future__ import annotations

from pathlib import Path

import pytest

from destinations.perkville import destination as perkville
from framework.authoring.registry import discover
from framework.runtime.server import SettingsApi
from framework.tooling.schema_files import render
from tests.server.support import committed_destination_schemas, described_schemas, schemas_of


def test_without_a_folder_every_destination_gets_its_committed_schemas_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # an empty folder: no schemas/ to read from
    destinations = discover().destinations
    assert {"perkville", "webhook"} <= set(destinations)
    api = SettingsApi(destinations)
    served = {
        relative: render(schema)
        for slug in destinations
        for relative, schema in described_schemas(api.describe(slug)).items()
    }
    assert served == committed_destination_schemas()


def test_with_a_folder_its_files_are_served_as_they_are(tmp_path: Path) -> None:
    """An explicit folder is read, even where it differs from the code."""
    edited = schemas_of([perkville], tmp_path) / "destinations/perkville/settings.schema.json"
    edited.write_text('{"title": "edited by hand"}', encoding="utf-8")
    described = SettingsApi({"perkville": perkville}, tmp_path).describe("perkville")
    assert described["settings_schema"] == {"title": "edited by hand"}
