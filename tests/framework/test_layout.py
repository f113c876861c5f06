"""The layout by role is an architecture, checked: each folder of ``framework/`` is a layer
that imports only the layers below it, and no module imports another in a cycle.

Layers, lowest first: ``core`` (shared primitives), ``languages`` (mapping and FQL),
``authoring`` (what a destination is made of), ``engine`` (running an action and its HTTP),
then ``runtime`` (servers, delivery) and ``testing`` (the test kit) side by side, and
``tooling`` (the CLI) on top. ``framework/__init__.py`` is the author's facade: it names
what authors use and imports each lazily, so it is no layer's dependency.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

FRAMEWORK = Path(__file__).resolve().parents[2] / "framework"
RANK = {"core": 0, "languages": 1, "authoring": 2, "engine": 3, "runtime": 4, "testing": 4}
RANK["tooling"] = 5


def module_name(path: Path) -> str:
    parts = path.relative_to(FRAMEWORK.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(FRAMEWORK.rglob("*.py"))}


def imported(name: str, path: Path, *, type_only: bool) -> Iterator[str]:
    """Modules of this project ``name`` imports: every import statement anywhere in it
    (functions included), and with ``type_only`` also those under ``if TYPE_CHECKING``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    if not type_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skipped |= {id(inner) for inner in ast.walk(node)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield full if full in MODULES else base


def modules_named(node: ast.AST) -> list[str]:
    """The modules an import statement names (none for any other node)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""]
    return []


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "framework" and len(parts) > 1 else None


def test_every_module_belongs_to_a_layer() -> None:
    loose = [name for name in MODULES if name != "framework" and layer(name) not in RANK]
    assert loose == []


@pytest.mark.parametrize("name", [name for name in MODULES if name != "framework"])
def test_a_layer_imports_only_the_layers_below_it(name: str) -> None:
    own = layer(name)
    assert own is not None
    upward = sorted(
        target
        for target in imported(name, MODULES[name], type_only=True)
        if target.split(".")[0] == "destinations"
        or (
            layer(target) is not None
            and layer(target) != own
            and RANK[layer(target) or ""] >= RANK[own]
        )
        or target == "framework"
    )
    assert upward == [], f"{name} ({own}) imports a layer at or above its own"


def test_no_module_imports_another_in_a_cycle() -> None:
    """At import time (module level and functions; type-only imports aside), the modules
    form a directed acyclic graph."""
    graph = {
        name: {
            target
            for target in imported(name, path, type_only=False)
            if target in MODULES and target != name
        }
        for name, path in MODULES.items()
        if name != "framework"
    }
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for child in sorted(graph.get(node, ())):
            if state.get(child) == 1:
                cycles.append([*trail[trail.index(child) :], child])
            elif child not in state:
                visit(child, [*trail, child])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_the_facade_imports_nothing_heavy_eagerly() -> None:
    """``import framework`` (done by every ``framework.*`` import, the CLI's included) costs
    nothing: the author's names are imported on first use, and only the standard library's
    ``importlib`` and ``typing`` at once."""
    tree = ast.parse((FRAMEWORK / "__init__.py").read_text(encoding="utf-8"))
    eager = sorted(name for node in tree.body for name in modules_named(node))
    assert eager == ["__future__", "importlib", "typing"]


def test_every_name_of_the_facade_is_its_home_modules_object() -> None:
    import framework  # noqa: PLC0415

    homes = framework._HOMES
    assert sorted(homes) == sorted(framework.__all__) == sorted(dir(framework))
    for name, home in homes.items():
        assert getattr(framework, name) is getattr(importlib.import_module(home), name), name
    with pytest.raises(AttributeError, match="no attribute 'Destinaton'"):
        _ = framework.Destinaton  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "path",
    sorted((FRAMEWORK.parent / "destinations").rglob("*.py")),
    ids=lambda path: str(path.relative_to(FRAMEWORK.parent)),
)
def test_a_destination_imports_only_the_facade(path: Path) -> None:
    """An author needs ``framework`` alone (and ``framework.testing`` in tests)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = {name for node in ast.walk(tree) for name in modules_named(node)}
    assert {name for name in modules if name.startswith("framework.")} == set()
    assert {name for name in modules if name.startswith("pydantic")} == set()
