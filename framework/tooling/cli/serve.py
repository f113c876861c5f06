"""``actions serve``: the settings page on this machine (see :mod:`framework.runtime.server`), and
with ``--config`` the ingress and the control plane: connections stored beside the queue
(the file's destinations seeded as read-only ones), edited on the page and applied live.
SIGTERM or SIGINT stops it gracefully: no new requests, the ones under way answered, then
the runtime closed; the exit status is 0.

On an address that is not loopback, the page and its API need an admin token
(``ACTIONS_ADMIN_TOKEN``, else the configuration's ``[control] admin_token``): without one
``serve`` refuses to start (exit status 2); an ingress alone (``--no-ui``) needs none. A
configured token is asked for on any address.

A destination that connects with OAuth 2.0 needs the operator's client
(``ACTIONS_OAUTH_CLIENT_ID_<SLUG>`` and ``ACTIONS_OAUTH_CLIENT_SECRET_<SLUG>``,
:mod:`framework.engine.operator`); for each one configured, the server prints its redirect
URI, to register with the provider."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from framework.authoring.registry import discover
from framework.core.endpoint import ENDPOINT_VARIABLES
from framework.tooling.cli.common import (
    EXIT_OK,
    UsageError,
    operator_config,
)

if TYPE_CHECKING:
    from framework.authoring.definition import Destination
    from framework.engine.operator import OperatorConfig
    from framework.runtime.delivery.config import RuntimeConfig
    from framework.runtime.delivery.runtime import Runtime
    from framework.runtime.server import SettingsServer
    from framework.runtime.server.control_api import ControlApi

DEFAULT_PORT = 8321
ADMIN_TOKEN_VARIABLE = "ACTIONS_ADMIN_TOKEN"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``serve``."""
    serve = commands.add_parser(
        "serve", help="the settings page: configure a destination, test it, dry-run events"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (127.0.0.1: this machine only)"
    )
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT}; 0: any free one)"
    )
    serve.add_argument(
        "--schemas",
        type=Path,
        help="serve the schema files of this folder, with a warning for each stale one "
        "(default: the schemas generated from the installed destinations)",
    )
    serve.add_argument(
        "--endpoint",
        action="append",
        default=[],
        metavar="SLUG=URL",
        help="replace a destination's base URL, on the page and, with --config, for the "
        "runtime's destinations that set no endpoint (operator setting, repeatable); also "
        + ENDPOINT_VARIABLES,
    )
    serve.add_argument("--timeout", type=float, help="seconds per request (10)")
    serve.add_argument(
        "--config",
        type=Path,
        help="runtime configuration (TOML): also accept Segment's Tracking API on /v1/ "
        "(queued durably, delivered by workers) and serve /metrics",
    )
    serve.add_argument(
        "--no-workers",
        action="store_true",
        help="with --config: queue events only; `actions worker` delivers them",
    )
    serve.add_argument(
        "--no-ui",
        action="store_true",
        help="with --config: serve the Tracking API and /metrics only (an ingress machine)",
    )
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    # The servers and the runtime load with the command that serves, not with the parser.
    from framework.runtime.delivery.config import load_config  # noqa: PLC0415
    from framework.runtime.server import SettingsApi, SettingsServer  # noqa: PLC0415
    from framework.runtime.server.control_api import ControlApi  # noqa: PLC0415
    from framework.runtime.server.ingress import Ingress  # noqa: PLC0415
    from framework.runtime.web import StopSignals  # noqa: PLC0415
    from framework.tooling.cli.runtime import open_runtime  # noqa: PLC0415
    from framework.tooling.schema_files import stale_schemas  # noqa: PLC0415

    registry = discover()
    for name, reason in registry.broken.items():
        print(f"broken  {name}: {reason}", file=sys.stderr)
    if args.schemas is not None:
        for line in stale_schemas(args.schemas, registry.destinations.values()):
            print(f"warning: {line} (run `actions schemas`)", file=sys.stderr)
    operator = operator_from(args.endpoint, registry.destinations, timeout=args.timeout)
    if (args.no_workers or args.no_ui) and not args.config:
        raise UsageError("--no-workers and --no-ui need --config")
    config = load_config(args.config) if args.config else None
    token = admin_token(args.host, config, needed=not args.no_ui)
    runtime = None
    if args.config is not None:
        runtime = open_runtime(
            args.config,
            registry.destinations,
            workers=not args.no_workers,
            operator=operator,
            seed=True,
        )
    try:
        control = (
            _control_api(runtime, registry.destinations, operator) if runtime else ControlApi()
        )
        api = SettingsApi(registry.destinations, args.schemas, operator, control)
        server = SettingsServer(
            args.host,
            args.port,
            api,
            ingress=Ingress(runtime) if runtime else None,
            ui=not args.no_ui,
            admin_token=token,
        )
        try:
            with StopSignals() as signals:  # a signal while starting up stops it too
                _run(args, server, runtime, operator)
                signals.wait()
        finally:  # outside the block: a second signal interrupts the shutdown
            server.stop()  # no new requests; those under way are answered
    finally:
        if runtime is not None:
            runtime.close()  # deliveries in flight finish; unfinished leases are released
    return EXIT_OK


def admin_token(host: str, config: RuntimeConfig | None, *, needed: bool) -> str | None:
    """The admin token (``ACTIONS_ADMIN_TOKEN``, else the configuration's); a usage error
    when the page is ``needed`` on a non-loopback ``host`` and there is none."""
    from framework.core.guard import is_loopback  # noqa: PLC0415 (see _serve)

    token = os.environ.get(ADMIN_TOKEN_VARIABLE) or (config and config.control.admin_token)
    if not token and needed and not is_loopback(host):
        raise UsageError(
            f"{host} is not a loopback address: the page and its API need an admin token; "
            f'set {ADMIN_TOKEN_VARIABLE}, or admin_token = "env:NAME" under [control] in '
            "the configuration file"
        )
    return token or None


def _control_api(
    runtime: Runtime, destinations: Mapping[str, Destination], operator: OperatorConfig
) -> ControlApi:
    """The control plane's routes over the runtime's store, statistics and queue."""
    from framework.runtime.control.delivery_view import delivery_view, replay  # noqa: PLC0415
    from framework.runtime.control.service import ControlPlane  # noqa: PLC0415
    from framework.runtime.server.control_api import ControlApi  # noqa: PLC0415

    control = runtime.control
    assert control is not None  # open_runtime opens it
    plane = ControlPlane(control.store, destinations, runtime.config, operator)
    return ControlApi(
        plane,
        delivery=lambda name: delivery_view(control.stats, runtime.queue, name, time.time()),
        replay=lambda name, code: replay(runtime.queue, name, code, time.time()),
    )


def _run(
    args: argparse.Namespace,
    server: SettingsServer,
    runtime: Runtime | None,
    operator: OperatorConfig,
) -> None:
    """Start serving (and delivering, with a runtime that has workers)."""
    from framework.core.guard import is_loopback  # noqa: PLC0415 (see _serve)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    try:
        server.start()
    except OSError as error:  # the event loop words its strerror; the errno's is plainer
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {reason}") from None
    if not is_loopback(args.host):
        print(
            f"warning: {args.host} is not a loopback address: "
            + (
                "write keys and events travel over plain HTTP (put TLS in front)"
                if args.no_ui
                else "whoever reaches it can use the page, and settings (secrets included) "
                "travel over plain HTTP"
            ),
            file=sys.stderr,
        )
    if args.no_ui:
        print(f"Ingress on {server.url} (Ctrl-C to stop)", flush=True)
    else:
        print(f"Settings UI on {server.url} (Ctrl-C to stop)", flush=True)
        if operator.oauth_clients:  # a destination can be connected: where it comes back to
            connecting = ", ".join(sorted(operator.oauth_clients))
            print(f"OAuth redirect URI ({connecting}): {server.redirect_uri}", flush=True)
    if runtime is not None:
        runtime.start()
        print(f"Tracking API on {server.url}v1/, metrics on {server.url}metrics", flush=True)
        key_file = runtime.control.key_file if runtime.control else None
        if key_file is not None:
            print(f"Stored secrets are sealed with the key in {key_file}", flush=True)


def operator_from(
    options: list[str], destinations: Mapping[str, Destination], *, timeout: float | None
) -> OperatorConfig:
    """The operator configuration of ``serve``: the environment's (each destination's
    ``ACTIONS_ENDPOINT_<SLUG>``, ``ACTIONS_ALLOW_PRIVATE_TARGETS``), with the endpoints of
    ``--endpoint SLUG=URL`` options winning, and ``--timeout`` (``None``: the default)."""
    given = _endpoint_options(options, destinations)
    return operator_config(destinations, endpoints=given, timeout=timeout)


def _endpoint_options(
    options: list[str], destinations: Mapping[str, Destination]
) -> dict[str, str]:
    """Slug -> base URL of ``--endpoint SLUG=URL`` options; each an http(s) URL (messages
    never repeat what was given)."""
    from framework.core.endpoint import endpoint_problem  # noqa: PLC0415 (see _serve)

    found: dict[str, str] = {}
    for option in options:
        slug, sign, url = option.partition("=")
        if not sign or not url:
            raise UsageError("--endpoint: expected SLUG=URL")
        if slug not in destinations:
            known = ", ".join(sorted(destinations)) or "none"
            raise UsageError(f"--endpoint SLUG=URL: unknown destination slug (known: {known})")
        problem = endpoint_problem(url)
        if problem is not None:
            raise UsageError(f"--endpoint {slug}=…: the endpoint {problem}")
        found[slug] = url
    return found
