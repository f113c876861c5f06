"""Commands for destination authors: ``init``, ``validate`` and ``docs``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import get_args

from framework.authoring.registry import discover
from framework.tooling.cli.common import EXIT_FAILED, EXIT_OK, UsageError, check_or_write
from framework.tooling.scaffold import Auth, Names, scaffold, write_declared_metadata

DOCS_DIR = Path("docs") / "destinations"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``init``, ``validate`` and ``docs``."""
    init = commands.add_parser("init", help="scaffold and register a new destination")
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
    root: Path = args.root
    try:
        names = Names.of(args.name)
        created = scaffold(root, args.name, args.auth)
    except (ValueError, FileExistsError) as error:
        raise UsageError(str(error)) from None
    for path in created:
        print(f"created {path}")
    print(f"registered it in {root / 'pyproject.toml'}: {names.entry_point}")
    if not _record_generated_files(root, names):
        return EXIT_FAILED
    print(
        f"\n{names.title} is ready: destinations/{names.package}/ (edit send_event.py), "
        f"tests/{names.package}/, its schemas and docs/destinations/{names.slug}.md.\n"
        "Reinstall the project so that the registry finds it: `make` does (its "
        ".venv/.installed depends on pyproject.toml, so `make test` reinstalls first), "
        "or `.venv/bin/pip install -e .`."
    )
    if args.auth == "oauth2":
        _print_oauth_client(names)
    return EXIT_OK


def _print_oauth_client(names: Names) -> None:
    """Where the operator gives the OAuth client that Connect needs."""
    # The engine loads only for this: `actions --help` must not import it.
    from framework.engine.operator import (  # noqa: PLC0415
        OAUTH_CLIENT_ID,
        OAUTH_CLIENT_SECRET,
        endpoint_variable,
    )

    client = [
        endpoint_variable(names.slug, kind) for kind in (OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET)
    ]
    print(
        f"Connect with {names.title} needs your OAuth client in the operator's environment "
        f"(of `actions serve` and of what sends): {' and '.join(client)} "
        "(docs/authoring.md, OAuth 2.0)."
    )


def _record_generated_files(root: Path, names: Names) -> bool:
    """Write the schemas and docs pages and record the new destination's snapshots (its
    own tests' and its generated tests'), each in a subprocess that sees the entry points
    ``pyproject.toml`` declares now (:func:`write_declared_metadata`). ``-P`` and an empty
    ``pythonpath`` keep that metadata first on ``sys.path``, before a stale
    ``*.egg-info`` of an editable install in ``root``."""
    # Only `init` runs this: the authoring layer and the process tools load with it.
    import subprocess  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    from framework.authoring.sample_data import VARIANTS  # noqa: PLC0415

    generated = Path("tests") / "generated" / "test_generated.py"
    generated_ids = [
        f"{generated.as_posix()}::test_generated[{names.slug}-send_event-{variant}]"
        for variant in VARIANTS
        if (root / generated).is_file()
    ]
    follow_up = [
        ["-m", "framework.tooling.cli", "schemas"],
        ["-m", "framework.tooling.cli", "docs"],
        [
            *("-m", "pytest", "-o", "pythonpath=", "-p", "no:cacheprovider", "-q"),
            *(f"tests/{names.package}", *generated_ids, "--snapshot-update"),
        ],
    ]
    with tempfile.TemporaryDirectory() as metadata:
        write_declared_metadata(root, Path(metadata))
        path = [metadata, str(root.resolve()), os.environ.get("PYTHONPATH", "")]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, path))}
        for command in follow_up:
            done = subprocess.run([sys.executable, "-P", *command], cwd=root, env=env, check=False)
            if done.returncode != 0:
                print(f"actions: `python {' '.join(command)}` failed", file=sys.stderr)
                return False
    return True


def _validate(args: argparse.Namespace) -> int:
    from framework.tooling.lint import lint_registry  # noqa: PLC0415 (jsonschema, the layers below)

    registry = discover()
    problems = lint_registry(registry)
    for problem in problems:
        print(problem)
    if problems:
        return EXIT_FAILED
    print(f"{len(registry.destinations)} destinations valid: {', '.join(registry.destinations)}")
    return EXIT_OK


def _docs(args: argparse.Namespace) -> int:
    from framework.tooling.docs import stale_pages, write_pages  # noqa: PLC0415 (see _validate)

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
