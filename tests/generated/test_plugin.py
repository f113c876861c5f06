"""framework.testing.pytest_plugin: which generated tests exist, and an external package of
destinations getting them with one line (run in a separate pytest process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from destinations.perkville import destination as perkville
from framework.testing import make_test_destination
from framework.testing.pytest_plugin import (
    MARKER,
    GeneratedCase,
    generated_cases,
    generated_snapshot_tests,
)

REGISTERED = {"perkville": perkville, "test": make_test_destination()}


def ids(cases: list[GeneratedCase]) -> list[str]:
    return [case.id for case in cases]


def test_every_destination_action_and_variant_by_default() -> None:
    assert ids(generated_cases(REGISTERED)) == [
        "perkville-award_points-required",
        "perkville-award_points-all",
        "perkville-award_perk_for_audience-required",
        "perkville-award_perk_for_audience-all",
        "test-send-required",
        "test-send-all",
    ]


def test_selecting_by_slug_and_by_package() -> None:
    assert ids(generated_cases(REGISTERED, slugs=["test"])) == [
        "test-send-required",
        "test-send-all",
    ]
    by_package = generated_cases(REGISTERED, packages=["destinations"])
    assert ids(by_package) == [
        "perkville-award_points-required",
        "perkville-award_points-all",
        "perkville-award_perk_for_audience-required",
        "perkville-award_perk_for_audience-all",
    ]
    assert by_package[0].destination is perkville
    # A destination belongs to the package of its settings class: the test destination's
    # is declared in framework.testing.
    assert ids(generated_cases(REGISTERED, packages=["framework.testing"])) == [
        "test-send-required",
        "test-send-all",
    ]


def test_a_selection_matching_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"no registered destination \['nope'\]"):
        generated_cases(REGISTERED, slugs=["nope"])
    with pytest.raises(ValueError, match="no registered destination is selected"):
        generated_cases(REGISTERED, packages=["acme_destinations"])


def test_the_test_function_carries_its_selection() -> None:
    test = generated_snapshot_tests("perkville", packages=["destinations"])
    marks = [mark for mark in getattr(test, "pytestmark", []) if mark.name == MARKER]
    assert [(mark.args, mark.kwargs) for mark in marks] == [
        (("perkville",), {"packages": ("destinations",)})
    ]


ACME = '''
    """An external package of destinations built on the framework."""

    import os
    from dataclasses import replace

    from pydantic import SecretStr

    from framework import Action, Choice, Destination, Field, HttpRequest, Payload, Settings
    from framework.languages.mapping import path
    from framework.authoring.model import values_of
    from framework.authoring.sample_data import Sample


    class AcmeSettings(Settings):
        api_key: SecretStr = Field(label="Key", description="Key.")
        list_id: str = Field(label="List", description="List.")


    class AddSubscriber(Payload):
        email: str = Field(
            label="Email", description="Who.", format="email", default=path("$.properties.email")
        )
        plan: str | None = Field(
            label="Plan",
            description="Which.",
            choices=[Choice("free", "Free"), Choice("pro", "Pro")],
            default=path("$.traits.plan"),
        )


    def add_subscriber(settings: AcmeSettings, payload: AddSubscriber) -> HttpRequest:
        url = os.environ.get("ACME_PATH", "/subscribers")
        return HttpRequest("POST", url, json={"list": settings.list_id, **values_of(payload)})


    def bearer_token(settings: AcmeSettings) -> dict[str, str]:
        return {"Authorization": f"Bearer {settings.api_key.get_secret_value()}"}


    def with_a_list(sample: Sample) -> Sample:
        return replace(sample, settings={**sample.settings, "list_id": "newsletter-42"})


    destination = Destination(
        name="Acme",
        slug="acme",
        description="Adds subscribers to a list.",
        base_url="https://api.acme.example/v1",
        settings=AcmeSettings,
        actions={
            "add_subscriber": Action(
                title="Add",
                description="Adds one.",
                payload=AddSubscriber,
                perform=add_subscriber,
            )
        },
        extend_request=bearer_token,
        sample=with_a_list,
    )
'''

# Stands in for registering the package (e.g. with an entry point): discover() finds it.
CONFTEST = """
    from dataclasses import replace

    import acme_dest
    from framework.authoring import registry

    _discover = registry.discover


    def _with_acme():
        found = _discover()
        return replace(found, destinations={**found.destinations, "acme": acme_dest.destination})


    registry.discover = _with_acme
"""

ONE_LINE = """
    from framework.testing.pytest_plugin import generated_snapshot_tests

    test_generated = generated_snapshot_tests(packages=["acme_dest"])
"""


def pytest_run(
    where: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", *args],
        cwd=where,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(where), **(env or {})},
        timeout=120,
    )


def test_an_external_package_opts_in_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "acme_dest.py").write_text(textwrap.dedent(ACME))
    (tmp_path / "conftest.py").write_text(textwrap.dedent(CONFTEST))
    (tmp_path / "test_acme.py").write_text(textwrap.dedent(ONE_LINE))

    created = pytest_run(tmp_path, "--snapshot-update")
    assert created.returncode == 0, created.stdout + created.stderr
    assert "PASSED test_acme.py::test_generated[acme-add_subscriber-required]" in created.stdout
    assert "PASSED test_acme.py::test_generated[acme-add_subscriber-all]" in created.stdout
    assert "perkville" not in created.stdout, "only the package's own destinations"
    folder = tmp_path / "__snapshots__" / "test_acme"
    assert sorted(path.name for path in folder.iterdir()) == [
        "test_generated[acme-add_subscriber-all].json",
        "test_generated[acme-add_subscriber-required].json",
    ]
    [sent] = json.loads((folder / "test_generated[acme-add_subscriber-all].json").read_text())
    assert sent["url"] == "https://api.acme.example/v1/subscribers"
    assert sent["headers"]["authorization"] == "Bearer [REDACTED]"
    assert sent["json"]["list"] == "newsletter-42", "the package's hook was applied"
    assert sent["json"]["plan"] in ("free", "pro")

    again = pytest_run(tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "2 passed" in again.stdout

    changed = pytest_run(tmp_path, env={"ACME_PATH": "/v2/subscribers"})
    assert changed.returncode == 1
    assert "2 failed" in changed.stdout
    assert "/v2/subscribers" in changed.stdout, "the snapshot diff shows the change"
