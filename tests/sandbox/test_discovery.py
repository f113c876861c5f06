"""Finding a destination's sandbox: the ``sandbox`` module of the package that defines it,
built-in or plugin; and what the generic part gives a sandbox that only handles requests."""

from __future__ import annotations

import importlib
import re
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

import destinations.perkville.sandbox as perkville_sandbox
from destinations.perkville import destination as perkville
from destinations.webhook import destination as webhook
from framework.definition import Destination
from framework.errors import DefinitionError
from framework.sandbox import Faults, sandbox_factory

DEFINITION = """
from framework.testing import make_test_destination

destination = make_test_destination()
"""
ECHO_SANDBOX = """
from framework.sandbox import Reply, Sandbox


class Echo(Sandbox):
    def handle(self, request):
        return Reply(200, {"method": request.method, "path": request.path})


def create_sandbox(settings, faults):
    return Echo(faults=faults)
"""

Plugin = Callable[[str], Destination]


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Plugin]:
    """Write a plugin package whose ``sandbox.py`` holds the given source; its destination."""
    monkeypatch.syspath_prepend(str(tmp_path))
    names: list[str] = []

    def make(sandbox_source: str) -> Destination:
        name = f"sandbox_plugin_{len(names)}"
        names.append(name)
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(DEFINITION, encoding="utf-8")
        (tmp_path / name / "sandbox.py").write_text(textwrap.dedent(sandbox_source), "utf-8")
        destination: Destination = importlib.import_module(name).destination
        return destination

    yield make
    for module in [m for m in sys.modules if m.split(".")[0] in names]:
        del sys.modules[module]


def test_the_built_in_perkville_sandbox_is_found() -> None:
    assert sandbox_factory(perkville) is perkville_sandbox.create_sandbox


def test_a_destination_without_a_sandbox_module_has_none() -> None:
    assert sandbox_factory(webhook) is None


def test_a_plugin_sandbox_gets_the_generic_server_and_faults(plugin: Plugin) -> None:
    factory = sandbox_factory(plugin(ECHO_SANDBOX))
    assert factory is not None
    with factory({}, Faults(rate=1.0, kinds=("500",))) as sandbox:
        failed = httpx.get(f"{sandbox.url}/anything?query=1")
        inspected = httpx.get(f"{sandbox.url}/sandbox/state?query=1")
    assert failed.status_code == 500
    assert failed.json() == {
        "error": {"code": "E500", "message": "Internal server error (sandbox fault)"}
    }
    assert inspected.json() == {"method": "GET", "path": "/sandbox/state"}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("import sandbox_dependency_that_is_missing\n", "cannot be imported: ModuleNotFound"),
        ("raise RuntimeError('boom')\n", "cannot be imported: RuntimeError: boom"),
        ("create_sandbox = 42\n", "has no create_sandbox(settings, faults) function"),
    ],
)
def test_a_broken_sandbox_module_is_a_definition_error(
    plugin: Plugin, source: str, message: str
) -> None:
    with pytest.raises(DefinitionError, match=re.escape(message)):
        sandbox_factory(plugin(source))


def test_a_sandbox_serves_only_between_start_and_stop(plugin: Plugin) -> None:
    factory = sandbox_factory(plugin(ECHO_SANDBOX))
    assert factory is not None
    sandbox = factory({}, Faults())
    with pytest.raises(RuntimeError, match="not started"):
        _ = sandbox.url
    sandbox.start()
    with pytest.raises(RuntimeError, match="already started"):
        sandbox.start()
    sandbox.stop()
    sandbox.stop()  # a second stop does nothing
    url = sandbox.start()  # and it can serve again
    assert httpx.get(f"{url}/again").json()["path"] == "/again"
    sandbox.stop()
