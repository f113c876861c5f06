"""The package as a user gets it: the wheel built from this tree holds the two packages,
their data files and entry points, and nothing else; installed into a fresh virtualenv
(offline, from the wheelhouse `make test` fills with the runtime dependencies) and run from
an empty folder, `actions list` finds both destinations, `actions send` delivers to an
`actions sandbox`, and `actions serve` serves the page with every destination's schemas.

SLOW (about 10 s on a 2-core machine): the module builds one wheel and installs it into one
virtualenv, shared by its tests. Nothing here reaches the network: pip runs with no index
and no configuration, the servers listen on loopback."""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from framework.tooling.schema_files import render
from tests.server.support import committed_destination_schemas, described_schemas
from tests.waiting import HANG_GUARD

ROOT = Path(__file__).resolve().parents[2]
WHEELHOUSE = ROOT / ".venv" / "wheelhouse"
WHEELHOUSE_BUILT = WHEELHOUSE / ".built"  # written by make once the wheelhouse is complete
SETTINGS = ROOT / "examples" / "perkville" / "settings.json"
PACKAGES = ("framework", "destinations")
NOT_SOURCES = shutil.ignore_patterns(
    ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)
ENTRY_POINTS = {
    "console_scripts": {"actions": "framework.tooling.cli:main"},
    "destination_actions.destinations": {
        "perkville": "destinations.perkville:destination",
        "webhook": "destinations.webhook:destination",
    },
    "pytest11": {"destination-actions": "framework.testing.pytest_plugin"},
}
EVENTS = [
    {
        "type": "track",
        "event": "Order Completed",
        "messageId": "wheel-1",
        "properties": {"order_id": "A-1", "revenue": 9.99, "email": "ana@example.com"},
    },
    {
        "type": "track",
        "event": "Checked In",
        "messageId": "wheel-2",
        "properties": {"email": "ben@example.com"},
    },
]
BALANCES = {"ana@example.com": 9.99, "ben@example.com": 1.0}


def isolated() -> dict[str, str]:
    """This process's environment without what would steer pip or Python elsewhere: no pip
    configuration (no index, no extra wheels), no PYTHONPATH, no endpoint overrides."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV", "ACTIONS_"))
    }
    return {**environment, "PIP_CONFIG_FILE": os.devnull}


def run(*command: str | Path, cwd: Path | None = None) -> str:
    """Run ``command`` to its end; its standard output, or a failure showing both streams."""
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=isolated(),
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        check=False,
    )
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of this tree without virtualenv, caches or earlier builds: the build starts
    clean and leaves the working tree alone."""
    copy = tmp_path_factory.mktemp("source") / "destination-actions"
    shutil.copytree(ROOT, copy, ignore=NOT_SOURCES)
    return copy


@pytest.fixture(scope="module")
def wheel(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from ``source`` offline, with this virtualenv's setuptools."""
    dist = tmp_path_factory.mktemp("dist")
    build = "-m pip wheel --quiet --no-deps --no-build-isolation --no-index --wheel-dir"
    run(sys.executable, *build.split(), dist, source)
    [built] = dist.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def bin_dir(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scripts folder of a fresh virtualenv with the wheel installed from the wheelhouse
    alone."""
    if not WHEELHOUSE_BUILT.exists():
        pytest.fail(
            f"no wheelhouse at {WHEELHOUSE}: run `make test`, which builds it (the runtime "
            "dependencies as wheels, so that this test installs the package with no network)"
        )
    venv = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", "--no-index", "--find-links", WHEELHOUSE, wheel)
    return venv / "bin"


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Path]:
    """The folder the commands run in: empty before, and after (nothing written there)."""
    folder = tmp_path / "empty"
    folder.mkdir()
    yield folder
    assert list(folder.iterdir()) == []


@contextmanager
def started(first_line: str, *command: str | Path, cwd: Path, log: Path) -> Iterator[str]:
    """Run a server ``command`` until the block ends, then stop it with SIGTERM and check it
    exits with status 0 and no traceback; yields the URL its first output line announces
    (``first_line``, a pattern whose group 1 is the URL). Its standard error goes to
    ``log``."""
    with log.open("w", encoding="utf-8") as errors:
        process = subprocess.Popen(
            [str(part) for part in command],
            cwd=cwd,
            env=isolated(),
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.fullmatch(first_line, line.rstrip("\n"))
        assert found is not None, f"{line!r}\n{log.read_text(encoding='utf-8')}"
        yield found.group(1)
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=HANG_GUARD)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    logged = log.read_text(encoding="utf-8")
    assert process.returncode == 0, logged
    assert "Traceback" not in logged


def test_the_wheel_holds_both_packages_their_data_and_entry_points(
    wheel: Path, source: Path
) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        tops = {name.split("/")[0] for name in names}
        metadata = next(top for top in tops if top.endswith(".dist-info"))
        entry_points = configparser.ConfigParser()
        entry_points.optionxform = str  # keep the names' case
        entry_points.read_string(archive.read(f"{metadata}/entry_points.txt").decode())
    assert tops == {*PACKAGES, metadata}  # no tests/, nothing else at the top
    packaged = {name for name in names if name.split("/")[0] in PACKAGES}
    assert packaged == {
        path.relative_to(source).as_posix()
        for package in PACKAGES
        for path in (source / package).rglob("*")
        if path.is_file()
    }  # every module and data file of the tree: no more, no less
    assert {
        "framework/py.typed",
        "destinations/py.typed",
        "framework/languages/mapping/mapping.schema.json",
        "framework/runtime/server/static/index.html",
        "framework/runtime/server/static/app.js",
    } <= packaged
    assert {
        section: dict(entry_points[section]) for section in entry_points.sections()
    } == ENTRY_POINTS


def test_the_fresh_virtualenv_runs_the_installed_wheel(bin_dir: Path, empty: Path) -> None:
    where = run(bin_dir / "python", "-c", "import framework; print(framework.__file__)", cwd=empty)
    assert Path(where.strip()).is_relative_to(bin_dir.parent / "lib")


def test_actions_list_finds_both_destinations(bin_dir: Path, empty: Path) -> None:
    listed = json.loads(run(bin_dir / "actions", "list", "--json", cwd=empty))["destinations"]
    assert {(d["slug"], d["origin"]) for d in listed} == {
        ("perkville", "built-in destinations.perkville"),
        ("webhook", "built-in destinations.webhook"),
    }


def test_actions_send_delivers_to_actions_sandbox(
    bin_dir: Path, empty: Path, tmp_path: Path
) -> None:
    events = tmp_path / "events.ndjson"
    events.write_text("".join(json.dumps(event) + "\n" for event in EVENTS), encoding="utf-8")
    sandbox = [bin_dir / "actions", "sandbox", "perkville", "--settings", SETTINGS, "--port", "0"]
    with started(
        r"Perkville sandbox on (http://127\.0\.0\.1:\d+) \(Ctrl-C to stop\)",
        *sandbox,
        cwd=empty,
        log=tmp_path / "sandbox.log",
    ) as url:
        sent = run(
            bin_dir / "actions",
            "send",
            "perkville",
            "--settings",
            SETTINGS,
            "--endpoint",
            url,
            "--json",
            events,
            cwd=empty,
        )
        report = httpx.get(f"{url}/sandbox/balances", timeout=HANG_GUARD).json()
    results = [json.loads(line) for line in sent.splitlines()]
    assert [(r["message_id"], r["status"]) for r in results] == [
        ("wheel-1", "delivered"),
        ("wheel-2", "delivered"),
    ]
    assert (report["balances"], report["applied"]) == (BALANCES, len(EVENTS))


def test_actions_serve_serves_the_page_and_every_destinations_schemas(
    bin_dir: Path, empty: Path, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    with (
        started(
            r"Settings UI on (http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)",
            *(bin_dir / "actions", "serve", "--port", "0"),
            cwd=empty,
            log=log,
        ) as url,
        httpx.Client(base_url=url, timeout=HANG_GUARD) as client,
    ):
        page = client.get("/")
        script = client.get("/static/app.js")
        listed = client.get("/api/destinations").json()["destinations"]
        described = [client.get(f"/api/destinations/{d['slug']}") for d in listed]
    assert page.status_code == 200
    assert "<html" in page.text.lower()
    assert script.status_code == 200
    assert [r.status_code for r in described] == [200] * len(listed), [r.text for r in described]
    served = {
        relative: render(schema)
        for response in described
        for relative, schema in described_schemas(response.json()).items()
    }
    assert {d["slug"] for d in listed} == {"perkville", "webhook"}
    assert served == committed_destination_schemas()
    assert "warning" not in log.read_text(encoding="utf-8")
