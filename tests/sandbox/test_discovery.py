"""A destination's sandbox is its ``sandbox`` hook (``Destination(sandbox=...)``), built-in
or plugin, never a module found by name; and what the generic part gives a sandbox that
only handles requests."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from destinations.perkville import destination as perkville
from destinations.perkville.sandbox import PerkvilleSandbox
from destinations.webhook import destination as webhook
from framework import DefinitionError, Destination, Faults, Reply, Sandbox, SandboxRequest
from framework.runtime.sandbox import sandbox_factory
from framework.testing import make_test_destination
from tests.perkville.support import SETTINGS as PERKVILLE_SETTINGS


class Echo(Sandbox):
    """A plugin's sandbox: it answers every request with its method and path."""

    def handle(self, request: SandboxRequest) -> Reply:
        return Reply(200, {"method": request.method, "path": request.path})


def create_echo_sandbox(settings: Mapping[str, Any], faults: Faults) -> Sandbox:
    return Echo(faults=faults)


PLUGIN = make_test_destination(sandbox=create_echo_sandbox)


def test_the_built_in_perkville_sandbox_is_its_hook() -> None:
    factory = sandbox_factory(perkville)
    assert factory is not None
    assert factory is perkville.sandbox
    faults = Faults(rate=0.5, seed=7)
    sandbox = factory(PERKVILLE_SETTINGS, faults)
    assert isinstance(sandbox, PerkvilleSandbox)
    assert sandbox.faults is faults


def test_a_destination_without_the_hook_has_none() -> None:
    assert sandbox_factory(webhook) is None


def test_a_plugin_sandbox_gets_the_generic_server_and_faults() -> None:
    factory = sandbox_factory(PLUGIN)
    assert factory is create_echo_sandbox
    with factory({}, Faults(rate=1.0, kinds=("500",))) as sandbox:
        failed = httpx.get(f"{sandbox.url}/anything?query=1")
        inspected = httpx.get(f"{sandbox.url}/sandbox/state?query=1")
    assert failed.status_code == 500
    assert failed.json() == {
        "error": {"code": "E500", "message": "Internal server error (sandbox fault)"}
    }
    assert inspected.json() == {"method": "GET", "path": "/sandbox/state"}


def test_a_sandbox_hook_that_is_not_callable_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match="sandbox: must be callable"):
        make_test_destination(sandbox=42)


# A plugin package with a ``sandbox`` module but no hook.
DEFINITION = """
from framework.testing import make_test_destination

destination = make_test_destination()
"""
SANDBOX_MODULE = """
raise AssertionError("a sandbox module is never imported by name")


def create_sandbox(settings, faults):
    raise AssertionError("never called")
"""


@pytest.fixture
def package_with_a_sandbox_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Destination]:
    """A plugin package whose ``sandbox.py`` defines ``create_sandbox``: its destination,
    declared without the hook."""
    name = "sandbox_module_plugin"
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / name).mkdir()
    (tmp_path / name / "__init__.py").write_text(DEFINITION, encoding="utf-8")
    (tmp_path / name / "sandbox.py").write_text(textwrap.dedent(SANDBOX_MODULE), "utf-8")
    destination: Destination = importlib.import_module(name).destination
    yield destination
    for module in [m for m in sys.modules if m.split(".")[0] == name]:
        del sys.modules[module]


def test_a_sandbox_module_without_the_hook_is_not_looked_for(
    package_with_a_sandbox_module: Destination,
) -> None:
    assert sandbox_factory(package_with_a_sandbox_module) is None
    assert "sandbox_module_plugin.sandbox" not in sys.modules


def test_a_sandbox_serves_only_between_start_and_stop() -> None:
    sandbox = create_echo_sandbox({}, Faults())
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
