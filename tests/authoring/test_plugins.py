"""Destinations from other packages: discovered through entry points, listed with their
origin, validated, usable with `actions send`; a broken plugin never hides the others."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import pytest

from framework.authoring import registry
from framework.authoring.registry import DISTRIBUTION, ENTRY_POINT_GROUP, discover
from framework.testing import make_test_destination

ACTIONS = Path(sys.executable).with_name("actions")

PLUGIN = """
from pydantic import SecretStr

from framework import Action, Destination, Field, HttpRequest, Payload, Preset, Settings
from framework.languages.mapping import path


class AcmeSettings(Settings):
    token: SecretStr = Field(label="Token", description="Token.")


class Notice(Payload):
    user_id: str = Field(label="User", description="Who.", default=path("$.userId"))


def post(settings: AcmeSettings, payload: Notice) -> HttpRequest:
    return HttpRequest("POST", "/hooks", json={"user": payload.user_id})


def token_header(settings: AcmeSettings) -> dict[str, str]:
    return {"X-Token": settings.token.get_secret_value()}


destination = Destination(
    name="Acme",
    slug="acme",
    description="An external plugin.",
    base_url="https://api.acme.example",
    settings=AcmeSettings,
    actions={
        "notify": Action(title="Notify", description="Notify Acme.", payload=Notice, perform=post)
    },
    presets=[Preset(name="Tracks", subscription='type = "track"', action="notify")],
    extend_request=token_header,
)
"""


def build_package(root: Path, name: str, modules: dict[str, str], points: dict[str, str]) -> Path:
    """A minimal installable package with entry points in our group."""
    package = root / name
    source = package / name.replace("-", "_")
    source.mkdir(parents=True)
    for module, text in modules.items():
        (source / f"{module}.py").write_text(textwrap.dedent(text))
    entries = "\n".join(f'{key} = "{value}"' for key, value in points.items())
    (package / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""\
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "{name}"
            version = "1.0.0"

            [tool.setuptools]
            packages = ["{name.replace("-", "_")}"]

            [project.entry-points."{ENTRY_POINT_GROUP}"]
            """
        )
        + entries
        + "\n"
    )
    return package


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with an installed good plugin and an installed broken one."""
    root = tmp_path_factory.mktemp("plugins")
    good = build_package(root, "acme-actions", {"__init__": PLUGIN}, {"acme": "acme_actions"})
    broken = build_package(
        root,
        "broken-actions",
        {"__init__": "", "fails": "raise ImportError('missing dependency: acme-sdk')"},
        {"fails": "broken_actions.fails:destination", "absent": "broken_actions:nothing"},
    )
    target = root / "site"
    for package in (good, broken):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--no-index",
                "--no-build-isolation",
                "--target",
                str(target),
                str(package),
            ],
            check=True,
            capture_output=True,
        )
    return target


def actions(site: Path, *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [str(ACTIONS), *argv],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_an_installed_plugin_is_listed_with_its_origin(site: Path) -> None:
    done = actions(site, "list", "--json")
    listing = json.loads(done.stdout)
    origins = {entry["slug"]: entry["origin"] for entry in listing["destinations"]}
    assert origins["acme"] == "plugin acme = acme_actions (acme-actions 1.0.0)"
    assert origins["perkville"] == "built-in destinations.perkville"
    broken = listing["broken"]
    assert (
        "ImportError: missing dependency: acme-sdk"
        in broken["plugin fails = broken_actions.fails:destination (broken-actions 1.0.0)"]
    )
    assert (
        "AttributeError" in broken["plugin absent = broken_actions:nothing (broken-actions 1.0.0)"]
    )
    assert done.returncode == 1, "a broken plugin makes `list` fail, after listing the rest"


def test_validate_reports_broken_plugins_one_line_each(site: Path) -> None:
    done = actions(site, "validate")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert any(line.startswith("plugin fails") and "acme-sdk" in line for line in lines)
    assert not any(line.startswith("acme:") for line in lines), "the good plugin is valid"


def test_an_installed_plugin_sends_events(site: Path, tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"token": "tok-123456"}))
    event = {"type": "track", "event": "X", "userId": "u-9", "messageId": "m-1"}
    done = actions(
        site,
        "send",
        "acme",
        "--settings",
        str(settings),
        "--dry-run",
        "--json",
        "-",
        stdin=json.dumps(event) + "\n",
    )
    assert done.returncode == 0, done.stderr
    line = json.loads(done.stdout)
    assert line["request"]["url"] == "https://api.acme.example/hooks"
    assert line["request"]["json"] == {"user": "u-9"}
    assert line["request"]["headers"]["X-Token"] == "[REDACTED]"


# In-process discovery with stand-in entry points -------------------------------------------


def fake_points(monkeypatch: pytest.MonkeyPatch, loaders: dict[str, Callable[[], Any]]) -> None:
    """The installed entry points (the built-in destinations') and stand-ins loading with
    ``loaders``."""
    installed = list(entry_points(group=ENTRY_POINT_GROUP))
    fakes = [EntryPoint(name, f"pkg:{name}", ENTRY_POINT_GROUP) for name in loaders]
    real_load = EntryPoint.load

    def load(self: EntryPoint) -> Any:
        return loaders[self.name]() if self in fakes else real_load(self)

    monkeypatch.setattr(EntryPoint, "load", load)
    monkeypatch.setattr(registry, "entry_points", lambda group: [*installed, *fakes])


def fail() -> Any:
    raise RuntimeError("boom")


def test_discovery_reports_each_kind_of_broken_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    toy = make_test_destination(slug="toy")
    clash = make_test_destination(slug="perkville")
    fake_points(
        monkeypatch,
        {
            "a_good": lambda: toy,
            "b_raises": fail,
            "c_not_one": lambda: 42,
            "d_clash": lambda: clash,
        },
    )
    found = discover()
    assert set(found.destinations) >= {"perkville", "toy"}
    assert found.destinations["toy"] is toy
    reasons = {origin.split(" = ")[0]: reason for origin, reason in found.broken.items()}
    assert reasons["plugin b_raises"] == "RuntimeError: boom"
    assert "is not a framework.Destination" in reasons["plugin c_not_one"]
    assert (
        "'perkville' is already used by built-in destinations.perkville"
        in reasons["plugin d_clash"]
    )


def test_the_built_in_destinations_are_entry_points_and_the_framework_never_imports_them() -> None:
    """The built-ins are registered like anyone else's plugin: by this project's entry
    points, not by a walk of the ``destinations`` package, which no framework module
    imports (the scaffold only writes such imports into the files it generates)."""
    ours = {
        point.name: point.value
        for point in entry_points(group=ENTRY_POINT_GROUP)
        if point.dist is not None and point.dist.name == DISTRIBUTION
    }
    assert ours == {
        "perkville": "destinations.perkville:destination",
        "webhook": "destinations.webhook:destination",
    }
    importing = re.compile(r"^\s*(from|import) destinations\b", re.MULTILINE)
    framework = Path(__file__).resolve().parents[2] / "framework"
    offenders = [
        str(path.relative_to(framework))
        for path in framework.rglob("*.py")
        if path.name != "scaffold.py" and importing.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
