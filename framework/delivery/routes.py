"""Where events go: each source's routes (one per subscription of each configured
destination), each with its own :class:`DestinationRunner`, built once and reused. The
routes of one configured destination share its connection pool (one keep-alive
:class:`AiohttpTransport`) and its :class:`FlowControl` (in-flight limit, rate limit,
adaptive pause), so its limits hold across its subscriptions.

A route's id is ``<destination id>/<subscription name>``, e.g. ``perkville/Award Points``:
the queue stores it with each work item, so an ingress and separate workers that read the
same configuration agree on it.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from framework.definition import Destination
from framework.delivery.config import ConfigError, DestinationConfig, RuntimeConfig
from framework.engine.client import AiohttpTransport
from framework.engine.flow import FlowControl, FlowLimits
from framework.engine.transport import Transport
from framework.errors import ActionsError
from framework.execute import DestinationRunner, presets_as_subscriptions
from framework.guard import AddressGuard, private_targets_allowed
from framework.http import RetryPolicy
from framework.subscriptions import compile_subscription


@dataclass(frozen=True)
class Route:
    """One subscription of one destination: which events it takes, and its runner (that
    subscription alone, each request tried once: the queue owns retries)."""

    id: str
    matches: Callable[[Mapping[str, object]], bool]
    runner: DestinationRunner


@dataclass(frozen=True)
class Source:
    """A configured source: its name and routes (the write key stays in :class:`Routing`)."""

    name: str
    routes: tuple[Route, ...]

    def routes_for(self, event: Mapping[str, object]) -> tuple[str, ...]:
        """The ids of the routes whose subscription selects ``event``."""
        return tuple(route.id for route in self.routes if route.matches(event))


class Routing:
    """Every source of a configuration, found by write key; every route, by id.

    ``transport`` replaces the network for every runner (tests); raises
    :class:`ConfigError` naming the destination when one cannot be built (unknown slug,
    invalid settings or mappings). ``flows`` is each configured destination's flow
    control, by ``<source>/<destination id>``.
    """

    def __init__(
        self,
        config: RuntimeConfig,
        destinations: Mapping[str, Destination],
        *,
        transport: Transport | httpx.BaseTransport | None = None,
    ) -> None:
        self._keys: list[tuple[bytes, Source]] = []
        self._routes: dict[tuple[str, str], Route] = {}
        self._transports: list[Transport] = []
        self.flows: dict[str, FlowControl] = {}
        for s_index, source in enumerate(config.sources):
            routes: list[Route] = []
            for d_index, wanted in enumerate(source.destinations):
                where = f"sources[{s_index}].destinations[{d_index}] ({wanted.slug})"
                destination = _destination(wanted, destinations, where)
                endpoint = wanted.endpoint or os.environ.get(
                    f"ACTIONS_ENDPOINT_{wanted.slug.upper()}"
                )
                pool = transport or self._pool(
                    endpoint or destination.base_url,
                    wanted.max_in_flight or config.delivery.concurrency,
                )
                flow = FlowControl(FlowLimits(wanted.max_in_flight, wanted.rate_limit))
                self.flows[f"{source.name}/{wanted.id}"] = flow
                routes += _routes(
                    wanted,
                    destination,
                    endpoint=endpoint,
                    where=where,
                    timeout=config.delivery.timeout,
                    transport=pool,
                    flow=flow,
                )
            built = Source(source.name, tuple(routes))
            self._keys.append((source.write_key.encode(), built))
            self._routes.update({(source.name, route.id): route for route in routes})

    def source(self, write_key: str) -> Source | None:
        """The source whose write key this is (compared in constant time), or ``None``."""
        given = write_key.encode()
        found = None
        for key, source in self._keys:
            if hmac.compare_digest(key, given):
                found = source
        return found

    def route(self, source: str, route: str) -> Route | None:
        """A route by its source's name and its id."""
        return self._routes.get((source, route))

    def _pool(self, base_url: str | None, limit: int) -> Transport:
        """A destination's connection pool: its base URL's host is the operator's; any
        other host passes the address guard when connected to."""
        base = httpx.URL(base_url or "http://localhost")
        guard = AddressGuard(allow_private=private_targets_allowed())
        pool = AiohttpTransport(guard=guard, trusted=[base.host], limit=limit)
        self._transports.append(pool)
        return pool

    async def aclose(self) -> None:
        """Close every destination's connection pool (on the engine's loop)."""
        for pool in self._transports:
            await pool.close()


def _destination(
    wanted: DestinationConfig, destinations: Mapping[str, Destination], where: str
) -> Destination:
    destination = destinations.get(wanted.slug)
    if destination is None:
        known = ", ".join(sorted(destinations)) or "none"
        raise ConfigError(f"{where}: unknown destination (known: {known})")
    for action in wanted.mappings:
        if action not in destination.actions:
            raise ConfigError(f"{where}.mappings: {wanted.slug} has no action {action!r}")
    return destination


def _routes(
    wanted: DestinationConfig,
    destination: Destination,
    *,
    endpoint: str | None,
    where: str,
    timeout: float,
    transport: Transport | httpx.BaseTransport,
    flow: FlowControl,
) -> list[Route]:
    routes: list[Route] = []
    for subscription in presets_as_subscriptions(destination, wanted.mappings):
        route_id = f"{wanted.id}/{subscription.name}"
        if any(route.id == route_id for route in routes):
            route_id += f"#{len(routes) + 1}"
        try:
            runner = DestinationRunner(
                destination,
                wanted.settings,
                subscriptions=[subscription],
                base_url=endpoint,
                timeout=timeout,
                retry=RetryPolicy(max_attempts=1),
                transport=transport,
                flow=flow,
                show_requests=False,  # the queue keeps outcomes, not requests
            )
        except ActionsError as error:
            raise ConfigError(f"{where}: {error.message}") from None
        matches = compile_subscription(subscription.subscription).matches
        routes.append(Route(route_id, matches, runner))
    return routes
