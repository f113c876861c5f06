"""The committed ``schemas/`` folder: the generated JSON Schema documents
(:mod:`framework.authoring.schema_documents`) written as files, and the check that the files
match the code."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from framework.authoring.definition import Destination
from framework.authoring.schema_documents import schema_documents


def render(document: dict[str, Any]) -> str:
    """Deterministic text: sorted keys, two-space indent, a final newline. Never NaN or
    Infinity (definitions refuse such defaults: this is the last guard)."""
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return text + "\n"


def write_schemas(root: Path, destinations: Iterable[Destination]) -> list[Path]:
    """Write every schema under ``root`` (removing generated files no longer produced)."""
    documents = schema_documents(destinations)
    for stale in _generated_files(root):
        if stale.relative_to(root).as_posix() not in documents:
            stale.unlink()
    written = []
    for relative, document in documents.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(document), encoding="utf-8")
        written.append(path)
    return written


def stale_schemas(root: Path, destinations: Iterable[Destination]) -> list[str]:
    """One line per file under ``root`` that is missing, different or no longer generated."""
    documents = schema_documents(destinations)
    problems = []
    for relative, document in documents.items():
        path = root / relative
        if not path.exists():
            problems.append(f"{path}: missing")
        elif path.read_text(encoding="utf-8") != render(document):
            problems.append(f"{path}: differs from the code")
    for extra in _generated_files(root):
        if extra.relative_to(root).as_posix() not in documents:
            problems.append(f"{extra}: no longer generated")
    return problems


def _generated_files(root: Path) -> list[Path]:
    return sorted(root.glob("**/*.schema.json"))
