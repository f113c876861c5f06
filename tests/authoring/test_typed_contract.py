"""The typed plugin contract: `mypy --strict` (what `make test` runs) catches a misspelt
payload field or setting in a copy of the Perkville plugin; the README's example
destination type-checks, is lint clean and runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from framework.testing import CapturingTransport, make_track_event, reply, run_action
from tests.docs.readme import example_blocks

ROOT = Path(__file__).resolve().parents[2]
PERKVILLE = ROOT / "destinations" / "perkville"
# (file, the correct access, the misspelt one, the class mypy names)
TYPOS = [
    ("award_points.py", "payload.email", "payload.emial", "AwardPoints"),
    ("transactions.py", "settings.business_id", "settings.busines_id", "PerkvilleSettings"),
]


def readme_example() -> str:
    """The first Python block of the README's "Defining a destination" section: the
    example destination (its test is the second, run by tests/docs/test_readme.py)."""
    blocks = example_blocks()
    assert blocks, "the section shows its example in a python block"
    return blocks[0]


def copy_perkville(folder: Path, package: str) -> Path:
    """Perkville as the package ``package``: its imports of itself renamed."""
    copy = folder / package
    shutil.copytree(PERKVILLE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for module in copy.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        module.write_text(text.replace("destinations.perkville", package), encoding="utf-8")
    return copy


def misspell(copy: Path) -> None:
    for file, correct, wrong, _ in TYPOS:
        module = copy / file
        text = module.read_text(encoding="utf-8")
        assert correct in text, f"{file} no longer reads {correct}: choose another access"
        module.write_text(text.replace(correct, wrong, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """One strict mypy run, with the project's configuration, over an unchanged copy of
    Perkville, a copy with the misspellings and the README example: its error lines by
    checked folder or file."""
    folder = tmp_path_factory.mktemp("typed")
    targets = {
        "unchanged": copy_perkville(folder, "perkville_copy"),
        "misspelt": copy_perkville(folder, "perkville_typo"),
        "readme": folder / "readme_example.py",
        "facade": folder / "facade_typo.py",
    }
    misspell(targets["misspelt"])
    targets["readme"].write_text(readme_example(), encoding="utf-8")
    targets["facade"].write_text(FACADE_TYPO, encoding="utf-8")
    done = subprocess.run(
        [
            *(sys.executable, "-m", "mypy", "--strict"),
            *("--config-file", str(ROOT / "pyproject.toml")),
            *("--cache-dir", str(folder / "mypy-cache")),
            *(str(target) for target in targets.values()),
        ],
        cwd=ROOT,  # where mypy finds the framework
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in done.stdout.splitlines() if ": error: " in line]
    assert done.returncode == (1 if errors else 0), done.stdout + done.stderr
    return {
        name: [line for line in errors if line.startswith(str(target))]
        for name, target in targets.items()
    }


FACADE_TYPO = "from framework import Destinaton, Field\n\nprint(Destinaton, Field)\n"


def test_a_misspelt_name_of_the_lazy_facade_is_a_mypy_error(
    mypy_errors: dict[str, list[str]],
) -> None:
    """``framework`` imports its names on first use, yet type checkers see each of them."""
    [error] = mypy_errors["facade"]
    assert 'Module "framework" has no attribute "Destinaton"' in error


def test_the_unchanged_copy_type_checks(mypy_errors: dict[str, list[str]]) -> None:
    assert mypy_errors["unchanged"] == []


@pytest.mark.parametrize(("file", "wrong", "owner"), [(f, w, o) for f, _, w, o in TYPOS])
def test_a_misspelt_attribute_is_a_mypy_error(
    mypy_errors: dict[str, list[str]], file: str, wrong: str, owner: str
) -> None:
    name = wrong.split(".")[1]
    [error] = [line for line in mypy_errors["misspelt"] if f"/{file}:" in line]
    assert f'"{owner}" has no attribute "{name}"' in error
    assert error.endswith("[attr-defined]")


def test_nothing_else_fails_in_the_misspelt_copy(mypy_errors: dict[str, list[str]]) -> None:
    assert len(mypy_errors["misspelt"]) == len(TYPOS), mypy_errors["misspelt"]


def test_the_readme_example_type_checks(mypy_errors: dict[str, list[str]]) -> None:
    assert mypy_errors["readme"] == []


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_the_readme_example_is_lint_clean(command: list[str]) -> None:
    ruff = Path(sys.executable).with_name("ruff")
    done = subprocess.run(
        [str(ruff), *command, "--stdin-filename", "readme_example.py", "-"],
        input=readme_example(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_readme_example_runs() -> None:
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(readme_example(), "README.md", "exec", dont_inherit=True), namespace)
    transport = CapturingTransport(reply(200))
    run = run_action(
        namespace["destination"],
        "add_subscriber",
        make_track_event("Signed Up", properties={"email": "a@example.com"}),
        {"api_key": "k-123456", "list_id": "7"},
        transport=transport,
    )
    assert run.result.status == "delivered", run.result.error
    [sent] = run.sent()
    assert sent["url"] == "https://api.newsletter.example/v1/signups"
    assert sent["headers"]["authorization"] == "Bearer [REDACTED]"
    assert sent["json"] == {"list": "7", "email": "a@example.com", "name": None}
