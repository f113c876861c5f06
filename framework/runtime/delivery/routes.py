"""Where events go: each source's routes (one per subscription of each configured
destination), each with its own :class:`DestinationRunner`, built once and reused. The
routes of one configured destination share its connection pool (one keep-alive
:class:`AiohttpTransport`) and its :class:`FlowControl` (in-flight limit, rate limit,
adaptive pause), so its limits hold across its subscriptions.

A route's id is ``<destination id>/<action slug>/<preset key>``, e.g.
``perkville/award_points/default``: the queue stores it with each work item, so an ingress
and separate workers that read the same configuration agree on it. A preset's display name
is no part of it, so renaming a preset orphans nothing. Items queued before route ids took
this form carry ``<destination id>/<preset name>`` (``perkville/Award Points``, with
``#<n>`` after a name used twice): :meth:`Routing.route` resolves such a legacy id to the
route it named, so they are delivered after an upgrade rather than dead-lettered.

An event's ``integrations`` object chooses destinations as Segment's does: a destination is
named by its display name (``Perkville``, case-sensitive, as in Segment), its slug
(``perkville``) or its id in the configuration; ``false`` under any of its names turns it
off, ``true`` or an object of options under one turns it on, and a destination it does not
name follows ``All`` (on unless ``All`` is ``false``). Other values name nothing.

An event that no route of its source takes is not queued; :meth:`Source.unrouted` says why,
per configured destination, for the log: the event's ``integrations`` turned it off, or
the reason the destination declares for the event's type (``Destination.unmatched``, e.g.
Perkville's for identify calls), or "no subscription matched".

A destination's requests go to the configuration's ``endpoint`` for it, else to the
operator's endpoint for its slug (:class:`~framework.engine.operator.OperatorConfig`, built by the
command from ``--endpoint`` and ``ACTIONS_ENDPOINT_<SLUG>``), else to its own base URL. The
operator's configuration also says whether tenant URLs may reach private addresses; the
per-request time-out is the configuration's (``[delivery] timeout``).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from framework.authoring.definition import Destination
from framework.core.errors import ActionsError
from framework.core.guard import AddressGuard
from framework.engine.client import AiohttpTransport
from framework.engine.execute import (
    ActionSubscription,
    DestinationRunner,
    presets_as_subscriptions,
    unmatched_reason,
)
from framework.engine.flow import FlowControl, FlowLimits
from framework.engine.http import RetryPolicy
from framework.engine.oauth.session import TokenSessions, oauth_token_url, shared_sessions
from framework.engine.operator import OperatorConfig
from framework.engine.transport import Transport
from framework.languages.fql import compile_subscription
from framework.runtime.delivery.config import ConfigError, DestinationConfig, RuntimeConfig


@dataclass(frozen=True)
class Attached:
    """A destination attached to a source outside the configuration file (a connection
    of the control plane): its configuration, whether it takes new events, and FQL
    replacing the subscriptions of some of its actions (action slug -> FQL)."""

    source: str
    destination: DestinationConfig
    enabled: bool = True
    subscriptions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    """One subscription of one destination: which events it takes, its runner (that
    subscription alone, each request tried once: the queue owns retries), and the names
    an ``integrations`` object may call its destination by. A route that is not
    ``enabled`` (its connection is off) takes no new event; what is queued for it is
    still delivered."""

    id: str
    matches: Callable[[Mapping[str, object]], bool]
    runner: DestinationRunner
    names: tuple[str, ...]
    enabled: bool = True

    def takes(self, event: Mapping[str, object]) -> bool:
        """Whether ``event`` goes this way: the route is on, the event's ``integrations``
        allow the destination and the subscription selects it."""
        return self.enabled and not _turned_off(event, self.names) and self.matches(event)


@dataclass(frozen=True)
class Target:
    """A configured destination of a source, as far as explaining an event it does not
    take goes: its id, the names ``integrations`` may call it by, and its declared reasons
    by event type (``Destination.unmatched``)."""

    id: str
    names: tuple[str, ...]
    unmatched: Mapping[str, str]
    enabled: bool = True

    def reason(self, event: Mapping[str, object]) -> str:
        """Why no route of this destination takes ``event`` (which none does)."""
        if not self.enabled:
            return "the connection is disabled"
        if _turned_off(event, self.names):
            return "the event's integrations turn this destination off"
        return unmatched_reason(self.unmatched, event)


@dataclass(frozen=True)
class Source:
    """A configured source: its name, routes and destinations (the write key stays in
    :class:`Routing`)."""

    name: str
    routes: tuple[Route, ...]
    targets: tuple[Target, ...] = ()

    def routes_for(self, event: Mapping[str, object]) -> tuple[str, ...]:
        """The ids of the routes that take ``event``."""
        return tuple(route.id for route in self.routes if route.takes(event))

    def unrouted(self, event: Mapping[str, object]) -> dict[str, str]:
        """For an event no route takes: destination id -> why that destination does not."""
        return {target.id: target.reason(event) for target in self.targets}


def _turned_off(event: Mapping[str, object], names: tuple[str, ...]) -> bool:
    """Whether ``event``'s ``integrations`` object keeps it from the destination called
    ``names``."""
    integrations = event.get("integrations")
    return isinstance(integrations, dict) and not _allowed(integrations, names)


def _allowed(integrations: Mapping[str, object], names: tuple[str, ...]) -> bool:
    """Whether an ``integrations`` object lets an event reach the destination called
    ``names`` (see the module)."""
    flags = [integrations.get(name) for name in names]
    if any(flag is False for flag in flags):
        return False
    if any(flag is True or isinstance(flag, dict) for flag in flags):
        return True
    return integrations.get("All") is not False


class Routing:
    """Every source of a configuration, found by write key; every route, by id.

    ``operator`` is the operator's configuration (endpoints, private targets; none, by
    default); ``transport`` replaces the network for every runner (tests); ``attached``
    adds the control plane's connections to their sources. Raises :class:`ConfigError`
    naming the destination when one cannot be built (unknown slug or source, invalid
    settings or mappings). ``flows`` is each configured destination's flow control, by
    ``<source>/<destination id>``.
    """

    def __init__(
        self,
        config: RuntimeConfig,
        destinations: Mapping[str, Destination],
        *,
        operator: OperatorConfig | None = None,
        transport: Transport | httpx.BaseTransport | None = None,
        attached: Sequence[Attached] = (),
    ) -> None:
        self._operator = operator = operator or OperatorConfig()
        known = {source.name for source in config.sources}
        for extra in attached:
            if extra.source not in known:
                where = f"connection {extra.destination.id!r}"
                raise ConfigError(f"{where}: no source {extra.source!r} in the configuration")
        self._keys: list[tuple[bytes, Source]] = []
        self._routes: dict[tuple[str, str], Route] = {}
        self._legacy: dict[tuple[str, str], Route] = {}
        self._transports: list[Transport] = []
        self.flows: dict[str, FlowControl] = {}
        for s_index, source in enumerate(config.sources):
            routes: list[Route] = []
            targets: list[Target] = []
            filed = [
                (
                    f"sources[{s_index}].destinations[{d_index}] ({wanted.slug})",
                    Attached(source.name, wanted),
                )
                for d_index, wanted in enumerate(source.destinations)
            ]
            connected = [
                (f"connection {extra.destination.id!r} ({extra.destination.slug})", extra)
                for extra in attached
                if extra.source == source.name
            ]
            for where, entry in [*filed, *connected]:
                wanted = entry.destination
                destination = _destination(wanted, destinations, where)
                endpoint = wanted.endpoint or operator.endpoints.get(wanted.slug)
                pool = transport or self._pool(
                    [endpoint or destination.base_url, oauth_token_url(destination, operator)],
                    wanted.max_in_flight or config.delivery.concurrency,
                )
                flow = FlowControl(FlowLimits(wanted.max_in_flight, wanted.rate_limit))
                self.flows[f"{source.name}/{wanted.id}"] = flow
                built = _routes(
                    entry,
                    destination,
                    endpoint=endpoint,
                    where=where,
                    timeout=config.delivery.timeout,
                    allow_private_targets=operator.allow_private_targets,
                    transport=pool,
                    flow=flow,
                    sessions=shared_sessions(operator) if destination.oauth else None,
                )
                routes += built.values()
                self._legacy.update({(source.name, old): route for old, route in built.items()})
                names = _names(destination, wanted)
                targets.append(Target(wanted.id, names, destination.unmatched, entry.enabled))
            self._keys.append(
                (source.write_key.encode(), Source(source.name, tuple(routes), tuple(targets)))
            )
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
        """A route by its source's name and its id, or the legacy id (``<destination
        id>/<preset name>``) of an item queued before route ids took their stable form."""
        found = self._routes.get((source, route))
        return found if found is not None else self._legacy.get((source, route))

    def _pool(self, operator_urls: list[str | None], limit: int) -> Transport:
        """A destination's connection pool: the hosts of its base URL and of its OAuth
        token URL are the operator's; any other host passes the address guard when
        connected to."""
        trusted = [httpx.URL(url or "http://localhost").host for url in operator_urls]
        guard = AddressGuard(allow_private=self._operator.allow_private_targets)
        pool = AiohttpTransport(guard=guard, trusted=trusted, limit=limit)
        self._transports.append(pool)
        return pool

    async def aclose(self) -> None:
        """Close every destination's connection pool (on the engine's loop)."""
        for pool in self._transports:
            await pool.close()


def _names(destination: Destination, wanted: DestinationConfig) -> tuple[str, ...]:
    """The names an ``integrations`` object may call a configured destination by."""
    return tuple(dict.fromkeys((destination.name, destination.slug, wanted.id)))


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
    entry: Attached,
    destination: Destination,
    *,
    endpoint: str | None,
    where: str,
    timeout: float,
    allow_private_targets: bool,
    transport: Transport | httpx.BaseTransport,
    flow: FlowControl,
    sessions: TokenSessions | None,
) -> dict[str, Route]:
    """The routes of one configured destination, by their legacy ids (see the module)."""
    wanted = entry.destination
    routes: dict[str, Route] = {}
    names = _names(destination, wanted)
    for subscription in subscriptions_of(destination, wanted.mappings, entry.subscriptions):
        legacy = f"{wanted.id}/{subscription.name}"
        if legacy in routes:
            legacy += f"#{len(routes) + 1}"
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
                allow_private_targets=allow_private_targets,
                show_requests="failures",  # a failure's request is kept as a sample
                sessions=sessions,
            )
        except ActionsError as error:
            raise ConfigError(f"{where}: {error.message}") from None
        matches = compile_subscription(subscription.subscription).matches
        route_id = f"{wanted.id}/{subscription.action}/{subscription.key}"
        routes[legacy] = Route(route_id, matches, runner, names, entry.enabled)
    return routes


def subscriptions_of(
    destination: Destination,
    mappings: Mapping[str, Mapping[str, Any]],
    replaced: Mapping[str, str],
) -> list[ActionSubscription]:
    """The presets' subscriptions with ``mappings`` (see
    :func:`presets_as_subscriptions`), and ``replaced`` (action slug -> FQL) as the
    subscription of those actions: instead of their presets', or, for an action without a
    preset, as a subscription of its own (key ``custom``)."""
    found = presets_as_subscriptions(destination, {**{a: {} for a in replaced}, **mappings})
    found = [
        replace(sub, subscription=replaced[sub.action]) if sub.action in replaced else sub
        for sub in found
    ]
    covered = {sub.action for sub in found}
    found += [
        ActionSubscription(action, fql, mappings.get(action, {}), action, "custom")
        for action, fql in replaced.items()
        if action not in covered
    ]
    return found
