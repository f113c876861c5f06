"""The ``actions`` command starts without its heavy dependencies: each loads with the command
that uses it (what is imported is checked here, never how long it takes: ``bench.startup``
measures that). And what loads late still works, in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from framework.core.endpoint import ENDPOINT_VARIABLES
from framework.engine.operator import endpoint_variable

# Runs the command's main() as `actions` does, then writes every module it imported.
WRAPPER = """
import json, sys
modules_file = sys.argv.pop(1)
from framework.tooling.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as stop:  # --help
    status = stop.code
with open(modules_file, "w") as out:
    json.dump({"status": status, "modules": sorted(sys.modules)}, out)
"""

# Each of these was imported by both commands before they were made lazy.
NEVER = (
    "aiohttp",  # the network (framework.engine.client)
    "yarl",
    "httpx",  # the engine's and the guard's
    "asyncio",
    "liquid",  # @liquid, python-liquid
    "babel",
    "sqlite3",  # the runtime's queues
    "framework.engine",
    "framework.runtime",
    "framework.tooling.docs",
    "framework.tooling.lint",
    "framework.tooling.schema_files",
)
# ... and these too, which `actions list` still needs: importing a destination checks its
# default mappings (jsonschema) and its settings class (pydantic's SecretStr).
NOT_FOR_HELP = (
    "jsonschema",
    "pydantic",
    "framework.authoring.definition",
    "framework.languages",
)


def run(tmp_path: Path, *argv: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    """``actions ARGV`` in a new interpreter: the process, its exit status and modules."""
    modules_file = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(modules_file), *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done, json.loads(modules_file.read_text())


def imported(modules: list[str], names: tuple[str, ...]) -> list[str]:
    """Those of ``names`` that were imported, a package counting with its modules."""
    return [name for name in names if any(m == name or m.startswith(f"{name}.") for m in modules)]


def test_help_imports_nothing_heavy(tmp_path: Path) -> None:
    done, found = run(tmp_path, "--help")
    assert found["status"] == 0
    assert "Segment Actions-style destinations" in done.stdout
    assert imported(found["modules"], NEVER + NOT_FOR_HELP) == []


def test_list_imports_only_what_the_destinations_need(tmp_path: Path) -> None:
    done, found = run(tmp_path, "list")
    assert found["status"] == 0
    assert "perkville  Perkville" in done.stdout
    assert "action  award_points" in done.stdout
    assert imported(found["modules"], NEVER) == []


def test_the_helps_example_endpoint_variable_is_the_one_the_operator_reads() -> None:
    assert endpoint_variable("acme-crm") in ENDPOINT_VARIABLES


LATE = """
import json, sys
from framework.authoring.event_schemas import event_problems
from framework.engine.http import RequestClient
from framework.languages.mapping import compile_mapping, validate_mapping

def loaded():
    return sorted(name for name in ("aiohttp", "jsonschema", "liquid") if name in sys.modules)

before = loaded()
resolve = compile_mapping({"greeting": {"@liquid": "Hi {{ name | upcase }}"}})
RequestClient()  # the network's transport, by default
print(json.dumps({
    "before": before,
    "resolved": resolve({"name": "ann"}),
    "invalid": [str(problem) for problem in validate_mapping({"@liquid": "{% for x in y %}"})],
    "event": [str(problem) for problem in event_problems({"type": "track", "userId": "u"})],
    "after": loaded(),
}))
"""


def test_what_loads_late_works_in_a_fresh_interpreter() -> None:
    """The first mapping compiled validates it (jsonschema) and parses its template
    (python-liquid); the first client that uses the network brings aiohttp."""
    done = subprocess.run(
        [sys.executable, "-c", LATE], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "before": [],
        "resolved": {"greeting": "Hi ANN"},
        "invalid": ['/@liquid: invalid Liquid template: tag "for" is disabled (line 1, column 4)'],
        "event": ["/: 'event' is a required property"],
        "after": ["aiohttp", "jsonschema", "liquid"],
    }
