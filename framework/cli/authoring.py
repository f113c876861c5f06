"""Commands for destination authors: ``init``, ``validate`` and ``docs``."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import get_args

from framework.cli.common import EXIT_FAILED, EXIT_OK, UsageError, check_or_write
from framework.docs import stale_pages, write_pages
from framework.lint import lint_registry
from framework.registry import discover
from framework.scaffold import Auth, Names, scaffold

DOCS_DIR = Path("docs") / "destinations"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``init``, ``validate`` and ``docs``."""
    init = commands.add_parser("init", help="scaffold a new destination with its tests")
    init.add_argument("name", help="e.g. acme-crm (package acme_crm, slug acme-crm)")
    init.add_argument("--auth", choices=get_args(Auth), default="custom", help="(custom)")
    init.add_argument("--root", type=Path, default=Path(), help="project folder (.)")
    init.set_defaults(handler=_init)

    validate = commands.add_parser("validate", help="lint every registered destination")
    validate.set_defaults(handler=_validate)

    docs = commands.add_parser("docs", help="write the Markdown page of each destination")
    docs.add_argument("destination", nargs="?", help="only this one (default: all)")
    docs.add_argument("--dir", type=Path, default=DOCS_DIR, help=f"folder ({DOCS_DIR})")
    docs.add_argument("--check", action="store_true", help="fail if the pages are stale")
    docs.set_defaults(handler=_docs)


def _init(args: argparse.Namespace) -> int:
    try:
        names = Names.of(args.name)
        created = scaffold(args.root, args.name, args.auth)
    except (ValueError, FileExistsError) as error:
        raise UsageError(str(error)) from None
    for path in created:
        print(f"created {path}")
    follow_up = [
        ["-m", "framework.cli", "schemas"],
        ["-m", "framework.cli", "docs"],
        [
            "-m",
            "pytest",
            f"tests/{names.package}",
            "--snapshot-update",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([".", os.environ.get("PYTHONPATH", "")])}
    for command in follow_up:
        done = subprocess.run([sys.executable, *command], cwd=args.root, env=env, check=False)
        if done.returncode != 0:
            print(f"actions: `{' '.join(command)}` failed", file=sys.stderr)
            return EXIT_FAILED
    print(
        f"\n{names.title} is ready: destinations/{names.package}/ (edit send_event.py), "
        f"tests/{names.package}/, its schemas and docs/destinations/{names.slug}.md."
    )
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    registry = discover()
    problems = lint_registry(registry)
    for problem in problems:
        print(problem)
    if problems:
        return EXIT_FAILED
    print(f"{len(registry.destinations)} destinations valid: {', '.join(registry.destinations)}")
    return EXIT_OK


def _docs(args: argparse.Namespace) -> int:
    found = discover().destinations
    if args.destination is not None:
        if args.destination not in found:
            raise UsageError(f"unknown destination {args.destination!r}")
        found = {args.destination: found[args.destination]}
    chosen = list(found.values())
    every = args.destination is None
    return check_or_write(
        args.check,
        args.dir,
        lambda: stale_pages(args.dir, chosen, prune=every),
        lambda: write_pages(args.dir, chosen, prune=every),
        "actions docs",
    )
