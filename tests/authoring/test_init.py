"""`actions init`: a scaffolded destination is registered and passes the project's checks
once the project is reinstalled, as `make test` does."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import distributions
from pathlib import Path

import pytest

from framework.authoring.registry import ENTRY_POINT_GROUP
from framework.tooling.cli import main
from framework.tooling.scaffold import (
    MAX_NAME,
    Names,
    scaffold,
    with_entry_point,
    write_declared_metadata,
)

ROOT = Path(__file__).resolve().parents[2]
LONG = "acme-oauth-" + "n" * (MAX_NAME - len("acme-oauth-"))  # the longest name allowed
NEW = {"acme-crm": "custom", "acme-basic": "basic", "acme-open": "none", LONG: "oauth2"}
TESTS = {"none": 2, "custom": 2, "basic": 2, "oauth2": 4}  # each one's generated tests
PACKAGES = [Names.of(name).package for name in NEW]
GENERATED = Path("tests") / "generated"
TABLE = f'[project.entry-points."{ENTRY_POINT_GROUP}"]'


def run(project: Path, *command: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": path or str(project)}
    return subprocess.run(
        list(command), cwd=project, env=env, capture_output=True, text=True, check=False
    )


def copy_project(project: Path) -> None:
    """What `make test` reads: the framework, the destinations, pyproject.toml (and the
    README it names) and the generated snapshot tests."""
    skip = shutil.ignore_patterns("__pycache__")
    for folder in ("framework", "destinations"):
        shutil.copytree(ROOT / folder, project / folder, ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    (project / GENERATED).mkdir(parents=True)
    shutil.copy(ROOT / GENERATED / "test_generated.py", project / GENERATED)
    shutil.copytree(ROOT / GENERATED / "__snapshots__", project / GENERATED / "__snapshots__")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with four destinations scaffolded, one per --auth, while the
    installed metadata predates them (here: in the project folder, as an editable install
    leaves its egg-info there, first on pytest's path); then reinstalled, as `make` does."""
    project = tmp_path_factory.mktemp("project")
    copy_project(project)
    write_declared_metadata(project, project)
    for name, auth in NEW.items():
        command = (sys.executable, "-m", "framework.tooling.cli", "init", name, "--auth", auth)
        done = run(project, *command)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "`make` does" in done.stdout
        assert f"registered it in pyproject.toml: {Names.of(name).entry_point}" in done.stdout
        assert ("ACTIONS_OAUTH_CLIENT_ID_ACME_OAUTH_N" in done.stdout) == (auth == "oauth2")
    [stale] = project.glob("*.dist-info")
    shutil.rmtree(stale)
    install = (sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index")
    target = str(project.parent / f"{project.name}-site")
    done = run(project, *install, "--no-build-isolation", "--target", target, str(project))
    assert done.returncode == 0, done.stdout + done.stderr
    return project


def installed(project: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """``command`` run in ``project`` after the reinstall."""
    site = project.parent / f"{project.name}-site"
    return run(project, *command, path=os.pathsep.join([str(project), str(site)]))


def test_each_is_registered_in_pyproject(project: Path) -> None:
    [before, after] = (
        tomllib.loads((folder / "pyproject.toml").read_text())["project"]["entry-points"]
        for folder in (ROOT, project)
    )
    points = after[ENTRY_POINT_GROUP]
    assert list(points) == [*before[ENTRY_POINT_GROUP], *NEW]
    assert points["acme-crm"] == "destinations.acme_crm:destination"


@pytest.mark.parametrize("name", list(NEW))
def test_the_files_and_the_snapshot_exist(project: Path, name: str) -> None:
    package = Names.of(name).package
    for module in ("__init__", "settings", "send_event"):
        assert (project / "destinations" / package / f"{module}.py").is_file()
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
    scheme = {"none": None, "basic": "Basic", "custom": "Bearer", "oauth2": "Bearer"}[NEW[name]]
    assert request["headers"].get("authorization") == (scheme and f"{scheme} [REDACTED]")


def test_the_generated_snapshots_are_recorded_and_the_others_kept(project: Path) -> None:
    shots = project / GENERATED / "__snapshots__" / "test_generated"
    for name in NEW:
        for variant in ("required", "all"):
            assert (shots / f"test_generated[{name}-send_event-{variant}].json").is_file()
    committed = ROOT / GENERATED / "__snapshots__" / "test_generated"
    for shot in committed.glob("*.json"):
        assert (shots / shot.name).read_bytes() == shot.read_bytes()


def test_the_new_tests_and_the_generated_tests_pass(project: Path) -> None:
    tests = [f"tests/{package}" for package in PACKAGES]
    done = installed(
        project, sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *tests, str(GENERATED)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    committed = len(list((ROOT / GENERATED / "__snapshots__" / "test_generated").glob("*.json")))
    own = sum(TESTS[auth] for auth in NEW.values())
    assert f"{own + 2 * len(NEW) + committed} passed" in done.stdout


def test_the_oauth_destination_declares_connect_into_its_token_setting(project: Path) -> None:
    package = Names.of(LONG).package
    script = (
        "import json; from dataclasses import asdict; "
        f"from destinations.{package} import destination as d; "
        "print(json.dumps({**asdict(d.oauth), 'type': d.setting_fields['access_token'].type}))"
    )
    done = installed(project, sys.executable, "-c", script)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "authorize_url": f"https://{LONG}.example/oauth/authorize",
        "token_url": f"https://{LONG}.example/oauth/token",
        "token_setting": "access_token",
        "scopes": ["events:write"],
        "pkce": True,
        "client_auth": "body",
        "refresh_margin": 60.0,
        "label": f"Connect with {Names.of(LONG).title}",
        "type": "secret",
    }


def test_they_are_listed_and_valid(project: Path) -> None:
    listing = installed(project, sys.executable, "-m", "framework.tooling.cli", "list", "--json")
    origins = {
        entry["slug"]: entry["origin"] for entry in json.loads(listing.stdout)["destinations"]
    }
    assert origins["acme-crm"] == "built-in destinations.acme_crm"
    assert set(NEW) <= set(origins)
    validate = installed(project, sys.executable, "-m", "framework.tooling.cli", "validate")
    assert validate.returncode == 0, validate.stdout


def test_their_schemas_and_docs_are_written(project: Path) -> None:
    for check in (["schemas", "--check"], ["docs", "--check"]):
        done = installed(project, sys.executable, "-m", "framework.tooling.cli", *check)
        assert done.returncode == 0, done.stderr
    assert (project / "docs" / "destinations" / "acme-crm.md").is_file()


def test_lint_and_strict_types_pass(project: Path) -> None:
    new = [f"{folder}/{package}" for folder in ("destinations", "tests") for package in PACKAGES]
    ruff = Path(sys.executable).with_name("ruff")
    for command in ([str(ruff), "check", *new], [str(ruff), "format", "--check", *new]):
        done = run(project, *command)
        assert done.returncode == 0, done.stdout + done.stderr
    cache = str(project.parent / f"{project.name}-mypy")
    mypy = run(project, sys.executable, "-m", "mypy", "--strict", "--cache-dir", cache, *new)
    assert mypy.returncode == 0, mypy.stdout


# Without the project copy ------------------------------------------------------------------


PYPROJECT = f'[project]\nname = "x"\n\n{TABLE}\na = "a:destination"\n'


@pytest.mark.parametrize(
    "name", ["Acme", "1acme", "acme crm", "acme--crm", "-acme", "a" * (MAX_NAME + 1)]
)
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="use lowercase letters and digits"):
        Names.of(name)


def test_the_entry_point_goes_at_the_end_of_its_table_and_nothing_else_changes() -> None:
    text = f'[project]\nname = "x"\n\n{TABLE}  # ours\na = "a:destination"\n\n\n[tool.x]\ny = 1'
    updated = with_entry_point(text, Names.of("acme-crm"))
    assert updated == text.replace(
        'a = "a:destination"\n',
        'a = "a:destination"\nacme-crm = "destinations.acme_crm:destination"\n',
    )
    last = with_entry_point(f"{TABLE}\na = 'a'", Names.of("acme"))
    assert last == f"{TABLE}\na = 'a'\nacme = \"destinations.acme:destination\"\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[project]\nname = "x"\n', "has no table header [project.entry-points"),
        (f'{TABLE}\nacme = "elsewhere:destination"\n', "already has an entry point 'acme'"),
        ("[project\n", "is not valid TOML"),
    ],
)
def test_registering_refuses_what_it_cannot_do(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        with_entry_point(text, Names.of("acme"))


def test_without_a_table_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    with pytest.raises(ValueError, match=r"no table header \[project\.entry-points"):
        scaffold(tmp_path, "acme", "none")
    assert sorted(tmp_path.iterdir()) == [tmp_path / "pyproject.toml"]


def test_an_existing_destination_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    scaffold(tmp_path, "acme", "none")
    before = (tmp_path / "destinations" / "acme" / "__init__.py").read_text()
    registered = (tmp_path / "pyproject.toml").read_text()
    with pytest.raises(FileExistsError, match="already exists"):
        scaffold(tmp_path, "acme", "custom")
    assert (tmp_path / "destinations" / "acme" / "__init__.py").read_text() == before
    assert (tmp_path / "pyproject.toml").read_text() == registered


def test_the_declared_metadata_shows_the_entry_points_of_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    scaffold(tmp_path, "acme", "none")
    write_declared_metadata(tmp_path, tmp_path / "metadata")
    [dist] = distributions(path=[str(tmp_path / "metadata")])
    assert dist.metadata["Name"] == "x"
    points = {point.name: point.value for point in dist.entry_points}
    assert points == {"a": "a:destination", "acme": "destinations.acme:destination"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["init", "Bad Name"], "use lowercase letters"),
        (["init", "acme"], "pyproject.toml: not found"),
    ],
)
def test_init_refusals_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    assert main([*argv, "--root", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
