"""``actions connections``: the control plane's store from the command line.
``rotate-key`` re-seals every stored connection's secrets with a new key (see
docs/control-store.md). Keys are read from the environment (``env:NAME``) or a key file,
never from the command line, where the process list and the shell's history would show
them."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from framework.tooling.cli.common import EXIT_OK, UsageError

ENV_PREFIX = "env:"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``connections``."""
    connections = commands.add_parser("connections", help="the control plane's stored connections")
    actions = connections.add_subparsers(required=True, metavar="ACTION")
    rotate = actions.add_parser(
        "rotate-key",
        help="re-seal every stored secret with a new key (stop serve and workers first)",
    )
    rotate.add_argument(
        "--store",
        required=True,
        help="the control store's URL: sqlite:///actions-control.db or redis://HOST:PORT/DB",
    )
    rotate.add_argument(
        "--base",
        type=Path,
        default=Path(),
        help="the folder a relative sqlite:/// path is in (the configuration file's; default: .)",
    )
    old = rotate.add_mutually_exclusive_group()
    old.add_argument(
        "--old-key",
        metavar="env:NAME",
        help="the key the store is sealed with, from the environment",
    )
    old.add_argument(
        "--old-key-file",
        type=Path,
        help="the key file the store is sealed with (default: the one beside the store)",
    )
    rotate.add_argument(
        "--new-key",
        required=True,
        metavar="env:NAME",
        help="the new key, from the environment (then set [control] secret_key to it)",
    )
    rotate.set_defaults(handler=_rotate_key)


def _rotate_key(args: argparse.Namespace) -> int:
    # The store (sqlite3, redis, cryptography) loads with the command that uses it.
    from framework.core.keys import load_key, parse_keys  # noqa: PLC0415
    from framework.runtime.control.secrets import SecretBox  # noqa: PLC0415
    from framework.runtime.control.store import key_file_for, rotate_key  # noqa: PLC0415

    if args.old_key is not None:
        old_keys = parse_keys(_from_environment(args.old_key, "--old-key"), "--old-key")
    else:
        key_file = args.old_key_file or key_file_for(args.store, args.base)
        if not key_file.is_file():
            raise UsageError(f"no key file {key_file}: name the old key with --old-key")
        old_keys, _ = load_key(None, key_file)
    new_keys = parse_keys(_from_environment(args.new_key, "--new-key"), "--new-key")
    count = rotate_key(args.store, args.base, SecretBox(old_keys), SecretBox(new_keys))
    print(f"re-sealed {count} connection(s) with the new key")
    print('configure it: secret_key = "env:NAME" under [control], then start serve and workers')
    return EXIT_OK


def _from_environment(reference: str, option: str) -> str:
    """The value of the variable ``reference`` (``env:NAME``) names; a usage error naming
    the option or the variable (never a value)."""
    if not reference.startswith(ENV_PREFIX):
        raise UsageError(f"{option}: expected env:NAME (a key is never given on the command line)")
    name = reference.removeprefix(ENV_PREFIX)
    value = os.environ.get(name)
    if not value:
        raise UsageError(f"{option}: the environment variable {name} is not set")
    return value
