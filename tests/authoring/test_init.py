"""`actions init`: a scaffolded destination passes the project's checks at once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from framework.cli import main
from framework.scaffold import Names, scaffold

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = Path(sys.executable).with_name("actions")
NEW = {"acme-crm": "custom", "acme-basic": "basic", "acme-open": "none"}


def run(project: Path, *command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run(
        list(command),
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with three scaffolded destinations, one per --auth."""
    project = tmp_path_factory.mktemp("project")
    shutil.copytree(
        ROOT / "framework", project / "framework", ignore=shutil.ignore_patterns("__pycache__")
    )
    (project / "destinations").mkdir()
    for name in ("__init__.py", "py.typed"):
        shutil.copy(ROOT / "destinations" / name, project / "destinations" / name)
    shutil.copytree(
        ROOT / "destinations" / "perkville",
        project / "destinations" / "perkville",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    for name, auth in NEW.items():
        done = run(project, str(ACTIONS), "init", name, "--auth", auth, "--root", str(project))
        assert done.returncode == 0, done.stdout + done.stderr
    return project


@pytest.mark.parametrize("name", list(NEW))
def test_the_files_and_the_snapshot_exist(project: Path, name: str) -> None:
    package = Names.of(name).package
    assert (project / "destinations" / package / "__init__.py").is_file()
    assert (project / "destinations" / package / "send_event.py").is_file()
    snapshot = project / "tests" / package / "__snapshots__" / f"test_{package}"
    [shot] = snapshot.glob("*.json")
    request = json.loads(shot.read_text())[0]
    assert request["method"] == "POST"
    assert request["url"] == f"https://api.{name}.example/v1/events"
    assert request["json"] == {
        "event_name": "Signed Up",
        "properties": {"plan": "pro"},
        "user_id": "user-1",
    }
    if NEW[name] != "none":
        assert request["headers"]["authorization"].endswith("[REDACTED]")


def test_the_new_tests_pass(project: Path) -> None:
    done = run(
        project,
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        *(f"tests/{Names.of(name).package}" for name in NEW),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 passed" in done.stdout


def test_they_are_listed_and_valid(project: Path) -> None:
    listing = run(project, sys.executable, "-m", "framework.cli", "list", "--json")
    slugs = {entry["slug"] for entry in json.loads(listing.stdout)["destinations"]}
    assert set(NEW) <= slugs
    validate = run(project, sys.executable, "-m", "framework.cli", "validate")
    assert validate.returncode == 0, validate.stdout


def test_their_schemas_and_docs_are_written(project: Path) -> None:
    for check in (["schemas", "--check"], ["docs", "--check"]):
        done = run(project, sys.executable, "-m", "framework.cli", *check)
        assert done.returncode == 0, done.stderr
    assert (project / "docs" / "destinations" / "acme-crm.md").is_file()


def test_lint_and_types_pass(project: Path) -> None:
    new = [f"destinations/{Names.of(n).package}" for n in NEW] + [
        f"tests/{Names.of(n).package}" for n in NEW
    ]
    ruff = Path(sys.executable).with_name("ruff")
    for command in ([str(ruff), "check", *new], [str(ruff), "format", "--check", *new]):
        done = run(project, *command)
        assert done.returncode == 0, done.stdout + done.stderr
    mypy = run(
        project,
        sys.executable,
        "-m",
        "mypy",
        "--cache-dir",
        str(project / ".mypy"),
        *new[: len(NEW)],
    )
    assert mypy.returncode == 0, mypy.stdout


@pytest.mark.parametrize("name", ["Acme", "1acme", "acme crm", "acme--crm", "-acme"])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="use lowercase letters and digits"):
        Names.of(name)


def test_an_existing_destination_is_never_overwritten(tmp_path: Path) -> None:
    scaffold(tmp_path, "acme", "none")
    before = (tmp_path / "destinations" / "acme" / "__init__.py").read_text()
    with pytest.raises(FileExistsError, match="already exists"):
        scaffold(tmp_path, "acme", "custom")
    assert (tmp_path / "destinations" / "acme" / "__init__.py").read_text() == before


def test_init_refusals_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["init", "Bad Name", "--root", str(tmp_path)]) == 2
    assert "use lowercase letters" in capsys.readouterr().err
